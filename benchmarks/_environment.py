"""What a benchmark ran on: versions, threads, the BLAS kernel, OpenBLAS's environment."""

from __future__ import annotations

import os
import platform

import numpy as np

import tinyrnn

# Set on the shared machines to force OpenBLAS's AVX2 (Haswell) kernels on an AVX-512 CPU; a
# benchmark run unsets them (see bench_step.py) so that OpenBLAS picks the CPU's own kernels.
OPENBLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def blas_threads() -> int:
    """NumPy's BLAS thread count (threadpoolctl when installed; else the environment)."""
    try:
        from threadpoolctl import threadpool_info

        counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
        if counts:
            return int(counts[0])
    except ImportError:
        pass
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


def torch_version(threads: int) -> str | None:
    """Imports torch with `threads` threads and returns its version, or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return str(torch.__version__)


def describe(threads: int) -> str:
    """Lines on what runs: versions, thread pools (threadpoolctl), OpenBLAS's variables.

    Call it after importing torch, so that threadpoolctl lists torch's pools too.
    """
    torch = torch_version(threads)
    torch_text = f"torch {torch}" if torch else "torch not importable (its column is nan)"
    lines = [
        f"python {platform.python_version()}, numpy {np.__version__}, tinyrnn "
        f"{tinyrnn.__version__}, {torch_text}; {os.cpu_count()} cores, "
        f"BLAS and torch threads: {threads}"
    ]
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        lines.append("threadpoolctl not installed")
    else:
        for info in threadpool_info():
            lines.append(
                f"threadpool: {info.get('internal_api')} {info.get('version')}, architecture "
                f"{info.get('architecture', '-')}, {info.get('num_threads')} threads "
                f"({os.path.basename(str(info.get('filepath')))})"
            )
    values = [f"{name}={os.environ.get(name, '(unset)')}" for name in OPENBLAS_VARIABLES]
    lines.append("  ".join(values))
    if any(name in os.environ for name in OPENBLAS_VARIABLES):
        lines.append(
            "  (OpenBLAS's kernel is forced: run under `env -u OPENBLAS_CORETYPE "
            "-u OPENBLAS_L2_SIZE` for the CPU's own)"
        )
    return "\n".join(lines)
