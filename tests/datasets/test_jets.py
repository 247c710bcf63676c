"""make_jets: window, layout, seeding, the cache (hit, resume, interruption) and the physics."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal

pytest.importorskip("pythia8mc")
h5py = pytest.importorskip("h5py")

from sktopo.datasets import _jets, get_jets_home, make_jets  # noqa: E402
from sktopo.datasets._jet_pythia import chunk_seed, chunk_sizes  # noqa: E402

# Cheap settings: QCD without multi-parton interactions is ~120 jets/s on one core.
FAST = dict(mpi=False, chunk_size=10, random_state=7)


def _assert_same(a, b):
    for name in ("constituents", "jets", "n_constituents"):
        assert_array_equal(a[name], b[name])


def _assert_layout(data, n):
    c, jets = data.constituents, data.jets
    assert c.shape == (n, 200, 3) and jets.shape == (n, 4)
    assert np.all((jets[:, 0] >= 800) & (jets[:, 0] <= 900))
    assert np.all(np.abs(jets[:, 1]) < 1)
    pt = c[..., 0]
    assert np.all(np.diff(pt, axis=1) <= 0), "constituents sorted by decreasing pT"
    real = pt > 0
    assert_array_equal(real.sum(axis=1), np.minimum(data.n_constituents, 200))
    assert np.all(c[~real] == 0), "padding is zero"
    assert np.all(np.abs(c[real][:, 2]) <= np.pi)
    # the constituents' transverse momenta add up to the jet's (unless cut at 200)
    px = np.sum(pt * np.cos(c[..., 2]), axis=1)
    py = np.sum(pt * np.sin(c[..., 2]), axis=1)
    whole = data.n_constituents <= 200
    assert np.allclose(np.hypot(px, py)[whole], jets[whole, 0], rtol=1e-9)


def test_chunks_and_seeds():
    assert chunk_sizes(25, 10) == [10, 10, 5]
    assert chunk_sizes(20, 10) == [10, 10]
    seeds = {chunk_seed(0, i) for i in range(100)} | {chunk_seed(1, i) for i in range(100)}
    assert len(seeds) == 200 and all(1 <= s <= 900_000_000 for s in seeds)
    assert chunk_seed(5, 3) == chunk_seed(5, 3)


@pytest.mark.slow
def test_layout_determinism_and_chunk_invariance(tmp_path):
    a = make_jets("qcd", 25, data_home=tmp_path, **FAST)
    _assert_layout(a, 25)
    assert a.settings["random_state"] == 7 and a.settings["process"] == "qcd"
    assert "no Delphes" in a.DESCR
    # n_jobs=2 (loky processes) and the threading backend give the same bits
    b = make_jets("qcd", 25, cache=False, n_jobs=2, **FAST)
    _assert_same(a, b)
    with joblib.parallel_config(backend="threading"):
        c = make_jets("qcd", 25, cache=False, n_jobs=2, **FAST)
    _assert_same(a, c)
    # a smaller request is a prefix (chunks are seeded by index, not by count)
    d = make_jets("qcd", 13, cache=False, **FAST)
    _assert_same(d, {k: a[k][:13] for k in ("constituents", "jets", "n_constituents")})
    e = make_jets("qcd", 10, cache=False, **{**FAST, "random_state": 8})
    assert not np.array_equal(e.jets, a.jets[:10])


def test_cache_hit_reads_without_pythia(tmp_path, monkeypatch):
    a = make_jets("qcd", 15, data_home=tmp_path, **FAST)
    files = sorted(os.listdir(a.cache_path))
    assert files == ["chunk_000000.h5", "chunk_000001.h5", "settings.json"]
    with h5py.File(os.path.join(a.cache_path, "chunk_000001.h5")) as fh:
        assert fh.attrs["n_jets"] == 5 and fh.attrs["seed"] == chunk_seed(7, 1)

    def boom(*args, **kwargs):
        raise AssertionError("Pythia ran on a cache hit")

    monkeypatch.setattr(_jets, "generate_chunk", boom)
    _assert_same(make_jets("qcd", 15, data_home=tmp_path, **FAST), a)
    short = make_jets("qcd", 12, data_home=tmp_path, **FAST)
    _assert_same(short, {k: a[k][:12] for k in ("constituents", "jets", "n_constituents")})
    # another physics setting is another cache entry: it must generate
    with pytest.raises(AssertionError, match="cache hit"):
        make_jets("qcd", 15, data_home=tmp_path, **{**FAST, "pt_hat_min": 650.0})


def test_resume_generates_only_missing_chunks(tmp_path, monkeypatch):
    a = make_jets("qcd", 30, data_home=tmp_path, **FAST)
    os.remove(os.path.join(a.cache_path, "chunk_000001.h5"))
    calls = []
    real = _jets.generate_chunk

    def counting(config, seed, n_jets):
        calls.append(seed)
        return real(config, seed, n_jets)

    monkeypatch.setattr(_jets, "generate_chunk", counting)
    b = make_jets("qcd", 30, data_home=tmp_path, **FAST)
    assert calls == [chunk_seed(7, 1)]
    _assert_same(a, b)
    # a larger request reuses the cached chunks and extends a short last chunk
    calls.clear()
    make_jets("qcd", 35, data_home=tmp_path, **FAST)
    assert calls == [chunk_seed(7, 3)]


def test_data_home_env(tmp_path, monkeypatch):
    monkeypatch.setenv("SKTOPO_DATA", str(tmp_path))
    assert get_jets_home() == tmp_path / "jets"
    assert get_jets_home(tmp_path / "x") == tmp_path / "x" / "jets"


def test_unseeded_is_not_cached_and_verbose_shows_progress(tmp_path, capsys):
    data = make_jets("qcd", 2, mpi=False, data_home=tmp_path, verbose=True)
    assert data.cache_path is None and not os.listdir(tmp_path)
    assert "qcd jet chunks" in capsys.readouterr().err


def test_failed_init_names_settings_and_pythia_message():
    with pytest.raises(RuntimeError, match="HardQCD:all = off.*no process switched on"):
        make_jets("qcd", 2, pythia_settings=["HardQCD:all = off"], cache=False, random_state=0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(process="higgs"), "process must be one of"),
        (dict(n_jets=0), "n_jets must lie in"),
        (dict(n_jets=2.5), "n_jets must be a finite int"),
        (dict(parton_shower="herwig"), "parton_shower"),
        (dict(random_state=-1), "random_state must lie in"),
        (dict(detector="delphes"), "detector"),
        (dict(pt_range=(900.0, 800.0)), r"pt_range\[1\]"),
        (dict(pythia_settings="HardQCD:all = on"), "list of 'Key = value'"),
        (dict(pythia_settings=["Random:seed = 3"]), "random_state"),
        (dict(pythia_settings=["Foo:bar = 1"]), "'Foo:bar = 1'"),
        (dict(pythia_settings=["Beams:eCM = lots"]), "'Beams:eCM = lots'"),
        (dict(parton_shower="dire"), "PartonShowers:model = 3"),
        # integer parameters refuse bools, floats and strings
        (dict(n_jets=True), "n_jets must be a finite int"),
        (dict(n_jets="2"), "n_jets must be a finite int"),
        (dict(n_jets=2.0), "n_jets must be a finite int"),
        (dict(chunk_size=True), "chunk_size must be a finite int"),
        (dict(chunk_size=5.0), "chunk_size must be a finite int"),
        (dict(max_constituents="50"), "max_constituents must be a finite int"),
        (dict(max_constituents=False), "max_constituents must be a finite int"),
        (dict(n_jobs=True), "n_jobs must be None or a nonzero int"),
        (dict(n_jobs=1.5), "n_jobs must be None or a nonzero int"),
        (dict(n_jobs="2"), "n_jobs must be None or a nonzero int"),
        (dict(n_jobs=0), "n_jobs must be None or a nonzero int"),
        (dict(random_state=True), "random_state must be an int"),
        (dict(random_state=1.5), "random_state"),
        (dict(random_state="3"), "random_state"),
        (dict(cache="yes"), "cache must be a bool"),
        (dict(verbose="1"), "verbose must be a bool or an int"),
        (dict(verbose=-1), "verbose must be a bool or an int"),
        (dict(data_home=""), "working directory"),
        (dict(data_home="  ", cache=True), "working directory"),
    ],
)
def test_bad_inputs(kwargs, match):
    args = dict(process="qcd", n_jets=2, mpi=False, cache=False, random_state=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        make_jets(**args)


def test_absurd_n_jets_is_refused_at_once(tmp_path):
    """10**12 jets used to build a 16 GB chunk list before anything else."""
    start = time.perf_counter()
    with pytest.raises(ValueError, match="GiB of arrays, more than this machine"):
        make_jets("qcd", 10**12, random_state=0, data_home=tmp_path)
    assert time.perf_counter() - start < 5.0
    assert not (tmp_path / "jets").exists()


def test_empty_data_home_never_writes_into_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="working directory"):
        make_jets("qcd", 2, mpi=False, random_state=0, data_home="")
    with pytest.raises(ValueError, match="working directory"):
        get_jets_home("")
    assert not os.listdir(tmp_path)
    monkeypatch.setenv("SKTOPO_DATA", "")  # an empty variable counts as unset
    assert get_jets_home() != tmp_path / "jets" and get_jets_home().is_absolute()


def test_n_jobs_on_a_single_chunk_warns():
    """One chunk is one Pythia run: n_jobs=2 cannot split it without changing the jets."""
    with pytest.warns(UserWarning, match="n_jobs=2 cannot help: the 3 jets are one chunk"):
        a = make_jets("qcd", 3, mpi=False, random_state=0, cache=False, n_jobs=2)
    b = make_jets("qcd", 3, mpi=False, random_state=0, cache=False)  # n_jobs=1: same jets
    _assert_same(a, b)


def test_detector_towers():
    data = make_jets("top", 8, detector="towers", random_state=1, cache=False, chunk_size=8)
    _assert_layout(data, 8)
    eta = data.constituents[..., 1][data.constituents[..., 0] > 0]
    # towers sit at the centres of 0.1-wide eta cells
    cells = eta / 0.1 - 0.5
    assert np.allclose(cells, np.round(cells), atol=1e-9)


_INTERRUPTED = textwrap.dedent(
    """
    import sys
    from sktopo.datasets import make_jets
    make_jets("qcd", 100, mpi=False, chunk_size=10, random_state=7, data_home=sys.argv[1])
    """
)


def _default_sigint():
    """preexec_fn: Ctrl-C acts in the child even when the tests run in a background job.

    A shell starts background commands with SIGINT ignored, and children inherit
    that; the tests simulate a user pressing Ctrl-C, which is never ignored.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_sigint_leaves_complete_chunks_and_resumes(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED, str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_default_sigint,
    )
    folder = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        found = (
            list((tmp_path / "jets").glob("qcd-*/chunk_*.h5"))
            if (tmp_path / "jets").exists()
            else []
        )
        if len(found) >= 2:
            folder = found[0].parent
            break
        time.sleep(0.05)
    assert folder is not None, "no chunk appeared"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert b"KeyboardInterrupt" in err
    leftovers = sorted(p.name for p in folder.iterdir())
    chunks = [n for n in leftovers if n.startswith("chunk_")]
    assert leftovers == sorted(chunks + ["settings.json"]), f"temporary files left: {leftovers}"
    assert 2 <= len(chunks) < 10
    for name in chunks:
        with h5py.File(folder / name) as fh:
            assert fh["jets"].shape == (10, 4) and fh["constituents"].shape == (10, 200, 3)
    resumed = make_jets("qcd", 100, data_home=tmp_path, **FAST)
    fresh = make_jets("qcd", 100, cache=False, **FAST)
    _assert_same(resumed, fresh)


