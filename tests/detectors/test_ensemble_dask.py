"""ChartEnsembleDetector groups trained on a Dask cluster through joblib's 'dask' backend."""

import joblib
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone

from sktopo.datasets import make_circle
from sktopo.detectors import AutoencoderDetector
from sktopo.detectors._ensemble import ChartEnsembleDetector


@pytest.mark.slow
def test_dask_backend_matches_serial_fit():
    distributed = pytest.importorskip("dask.distributed")
    X, _ = make_circle(120, random_state=0)
    template = AutoencoderDetector(latent_dim=1, hidden_layer_sizes=(8,), max_epochs=4)
    ref = ChartEnsembleDetector(estimator=template, n_charts=4, random_state=0).fit(X)
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert sum(client.ncores().values()) == 2
        with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
            grouped = clone(ref).set_params(n_jobs=2).fit(X)
        # the groups ran as tasks on the cluster's workers
        workers = {task["worker"] for task in tasks.data}
        assert workers and workers <= set(client.scheduler_info()["workers"])
    assert len(grouped.nets_) == 2
    assert grouped.module_.n_members == 4
    assert_allclose(grouped.member_errors(X), ref.member_errors(X), rtol=1e-6)
    assert_allclose(grouped.score_samples(X), ref.score_samples(X), rtol=1e-6)
