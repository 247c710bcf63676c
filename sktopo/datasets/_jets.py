"""Jets from Pythia 8: :func:`make_jets`, generated in seeded chunks and cached on disk."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import warnings
from collections.abc import Sequence
from numbers import Integral, Real
from pathlib import Path

import joblib
import numpy as np
from sklearn.utils import Bunch
from tqdm import tqdm

from sktopo.datasets._jet_pythia import (
    PARTON_SHOWERS,
    PROCESSES,
    chunk_seed,
    generate_chunk,
)
from sktopo.exceptions import CacheIntegrityWarning
from sktopo.utils._atomic import atomic_path
from sktopo.utils._optional import import_optional
from sktopo.utils._random import draw_seeds

__all__ = ["CacheIntegrityWarning", "get_jets_home", "make_jets"]

# 2: chunks carry a sha256 checksum (chunks of format 1 are not found, not trusted)
_FORMAT_VERSION = 2
_ARRAYS = ("constituents", "jets", "n_constituents")
_DTYPES = {
    "constituents": np.dtype(np.float64),
    "jets": np.dtype(np.float64),
    "n_constituents": np.dtype(np.int64),
}

_DESCR = """Jets generated with Pythia 8 (pythia8mc {pythia}), after arXiv:1808.08992 Sec. II.

process: {process} ({hard}); pp at sqrt(s) = {ecm:g} GeV, PhaseSpace:pTHatMin = {pt_hat_min:g} GeV.
Multi-parton interactions: {mpi}; hadronisation: {hadronization}; parton shower: {parton_shower}.
Jets: anti-kT R = {jet_radius:g} on visible final-state particles (Pythia's SlowJet with fjcore),
pT in [{pt_lo:g}, {pt_hi:g}] GeV, |eta| < {eta_max:g}; every jet of an event in the window is kept.
{matching}
Detector: {detector}
constituents: (n_jets, {max_constituents}, 3) = (pT [GeV], eta, phi), sorted by decreasing pT,
zero-padded; jets: (pT, eta, phi, mass) of the jet's four-momentum [GeV].
random_state = {random_state}, {n_chunks} chunk(s) of up to {chunk_size} jets.
"""


def get_jets_home(data_home: str | os.PathLike | None = None) -> Path:
    """Folder of the jet cache: ``data_home``, else ``$SKTOPO_DATA``, else scikit-learn's.

    The default is ``<sklearn.datasets.get_data_home()>/sktopo`` (scikit-learn
    honours ``$SCIKIT_LEARN_DATA``; usually ``~/scikit_learn_data/sktopo``).
    Jets live in its ``jets`` subfolder, one folder per set of settings.  An
    empty ``data_home`` is refused (it would mean the working directory); an
    empty ``$SKTOPO_DATA`` counts as unset.

    Examples
    --------
    >>> from sktopo.datasets import get_jets_home
    >>> get_jets_home("/tmp/my_data").as_posix()
    '/tmp/my_data/jets'
    """
    if data_home is not None:
        if isinstance(data_home, (bool, np.bool_)) or not isinstance(data_home, (str, os.PathLike)):
            raise ValueError(f"data_home must be a path or None; got {data_home!r}.")
        if not os.fspath(data_home).strip():
            raise ValueError(
                "data_home='' would write into the working directory; give a folder, or "
                "None for the default."
            )
    root = data_home if data_home is not None else os.environ.get("SKTOPO_DATA") or None
    if root is None:
        from sklearn.datasets import get_data_home

        root = os.path.join(get_data_home(), "sktopo")
    return Path(root).expanduser() / "jets"


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX
        return None


def _check_fits_in_memory(n_jets: int, max_constituents: int) -> None:
    """Refuse, before any work, a request whose returned arrays exceed the machine's memory."""
    need = n_jets * (max_constituents * 3 * 8 + 4 * 8 + 8)
    have = _physical_memory()
    if have is not None and need > have:
        raise ValueError(
            f"n_jets={n_jets} with max_constituents={max_constituents} would return "
            f"{need / 2**30:,.1f} GiB of arrays, more than this machine's "
            f"{have / 2**30:,.1f} GiB of memory; ask for fewer jets per call (the cache "
            "makes the first jets of a larger request equal a smaller one's)."
        )


def _check_choice(value, name: str, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}; got {value!r}.")
    return value


def _check_number(value, name: str, low: float, high: float = np.inf, integer=False):
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, kind) or not np.isfinite(value):
        raise ValueError(
            f"{name} must be a finite {'int' if integer else 'number'}; got {value!r}."
        )
    if not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low}, {high}]; got {value!r}.")
    return int(value) if integer else float(value)


