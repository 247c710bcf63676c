"""The import graph of sktopo is layered: no circle, nothing imports upward.

Every import of an sktopo module (at module level or inside a function) is
read from the source with :mod:`ast`.  Each part of the package sits in one
layer of ``LAYERS`` (lowest first) and may import only from lower layers;
modules within one part may import each other, but not in a circle at module
level.  See docs/design.rst.
"""

import ast
from pathlib import Path

import pytest

import sktopo

ROOT = Path(sktopo.__file__).parent

#: Lowest first.  A part imports only from parts of lower layers.
LAYERS = [
    {"exceptions", "_config"},
    {"utils"},
    {"physics"},
    {"jets", "nn", "transport"},
    {"datasets", "base"},
    {"detectors", "diagnostics", "metrics", "testing"},
    {"plotting"},
    {"experiments", "utils.deploy"},
    {"sktopo"},
    {"_cli"},
]

#: Allowed exceptions, with the reason.
ALLOWED = {
    # sktopo.utils re-exports save/load/to_onnx, which import the detectors lazily
    ("utils", "utils.deploy"): "public names of sktopo.utils; the deploy modules import upward "
                               "only inside their functions",
}

_DEPLOY = {"_persist", "_onnx"}


def _part(module):
    """The part of the package a dotted module name belongs to."""
    parts = module.split(".")
    if parts[0] != "sktopo":
        return None
    if len(parts) == 1:
        return "sktopo"
    if parts[1] == "utils" and len(parts) > 2 and parts[2] in _DEPLOY:
        return "utils.deploy"
    return parts[1].removesuffix(".py")


def _module_name(path):
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path, *, top_level_only):
    """Dotted sktopo modules imported by the file at ``path``."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sktopo"):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("sktopo"))


SOURCES = sorted(ROOT.rglob("*.py"))


def _layer(part):
    for i, layer in enumerate(LAYERS):
        if part in layer:
            return i
    raise AssertionError(f"{part!r} is in no layer of tests/test_layers.py: add it")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_imports_upward(path):
    source = _part(_module_name(path))
    upward = []
    for target in _imports(path, top_level_only=False):
        dest = _part(target)
        if dest == source or (source, dest) in ALLOWED:
            continue
        if _layer(dest) >= _layer(source):
            upward.append(f"{target} ({dest}, layer {_layer(dest)})")
    assert not upward, (
        f"{path.relative_to(ROOT)} ({source}, layer {_layer(source)}) imports upward or "
        f"sideways: {upward}"
    )


def test_no_circle_at_module_level():
    modules = {_module_name(p): p for p in SOURCES}
    graph = {}
    for name, path in modules.items():
        deps = set()
        for target in _imports(path, top_level_only=True):
            # "from sktopo.x import y" may import the module sktopo.x.y
            deps.add(target if target in modules else target.rsplit(".", 1)[0])
        graph[name] = {d for d in deps if d in modules and d != name}
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for dep in graph[node]:
            if state.get(dep) == "open":
                cycle = stack[stack.index(dep):] + [dep]
                raise AssertionError("import circle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node)
