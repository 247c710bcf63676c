"""Hypothesis strategies for sktopo's data: manifold parameters, four-momenta, unit-cube points.

Import them in your own property tests::

    from hypothesis import given
    from sktopo.testing.strategies import unit_cube_points

The strategies live in private modules by topic and are re-exported here.
"""

from sktopo.testing._jet_strategies import *  # noqa: F401,F403
from sktopo.testing._jet_strategies import __all__ as _jet_all
from sktopo.testing._manifold_strategies import *  # noqa: F401,F403
from sktopo.testing._manifold_strategies import __all__ as _manifold_all
from sktopo.testing._physics_strategies import *  # noqa: F401,F403
from sktopo.testing._physics_strategies import __all__ as _physics_all

__all__ = [*_manifold_all, *_physics_all, *_jet_all]
