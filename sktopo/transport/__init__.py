"""Optimal transport between events: the energy mover's distance (arXiv:1902.02346).

:func:`emd` and :func:`pairwise_emd` compute the exact EMD of Komiske,
Metodiev and Thaler between weighted point clouds (jet constituents) or
histograms on common bins (jet images, with :func:`pixel_centers`), or an
entropic approximation batched with torch.  :func:`kmedoids` picks
representative events from a distance matrix; the detector built on them is
:class:`sktopo.detectors.TransportDetector`.
"""

from sktopo.transport._emd import emd, pixel_centers
from sktopo.transport._kmedoids import kmedoids
from sktopo.transport._pairwise import pairwise_emd

__all__ = ["emd", "kmedoids", "pairwise_emd", "pixel_centers"]
