"""Jets: preprocessed jet images and jet-substructure observables.

Jets are arrays of constituents ``(n_jets, n_constituents, 3)`` holding
``(pT, eta, phi)``, zero-padded and sorted by decreasing pT, as returned by
:func:`sktopo.datasets.make_jets`; the flattened ``(n_jets, 3 * n_constituents)``
form is accepted too.  The substructure observables need FastJet
(``pip install "sktopo[jets]"``).
"""

from sktopo.jets._dijet import dijet_features
from sktopo.jets._images import JetImages
from sktopo.jets._observables import (
    jet_mass,
    jet_pt,
    n_constituents,
    nsubjettiness,
    softdrop_mass,
    tau21,
    tau32,
)

__all__ = [
    "JetImages",
    "dijet_features",
    "jet_mass",
    "jet_pt",
    "n_constituents",
    "nsubjettiness",
    "softdrop_mass",
    "tau21",
    "tau32",
]
