"""Jet four-momenta, constituent padding and :func:`load_jets`, the reader of users' jet files.

Constituent conventions shared by :func:`~sktopo.datasets.make_jets` and
:func:`load_jets`: a jet is an array of shape ``(max_constituents, 3)`` of
``(pT [GeV], eta, phi)`` rows, sorted by decreasing ``pT`` and zero-padded;
``phi`` lies in ``(-pi, pi]``.  Four-vectors are ``(E, px, py, pz)`` on the
last axis as in :mod:`sktopo.physics`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils import Bunch

from sktopo.jets._constituents import jet_kinematics

__all__ = ["jet_four_momentum", "load_jets", "sort_and_pad"]


def jet_four_momentum(p: ArrayLike) -> NDArray[np.float64]:
    """Jets ``(pT, eta, phi, mass)`` from their constituents' four-vectors.

    The library's one jet four-momentum helper,
    :func:`sktopo.jets._constituents.jet_kinematics`, with
    ``layout='cartesian'``.

    Parameters
    ----------
    p : array-like of shape (n_jets, n_constituents, 4)
        ``(E, px, py, pz)`` per constituent, zero rows for padding.

    Returns
    -------
    jets : ndarray of shape (n_jets, 4)

    Examples
    --------
    Two massless back-to-back 1 GeV photons make a 2 GeV mass at rest:

    >>> from sktopo.datasets._jet_io import jet_four_momentum
    >>> jet_four_momentum([[[1.0, 1.0, 0.0, 0.0], [1.0, -1.0, 0.0, 0.0]]]).tolist()
    [[0.0, 0.0, 0.0, 2.0]]
    """
    return jet_kinematics(p, layout="cartesian")


def sort_and_pad(
    constituents: ArrayLike, max_constituents: int | None = None
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Sort constituents by decreasing ``pT``, zero the padding, cut or pad to a length.

    Parameters
    ----------
    constituents : array-like of shape (n_jets, n, 3)
        ``(pT, eta, phi)``; rows with ``pT <= 0`` are padding.
    max_constituents : int, default=None
        Length of the output's second axis (the hardest are kept); None keeps
        the longest jet's multiplicity.

    Returns
    -------
    constituents : ndarray of shape (n_jets, max_constituents, 3)
    n_constituents : ndarray of shape (n_jets,)
        Non-padding constituents per jet *before* any cut.

    Examples
    --------
    >>> from sktopo.datasets._jet_io import sort_and_pad
    >>> c, n = sort_and_pad([[[1.0, 0.1, 0.2], [0.0, 9.0, 9.0], [3.0, 0.3, 0.4]]], 3)
    >>> c.tolist(), n.tolist()
    ([[[3.0, 0.3, 0.4], [1.0, 0.1, 0.2], [0.0, 0.0, 0.0]]], [2])
    """
    c = np.array(constituents, dtype=np.float64, ndmin=3)
    if c.ndim != 3 or c.shape[-1] != 3:
        raise ValueError(f"constituents must have shape (n_jets, n, 3); got {c.shape}.")
    real = c[..., 0] > 0
    c[~real] = 0.0
    order = np.argsort(-c[..., 0], axis=1, kind="stable")
    c = np.take_along_axis(c, order[..., None], axis=1)
    counts = real.sum(axis=1).astype(np.int64)
    width = int(counts.max(initial=0)) if max_constituents is None else int(max_constituents)
    if width > c.shape[1]:
        c = np.concatenate([c, np.zeros((c.shape[0], width - c.shape[1], 3))], axis=1)
    return c[:, :width], counts


def pad_constituents(parts: NDArray[np.float64], max_constituents: int) -> tuple[NDArray, int]:
    """One jet's ``(n, 3)`` constituents sorted, cut and padded; also returns ``n``."""
    c, n = sort_and_pad(parts[None], max_constituents)
    return c[0], int(n[0])



#: Values (jets x slots) read at a time by :func:`load_jets`: its working memory beyond the
#: output is a few times this many float64 numbers (about 100 MB).
_LOAD_VALUES = 2_000_000


