"""ONNX export of a fitted detector's anomaly score, for inference outside Python.

The exported graph has one float32 input ``X`` of shape ``(batch, n_features)``
(rows as :meth:`score_samples` takes them: features, or flattened images for the
convolutional detectors) and one output ``anomaly_score`` of shape ``(batch,)``,
the detector's anomaly score (higher = more anomalous, ``-score_samples``).  The
batch size is dynamic.

Neural detectors go through :func:`torch.onnx.export` (the ``torch.export``
based exporter): a small module computes the score from a copy of the fitted
network in the graph's precision, with the network's own methods, so the graph
is the library's formula and not a second copy of it.  :class:`~sktopo.PCADetector`
is written directly with :mod:`onnx.helper`.  The library scores dense networks
in float64 and the graph in float32 (float64 on request): scores agree to about
1e-6 relative, less where a reconstruction error is tiny compared with the
squared norm of its input.

Detectors that keep data rather than a network (optimal transport, density
ratio) are not exported.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import os
import warnings
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from sktopo.utils._optional import import_optional

__all__ = ["to_onnx"]

#: ONNX operator set of the exported graphs.
OPSET = 18

#: Names of the graph's input and output.
INPUT_NAME, OUTPUT_NAME = "X", "anomaly_score"

#: Ensemble aggregation rules a graph can compute (one member's loss per sample).
ONNX_AGGREGATES = ("median", "min")


def _not_exported(detector):
    name = type(detector).__name__
    return NotImplementedError(
        f"{name} is not exported to ONNX: it scores a sample against data it keeps "
        "(reference events, representatives, fold classifiers), not with a network alone. "
        "Save it with sktopo.utils.save and score it in Python. ONNX export covers "
        "AutoencoderDetector, ConvAutoencoderDetector, VAEDetector, ChartEnsembleDetector "
        "and PCADetector."
    )


def _score_module(detector, precision):
    """A torch module mapping float32 rows to the detector's anomaly score, in ``precision``."""
    import torch

    from sktopo.detectors import (
        AutoencoderDetector,
        ChartEnsembleDetector,
        ConvAutoencoderDetector,
        ConvNormalizedAutoencoderDetector,
        NormalizedAutoencoderDetector,
        VAEDetector,
    )
    from sktopo.nn._modules import squared_error
    from sktopo.nn._vae import SCORES

    dtype = torch.float64 if precision == "float64" else torch.float32

    def in_precision(module):
        return copy.deepcopy(module).to(device="cpu", dtype=dtype).eval()

    class MemberErrors(torch.nn.Module):
        """Squared reconstruction error of every member, ``(n_members, batch)``."""

        def __init__(self, module):
            super().__init__()
            self.network = in_precision(module)

        def errors(self, x):
            stacked = x.to(dtype).unsqueeze(0).expand(self.network.n_members, -1, -1)
            return squared_error(self.network(stacked), stacked)

        def forward(self, x):
            return self.errors(x)[0]

    class EnergyScore(MemberErrors):
        """The NAE's score: the squared error times ``s**2 / (n_features T)``, i.e. ``E / T``."""

        def __init__(self, module, factor):
            super().__init__(module)
            # a tensor in the graph's precision (a Python float is exported as float32)
            self.register_buffer("factor", torch.tensor(float(factor), dtype=dtype))

        def forward(self, x):
            return self.errors(x)[0] * self.factor

    class EnsembleScore(MemberErrors):
        """The lower median (or the minimum) of the members' errors."""

        def __init__(self, module, aggregate):
            super().__init__(module)
            n = self.network.n_members
            # position of the lower median in ascending order, as ChartEnsembleDetector
            self.k = 1 if aggregate == "min" else (n - 1) // 2 + 1

        def forward(self, x):
            smallest = torch.topk(self.errors(x), self.k, dim=0, largest=False).values
            return smallest[self.k - 1]

    class VAEScore(torch.nn.Module):
        """One column of the VAE's deterministic scores (encoder mean, no sampling)."""

        def __init__(self, module, beta, score_type):
            super().__init__()
            self.network = in_precision(module)
            self.beta = float(beta)
            self.column = SCORES.index(score_type)

        def forward(self, x):
            stacked = x.to(dtype).unsqueeze(0).expand(self.network.n_members, -1, -1)
            return self.network.anomaly_scores(stacked, self.beta)[0, :, self.column]

    if isinstance(detector, ChartEnsembleDetector):
        if detector.aggregate not in ONNX_AGGREGATES:
            raise ValueError(
                f"ChartEnsembleDetector(aggregate={detector.aggregate!r}) is not exported: "
                f"the graph computes the aggregates {ONNX_AGGREGATES} (one chart's loss per "
                "sample). Refit with aggregate='median' or 'min' to export."
            )
        network = detector.module_
    elif isinstance(detector, (AutoencoderDetector, ConvAutoencoderDetector, VAEDetector)):
        network = detector.net_.module_
    else:
        raise TypeError(f"to_onnx does not know how to export {type(detector).__name__}.")
    if precision == "float64" and getattr(network, "auto_scoring_dtype", None) == torch.float32:
        raise ValueError(
            "precision='float64' is not offered for the convolutional network of "
            f"{type(detector).__name__}: onnxruntime has no float64 convolution, and sktopo "
            "scores convolutional networks in float32 itself. Use precision='float32'."
        )
    if isinstance(detector, ChartEnsembleDetector):
        return EnsembleScore(network, detector.aggregate)
    if isinstance(detector, VAEDetector):
        return VAEScore(network, detector.beta, detector.score_type)
    if isinstance(detector, (NormalizedAutoencoderDetector, ConvNormalizedAutoencoderDetector)):
        return EnergyScore(network, detector.input_scale_**2 / (
            detector.n_features_in_ * detector.temperature))
    return MemberErrors(network)