def _check_settings(pythia_settings) -> list[str]:
    if isinstance(pythia_settings, str) or not isinstance(pythia_settings, Sequence):
        raise ValueError(
            f"pythia_settings must be a list of 'Key = value' strings; got {pythia_settings!r}."
        )
    out = []
    for line in pythia_settings:
        if not isinstance(line, str) or "=" not in line:
            raise ValueError(f"each Pythia setting must be a 'Key = value' string; got {line!r}.")
        if line.split("=")[0].strip().lower() in ("random:seed", "random:setseed"):
            raise ValueError(f"set the seed with random_state, not {line!r}.")
        out.append(line.strip())
    return out


def _pythia_version() -> str:
    try:
        return importlib.metadata.version("pythia8mc")
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cache_key(config: dict) -> str:
    text = json.dumps(config, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _checksum(arrays: dict, attrs: dict) -> str:
    """sha256 of a chunk's identity (key, index, seed, row count) and of its arrays' bytes."""
    h = hashlib.sha256()
    identity = {k: attrs[k] for k in ("cache_key", "chunk", "seed", "n_jets")}
    h.update(json.dumps(identity, sort_keys=True, default=int).encode())
    for name in _ARRAYS:
        a = np.ascontiguousarray(arrays[name])
        h.update(f"|{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def _expected_shapes(n: int, max_constituents: int) -> dict[str, tuple[int, ...]]:
    return {
        "constituents": (n, max_constituents, 3),
        "jets": (n, 4),
        "n_constituents": (n,),
    }


def _read_chunk(
    path: Path, n_needed: int, key: str, config: dict, index: int, seed: int
) -> tuple[dict | None, str | None]:
    """The first ``n_needed`` jets of a cached chunk, after checking it.

    Returns ``(arrays, None)`` for a chunk that passes every check, else
    ``(None, reason)``; ``reason`` is None when there is no file or when the
    file is a valid chunk of fewer jets than needed (a shorter earlier
    request), i.e. when regenerating is routine.  Checked: the settings
    (cache key and the settings text), the chunk's index and seed, its row
    count (attribute and every dataset), shapes and dtypes, and the sha256
    checksum of its identity and arrays.
    """
    if not path.exists():
        return None, None
    h5py = import_optional("h5py", "jets")
    try:
        with h5py.File(path, "r") as fh:
            attrs = dict(fh.attrs)
            if attrs.get("cache_key") != key:
                return None, f"its cache key {attrs.get('cache_key')!r} is not {key!r}"
            if attrs.get("settings") != json.dumps(config, sort_keys=True):
                return None, "its recorded settings differ from this call's"
            if "chunk" not in attrs or int(attrs["chunk"]) != index:
                return None, f"it records chunk index {attrs.get('chunk')}, not {index}"
            if "seed" not in attrs or int(attrs["seed"]) != seed:
                return None, f"it records seed {attrs.get('seed')}, not {seed}"
            n_rows = int(attrs["n_jets"])
            if n_rows < n_needed:
                return None, None  # a valid shorter chunk: extended by generating it again
            expected = _expected_shapes(n_rows, config["max_constituents"])
            arrays = {}
            for name in _ARRAYS:
                if name not in fh:
                    return None, f"dataset {name!r} is missing"
                data = fh[name]
                if data.shape != expected[name]:
                    return None, (
                        f"dataset {name!r} has shape {data.shape}, its attributes say "
                        f"{expected[name]}"
                    )
                if data.dtype != _DTYPES[name]:
                    return None, f"dataset {name!r} has dtype {data.dtype}"
                arrays[name] = data[()]
            stored = attrs.get("sha256")
            if stored is None:
                return None, "it has no checksum"
            if _checksum(arrays, attrs) != stored:
                return None, "its checksum does not match its contents"
            out = {name: arrays[name][:n_needed] for name in _ARRAYS}
            out["n_events"] = np.array(attrs["n_events"] if n_rows == n_needed else -1)
            return out, None
    except (OSError, KeyError, ValueError, TypeError) as exc:
        return None, f"it cannot be read ({type(exc).__name__}: {exc})"


def _write_chunk(path: Path, arrays: dict, attrs: dict) -> None:
    """Write one chunk atomically: a temporary file in the same folder, then a rename.

    The attributes get the chunk's sha256 checksum (see :func:`_checksum`).
    """
    h5py = import_optional("h5py", "jets")
    attrs = {**attrs, "sha256": _checksum(arrays, attrs)}
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as fh:
        for name in _ARRAYS:
            fh.create_dataset(name, data=arrays[name], compression="gzip", compression_opts=1)
        for k, v in attrs.items():
            fh.attrs[k] = v


def _write_settings(folder: Path, config: dict) -> None:
    path = folder / "settings.json"
    if not path.exists():
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(config, indent=1, sort_keys=True))


def _indexed_chunk(config: dict, seed: int, n_jets: int, index: int):
    return index, generate_chunk(config, seed, n_jets)


def make_jets(
    process: str,
    n_jets: int,
    *,
    mpi: bool = True,
    hadronization: bool = True,
    parton_shower: str = "simple",
    detector: str | None = None,
    pt_range: tuple[float, float] = (800.0, 900.0),
    eta_max: float = 1.0,
    jet_radius: float = 1.0,
    ecm: float = 13000.0,
    pt_hat_min: float = 700.0,
    gluino_mass: float = 400.0,
    max_constituents: int = 200,
    pythia_settings: Sequence[str] = (),
    chunk_size: int = 500,
    random_state: int | np.random.RandomState | None = None,
    n_jobs: int | None = None,
    data_home: str | os.PathLike | None = None,
    cache: bool = True,
    verbose: bool = False,
) -> Bunch:
    """Generate QCD, top, W or gluino jets with Pythia 8, in seeded chunks, cached on disk.

    The physics follows arXiv:1808.08992 Sec. II: pp collisions at 13 TeV,
    anti-kT jets of radius 1.0 with pT in [800, 900] GeV and ``|eta| < 1``.
    Signal jets (``'top'``, ``'w'``, ``'gluino'``) are truth-matched: all
    decay partons of one top, W or gluino (from Pythia's hard-process record)
    lie within Delta R < 0.6 of the jet axis.  Every jet of an event that
    passes is kept, in Pythia's order.

    **No detector is simulated by default**: the jets are built from all
    visible final-state particles (neutrinos excluded) with exact momenta,
    no pile-up, no tracker or calorimeter (no Delphes).  ``detector='towers'``
    applies a simple calorimeter, see below.

    Jets are generated in chunks of ``chunk_size``; chunk ``i`` uses a fresh
    Pythia seeded from ``(random_state, i)``, so the result is bitwise the
    same for any ``n_jobs`` and any joblib backend (Dask's included), and the
    first jets of a larger request equal a smaller one's.  With an integer
    ``random_state`` each chunk is written to the cache as soon as it is
    made (an HDF5 file written atomically), so an interrupted call loses at
    most the chunks in flight and the next call with the same settings
    resumes; a repeated call reads instead of generating.

    **The cache is checked, never trusted blindly.**  Each chunk file records
    its settings (cache key and the settings text), its index, its seed, its
    number of jets and a sha256 checksum of these and of its arrays' bytes.
    On reading, a chunk whose settings, index or seed differ (a file swapped
    with another chunk's), whose datasets have other shapes than its
    attributes say (a short or truncated chunk), whose checksum does not
    match (a duplicated chunk with edited attributes, a tampered value) or
    that has no checksum or cannot be read is generated again with a
    :class:`CacheIntegrityWarning` naming the file and the reason; it is
    never returned.  A valid chunk of fewer jets than needed (left by a
    smaller request) is extended silently.

    Parameters
    ----------
    process : {'qcd', 'top', 'w', 'gluino'}
        ``'qcd'``: ``HardQCD:all``; ``'top'``: ttbar with hadronic W decays;
        ``'w'``: W + jet with hadronic W decays; ``'gluino'``: pairs of RPV
        gluinos of mass ``gluino_mass`` decaying to ``u d s`` (an SLHA
        spectrum with ``MODSEL 4 1`` and the RPV blocks, written by sktopo).
    n_jets : int
        Number of jets, ``>= 1``.  A request whose returned arrays would
        exceed the machine's memory is refused at once (chunks are planned
        lazily, nothing is generated).
    mpi : bool, default=True
        Multi-parton interactions (``PartonLevel:MPI``).
    hadronization : bool, default=True
        Hadronisation and decays (``HadronLevel:all``); off, the jets are
        made of partons.
    parton_shower : {'simple', 'vincia', 'dire'}, default='simple'
        ``PartonShowers:model`` 1, 2 or 3.  Pythia 8.317 no longer ships Dire:
        ``'dire'`` raises the ValueError Pythia's rejection of the setting
        gives.
    detector : {None, 'towers'}, default=None
        None: particle level.  ``'towers'``: the particle-level jet's
        constituents are summed into calorimeter towers of
        ``0.1 x 2 pi / 63`` in (eta, phi), each tower energy is smeared by a
        Gaussian of ``sigma_E = sqrt((0.0302 E)^2 + 0.5205^2 E + 1.59^2)``
        GeV (the hadronic calorimeter of Delphes' ATLAS card), towers become
        massless at their cell centres, and the jet (the sum of its towers)
        must then pass the pT and eta window.  Not re-clustered; no tracker,
        no electromagnetic calorimeter, no pile-up.
    pt_range : (float, float), default=(800.0, 900.0)
        Window of the jet pT in GeV.
    eta_max : float, default=1.0
        Jets have ``|eta| < eta_max``.
    jet_radius : float, default=1.0
        Anti-kT radius R.
    ecm : float, default=13000.0
        Centre-of-mass energy in GeV.
    pt_hat_min : float, default=700.0
        ``PhaseSpace:pTHatMin`` in GeV (700 does not bias the default window:
        measured against 600; 750 loses 13 % of the QCD jets).
    gluino_mass : float, default=400.0
        Gluino mass in GeV (``process='gluino'``).
    max_constituents : int, default=200
        Length of the constituent axis: the hardest are kept (the number
        before the cut is in ``n_constituents``).
    pythia_settings : sequence of str, default=()
        Extra ``'Key = value'`` lines for Pythia, read after sktopo's.  A
        line Pythia rejects raises a ValueError naming it.
    chunk_size : int, default=500
        Jets per chunk.  Part of the settings: another chunk size gives other
        (equally valid) jets.
    random_state : int, RandomState instance or None, default=None
        Seeds the chunks.  An int in ``[0, 2**32 - 1]`` gives reproducible,
        cached jets; a RandomState draws that int from it; None draws a fresh
        seed and caches nothing.  Bools, floats and strings are refused.
    n_jobs : int, default=None
        Chunks generated in parallel through joblib (None means 1 unless in a
        :func:`joblib.parallel_config` context, e.g. the ``'dask'`` backend).
        **One chunk is one Pythia run in one worker**, so workers help only
        when the request spans several chunks (``n_jets > chunk_size``): at
        most ``ceil(n_jets / chunk_size)`` of them work.  A request of a
        single chunk is not split, because the chunks' seeds define the jets
        (splitting would return other jets than ``n_jobs=1``); ``n_jobs > 1``
        then warns.  To generate a small sample in parallel, pass a smaller
        ``chunk_size`` (other, equally valid jets).
    data_home : str or path-like, default=None
        Cache root, see :func:`get_jets_home` (``$SKTOPO_DATA`` when None).
        An empty string is refused (it would write into the working
        directory).
    cache : bool, default=True
        Read and write the cache (only with a seeded ``random_state``).
    verbose : bool or int, default=False
        A progress bar over the chunks still to generate (any level > 0).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        constituents : ndarray of shape (n_jets, max_constituents, 3)
            ``(pT [GeV], eta, phi)``, decreasing pT, zero-padded.
        jets : ndarray of shape (n_jets, 4)
            ``(pT [GeV], eta, phi, mass [GeV])`` of each jet.
        n_constituents : ndarray of shape (n_jets,)
            Constituents of each jet before the ``max_constituents`` cut.
        n_events : int or None
            Events Pythia generated for these jets (None when some were read
            as the first jets of a longer cached chunk).
        settings : dict
            Every setting that made the jets (stored with the cache too).
        cache_path : str or None
            The folder of the cached chunks.
        DESCR : str
            Description of the sample.

    Raises
    ------
    ValueError
        For an unknown process, shower or detector, ``n_jets < 1``, bad
        numbers (integer parameters refuse bools, floats and strings), a
        request larger than the machine's memory, ``data_home=''``, or a
        Pythia setting that Pythia rejects (named).
    RuntimeError
        If Pythia fails to initialise or the window is never reached.
    ImportError
        Without ``pythia8mc`` or ``h5py`` (``pip install "sktopo[jets]"``).

    Warns
    -----
    CacheIntegrityWarning
        For a cached chunk that fails its checks (it is generated again).
    UserWarning
        For ``n_jobs > 1`` on a request of a single chunk.

    See Also
    --------
    load_jets : read jets from a file into the same layout.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992, Sec. II.
    .. [2] C. Bierlich et al., "A comprehensive guide to the physics and
       usage of PYTHIA 8.3", arXiv:2203.11601.

    Examples
    --------
    >>> from sktopo.datasets import make_jets
    >>> data = make_jets("qcd", 5, mpi=False, random_state=0, cache=False)
    >>> data.constituents.shape, data.jets.shape
    ((5, 200, 3), (5, 4))
    >>> bool(((data.jets[:, 0] >= 800) & (data.jets[:, 0] <= 900)).all())
    True
    """
    _check_choice(process, "process", PROCESSES)
    n_jets = _check_number(n_jets, "n_jets", 1, integer=True)
    _check_choice(parton_shower, "parton_shower", PARTON_SHOWERS)
    if detector is not None:
        _check_choice(detector, "detector", {"towers"})
    if not isinstance(mpi, bool) or not isinstance(hadronization, bool):
        raise ValueError(f"mpi and hadronization must be bools; got {mpi!r}, {hadronization!r}.")
    if len(tuple(pt_range)) != 2:
        raise ValueError(f"pt_range must be (low, high); got {pt_range!r}.")
    pt_lo = _check_number(pt_range[0], "pt_range[0]", 0.0)
    pt_hi = _check_number(pt_range[1], "pt_range[1]", pt_lo)
    config = {
        "format": _FORMAT_VERSION,
        "pythia8mc": _pythia_version(),
        "process": process,
        "ecm": _check_number(ecm, "ecm", 1.0),
        "pt_hat_min": _check_number(pt_hat_min, "pt_hat_min", 0.0),
        "pt_range": [pt_lo, pt_hi],
        "eta_max": _check_number(eta_max, "eta_max", 0.0),
        "jet_radius": _check_number(jet_radius, "jet_radius", 0.01, 10.0),
        "mpi": mpi,
        "hadronization": hadronization,
        "parton_shower": parton_shower,
        "detector": detector,
        "gluino_mass": _check_number(gluino_mass, "gluino_mass", 1.0),
        "max_constituents": _check_number(max_constituents, "max_constituents", 1, integer=True),
        "pythia_settings": _check_settings(pythia_settings),
        "chunk_size": _check_number(chunk_size, "chunk_size", 1, integer=True),
    }
    if not isinstance(cache, (bool, np.bool_)):
        raise ValueError(f"cache must be a bool; got {cache!r}.")
    # verbose: a bool or a level >= 0, as scikit-learn's verbose (the reproductions pass ints)
    if not isinstance(verbose, (bool, np.bool_, Integral)) or verbose < 0:
        raise ValueError(f"verbose must be a bool or an int >= 0; got {verbose!r}.")
    verbose = bool(verbose)
    if n_jobs is not None and (
        isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, Integral) or n_jobs == 0
    ):
        raise ValueError(f"n_jobs must be None or a nonzero int; got {n_jobs!r}.")
    if isinstance(random_state, (bool, np.bool_)) or not (
        random_state is None or isinstance(random_state, (Integral, np.random.RandomState))
    ):
        raise ValueError(
            f"random_state must be an int, a RandomState or None; got {random_state!r}."
        )
    cached = cache and random_state is not None
    if isinstance(random_state, Integral):
        seed = _check_number(random_state, "random_state", 0, 2**32 - 1, integer=True)
    else:
        seed = draw_seeds(random_state, 1)[0]
    config["random_state"] = seed
    if data_home is not None:
        get_jets_home(data_home)  # refuses '' even when nothing is cached
    chunk = config["chunk_size"]
    n_chunks = -(-n_jets // chunk)  # planned lazily: chunk i holds _size(i) jets

    def _size(i: int) -> int:
        return min(chunk, n_jets - i * chunk)

    _check_fits_in_memory(n_jets, config["max_constituents"])
    key = _cache_key(config)
    folder = get_jets_home(data_home) / f"{process}-{key}" if cached else None
    shapes = _expected_shapes(n_jets, config["max_constituents"])
    out = {name: np.empty(shapes[name], dtype=_DTYPES[name]) for name in _ARRAYS}
    n_events: list[int] = [0] * n_chunks
    todo = []

    def store(i: int, arrays: dict) -> None:
        rows = slice(i * chunk, min((i + 1) * chunk, n_jets))
        for name in _ARRAYS:
            out[name][rows] = arrays[name]
        n_events[i] = int(arrays["n_events"])

    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        _write_settings(folder, config)
    for i in range(n_chunks):
        if folder is None:
            todo.append(i)
            continue
        path = folder / f"chunk_{i:06d}.h5"
        arrays, problem = _read_chunk(path, _size(i), key, config, i, chunk_seed(seed, i))
        if arrays is not None:
            store(i, arrays)
            continue
        if problem is not None:
            warnings.warn(
                f"cached jets {path} are not used and are generated again: {problem}.",
                CacheIntegrityWarning,
                stacklevel=2,
            )
        todo.append(i)
    if todo and n_chunks == 1 and n_jobs is not None and joblib.effective_n_jobs(n_jobs) > 1:
        warnings.warn(
            f"n_jobs={n_jobs} cannot help: the {n_jets} jets are one chunk "
            f"(chunk_size={chunk}), and one chunk is one Pythia run in one worker. "
            "A smaller chunk_size splits the work (and gives other, equally valid jets).",
            UserWarning,
            stacklevel=2,
        )
    if todo:
        tasks = (
            joblib.delayed(_indexed_chunk)(config, chunk_seed(seed, i), _size(i), i)
            for i in todo
        )
        parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        with tqdm(total=len(todo), desc=f"{process} jet chunks", disable=not verbose) as bar:
            for i, arrays in parallel(tasks):
                expected = _expected_shapes(_size(i), config["max_constituents"])
                for name in _ARRAYS:  # what goes into the cache is what was asked for
                    if arrays[name].shape != expected[name]:
                        raise RuntimeError(
                            f"chunk {i} came back with {name} of shape {arrays[name].shape}, "
                            f"not {expected[name]}."
                        )
                if folder is not None:
                    attrs = {
                        "cache_key": key,
                        "settings": json.dumps(config, sort_keys=True),
                        "chunk": i,
                        "seed": chunk_seed(seed, i),
                        "n_jets": _size(i),
                        "n_events": int(arrays["n_events"]),
                        "n_failed": int(arrays["n_failed"]),
                    }
                    _write_chunk(folder / f"chunk_{i:06d}.h5", arrays, attrs)
                store(i, arrays)
                bar.update()
    descr = _DESCR.format(
        pythia=config["pythia8mc"],
        hard=", ".join(PROCESSES[process]),
        pt_lo=pt_lo,
        pt_hi=pt_hi,
        matching=(
            "No truth matching."
            if process == "qcd"
            else "Truth-matched: all decay partons within Delta R < 0.6 of the jet axis."
        ),
        detector=(
            "none simulated (particle level, no Delphes)."
            if detector is None
            else "calorimeter towers 0.1 x 2pi/63, smeared energies (see make_jets)."
        ),
        n_chunks=n_chunks,
        **{k: v for k, v in config.items() if k not in ("pythia8mc", "detector")},
    )
    return Bunch(
        **out,
        n_events=sum(n_events) if min(n_events) >= 0 else None,
        settings=dict(config),
        cache_path=None if folder is None else os.fspath(folder),
        DESCR=descr,
    )
