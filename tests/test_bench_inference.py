"""benchmarks/bench_inference.py, ab_kernels.py and profile_step.py run (tiny smoke runs) and
print their tables."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))  # the scripts put benchmarks/ first
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inference_benchmark_times_every_cell_and_sampler(monkeypatch, capsys):
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    try:
        load("bench_inference", monkeypatch).main(["--rounds", "1", "--length", "3"])
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    for kind in ("rnn", "lstm", "gru"):
        assert len([line for line in out.splitlines() if line.startswith(f"{kind} ")]) == 2


def test_ab_kernels_compares_a_revision_with_the_working_tree(monkeypatch, capsys):
    root = BENCHMARKS.parent
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("needs a git checkout")
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True)
    if head.returncode != 0:
        pytest.skip("needs a git checkout")
    module = load("ab_kernels", monkeypatch)
    module.main(["--old", "HEAD", "--sizes", "seed", "--seconds", "0.01"])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[2:]] == [["seed", "lstm"], ["seed", "gru"]]


def test_profile_step_splits_every_layer_type(monkeypatch, capsys):
    load("profile_step", monkeypatch).main(["--sizes", "seed", "--steps", "2"])
    out = capsys.readouterr().out
    for kind in ("rnn", "lstm", "gru"):
        assert f"{kind} seed (1, 3, 3, 16, 3): step total" in out
    assert out.count("fwd rest (elementwise, calls)") == 3