@contextlib.contextmanager
def _quiet_exporter():
    """Keep the exporter's progress lines and its own deprecation notices off the terminal.

    The exporter prints its steps, logs that torchvision is absent, and torch's
    internals warn about their own deprecated calls while tracing; none of it
    concerns the user.  Everything is restored afterwards.
    """
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        logger.setLevel(level)


def _export_torch(module, n_features):
    import torch

    import_optional("onnx", "deploy")
    import_optional("onnxscript", "deploy")  # the exporter's translator
    sample = torch.zeros(2, n_features, dtype=torch.float32)
    batch = torch.export.Dim("batch", min=1)
    with _quiet_exporter(), torch.no_grad():
        program = torch.onnx.export(
            module.eval(),
            (sample,),
            dynamo=True,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_shapes=({0: batch},),
            opset_version=OPSET,
            verbose=False,
        )
    return program.model_proto


def _export_pca(detector, precision):
    """``sum((Xc - Xc @ V.T @ V)**2, axis=1)`` with ``Xc = X - mean``, written in ONNX."""
    onnx = import_optional("onnx", "deploy")
    from onnx import TensorProto, helper, numpy_helper

    pca = detector.pca_
    n_features = pca.mean_.shape[0]
    np_dtype, onnx_dtype = (
        (np.float64, TensorProto.DOUBLE) if precision == "float64" else
        (np.float32, TensorProto.FLOAT)
    )
    components = np.asarray(pca.components_, dtype=np_dtype)
    initializers = [
        numpy_helper.from_array(np.asarray(pca.mean_, dtype=np_dtype), "mean"),
        numpy_helper.from_array(np.ascontiguousarray(components.T), "components_T"),
        numpy_helper.from_array(components, "components"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "feature_axis"),
    ]
    nodes = [
        helper.make_node("Cast", [INPUT_NAME], ["rows"], to=onnx_dtype),
        helper.make_node("Sub", ["rows", "mean"], ["centred"]),
        helper.make_node("MatMul", ["centred", "components_T"], ["codes"]),
        helper.make_node("MatMul", ["codes", "components"], ["projection"]),
        helper.make_node("Sub", ["centred", "projection"], ["residual"]),
        helper.make_node("ReduceSumSquare", ["residual", "feature_axis"], [OUTPUT_NAME],
                         keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "pca_detector",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["batch", n_features])],
        [helper.make_tensor_value_info(OUTPUT_NAME, onnx_dtype, ["batch"])],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="sktopo")
    onnx.checker.check_model(model)
    return model


