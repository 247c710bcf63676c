"""The gallery examples: well-formed, and every sktopo name they import exists.

Running the examples takes minutes each (they train networks), so CI builds the
docs without executing them; this catches the cheap mistakes (a renamed or
unexported name, a syntax error, a missing title) in a fraction of a second.
"""

import ast
import importlib
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.rglob("plot_*.py"))


def test_there_are_examples():
    assert len(SCRIPTS) >= 10


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_is_well_formed(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    docstring = ast.get_docstring(tree)
    assert docstring, "sphinx-gallery needs a docstring with a title"
    title, underline = docstring.splitlines()[:2]
    assert underline == "=" * len(underline) and len(underline) >= len(title.strip())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sktopo"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sktopo"):
                    importlib.import_module(alias.name)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_uses_public_api(path):
    """Examples teach the public API: no ``sktopo.<x>._private`` imports except experiments."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sktopo"):
            private = [part for part in node.module.split(".")[1:] if part.startswith("_")]
            assert not private or node.module.startswith("sktopo.experiments"), node.module
