"""Efficiency, rejection, ROC and SIC: hand-counted cases, validation, invariances.

Also PhysicsRocDisplay, which draws physics_roc_curve.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sklearn.metrics import roc_auc_score, roc_curve  # noqa: E402

from sktopo.metrics import (  # noqa: E402
    efficiency_at_rejection,
    physics_roc_curve,
    rejection_at_efficiency,
    significance_improvement,
    significance_improvement_curve,
    threshold_at_rejection,
)
from sktopo.plotting._roc import PhysicsRocDisplay  # noqa: E402

# Background scores 0, 1, ..., 9 and four signal scores.
BKG = np.arange(10.0)
SIG = np.array([2.5, 7.5, 8.5, 10.0])
Y = np.r_[np.zeros(10), np.ones(4)]
SCORE = np.r_[BKG, SIG]

# Ties: background 0, 1, 1, 1, 2; signal 1 (tied with background), 1.5, 3.
BKG_TIE = np.array([0.0, 1.0, 1.0, 1.0, 2.0])
SIG_TIE = np.array([1.0, 1.5, 3.0])
Y_TIE = np.r_[np.zeros(5), np.ones(3)]
SCORE_TIE = np.r_[BKG_TIE, SIG_TIE]


@pytest.mark.parametrize(
    "eps_b, threshold, eps_s",
    [
        (1.0, -np.inf, 1.0),  # k = 10: nothing rejected
        (0.75, 2.0, 1.0),  # k = floor(7.5) = 7: keep 3..9; signal 2.5 passes
        (0.5, 4.0, 0.75),  # k = 5: keep 5..9
        (0.2, 7.0, 0.75),  # k = 2: keep 8, 9; signal 7.5, 8.5, 10
        (0.1, 8.0, 0.5),  # E10: k = 1
        (0.01, 9.0, 0.25),  # E100: k = 0, only signal above 9
        (0.0, 9.0, 0.25),
    ],
)
def test_efficiency_at_rejection_hand_counted(eps_b, threshold, eps_s):
    assert threshold_at_rejection(BKG, background_efficiency=eps_b) == threshold
    assert efficiency_at_rejection(Y, SCORE, background_efficiency=eps_b) == eps_s


@pytest.mark.parametrize(
    "allowed, threshold, eps_b, eps_s",
    [
        (0.8, 0.0, 0.8, 1.0),  # k = 4: cut above 0 keeps 1, 1, 1, 2
        (0.5, 1.0, 0.2, 2 / 3),  # k = 2, but the tie at 1 leaves only 2 above
        (0.2, 1.0, 0.2, 2 / 3),  # k = 1: same cut
        (0.0, 2.0, 0.0, 1 / 3),
    ],
)
def test_efficiency_at_rejection_ties(allowed, threshold, eps_b, eps_s):
    t = threshold_at_rejection(BKG_TIE, background_efficiency=allowed)
    assert t == threshold
    assert np.mean(BKG_TIE > t) == pytest.approx(eps_b)
    # the signal event tied with the threshold (score 1) is not selected
    got = efficiency_at_rejection(Y_TIE, SCORE_TIE, background_efficiency=allowed)
    assert got == pytest.approx(eps_s)


@pytest.mark.parametrize(
    "efficiency, expected",
    [
        (0.25, np.inf),  # m = 1: cut >= 10, no background
        (0.3, 10.0),  # m = ceil(1.2) = 2: cut >= 8.5 keeps background 9
        (0.5, 10.0),  # m = 2
        (0.75, 5.0),  # m = 3 (not 4 from 0.75 * 4 round-off): cut >= 7.5 keeps 8, 9
        (1.0, 10 / 7),  # cut >= 2.5 keeps 3..9
    ],
)
def test_rejection_at_efficiency_hand_counted(efficiency, expected):
    assert rejection_at_efficiency(Y, SCORE, efficiency) == pytest.approx(expected)


def test_rejection_at_efficiency_ties():
    # eps_S = 1: cut >= 1 selects the background tied at 1: 1, 1, 1, 2
    assert rejection_at_efficiency(Y_TIE, SCORE_TIE, 1.0) == pytest.approx(1.25)
    # m = ceil(1.5) = 2: cut >= 1.5 keeps background 2 only
    assert rejection_at_efficiency(Y_TIE, SCORE_TIE, 0.5) == pytest.approx(5.0)
    # 0.3 * 10 = 3.0000000000000004 must still mean 3 events
    y = np.r_[np.zeros(10), np.ones(10)]
    s = np.r_[np.arange(10.0), np.arange(10.0) + 0.5]
    # m = 3 (4 without the round-off slack): cut >= 7.5 keeps background 8, 9
    assert rejection_at_efficiency(y, s, 0.3) == pytest.approx(5.0)


def test_significance_improvement_hand_counted():
    assert significance_improvement(Y, SCORE) == pytest.approx(0.5 / np.sqrt(0.1))
    assert significance_improvement(Y, SCORE, background_efficiency=0.1) == pytest.approx(
        0.5 / np.sqrt(0.1))
    assert significance_improvement(Y, SCORE, background_efficiency=0.5) == pytest.approx(
        0.75 / np.sqrt(0.5))
    assert significance_improvement(Y, SCORE, threshold=5.0) == pytest.approx(0.75 / np.sqrt(0.4))
    assert significance_improvement(Y, SCORE, threshold=9.5) == np.inf  # eps_B = 0
    assert significance_improvement(Y, SCORE, threshold=10.0) == 0.0  # nothing selected
    with pytest.raises(ValueError, match="not both"):
        significance_improvement(Y, SCORE, background_efficiency=0.1, threshold=1.0)
    with pytest.raises(ValueError, match="threshold"):
        significance_improvement(Y, SCORE, threshold=np.nan)


def test_physics_roc_curve_hand_counted():
    # sklearn: thresholds inf, .8, .4, .35, .1; fpr 0, 0, .5, .5, 1; tpr 0, .5, .5, 1, 1
    y, s = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    eps_s, rejection, thresholds = physics_roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_array_equal(eps_s, [0.5, 1.0, 1.0])
    np.testing.assert_array_equal(rejection, [2.0, 2.0, 1.0])
    np.testing.assert_array_equal(thresholds, [0.4, 0.35, 0.1])
    eps_s, sic, _ = significance_improvement_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(sic, [0.5 / np.sqrt(0.5), 1.0 / np.sqrt(0.5), 1.0])


def test_physics_roc_curve_drops_infinite_rejection():
    eps_s, rejection, thresholds = physics_roc_curve(Y, SCORE, drop_intermediate=False)
    assert np.all(np.isfinite(rejection)) and rejection.min() == 1.0
    # the hardest cut kept selects background 9 (score >= 9), with signal 10
    assert thresholds[0] == 9.0 and eps_s[0] == 0.25 and rejection[0] == 10.0
    assert np.all(np.diff(eps_s) >= 0) and np.all(np.diff(rejection) <= 0)


@pytest.mark.parametrize(
    "y, score, match",
    [
        (np.zeros(4), np.arange(4.0), "both"),
        (np.ones(4), np.arange(4.0), "both"),
        ([-1, -1], np.arange(2.0), "both"),
        ([0, 1, 2, 1], np.arange(4.0), r"1 = signal, 0 = background, or .* -1 = outlier"),
        ([-1, 0, 1, 1], np.arange(4.0), r"got \[-1, 0, 1\]"),
        ([0.5, 1, 0.5, 1], np.arange(4.0), "pos_label="),
        (["a", "b", "a", "b"], np.arange(4.0), "pos_label="),
        ([0, 1, None, 1], np.arange(4.0), "mixed types"),
        ([0, 1, 0], np.arange(4.0), "entries"),
        ([0, 1, 0, 1], [0.0, np.nan, 1.0, 2.0], "finite"),
        ([0, 1, 0, 1], [0.0, np.inf, 1.0, 2.0], "finite"),
        ([0, 1, 0, 1], ["x", "y", "z", "w"], "numeric"),
        ([[0, 1], [0, 1]], np.arange(4.0), "1-dimensional"),
        ([0, 1], np.zeros((2, 1)), "1-dimensional"),
    ],
)
def test_input_validation(y, score, match):
    for func in (efficiency_at_rejection, rejection_at_efficiency, physics_roc_curve,
                 significance_improvement):
        with pytest.raises(ValueError, match=match):
            func(y, score)


@pytest.mark.parametrize("value", [-0.1, 1.5, np.nan, True, "0.9"])
def test_fraction_validation(value):
    with pytest.raises(ValueError, match="background_efficiency"):
        efficiency_at_rejection(Y, SCORE, background_efficiency=value)
    with pytest.raises(ValueError, match="efficiency"):
        rejection_at_efficiency(Y, SCORE, efficiency=value)
    with pytest.raises(ValueError, match="background_efficiency"):
        threshold_at_rejection(BKG, background_efficiency=value)
    with pytest.raises(ValueError, match="background_efficiency"):
        significance_improvement(Y, SCORE, background_efficiency=value)
    with pytest.raises(ValueError, match="background_score must not be empty"):
        threshold_at_rejection([], background_efficiency=0.1)


def test_bool_labels_accepted():
    assert efficiency_at_rejection(Y.astype(bool), SCORE, background_efficiency=0.1) == 0.5


# ----- the deprecated rejection = 1 - eps_B (issue 9, item 14) -------------------------------


@pytest.mark.parametrize("rejection", [0.0, 0.5, 0.8, 0.9, 0.99, 1.0])
def test_deprecated_rejection_still_works_and_warns(rejection):
    eps_b = 1.0 - rejection
    with pytest.warns(FutureWarning, match=r"rejection= .*deprecated.*background_efficiency="):
        old = efficiency_at_rejection(Y, SCORE, rejection)  # positional, as before
    assert old == efficiency_at_rejection(Y, SCORE, background_efficiency=eps_b)
    with pytest.warns(FutureWarning, match="1 / eps_B"):
        old = threshold_at_rejection(BKG, rejection=rejection)
    assert old == threshold_at_rejection(BKG, background_efficiency=eps_b)
    with pytest.warns(FutureWarning):
        old = significance_improvement(Y, SCORE, rejection=rejection)
    assert old == significance_improvement(Y, SCORE, background_efficiency=eps_b)


def test_rejection_reads_alike_in_both_directions():
    """eps_S at eps_B <= 0.1 is 0.5; and at eps_S = 0.5 the rejection 1 / eps_B is 10."""
    eps_s = efficiency_at_rejection(Y, SCORE, background_efficiency=0.1)
    assert eps_s == 0.5
    assert rejection_at_efficiency(Y, SCORE, efficiency=eps_s) == pytest.approx(1 / 0.1)


def test_deprecated_and_new_spelling_together_is_an_error():
    with pytest.raises(ValueError, match="not also the deprecated rejection"):
        efficiency_at_rejection(Y, SCORE, 0.9, background_efficiency=0.1)
    with pytest.raises(ValueError, match="not also"):
        threshold_at_rejection(BKG, 0.9, background_efficiency=0.1)


def test_deprecated_rejection_is_still_validated():
    with pytest.raises(ValueError, match="rejection must be in"):
        efficiency_at_rejection(Y, SCORE, rejection=2.0)


# ----- properties ---------------------------------------------------------------------------

SCORES = st.integers(-20, 20)  # small integers: plenty of ties, exact monotone transforms
EPS_B = st.floats(0.0, 1.0)


@st.composite
def labelled_scores(draw):
    bkg = draw(st.lists(SCORES, min_size=1, max_size=30))
    sig = draw(st.lists(SCORES, min_size=1, max_size=15))
    y = np.r_[np.zeros(len(bkg)), np.ones(len(sig))]
    return y, np.asarray(bkg + sig, dtype=float)


def _allowed_background(n_bkg, eps_b):
    """floor(eps_b * n_bkg), forgiving round-off below an integer."""
    return int(np.floor(eps_b * n_bkg + 1e-12 * n_bkg))


def _brute_force_efficiency(y, s, eps_b):
    """max eps_S over all cuts 'score > t' (t = -inf or a score) with eps_B <= eps_b."""
    bkg, sig = s[y == 0], s[y == 1]
    k = _allowed_background(bkg.size, eps_b)
    return max(np.mean(sig > t) for t in np.r_[-np.inf, s] if np.sum(bkg > t) <= k)


@given(labelled_scores(), EPS_B)
def test_efficiency_is_best_cut_on_roc_curve(data, eps_b):
    y, s = data
    eps_s = efficiency_at_rejection(y, s, background_efficiency=eps_b)
    assert eps_s == _brute_force_efficiency(y, s, eps_b)
    # the same number read off sklearn's full ROC curve
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    n_bkg = np.sum(y == 0)
    allowed = np.rint(fpr * n_bkg) <= _allowed_background(n_bkg, eps_b)
    assert eps_s == pytest.approx(tpr[allowed].max())
    # the cut never selects more than eps_b of the background
    t = threshold_at_rejection(s[y == 0], background_efficiency=eps_b)
    assert np.mean(s[y == 0] > t) <= eps_b + 1e-12


@given(labelled_scores(), EPS_B, st.sampled_from(["affine", "cube", "exp"]))
def test_invariant_under_increasing_transform(data, eps_b, kind):
    y, s = data
    f = {"affine": lambda x: 3.0 * x - 7.0, "cube": lambda x: x**3 + x,
         "exp": lambda x: np.exp(x / 5.0)}[kind]
    assert (efficiency_at_rejection(y, f(s), background_efficiency=eps_b)
            == efficiency_at_rejection(y, s, background_efficiency=eps_b))
    assert rejection_at_efficiency(y, f(s), 0.5) == rejection_at_efficiency(y, s, 0.5)
    assert significance_improvement(y, f(s), background_efficiency=eps_b) == pytest.approx(
        significance_improvement(y, s, background_efficiency=eps_b))


@given(labelled_scores(), st.lists(st.floats(0.01, 1.0), min_size=2, max_size=6))
def test_monotone(data, fractions):
    y, s = data
    fractions = sorted(fractions)
    eff = [efficiency_at_rejection(y, s, background_efficiency=b) for b in fractions]
    rej = [rejection_at_efficiency(y, s, e) for e in fractions]
    assert all(a <= b for a, b in zip(eff, eff[1:]))  # more background, more signal
    assert all(a >= b for a, b in zip(rej, rej[1:]))  # higher efficiency, lower rejection


@given(labelled_scores(), st.floats(0.001, 1.0))
def test_duality(data, eps_b):
    """A cut with eps_B <= b reaches E(b), so the rejection at E(b) is R(E(b)) >= 1 / b."""
    y, s = data
    eps_s = efficiency_at_rejection(y, s, background_efficiency=eps_b)
    if eps_s > 0:
        assert rejection_at_efficiency(y, s, eps_s) >= 1.0 / eps_b - 1e-9


@given(st.lists(SCORES, min_size=1, max_size=20), st.lists(SCORES, min_size=1, max_size=10),
       EPS_B)
def test_perfect_separation(bkg, sig, eps_b):
    sig = np.asarray(sig, dtype=float) + 100.0  # every signal above every background
    y = np.r_[np.zeros(len(bkg)), np.ones(sig.size)]
    s = np.r_[np.asarray(bkg, dtype=float), sig]
    assert efficiency_at_rejection(y, s, background_efficiency=eps_b) == 1.0
    assert rejection_at_efficiency(y, s, 1.0) == np.inf
    # and reversed, every signal below every background: only the empty cut keeps signal
    keep_all = threshold_at_rejection(-s[y == 0], background_efficiency=eps_b) == -np.inf
    assert efficiency_at_rejection(y, -s, background_efficiency=eps_b) == (
        1.0 if keep_all else 0.0)
    if eps_b == 1.0:
        assert keep_all
    elif eps_b < 1 - 1e-6:
        assert not keep_all


# ----- PhysicsRocDisplay --------------------------------------------------------------------


@pytest.fixture
def close_figures():
    yield
    plt.close("all")


def test_roc_display_draws_the_curve(close_figures):
    disp = PhysicsRocDisplay.from_predictions(Y, SCORE, name="toy")
    eps_s, rejection, _ = physics_roc_curve(Y, SCORE)
    x, y = disp.line_.get_data()
    np.testing.assert_array_equal(x, eps_s)
    np.testing.assert_array_equal(y, rejection)
    assert disp.ax_.get_yscale() == "log"
    assert disp.figure_ is disp.ax_.figure
    assert disp.roc_auc == pytest.approx(roc_auc_score(Y, SCORE))
    assert disp.line_.get_label() == f"toy (AUC = {roc_auc_score(Y, SCORE):.3f})"
    cx, cy = disp.chance_level_.get_data()
    np.testing.assert_allclose(cy, 1.0 / cx)  # random tagger: eps_B = eps_S
    low = min(eps_s[eps_s > 0].min(), 1e-2)  # reaches down to 1e-2 even for perfect taggers
    assert cx.min() == pytest.approx(low) and cx.max() == pytest.approx(1.0)


class FakeDetector:
    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)

    def score_samples(self, X):
        return self.scores


def test_roc_display_from_estimator_uses_minus_score_samples(close_figures):
    _, ax = plt.subplots()
    disp = PhysicsRocDisplay.from_estimator(FakeDetector(-SCORE), np.zeros((14, 1)), Y, ax=ax,
                                            plot_chance_level=False)
    assert disp.ax_ is ax and disp.chance_level_ is None
    x, y = disp.line_.get_data()
    eps_s, rejection, _ = physics_roc_curve(Y, SCORE)
    np.testing.assert_array_equal(x, eps_s)
    np.testing.assert_array_equal(y, rejection)
    assert disp.line_.get_label().startswith("FakeDetector (AUC = ")
    # plot() again with another name redraws on new axes
    again = disp.plot(name="renamed")
    assert again is disp and disp.ax_ is not ax
    assert disp.line_.get_label().startswith("renamed")
    with pytest.raises(ValueError, match="same length"):
        PhysicsRocDisplay(eps_s=[0.5, 1.0], rejection=[2.0])