def load_chunk_rows(source) -> int:
    """Rows per chunk for :func:`load_jets`: ``_LOAD_VALUES`` values, at least 100 rows."""
    return max(100, _LOAD_VALUES // max(int(source.width or 100), 1))


def concatenate_chunks(parts: list[Bunch], width: int | None, settings: dict) -> Bunch:
    """One Bunch from chunks, every ``constituents`` padded to one width."""
    if width is None:
        width = max((p.constituents.shape[1] for p in parts), default=0)
    n = sum(len(p.index) for p in parts)
    constituents = np.zeros((n, width, 3))
    row = 0
    for p in parts:
        k, m = p.constituents.shape[:2]
        constituents[row : row + k, :m] = p.constituents
        row += k
        p.constituents = None  # let each chunk go as soon as it is copied
    labelled = bool(parts) and parts[0].target is not None
    out = Bunch(
        constituents=constituents,
        jets=np.concatenate([p.jets for p in parts]) if parts else np.zeros((0, 4)),
        n_constituents=(
            np.concatenate([p.n_constituents for p in parts]) if parts else np.zeros(0, np.int64)
        ),
        target=np.concatenate([p.target for p in parts]) if labelled else None,
        index=np.concatenate([p.index for p in parts]) if parts else np.zeros(0, np.int64),
    )
    if parts and "jet_features" in parts[0]:
        out.jet_features = np.concatenate([p.jet_features for p in parts])
    out.settings = {**settings, "max_constituents": width}
    out.DESCR = _descr(out.settings)
    return out


def _descr(settings: dict) -> str:
    return f"Jets read from {settings['source']} ({settings['layout']})."


def load_jets(
    path: str | os.PathLike,
    *,
    format: str | None = None,
    key: str = "table",
    fields: Sequence[str] | None = None,
    tree: str | None = None,
    label: str | None = None,
    max_constituents: int | None = None,
    on_invalid: str = "raise",
) -> Bunch:
    """Load a jet file of one of the field's formats into the :func:`make_jets` layout.

    Every format is read with h5py, numpy (``allow_pickle=False``), pyarrow or
    uproot, whatever else is installed: no file can run code, and a column of
    pickled Python objects is refused with an error naming it.  The file is
    read a few thousand jets at a time; :func:`iter_jets` yields the same layout
    chunk by chunk for files larger than memory.

    Formats (``format=None`` infers it from the suffix and the contents):

    ``'top-tagging'``
        The top-tagging reference data set (Kasieczka et al.,
        arXiv:1902.09914): a pandas table written by ``DataFrame.to_hdf``
        (fixed or table format, ``.h5``, under ``key``) or a Parquet file, with
        the columns ``E_i, PX_i, PY_i, PZ_i`` (GeV, zero for padding) and the
        label ``is_signal_new``.  The pandas layout is parsed directly with
        h5py; PyTables and pandas are not needed.
    ``'jetnet'``
        JetNet (Kansal et al., arXiv:2106.11535; ``.hdf5`` or ``.npz``):
        ``particle_features`` ``(n, 30 or 150, 4)`` = ``(eta_rel, phi_rel,
        pT_rel, mask)`` and ``jet_features`` ``(n, 4)`` = ``(pT, eta, mass,
        multiplicity)``.  The files store no jet azimuth, so the constituents
        come out as ``(pT_rel * jet pT, eta_rel + jet eta, phi_rel)``:
        absolute pT [GeV] and pseudorapidity, and azimuth relative to the jet
        (the jet at ``phi = 0``).  Without ``jet_features`` they are kept as
        stored (pT fractions, relative eta).  ``jet_features`` is returned as
        stored; particles with ``mask = 0`` are padding.
    ``'energyflow'``
        The quark/gluon samples of EnergyFlow (Komiske, Metodiev, Thaler,
        arXiv:1810.05165; ``.npz``): ``X`` ``(n, m, 4)`` = ``(pT, y, phi,
        pid)`` with rapidity ``y``, and the labels ``y`` (1 quark, 0 gluon).
        Each particle gets its PDG mass from ``pid`` (an unknown id is an
        error), so ``eta`` and the jet four-momenta are those of massive
        hadrons.
    ``'root'``, ``'parquet'``
        Jagged per-particle branches (uproot; a TTree or RNTuple, ``tree``
        names it when the file holds several) or list columns (pyarrow), one
        entry/row per jet, as in JetClass (Qu et al., arXiv:2202.03772).
        ``fields`` names them: three ``(pT, eta, phi)`` or four ``(px, py,
        pz, E)``; ``label`` an optional 0/1 label field.
    ``'array'``
        A plain array ``(n, m, 3)`` of ``(pT, eta, phi)`` or ``(n, m, 4)`` of
        ``(E, px, py, pz)``: an ``.npy`` file, or an ``.npz`` (or HDF5) file
        holding it as ``constituents`` (or as its only array), with labels
        under ``target``, ``labels``, ``y`` or ``is_signal_new``.

    Parameters
    ----------
    path : str or path-like
        The file.
    format : {'top-tagging', 'jetnet', 'energyflow', 'root', 'parquet', 'array'}, default=None
        The file's format; None infers it.
    key : str, default='table'
        HDF5 key of the top-tagging table.
    fields : sequence of str, default=None
        ROOT / Parquet per-particle fields; None is JetClass's
        ``('part_px', 'part_py', 'part_pz', 'part_energy')``.
    tree : str, default=None
        ROOT tree name; None takes the file's only tree.
    label : str, default=None
        Label field or column (values 0 or 1, one per jet); None takes the
        format's own (``is_signal_new``, ``y``, ...) where it has one.
    max_constituents : int, default=None
        Keep the hardest ``max_constituents`` (zero-padding shorter jets);
        None keeps the longest jet's multiplicity.
    on_invalid : {'raise', 'drop'}, default='raise'
        A jet with a NaN or infinite value, a negative pT or a NaN label:
        ``'raise'`` stops with an error naming the file, row, particle and
        field; ``'drop'`` leaves it out (``index`` says which rows remain).
        Labels other than 0 and 1 are always an error.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``constituents`` (n_jets, max_constituents, 3) ``(pT, eta, phi)``
        sorted by decreasing pT, zero-padded, ``phi`` in ``(-pi, pi]``;
        ``jets`` (n_jets, 4) ``(pT, eta, phi, mass)`` of the sum of all the
        jet's constituents (before any cut; massive where the file has
        four-vectors or particle ids, massless otherwise); ``n_constituents``
        (before any cut); ``target`` (int64 labels, or None); ``index`` (the
        file's row of each jet); ``jet_features`` (JetNet only);
        ``settings`` (``source``, ``format``, ``layout``,
        ``max_constituents``, ``label``); ``DESCR``.

    Raises
    ------
    ValueError
        For pickled columns, invalid values (see ``on_invalid``), labels not
        in {0, 1} or not one per jet, and files of no known layout.
    ImportError
        If the format's reader is not installed (``pip install
        "sktopo[data]"``).

    See Also
    --------
    iter_jets : the same, chunk by chunk, in bounded memory.
    make_jets : generate jets with Pythia in this layout.
    load_lhco : LHC Olympics 2020 event files.

    References
    ----------
    .. [1] G. Kasieczka, T. Plehn et al., "The Machine Learning Landscape of
       Top Taggers", arXiv:1902.09914.
    .. [2] R. Kansal et al., "Particle Cloud Generation with Message Passing
       Generative Adversarial Networks", arXiv:2106.11535 (JetNet).
    .. [3] P. T. Komiske, E. M. Metodiev, J. Thaler, "Energy Flow Networks:
       Deep Sets for Particle Jets", arXiv:1810.05165.
    .. [4] H. Qu, C. Li, S. Qian, "Particle Transformer for Jet Tagging",
       arXiv:2202.03772 (JetClass).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sktopo.datasets import load_jets
    >>> jets = np.array([[[100.0, 0.1, 0.0], [0.0, 0.0, 0.0], [300.0, 0.0, 0.1]]])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     np.save(os.path.join(tmp, "jets.npy"), jets)
    ...     data = load_jets(os.path.join(tmp, "jets.npy"))
    >>> data.constituents[0, :, 0].tolist(), data.n_constituents.tolist()
    ([300.0, 100.0], [2])
    """
    from sktopo.datasets._formats import (
        assemble,
        check_count,
        check_on_invalid,
        describe,
        open_source,
    )

    width = check_count(max_constituents, "max_constituents")
    check_on_invalid(on_invalid)
    with open_source(path, format=format, key=key, fields=fields, tree=tree, label=label) as src:
        chunks = src.chunks(load_chunk_rows(src))
        parts = [assemble(src, chunk, width, on_invalid) for chunk in chunks]
        settings = describe(src, width)
    return concatenate_chunks(parts, width, settings)
