"""Relativistic kinematics: kernels, flat phase-space sampling, Dalitz features.

Conventions: natural units with ``sqrt_s`` setting the scale, four-vectors
``(E, px, py, pz)`` on the last axis, metric ``(+, -, -, -)``, events as rows of
``4 * n_particles`` numbers, particle indices 0-based (feature names 1-based).
"""

from sktopo.physics._collider import (
    cartesian_from_pt_eta_phi,
    delta_r,
    pt_eta_phi_from_cartesian,
    wrap_phi,
)
from sktopo.physics._dalitz import DalitzFeatures
from sktopo.physics._kinematics import (
    boost,
    boost_from_rest_frame,
    dalitz_boundaries,
    invariant_mass_squared,
    kallen,
    mass_squared_range,
    minkowski_dot,
    two_body_momentum,
)
from sktopo.physics._phase_space import PhaseSpaceSampler

__all__ = [
    "DalitzFeatures",
    "PhaseSpaceSampler",
    "boost",
    "boost_from_rest_frame",
    "cartesian_from_pt_eta_phi",
    "dalitz_boundaries",
    "delta_r",
    "invariant_mass_squared",
    "kallen",
    "mass_squared_range",
    "minkowski_dot",
    "pt_eta_phi_from_cartesian",
    "two_body_momentum",
    "wrap_phi",
]
