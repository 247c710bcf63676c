"""DalitzFeatures: values, names, errors and the scikit-learn transformer contract."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.ensemble import IsolationForest
from sklearn.pipeline import make_pipeline

from sktopo.physics import DalitzFeatures, PhaseSpaceSampler, invariant_mass_squared


@pytest.fixture(scope="module")
def events():
    return PhaseSpaceSampler(n_particles=4, sqrt_s=2.0, random_state=0).fit().sample(200)


def test_values_and_names(events):
    dalitz = DalitzFeatures().fit(events)
    assert dalitz.n_particles_ == 4 and dalitz.n_features_in_ == 16
    assert dalitz.pairs_ == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    names = dalitz.get_feature_names_out().tolist()
    assert names == ["s_12", "s_13", "s_14", "s_23", "s_24", "s_34"]
    S = dalitz.transform(events)
    assert S.shape == (200, 6) and S.dtype == np.float64
    for column, pair in enumerate(dalitz.pairs_):
        assert_allclose(S[:, column], invariant_mass_squared(events, pair))
    # massless 4 bodies: sum of all s_ij = s
    assert_allclose(S.sum(axis=1), 4.0, atol=1e-12)


def test_hand_computed_event():
    # photons of energy 1 along +z and -z, and one along +x
    event = np.array([[1.0, 0, 0, 1, 1, 0, 0, -1, 1, 1, 0, 0]])
    S = DalitzFeatures().fit_transform(event)
    assert_allclose(S, [[4.0, 2.0, 2.0]])
    assert_allclose(DalitzFeatures(normalize=True).fit_transform(event), [[0.5, 0.25, 0.25]])


def test_custom_pairs_and_normalize(events):
    dalitz = DalitzFeatures(pairs=[(2, 0), (1, 3)], normalize=True, n_particles=4)
    S = dalitz.fit_transform(events)
    assert dalitz.get_feature_names_out().tolist() == ["s_31", "s_24"]
    assert_allclose(S[:, 0], invariant_mass_squared(events, (0, 2)) / 4.0, rtol=1e-12)
    assert np.all((S >= -1e-12) & (S <= 1 + 1e-12))


def test_many_particles_use_separated_names():
    X = PhaseSpaceSampler(n_particles=10, random_state=0).fit().sample(3)
    names = DalitzFeatures(pairs=[(0, 9), (1, 2)]).fit(X).get_feature_names_out()
    assert names.tolist() == ["s_1_10", "s_2_3"]


@pytest.mark.parametrize(
    "params, n_columns, match",
    [
        ({}, 10, "n_features = 10"),
        ({}, 4, "n_features = 4"),
        ({"n_particles": 3}, 16, "n_particles=3 needs 4 \\* 3 = 12"),
        ({"pairs": [(0, 0)]}, 12, "distinct"),
        ({"pairs": [(0, 3)]}, 12, "\\[0, 2\\]"),
        ({"pairs": []}, 12, "empty"),
        ({"n_particles": 1}, 4, "n_particles"),
    ],
)
def test_errors(params, n_columns, match):
    with pytest.raises(ValueError, match=match):
        DalitzFeatures(**params).fit(np.ones((3, n_columns)))


def test_transform_checks_width_and_normalisation(events):
    dalitz = DalitzFeatures().fit(events)
    with pytest.raises(ValueError, match="16 features"):
        dalitz.transform(events[:, :12])
    with pytest.raises(ValueError, match="time-like"):
        DalitzFeatures(normalize=True).fit_transform(np.zeros((2, 8)))


def test_pipeline_before_a_detector(events):
    pipe = make_pipeline(DalitzFeatures(normalize=True), IsolationForest(random_state=0))
    pipe.fit(events)
    assert pipe.predict(events).shape == (200,)
    assert pipe[:-1].get_feature_names_out().tolist()[0] == "s_12"


def test_transformer_contract_on_physical_data(events, tmp_path):
    """The generic checks' intent, on data of the right width."""
    dalitz = DalitzFeatures()
    assert dalitz.fit(events) is dalitz
    first = dalitz.transform(events)
    assert_allclose(clone(dalitz).fit(events).transform(events), first)  # idempotent
    restored = pickle.loads(pickle.dumps(dalitz))
    assert_allclose(restored.transform(events), first)
    assert_allclose(dalitz.transform(events[::-1]), first[::-1])  # order invariant
    assert_allclose(dalitz.transform(events[:7]), first[:7])  # subset invariant
    assert_allclose(dalitz.transform(events.astype(np.float32)), first, rtol=0, atol=1e-6)
    assert_allclose(dalitz.transform(events.tolist()), first)
    memmap = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", shape=events.shape)
    memmap[:] = events
    memmap.flush()
    readonly = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert_allclose(DalitzFeatures().fit(readonly).transform(readonly), first)
    bad = events.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        dalitz.transform(bad)


@pytest.mark.parametrize(
    "pairs, match",
    [([(0.6, 1.2)], "0.6 is not an int"), ([(0, 1.0)], "1.0 is not an int"),
     ([(False, 1)], "False is not an int"), (["01"], "got '01'"), ("01", "pairs")],
)
def test_pairs_must_be_ints(pairs, match):
    """No silent truncation of float indices or iteration of strings (issue 9, item 6)."""
    X = PhaseSpaceSampler(random_state=0).fit().sample(5)
    with pytest.raises(ValueError, match=match):
        DalitzFeatures(pairs=pairs).fit(X)


@pytest.mark.parametrize("particles", [(0.7, 1.9), "01", (True, 1)])
def test_invariant_mass_squared_rejects_non_int_indices(particles):
    event = np.array([0.5, 0.0, 0.0, 0.5, 0.5, 0.0, 0.0, -0.5])
    with pytest.raises(ValueError, match="particles must"):
        invariant_mass_squared(event, particles)
