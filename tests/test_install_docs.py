"""The install instructions agree with pyproject.toml, and each extra does its job.

docs/install.rst's table of extras names every extra of pyproject.toml with
exactly its packages; the README, the install page and CI give the same docs
command; the ``test`` extra leaves NumPy free to be 2 (what a plain install
gets); the ``docs`` extra alone is enough for every module the API pages
import; each ``import_optional(module, extra)`` of the library names an extra
that exists and installs that module.
"""

import json
import re
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ROOT / "docs" / "install.rst"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = PROJECT["optional-dependencies"]
DOCS_COMMAND = ('pip install "torch==2.13.0" -e ".[docs]" && python -m sphinx -W --keep-going '
                "-b html -D plot_gallery=0 docs docs/_build/html")


def _name(requirement):
    """Normalised distribution name of a requirement (``'dask[x]>=1' -> 'dask'``)."""
    return re.match(r"[A-Za-z0-9._-]+", requirement).group(0).lower().replace("_", "-")


def _requires(dist):
    """Requirements of an installed distribution, its own extras left out."""
    try:
        requires = metadata.requires(dist) or []
    except metadata.PackageNotFoundError:
        return []
    return [r for r in requires if "extra ==" not in r.replace('"', "'")]


def _closure(requirements):
    """Distribution names of ``requirements`` and of all they require, as installed."""
    seen, stack = set(), [_name(r) for r in requirements]
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack += [_name(r) for r in _requires(name)]
    return seen


def _extras_table():
    """``{extra: installs cell}`` of the list-table under "Optional extras" in install.rst."""
    text = INSTALL.read_text()
    section = text[text.index("Optional extras"):text.index("\nGPUs\n")]
    table = section[section.index(".. list-table::"):]
    rows = re.split(r"^   \* - ", table, flags=re.M)[2:]  # [0]: options, [1]: header
    cells = {}
    for row in rows:
        parts = re.split(r"^     - ", row, flags=re.M)
        extra = re.fullmatch(r"``([\w-]+)``", parts[0].strip())
        assert extra, f"first cell of a row of the extras table is not an extra: {parts[0]!r}"
        cells[extra.group(1)] = " ".join(parts[1].split())
    return cells


def _literals(text):
    return re.findall(r"``([^`]+)``", text)


def test_install_page_lists_every_extra_with_its_packages():
    table = _extras_table()
    assert sorted(table) == sorted(EXTRAS), "the extras table and pyproject.toml disagree"
    for extra, requirements in EXTRAS.items():
        documented = {_name(lit) for lit in _literals(table[extra])}
        assert documented == {_name(r) for r in requirements}, (
            f"extra {extra!r}: the table lists {sorted(documented)}, pyproject.toml "
            f"{sorted(requirements)}")
        for lit in _literals(table[extra]):  # pins as in pyproject
            if "==" in lit:
                assert lit in requirements, (extra, lit)


def test_install_page_names_every_core_dependency():
    text = INSTALL.read_text()
    intro = text[:text.index("From a clone")]
    named = {_name(lit) for lit in _literals(intro)}
    missing = sorted({_name(r) for r in PROJECT["dependencies"]} - named)
    assert not missing, f"docs/install.rst does not name the dependencies {missing}"


def test_docs_command_is_the_same_in_readme_install_page_and_ci():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    install = INSTALL.read_text()
    for where, text in [("README.md", readme), (".ci/run", ci), ("docs/install.rst", install)]:
        commands = [line.strip() for line in text.splitlines() if "python -m sphinx" in line]
        assert commands == [DOCS_COMMAND], (where, commands)
    # CI builds the docs in their own environment, after the tests' one
    docs_step = ci[ci.index(DOCS_COMMAND) - 300:ci.index(DOCS_COMMAND)]
    assert "fresh_venv docs" in docs_step


def test_ci_runs_the_readme_test_command_and_checks_numpy_2():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = re.search(r'^(pip install "torch==[^"]+" -e "\.\[test\]") && (.*)$', readme,
                             re.M)
    assert test_command, "README.md has no test command"
    install, run = test_command.groups()
    # in CI: the install, the check that NumPy is 2 or later, then the tests
    step = ci[ci.index(install):]
    check = step.index("if int(numpy.__version__.split(\".\")[0]) < 2:")
    assert step.index(f"\n{run}\n") > check


def _allows_numpy_2(requirement):
    from packaging.requirements import Requirement

    req = Requirement(requirement)
    applies = req.marker is None or req.marker.evaluate({"extra": ""})
    # some NumPy 2 release satisfies it (pandas asks for numpy>=2.0.2 on new Pythons)
    return not applies or any(req.specifier.contains(v, prereleases=True)
                              for v in ("2.0.0", "2.0.2", "2.2.0", "2.4.0", "2.9.0"))


