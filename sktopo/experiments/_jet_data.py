"""Jet samples, images and detectors shared by the reproductions of the jet papers.

The reproductions of arXiv:1808.08992 (and later arXiv:2110.06948) all draw
their jets here, so that every one of them trains on the same QCD jets and
tests on the same signal jets, and a sample generated once is read from
:func:`sktopo.datasets.make_jets`'s cache afterwards.  Training and test
samples of a process are disjoint: each role has its own seed.
"""

from __future__ import annotations

from sklearn.utils import Bunch

from sktopo.datasets import make_jets
from sktopo.detectors import AutoencoderDetector, ConvAutoencoderDetector, PCADetector
from sktopo.jets import JetImages, jet_mass

__all__ = [
    "JET_SIZES",
    "PAPER_TABLE_I",
    "cnn_detector",
    "dense_detector",
    "jet_sample",
    "jet_sizes",
    "pca_detector",
    "with_images",
]

#: Jets per sample: CPU-sized default and the paper's (``full``).  Gluino jets
#: are expensive (~3 % of events give a truth-matched jet; ~4 jets per CPU
#: second), hence fewer of them by default.
JET_SIZES = {
    False: {"train": 10_000, "test": 5_000, "top": 5_000, "gluino": 1_000, "w": 5_000},
    True: {"train": 100_000, "test": 100_000, "top": 100_000, "gluino": 100_000, "w": 100_000},
}

#: Table I of arXiv:1808.08992: (E10, E100) per architecture and signal, k = 6,
#: mean of five trainings on 100,000 QCD jets (spread ~0.01).
PAPER_TABLE_I = {
    "PCA": {"top": (0.51, 0.04), "gluino": (0.98, 0.36)},
    "dense": {"top": (0.66, 0.13), "gluino": (0.90, 0.39)},
    "CNN": {"top": (0.70, 0.19), "gluino": (0.77, 0.23)},
}

# Seed offsets of the roles: the training QCD jets never reappear in a test set.
_ROLE_SEED = {"train": 0, "test": 1}


def jet_sizes(full: bool = False, scale: float = 1.0) -> dict:
    """Sample sizes of ``JET_SIZES[full]``, multiplied by ``scale`` (at least 50 jets)."""
    return {k: max(50, int(round(v * scale))) for k, v in JET_SIZES[bool(full)].items()}


def jet_sample(process, n_jets, *, role="test", random_state=0, n_jobs=-1, verbose=0,
               **make_kwargs) -> Bunch:
    """Jets of one process from :func:`~sktopo.datasets.make_jets`, with images and masses.

    Parameters
    ----------
    process : {'qcd', 'top', 'w', 'gluino'}
    n_jets : int
    role : {'train', 'test'}
        The training and test samples of a process come from different seeds.
    random_state : int
        Seed of the reproduction; the jets' seed is ``1000 * random_state``
        plus the role's offset.
    n_jobs, verbose
        Passed to :func:`~sktopo.datasets.make_jets` (generation is cached).
    **make_kwargs
        More :func:`~sktopo.datasets.make_jets` settings (``parton_shower``...).

    Returns
    -------
    data : Bunch
        :func:`~sktopo.datasets.make_jets`'s Bunch plus ``images`` (n_jets,
        1369): the 37 x 37 preprocessed images of arXiv:1808.08992, and
        ``mass``: the jet mass in GeV.
    """
    seed = 1000 * int(random_state) + _ROLE_SEED[role]
    data = make_jets(process, n_jets, random_state=seed, n_jobs=n_jobs, verbose=verbose,
                     **make_kwargs)
    return with_images(data)


def with_images(data) -> Bunch:
    """Add ``images``, ``mass`` and ``constituent_mass`` to a :func:`make_jets` Bunch (in place).

    ``images`` (n_jets, 1369) are the 37 x 37 images of arXiv:1808.08992,
    ``mass`` the jet mass in GeV (``jets[:, 3]``).
    """
    data.images = JetImages().fit_transform(data.constituents)
    data.mass = data.jets[:, 3]
    data.constituent_mass = jet_mass(data.constituents)
    return data


def pca_detector(latent_dim=6, random_state=0):
    """The PCA autoencoder of the paper (k = ``latent_dim``)."""
    return PCADetector(n_components=latent_dim, random_state=random_state)


def dense_detector(latent_dim=6, random_state=0, max_epochs=200, verbose=0, *,
                   batch_size=1024, learning_rate=1e-3, n_threads=None):
    """The dense jet-image autoencoder of arXiv:1808.08992, App. 1 (Adam, patience 5)."""
    return AutoencoderDetector(
        latent_dim=latent_dim, hidden_layer_sizes=(32,), activation="relu",
        latent_activation="relu", output_activation=("relu", "softmax"), init="keras",
        optimizer="adam",
        learning_rate=learning_rate, batch_size=batch_size, max_epochs=max_epochs,
        early_stopping=True,
        n_iter_no_change=5, tol=0.0, random_state=random_state, verbose=verbose,
        n_threads=n_threads,
    )


def cnn_detector(latent_dim=6, *, full=False, random_state=0, max_epochs=100, verbose=0,
                 channels=None, batch_size=1024, learning_rate=1e-3, n_threads=None):
    """The CNN autoencoder of arXiv:1808.08992, App. 2 (patience 3).

    ``full``: the paper's 128 channels; else 16 channels per layer, which
    trains about 50 times faster on a CPU and keeps the paper's structure.
    ``channels`` (one int per convolution) overrides both.
    """
    if channels is None:
        channels = (128, 128, 128) if full else (16, 16, 16)
    return ConvAutoencoderDetector(
        latent_dim=latent_dim, channels=tuple(channels), max_epochs=max_epochs,
        batch_size=batch_size, learning_rate=learning_rate, random_state=random_state,
        verbose=verbose, n_threads=n_threads,
    )