@pytest.mark.slow
def test_dask_local_cluster_matches_serial(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    ref = make_jets("qcd", 30, cache=False, **FAST)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with distributed.get_task_stream(client) as tasks, joblib.parallel_config("dask"):
            got = make_jets("qcd", 30, n_jobs=2, data_home=tmp_path, **FAST)
        assert {task["worker"] for task in tasks.data} <= set(client.scheduler_info()["workers"])
        assert tasks.data
    _assert_same(got, ref)


# ---- physics on the shared session sample (tests/conftest.py::jet_samples) -----------------


@pytest.mark.slow
@pytest.mark.parametrize("process", ["qcd", "top", "w", "gluino"])
def test_samples_window_and_layout(jet_samples, process):
    data = jet_samples[process]
    _assert_layout(data, len(data.jets))
    assert data.settings["mpi"] and data.settings["hadronization"]


@pytest.mark.slow
def test_samples_masses(jet_samples):
    mass = {p: jet_samples[p].jets[:, 3] for p in jet_samples}
    assert 150 <= np.median(mass["top"]) <= 210
    assert 330 <= np.median(mass["gluino"]) <= 470
    assert np.median(mass["qcd"]) < np.median(mass["top"]) - 30
    qcd = mass["qcd"]
    counts = [np.sum((qcd >= lo) & (qcd < lo + 100)) for lo in (100, 200, 300)]
    assert counts[0] > 2 * counts[1] > 0 and counts[1] > counts[2]
    # W jets: ungroomed R = 1 jets collect the underlying event, median ~110 GeV measured
    assert 80 <= np.median(mass["w"]) <= 140
