"""Data sets: manifolds of arXiv:2102.08380, phase-space bump hunts, Pythia jets, jet files."""

from sktopo.datasets._bump_hunt import make_bump_hunt
from sktopo.datasets._groups import make_so3, make_su2, make_torus, make_trefoil
from sktopo.datasets._jet_io import load_jets
from sktopo.datasets._jets import get_jets_home, make_jets
from sktopo.datasets._lhco import load_lhco
from sktopo.datasets._manifolds import (
    make_circle,
    make_double_cone,
    make_paraboloid,
    make_sphere,
)
from sktopo.datasets._stream import iter_jets

__all__ = [
    "get_jets_home",
    "iter_jets",
    "load_jets",
    "load_lhco",
    "make_bump_hunt",
    "make_circle",
    "make_double_cone",
    "make_jets",
    "make_paraboloid",
    "make_so3",
    "make_sphere",
    "make_su2",
    "make_torus",
    "make_trefoil",
]