def to_onnx(
    detector: Any,
    X_sample: Any,
    path: str | os.PathLike | None = None,
    *,
    precision: str = "float32",
):
    """Export a fitted detector's anomaly score as an ONNX graph.

    The graph maps a float32 batch ``X`` of shape ``(batch, n_features)`` (as
    :meth:`score_samples` takes it: features, or flattened images for a
    convolutional detector) to ``anomaly_score`` of shape ``(batch,)``, the
    detector's anomaly score (higher = more anomalous, ``-score_samples(X)``).
    The batch size is free.  Run it with onnxruntime, or hand it to an FPGA
    flow that reads ONNX (hls4ml).

    Exported: :class:`~sktopo.AutoencoderDetector` (every latent space),
    :class:`~sktopo.ConvAutoencoderDetector`, the normalized autoencoders
    (:class:`~sktopo.NormalizedAutoencoderDetector` and its convolutional
    version: the energy over the temperature), :class:`~sktopo.VAEDetector`
    (its ``score_type`` from the encoder mean, deterministic),
    :class:`~sktopo.ChartEnsembleDetector` (``aggregate='median'`` or
    ``'min'``, taken inside the graph) and :class:`~sktopo.PCADetector`.
    :class:`~sktopo.TransportDetector` and :class:`~sktopo.DensityRatioDetector`
    score against data they keep, not with a network alone, and are not
    exported.

    The graph computes in float32 by default; the library scores dense
    networks in float64.  Scores agree to about 1e-6 relative on typical rows
    (tested to 1e-5 on unseen data).  A reconstruction error many times
    smaller than the squared norm of its row (a very well reconstructed
    event) is a difference of nearly equal float32 numbers and keeps fewer
    digits: about 1e-5 relative at errors 1e4 times smaller than ``|x|**2``.
    Such events sit far below any threshold; ``precision='float64'`` removes
    the effect.

    Parameters
    ----------
    detector : fitted detector
        One of the exported detectors above.
    X_sample : array-like of shape (n_samples, n_features)
        A few rows of the data the graph will score; only their number of
        features is used (checked against ``n_features_in_``).
    path : str, path-like or None, default=None
        Where to write the graph (``.onnx``); ``None`` writes nothing.
    precision : {'float32', 'float64'}, default='float32'
        Arithmetic of the graph (its input is float32 either way).
        ``'float32'`` is what inference engines and FPGA flows run;
        ``'float64'`` casts the input to double and returns a double score,
        equal to the library's own float64 score of the same float32 rows up
        to summation order (about 1e-15 relative): a check that the graph
        computes the detector's formula, separate from float32 rounding.

    Returns
    -------
    model : onnx.ModelProto
        The graph, input ``'X'`` (float32) and output ``'anomaly_score'``
        (float32, or float64 with ``precision='float64'``).

    Raises
    ------
    NotImplementedError
        For :class:`~sktopo.TransportDetector` and
        :class:`~sktopo.DensityRatioDetector`.
    ValueError
        For a :class:`~sktopo.ChartEnsembleDetector` with ``aggregate='mean'``,
        if ``X_sample`` does not have ``n_features_in_`` columns, or for an
        unknown ``precision``.
    ImportError
        If onnx (or, for the networks, onnxscript) is not installed
        (``pip install "sktopo[deploy]"``).

    See Also
    --------
    save : Secure model files for scoring in Python.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sktopo import PCADetector
    >>> from sktopo.utils import to_onnx
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5))
    >>> detector = PCADetector(n_components=2).fit(X)
    >>> model = to_onnx(detector, X[:5])
    >>> session = ort.InferenceSession(model.SerializeToString(),
    ...                                providers=["CPUExecutionProvider"])
    >>> X_new = rng.normal(size=(3, 5)).astype(np.float32)
    >>> scores = session.run(["anomaly_score"], {"X": X_new})[0]
    >>> bool(np.allclose(scores, -detector.score_samples(X_new), rtol=1e-5))
    True
    """
    from sktopo.detectors import DensityRatioDetector, PCADetector, TransportDetector

    if isinstance(detector, (TransportDetector, DensityRatioDetector)):
        raise _not_exported(detector)
    if precision not in ("float32", "float64"):
        raise ValueError(f"precision must be 'float32' or 'float64', got {precision!r}.")
    check_is_fitted(detector)
    X_sample = validate_data(detector, X_sample, reset=False, dtype=[np.float64, np.float32])
    if isinstance(detector, PCADetector):
        model = _export_pca(detector, precision)
    else:
        model = _export_torch(_score_module(detector, precision), X_sample.shape[1])
    model.producer_name = "sktopo"
    model.doc_string = (
        f"anomaly_score of a fitted {type(detector).__name__} (higher = more anomalous)"
    )
    if path is not None:
        from sktopo.utils._atomic import atomic_path

        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                f.write(model.SerializeToString())
    return model
