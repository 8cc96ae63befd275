"""benchmarks/bench_step.py runs (a `--quick` smoke run at the seed size, about a second), reports
the BLAS it ran on, and refuses to time contenders that do not compute what tinyrnn computes."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_step.py"


@pytest.fixture
def bench(monkeypatch):
    """The benchmark script as a module; torch's thread count and sys.path restored after."""
    monkeypatch.setattr(sys, "path", list(sys.path))  # the script puts benchmarks/ first
    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch is not None else None
    spec = importlib.util.spec_from_file_location("bench_step", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads or torch.get_num_threads())


def test_quick_run_reports_the_blas_checks_and_times_every_layer(bench, capsys):
    bench.main(["--quick", "--sizes", "seed"])
    out = capsys.readouterr().out
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        assert f"{name}={os.environ.get(name, '(unset)')}" in out
    assert re.search(r"threadpool: openblas .*architecture \S+, \d+ threads", out) or (
        "threadpoolctl not installed" in out
    )
    assert "match tinyrnn's" in out and "gru (NumPy loop" in out
    for layer in ("rnn", "lstm", "gru"):
        row = re.search(rf"^seed +{layer} +1,3,3,16,3 (.*)$", out, re.MULTILINE)
        assert row is not None, out
        times = [float(v) for v in row.group(1).split()[:4] if v != "nan"]
        assert len(times) >= 3 and all(t > 0 for t in times), row.group(0)
        assert re.search(rf"^seed +{layer} +\d+\.\d\d +\d+\.\d\d", out, re.MULTILINE)  # memory
    assert not re.search(r"^(char|medium|large) ", out, re.MULTILINE)


def test_a_subset_of_layers_and_bad_names(bench, capsys):
    bench.main(["--quick", "--sizes", "seed", "--layers", "gru"])
    out = capsys.readouterr().out
    assert re.search(r"^seed +gru ", out, re.MULTILINE)
    assert not re.search(r"^seed +(rnn|lstm) ", out, re.MULTILINE)
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--layers", "rnn,transformer"])
    assert "choose from rnn,lstm,gru" in capsys.readouterr().err


def test_the_check_refuses_a_contender_with_other_gradients(bench, monkeypatch):
    contenders = bench.C
    real = contenders.numpy_loop_step

    def off_by_a_little(shape, layer="rnn"):
        contender = real(shape, layer)
        probe = contender.probe

        def perturbed():
            values = probe()
            values["grad weight_hh"] = values["grad weight_hh"] + np.float32(1e-3)
            return values

        return contenders.Contender(contender.step, perturbed)

    monkeypatch.setattr(contenders, "numpy_loop_step", off_by_a_little)
    with pytest.raises(RuntimeError, match=r"lstm: NumPy loop differs .*grad weight_hh"):
        bench.check_contenders(["lstm"])


def test_without_threadpoolctl_it_says_so(bench, monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import raises ImportError
    text = bench.describe(1)
    assert "threadpoolctl not installed" in text
    assert "OPENBLAS_CORETYPE=" in text and "OPENBLAS_L2_SIZE=" in text
