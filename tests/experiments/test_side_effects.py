"""What the reproductions share: figures outside pyplot, the checks' lines, the registry."""

import ast
from pathlib import Path

import matplotlib
import pytest

import sktopo
from sktopo.experiments import EXPERIMENTS
from sktopo.experiments._common import check_lines, save, subplots, training_line
from sktopo.experiments._higher import run_spheres_nd, spheres_settings

PACKAGE = Path(sktopo.__file__).parent


def test_check_lines_of_both_shapes_agree():
    as_dict = {"breaks": (True, "ratio 616"), "at one point": (False, "two maxima")}
    as_list = [{"statement": s, "holds": h, "evidence": e} for s, (h, e) in as_dict.items()]
    expected = ["The paper's statements, as measured here:",
                "  [yes] breaks: ratio 616",
                "  [NO ] at one point: two maxima"]
    assert check_lines(as_dict) == check_lines(as_list) == expected
    assert check_lines({}, "checks:") == ["checks:"]


def test_training_line():
    d = dict(hidden_layer_sizes=[8, 8], latent_dim=1, optimizer="sgd", learning_rate=0.01,
             batch_size=64, max_epochs=20_000)
    assert training_line(1000, "points", d) == (
        "training: 1,000 points, hidden (8, 8), latent 1, sgd, lr=0.01, batch 64, "
        "20,000 epochs")


def test_subplots_outside_pyplot(tmp_path):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig, axes = subplots(2, 3, 4.0, 3.0)
    assert axes.shape == (2, 3) and fig.get_size_inches().tolist() == [12.0, 6.0]
    assert subplots(1, 2, 1.0, 1.0, squeeze=True)[1].shape == (2,)
    assert plt.get_fignums() == before
    path = save(fig, tmp_path / "grid.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_a_reproduction_leaves_backend_and_pyplot_alone(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    switched = []
    monkeypatch.setattr(matplotlib, "use", lambda *args, **kwargs: switched.append(args))
    before = plt.get_fignums()
    settings = spheres_settings()
    for s in settings.values():
        s.update(n_train=60, n_test=40)
        s["detector"]["max_epochs"] = 2
    run_spheres_nd(tmp_path, verbose=0, settings=settings)
    assert (tmp_path / "fig10_spheres.png").stat().st_size > 0
    assert switched == [] and plt.get_fignums() == before


def _backend_switches(path):
    """Lines of ``path`` that call ``matplotlib.use`` (doctest examples excluded)."""
    tree = ast.parse(path.read_text())
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "use" and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("matplotlib", "mpl")]


def test_only_the_cli_may_switch_the_backend():
    offenders = {str(p.relative_to(PACKAGE)): lines for p in PACKAGE.rglob("*.py")
                 if p.name != "_cli.py" and (lines := _backend_switches(p))}
    assert offenders == {}


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_every_reproduction_declares_its_runtimes(name):
    experiment = EXPERIMENTS[name]
    assert experiment.runtime and experiment.full_runtime
