"""Synthetic data sets: manifolds of arXiv:2102.08380 and phase-space bump hunts."""

from sktopo.datasets._bump_hunt import make_bump_hunt
from sktopo.datasets._groups import make_so3, make_su2, make_torus, make_trefoil
from sktopo.datasets._manifolds import (
    make_circle,
    make_double_cone,
    make_paraboloid,
    make_sphere,
)

__all__ = [
    "make_bump_hunt",
    "make_circle",
    "make_double_cone",
    "make_paraboloid",
    "make_so3",
    "make_sphere",
    "make_su2",
    "make_torus",
    "make_trefoil",
]