@pytest.mark.parametrize("extra", ["test", "docs"])
def test_extra_leaves_numpy_2_possible(extra):
    """Nothing the extra installs (directly or not) requires NumPy < 2."""
    pytest.importorskip("packaging")
    pins = []
    for dist in sorted(_closure(EXTRAS[extra] + PROJECT["dependencies"])):
        pins += [f"{dist}: {r}" for r in _requires(dist)
                 if _name(r) == "numpy" and not _allows_numpy_2(r)]
    pins += [r for r in EXTRAS[extra] if _name(r) == "numpy" and not _allows_numpy_2(r)]
    assert not pins, f"the {extra!r} extra would hold NumPy below 2: {pins}"


def test_the_numpy_1_extras_are_out_of_test():
    """``transport`` and ``bench`` (wasserstein: NumPy < 2) stay separate extras."""
    wasserstein = {"wasserstein"}
    assert {_name(r) for r in EXTRAS["transport"]} == wasserstein
    assert not wasserstein & {_name(r) for r in EXTRAS["test"] + EXTRAS["docs"]}


# The docs extra alone is enough for the API pages (they import every documented module).
_IMPORT_DOCUMENTED = textwrap.dedent(
    """
    import importlib, importlib.abc, json, sys

    blocked, names = set(json.loads(sys.argv[1])), json.loads(sys.argv[2])


    class HideOthers(importlib.abc.MetaPathFinder):
        def __init__(self, finders):
            self.finders = finders

        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in blocked:
                return None
            for finder in self.finders:
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    return spec
            return None


    sys.meta_path[:] = [HideOthers(list(sys.meta_path))]
    failed = []
    for module, attr in names:
        try:
            obj = importlib.import_module(module)
            for part in filter(None, attr.split(".")):
                obj = getattr(obj, part)
        except Exception as exc:
            failed.append(f"{module} {attr}: {type(exc).__name__}: {exc}")
    print(json.dumps(failed))
    """
)


def _documented_names():
    """``(module, attribute)`` of every module and autosummary entry of the docs' pages."""
    names = []
    for page in sorted((ROOT / "docs").rglob("*.rst")):
        if {"_build", "generated", "_templates", "auto_examples"} & set(page.parts):
            continue
        module, in_autosummary = None, False
        for line in page.read_text().splitlines():
            directive = re.match(r"\.\. (currentmodule|automodule|module):: (\S+)", line)
            if directive:
                module = directive.group(2)
                names.append((module, ""))
                in_autosummary = False
            elif line.startswith(".. autosummary::"):
                in_autosummary = True
            elif in_autosummary and re.fullmatch(r"   [A-Za-z_][\w.]*", line):
                names.append((module, line.strip()))
            elif in_autosummary and line and not line.startswith(" "):
                in_autosummary = False
    return sorted(set(names))


@pytest.mark.slow
def test_docs_extra_is_enough_for_the_api_pages():
    """What hid ``hypothesis`` (sktopo.testing.strategies) from a docs-only install."""
    allowed = _closure(PROJECT["dependencies"] + EXTRAS["docs"])
    others = _closure([r for reqs in EXTRAS.values() for r in reqs]) - allowed
    modules = {}
    for module, dists in metadata.packages_distributions().items():
        for dist in dists:
            modules.setdefault(_name(dist), set()).add(module)
    blocked = set()
    for dist in others:
        blocked |= modules.get(dist, {dist.replace("-", "_")})
    names = _documented_names()
    assert ("sktopo.testing.strategies", "") in names and len(names) > 50
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_DOCUMENTED, json.dumps(sorted(blocked)),
         json.dumps(names)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    failed = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not failed, "with only the docs extra installed: " + "; ".join(failed)


def test_import_optional_names_an_extra_that_installs_the_module():
    """``pip install "sktopo[EXTRA]"``, as an ImportError advises, provides the module."""
    calls = set()
    for path in (ROOT / "sktopo").rglob("*.py"):
        calls |= set(re.findall(r'import_optional\(\s*"([\w.]+)",\s*"([\w-]+)"\s*\)',
                                path.read_text()))
    assert len(calls) > 5
    modules = metadata.packages_distributions()
    core = _closure(PROJECT["dependencies"])
    wrong = []
    for module, extra in sorted(calls):
        if extra not in EXTRAS:
            wrong.append(f"{module!r} advises the extra {extra!r}, which pyproject.toml lacks")
            continue
        dists = {_name(d) for d in modules.get(module.partition(".")[0], [])}
        if not dists:
            continue  # not installed here: nothing to compare
        if not dists & (_closure(EXTRAS[extra]) | core):
            wrong.append(f"{module!r} ({sorted(dists)}) is not installed by the extra {extra!r}")
    assert not wrong, "; ".join(wrong)
