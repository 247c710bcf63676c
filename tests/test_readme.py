"""The README's code runs on the README's install, and prints what its text says.

Every ```python block of README.md is run, in order and in one namespace, in a
fresh interpreter where the packages that only an extra installs (``[test]``,
``[jets]``, ``[docs]``, ...) cannot be imported: the README's own install
command (``pip install torch -e .``) must be enough.  The claims of the text
around the snippets are then checked: the worst/median loss ratio it prints,
the plain-words topology warning, the kind of break and the sign of the
loss-versus-distance correlation.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Runs the snippets with the extras' packages hidden; prints one JSON line of results.
_DRIVER = textwrap.dedent(
    """
    import contextlib, importlib.abc, io, json, sys

    blocks, blocked = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))


    class HideExtras(importlib.abc.MetaPathFinder):
        # The usual finders, blind to the extras: those look uninstalled, to find_spec too.

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


    sys.meta_path[:] = [HideExtras(list(sys.meta_path))]
    import numpy as np
    import torch

    torch.set_num_threads(1)
    ns = {"__name__": "__readme__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, "README.md", "exec"), ns)
    from sktopo.diagnostics import locate_breaks, loss_vs_distance, topology_check

    X, errors, phi = ns["X"], ns["errors"], ns["phi"]
    print(json.dumps({
        "stdout": out.getvalue(),
        "ratio": float(errors.max() / np.median(errors)),
        "break_phi": float(phi[errors.argmax()]),
        "warnings": list(topology_check(X, latent_dim=1).warnings),
        "kind": locate_breaks(X, errors).kind,
        "spearman": loss_vs_distance(X, errors).spearman,
        "leaked": sorted(m for m in sys.modules if m.partition(".")[0] in blocked),
    }))
    """
)


def _python_blocks(text):
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def _name(requirement):
    """Normalised distribution name of a requirement string (``'dask[x]>=1' -> 'dask'``)."""
    return re.match(r"[A-Za-z0-9._-]+", requirement).group(0).lower().replace("_", "-")


def _with_dependencies(names):
    """``names`` and everything they require (extras of theirs excluded), as installed."""
    seen, stack = set(), list(names)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        stack += [_name(r) for r in requires if "extra ==" not in r.replace('"', "'")]
    return seen


def _extras_only_modules():
    """Top-level modules of packages that only an extra of sktopo installs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = _with_dependencies(_name(r) for r in project["dependencies"])
    extras = {_name(r) for reqs in project["optional-dependencies"].values() for r in reqs}
    modules = {}
    for module, dists in metadata.packages_distributions().items():
        for dist in dists:
            modules.setdefault(_name(dist), set()).add(module)
    hidden = set()
    for dist in extras - core:
        hidden |= modules.get(dist, {dist.replace("-", "_")})
    return sorted(hidden)


def test_readme_has_the_snippets_and_install_commands_this_file_checks():
    text = README.read_text()
    blocks = _python_blocks(text)
    assert len(blocks) == 2
    assert "reconstruction_error" in blocks[0] and "loss_vs_distance" in blocks[1]
    install = re.findall(r"^pip install .*$", text, flags=re.M)
    assert install[0].startswith('pip install "torch==') and " -e . " in install[0]
    # topology_check of the Diagnose snippet needs ripser: a core dependency, not an extra
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "ripser" in {_name(r) for r in project["dependencies"]}
    hidden = _extras_only_modules()
    assert {"hypothesis", "pandas", "h5py", "pythia8mc"} <= set(hidden)
    assert "ripser" not in hidden and "torch" not in hidden


@pytest.mark.slow
def test_readme_snippets_run_on_the_plain_install_and_print_what_the_text_says():
    text = README.read_text()
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, json.dumps(_python_blocks(text)),
         json.dumps(_extras_only_modules())],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert res["leaked"] == []
    printed = res["stdout"].splitlines()

    # "Use": the ratio it prints is the number its comment states, "hundreds to thousands"
    stated_ratio = float(re.search(r"# (\d+): hundreds to thousands", text).group(1))
    assert float(printed[0]) == pytest.approx(res["ratio"])
    assert 100 < res["ratio"] < 10_000
    assert res["ratio"] == pytest.approx(stated_ratio, rel=0.25), (
        "README.md states a different worst/median ratio; update its comment")
    assert 0.0 <= float(printed[1]) < 2 * np.pi
    assert float(printed[1]) == pytest.approx(res["break_phi"])

    # "Diagnose": the warning names the loop, one puncture, a clearly negative correlation
    assert any("cannot hold a loop" in w for w in res["warnings"])
    assert "cannot hold a loop" in printed[2]
    assert res["kind"] == "single puncture" and printed[3] == "single puncture"
    stated_rho = float(re.search(r"# (-\d\.\d+) \(< 0\)", text).group(1))
    assert res["spearman"] < -0.2
    assert float(printed[4]) == pytest.approx(res["spearman"])
    assert res["spearman"] == pytest.approx(stated_rho, abs=0.1), (
        "README.md states a different Spearman correlation; update its comment")
