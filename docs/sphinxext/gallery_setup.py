"""Run before every gallery example (sphinx-gallery's ``reset_modules``)."""


def one_torch_thread(gallery_conf, fname):
    """Train the examples' small networks on one torch thread.

    Networks this small gain nothing from several intra-op threads; on a busy
    machine extra threads fight other processes for the cores and the build
    time swings by an order of magnitude.  The examples themselves leave the
    setting to the reader (see the user guide's note on threads).
    """
    import torch

    torch.set_num_threads(1)
