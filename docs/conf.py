"""Sphinx configuration for the sktopo documentation.

Build (as CI does, without executing the gallery)::

    python -m sphinx -W --keep-going -b html -D plot_gallery=0 docs docs/_build/html

Leave out ``-D plot_gallery=0`` to run the example scripts and render their
figures (slow: the examples train neural networks).  Set the environment
variable ``SKTOPO_DOCS_INTERSPHINX=1`` to link to the documentation of Python,
NumPy, scikit-learn, PyTorch, ... (needs internet access).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
ROOT_DIR = DOCS_DIR.parent
# Document the working tree even when sktopo is not installed in editable mode.
sys.path.insert(0, str(ROOT_DIR))
sys.path.insert(0, str(DOCS_DIR / "sphinxext"))

import sktopo  # noqa: E402

# -- Project information -----------------------------------------------------

project = "sktopo"
author = "sktopo developers"
copyright = "sktopo developers"
release = sktopo.__version__
version = ".".join(release.split(".")[:2])

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
language = "en"
default_role = "literal"

# -- autodoc / autosummary / numpydoc ---------------------------------------

autosummary_generate = True
autosummary_generate_overwrite = True
autosummary_imported_members = False
autodoc_default_options = {"member-order": "groupwise"}
autodoc_typehints = "none"  # numpydoc docstrings already give every type
autoclass_content = "class"

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- intersphinx -------------------------------------------------------------
# The build machines have no internet access: fetching inventories would emit
# warnings, which CI turns into errors.  Opt in with SKTOPO_DOCS_INTERSPHINX=1.

_INTERSPHINX = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "torch": ("https://docs.pytorch.org/docs/stable", None),
    "skorch": ("https://skorch.readthedocs.io/en/stable", None),
    "matplotlib": ("https://matplotlib.org/stable", None),
}
intersphinx_mapping = _INTERSPHINX if os.environ.get("SKTOPO_DOCS_INTERSPHINX") == "1" else {}
intersphinx_timeout = 10

# -- sphinx-gallery ----------------------------------------------------------
# ``plot_gallery`` is a separate config value registered by sphinx-gallery, so
# ``-D plot_gallery=0`` on the command line builds the gallery pages without
# running the scripts.

sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    # Only scripts named plot_*.py are gallery examples (matched on full paths) ...
    "filename_pattern": r"/plot_",
    # ... and every other file (helpers, data, scratch scripts) is skipped
    # (matched on the bare file name, or a full path: either form works).
    "ignore_pattern": r"(^|[\\/])(?!plot_)[^\\/]*$",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sktopo",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sktopo": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "show_memory": False,
    "min_reported_time": 5,
    "reset_modules": ("matplotlib", "gallery_setup.one_torch_thread"),
}

# -- HTML output -------------------------------------------------------------

try:
    import pydata_sphinx_theme  # noqa: F401
except ImportError:  # pragma: no cover - the [docs] extra installs it
    html_theme = "alabaster"
    html_theme_options = {}
else:
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navbar_align": "left",
        "show_toc_level": 2,
        "navigation_with_keys": False,
        # Other pages keep the theme's default (the page's table of contents).
        "secondary_sidebar_items": {
            # sphinx-gallery's download buttons on the example pages
            "auto_examples/**": ["page-toc", "sg_download_links"],
        },
        "footer_start": ["copyright"],
        "footer_end": ["sphinx-version"],
    }
    html_sidebars = {"index": [], "install": [], "changelog": [], "benchmarks": []}

html_title = f"sktopo {release}"
html_short_title = "sktopo"
html_static_path: list[str] = []
html_show_sourcelink = False
html_last_updated_fmt = None

# -- Which class members are documented --------------------------------------
# Class pages list the methods sktopo defines (and those it inherits from its
# own base classes).  Machinery inherited from scikit-learn, torch and skorch
# is documented upstream; of scikit-learn's only the estimator API a user
# calls directly is kept.

_SKLEARN_API = {"fit_predict", "fit_transform", "get_feature_names_out", "get_params", "set_params"}


def _skip_foreign_members(app, what, name, obj, skip, options):
    # ``what`` is the parent's type for autodoc ("class") but the member's own
    # type for autosummary's method tables ("method"); modules are left alone.
    if what == "module" or not callable(obj):
        return None
    module = getattr(obj, "__module__", None) or ""
    if module == "sktopo" or module.startswith("sktopo."):
        return None
    if module.startswith("sklearn") and name in _SKLEARN_API:
        return None
    return True


# -- Trailing underscores in numpydoc type specifications ---------------------
# scikit-learn style docstrings write shapes such as
# ``ndarray of shape (n_features_in_,)``.  numpydoc copies the type text into
# reST verbatim, where ``n_features_in_`` reads as a hyperlink reference and
# docutils reports an unknown target.  Escape such underscores in the type part
# of ``name : type`` lines before numpydoc sees the docstring.

_PARAM_LINE = re.compile(r"^(\s*[\w*][\w*, ]*\s:\s)(.+)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[\s,.;:)\]}]|$)")


def _escape_type_underscores(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        match = _PARAM_LINE.match(line)
        if match is None:
            continue
        head, spec = match.groups()
        # Leave inline literals (``...``) alone: backslashes would show there.
        parts = re.split(r"(``.*?``)", spec)
        parts = [
            part if part.startswith("``") else _TRAILING_UNDERSCORE.sub(r"\\_", part)
            for part in parts
        ]
        lines[i] = head + "".join(parts)


# -- Summaries that contain a period inside an inline literal ----------------
# autosummary cuts a docstring's first sentence at the first ". ", even inside
# ``...`` (Sphinx 9.0 no longer re-parses the candidate sentence), so a summary
# like "Minkowski scalar product ``p . q = ...``." loses its closing backquotes
# and docutils warns.  Extend such a cut to the end of the literal.

import sphinx.ext.autosummary as _autosummary  # noqa: E402

_sphinx_extract_summary = _autosummary.extract_summary


def _extract_summary(doc, settings):
    summary = _sphinx_extract_summary(doc, settings)
    if summary.count("``") % 2 == 0:
        return summary
    stanza = []
    for line in doc:
        if line.strip():
            stanza.append(line.strip())
        elif stanza:
            break
    summary = ""
    for piece in re.split(r"(?<=\.)\s+", " ".join(stanza)):
        summary = f"{summary} {piece}".strip()
        if summary.count("``") % 2 == 0:
            break
    return summary


def setup(app):
    _autosummary.extract_summary = _extract_summary
    app.connect("autodoc-skip-member", _skip_foreign_members)
    # Before numpydoc (default priority 500) turns the sections into reST.
    app.connect("autodoc-process-docstring", _escape_type_underscores, priority=400)
