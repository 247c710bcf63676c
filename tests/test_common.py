"""scikit-learn's estimator checks over every public estimator of sktopo.

Cheap settings for each estimator live in one table, ``CHECK_INSTANCES``; every
expected failure is listed in ``EXPECTED_FAILED_CHECKS`` with its reason.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sktopo import AutoencoderDetector, PCADetector

CHECK_INSTANCES = [
    AutoencoderDetector(latent_dim=1, hidden_layer_sizes=(8,), max_epochs=3, random_state=0),
    AutoencoderDetector(
        latent_dim=1,
        hidden_layer_sizes=(8, 8),
        optimizer="adam",
        max_epochs=4,
        early_stopping=True,
        n_iter_no_change=2,
        random_state=0,
    ),
    PCADetector(n_components=1),
]

EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(CHECK_INSTANCES, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
