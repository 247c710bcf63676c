"""Peak memory of iter_jets against load_jets, by chunk size, on a generated jet file.

A file in the top-tagging layout (pandas' fixed HDF5 format, written here
with h5py: ``E_i, PX_i, PY_i, PZ_i`` float32 for ``i < 200`` and
``is_signal_new``), and the same jets as a JetClass-style Parquet file
(per-particle lists ``part_px, part_py, part_pz, part_energy``), are read
once whole with :func:`sktopo.datasets.load_jets` and once chunk by chunk
with :func:`sktopo.datasets.iter_jets`, each chunk's jet mass summed so that
every chunk is used.  Each measurement runs in a fresh process and reports

* the peak of numpy's allocations (``tracemalloc``), and
* the growth of the process's peak resident memory over its level after the
  imports (``VmHWM``, reset through ``/proc/self/clear_refs`` on Linux): what
  the operating system saw, HDF5's and Arrow's own buffers included,

with the wall time.  The ratios printed are load_jets' peak over iter_jets'.

Run: ``python benchmarks/bench_streaming.py [--n-jets 40000] [--chunks 100 1000 10000]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import tempfile
import time
import tracemalloc

import numpy as np

N_SLOTS = 200


def write_files(folder: str, n_jets: int, seed: int = 0) -> dict[str, str]:
    """The top-tagging HDF5 file and the JetClass-style Parquet file, written in slices."""
    import h5py
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sktopo.physics import cartesian_from_pt_eta_phi

    rng = np.random.default_rng(seed)
    h5_path, pq_path = os.path.join(folder, "top.h5"), os.path.join(folder, "jets.parquet")
    names = [f"{c}_{i}" for i in range(N_SLOTS) for c in ("E", "PX", "PY", "PZ")]
    schema = pa.schema([(n, pa.list_(pa.float32())) for n in
                        ("part_px", "part_py", "part_pz", "part_energy")])  # fmt: skip
    with h5py.File(h5_path, "w") as fh, pq.ParquetWriter(pq_path, schema) as writer:
        g = fh.create_group("table")
        g.attrs.update(pandas_type=b"frame", pandas_version=b"0.15.2", ndim=2, nblocks=2)
        g.create_dataset("axis0", data=np.array(names + ["is_signal_new"], dtype="S"))
        g.create_dataset("block0_items", data=np.array(names, dtype="S"))
        g.create_dataset("block1_items", data=np.array(["is_signal_new"], dtype="S"))
        values = g.create_dataset("block0_values", shape=(n_jets, len(names)), dtype=np.float32)
        values.attrs["transposed"] = True
        labels = g.create_dataset("block1_values", shape=(n_jets, 1), dtype=np.int64)
        labels.attrs["transposed"] = True
        for start in range(0, n_jets, 5000):
            k = min(5000, n_jets - start)
            counts = rng.integers(20, 120, k)
            c = np.zeros((k, N_SLOTS, 3))
            slots = np.arange(N_SLOTS) < counts[:, None]
            c[..., 0] = np.where(slots, rng.exponential(8.0, (k, N_SLOTS)) + 0.5, 0.0)
            c[..., 1] = np.where(slots, rng.normal(0.0, 0.4, (k, N_SLOTS)), 0.0)
            c[..., 2] = np.where(slots, rng.normal(0.0, 0.4, (k, N_SLOTS)), 0.0)
            p4 = cartesian_from_pt_eta_phi(c).astype(np.float32)
            values[start : start + k] = p4.reshape(k, -1)
            labels[start : start + k, 0] = rng.integers(0, 2, k)
            writer.write_table(pa.table({
                name: [p4[j, : counts[j], col] for j in range(k)]
                for col, name in ((1, "part_px"), (2, "part_py"), (3, "part_pz"),
                                  (0, "part_energy"))
            }, schema=schema))  # fmt: skip
    return {"top-tagging HDF5": h5_path, "JetClass Parquet": pq_path}


def _rss_peak_reset() -> int:
    """The current resident memory, after resetting the kernel's peak (``VmHWM``) to it."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # Linux: reset the peak resident set size
        with open("/proc/self/status") as fh:
            return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS"))
    except OSError:  # elsewhere: the peak since the start
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_peak() -> int:
    try:
        with open("/proc/self/status") as fh:
            return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _measure(path: str, chunk_size: int | None, queue) -> None:
    from sktopo.datasets import iter_jets, load_jets

    base = _rss_peak_reset()
    tracemalloc.start()
    start = time.perf_counter()
    if chunk_size is None:
        data = load_jets(path)
        total = float(data.jets[:, 3].sum())
        n = len(data.index)
        del data
    else:
        total, n = 0.0, 0
        for chunk in iter_jets(path, chunk_size=chunk_size):
            total += float(chunk.jets[:, 3].sum())
            n += len(chunk.index)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = _rss_peak() - base  # KiB
    queue.put((n, peak, rss * 1024, seconds, total))


def measure(path: str, chunk_size: int | None) -> tuple:
    """``(jets, tracemalloc peak, RSS growth, seconds, checksum)`` in a fresh process."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_measure, args=(path, chunk_size, queue))
    proc.start()
    proc.join()  # the result is a few numbers: it fits in the queue's pipe
    if proc.exitcode != 0:
        raise RuntimeError(f"the measurement of {path} (chunk_size={chunk_size}) failed")
    return queue.get(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jets", type=int, default=40_000)
    parser.add_argument("--chunks", type=int, nargs="+", default=[100, 1000, 10_000])
    args = parser.parse_args()
    mib = 2.0**20
    with tempfile.TemporaryDirectory() as folder:
        files = write_files(folder, args.n_jets)
        for name, path in files.items():
            print(f"\n{name}: {args.n_jets} jets, {os.path.getsize(path) / mib:.0f} MiB on disk")
            print(f"{'reader':>22} {'numpy peak':>11} {'RSS growth':>11} {'time':>7} "
                  f"{'ratio (numpy)':>14} {'ratio (RSS)':>12}")  # fmt: skip
            whole = measure(path, None)
            rows = [("load_jets", whole)]
            rows += [(f"iter_jets({c})", measure(path, c)) for c in args.chunks]
            for label, (n, peak, rss, seconds, total) in rows:
                assert n == whole[0] and np.isclose(total, whole[4], rtol=1e-9), label
                print(f"{label:>22} {peak / mib:8.1f} MiB {rss / mib:7.1f} MiB {seconds:6.1f}s "
                      f"{whole[1] / peak:13.1f}x {whole[2] / max(rss, 1):11.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
