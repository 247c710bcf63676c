"""suggest_latent_space: a latent space with the data's topology from Betti numbers (issue 14)."""

from functools import partial

import numpy as np
import pytest

from sktopo.datasets import make_circle, make_double_cone, make_paraboloid, make_sphere, make_torus
from sktopo.detectors import AutoencoderDetector
from sktopo.diagnostics import LatentSpaceSuggestion, suggest_latent_space, topology_check
from sktopo.diagnostics._topology import _latent_space_choice


@pytest.mark.parametrize("betti, dim, space, words", [
    ([1, 1], 1, "sphere", "look like a circle"),
    ([1, 0, 1], 2, "sphere", "2-sphere"),
    ([1, 0, 0, 1], 3, "sphere", "3-sphere"),
    ([1, 2, 1], 2, "torus", "2-torus"),
    ([1, 3, 3], 3, "torus", "3-torus"),  # T^3 with max_dim=2: b1 = 3, b2 = C(3, 2)
    ([1, 0, 0], 2, "euclidean", "piece of R^2"),
    ([1, 0, 0], 5, "euclidean", "not computed"),  # S^5 unseen at max_dim=2
    ([1, 1, 0], 2, "euclidean", "thickened 1-sphere"),  # an annulus (or a noisy circle)
    ([1, 1, 1, 1], 3, "euclidean", "neither a sphere nor a torus"),  # RP^3 over Z/2
    ([2, 2, 0], 1, "euclidean", "2 separate pieces"),
    ([1, 2, 0], 2, "euclidean", "neither a sphere nor a torus"),  # a torus minus its cavity
])
def test_rule_hand_cases(betti, dim, space, words):
    betti = np.asarray(betti)
    got, reason = _latent_space_choice(betti, dim, float(dim), betti.size - 1)
    assert got == space
    assert words in reason


@pytest.mark.parametrize("sampler, space, latent_dim", [
    (make_circle, "sphere", 1),
    (make_sphere, "sphere", 2),
    (make_double_cone, "sphere", 2),
    (partial(make_torus, kind="clifford"), "torus", 2),
    (make_paraboloid, "euclidean", 2),
])
def test_manifolds(sampler, space, latent_dim):
    X, _ = sampler(2000, random_state=0)
    s = suggest_latent_space(X, n_subsample=200, random_state=0)
    assert isinstance(s, LatentSpaceSuggestion)
    assert (s.latent_space, s.latent_dim) == (space, latent_dim)
    assert s.params == {"latent_dim": latent_dim, "latent_space": space}
    AutoencoderDetector(**s.params)  # goes straight into the detector


def test_reuses_a_topology_result_and_two_circles():
    X, _ = make_circle(400, random_state=0)
    two = np.vstack([X, X + [5.0, 0.0]])
    result = topology_check(two, max_dim=1, n_subsample=150, random_state=0)
    s = suggest_latent_space(result)
    assert s.topology is result
    assert s.latent_space == "euclidean"
    assert "2 separate pieces" in s.reason


def test_higher_sphere_is_not_seen_below_its_dimension():
    X, _ = make_sphere(2000, n_dim=4, random_state=0)
    s = suggest_latent_space(X, max_dim=1, n_subsample=150, random_state=0)
    assert s.latent_space == "euclidean"
    assert "latent_space='sphere'" in s.reason and "not computed" in s.reason
