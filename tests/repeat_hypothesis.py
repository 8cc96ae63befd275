"""Run the Hypothesis-based tests N times in a row, each with a fresh example database.

Hypothesis replays a failing example it has stored, so a flaky property fails in every run
once found; with a fresh database (and a new seed) each time, each run is an independent
draw. Usage, from the repository root:

    python tests/repeat_hypothesis.py [--runs 50] [pytest options...]

Prints one line per run (seed, outcome, pytest's summary, seconds) and a closing count;
exits 1 if any run failed. Rerun a failure with `python -m pytest --hypothesis-seed=SEED`.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def hypothesis_files() -> list[str]:
    """The test files that hold at least one @given test."""
    return sorted(
        str(path.relative_to(TESTS.parent))
        for path in TESTS.glob("test_*.py")
        if re.search(r"^\s*@given\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    )


def run_once(files: list[str], extra: list[str]) -> tuple[int, bool, str, float]:
    """One pytest run with a new seed and an empty database: (seed, passed, summary, seconds)."""
    seed = secrets.randbelow(2**32)
    with tempfile.TemporaryDirectory(prefix="hypothesis-db-") as storage:
        env = dict(os.environ, HYPOTHESIS_STORAGE_DIRECTORY=storage)
        env.pop("HYPOTHESIS_PROFILE", None)  # the default profile: new draws every run
        # Hypothesis marks its own tests "hypothesis": the other tests of those files are not run.
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        command += ["-m", "hypothesis and not slow"]
        start = time.perf_counter()
        result = subprocess.run(
            [*command, f"--hypothesis-seed={seed}", *extra, *files],
            cwd=TESTS.parent,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
    lines = result.stdout.strip().splitlines() or ["(no output)"]
    if result.returncode != 0:
        print(result.stdout[-6000:], result.stderr[-2000:], sep="\n", flush=True)
    return seed, result.returncode == 0, lines[-1], seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args, extra = parser.parse_known_args()
    files = hypothesis_files()
    print(f"{len(files)} files with Hypothesis tests: {' '.join(files)}", flush=True)
    failed = []
    total = time.perf_counter()
    for run in range(1, args.runs + 1):
        seed, passed, summary, seconds = run_once(files, extra)
        print(
            f"run {run:3d} seed {seed:10d} {'ok  ' if passed else 'FAIL'} {summary}"
            f" ({seconds:.0f} s)",
            flush=True,
        )
        if not passed:
            failed.append(seed)
    minutes = (time.perf_counter() - total) / 60
    print(f"{args.runs - len(failed)} of {args.runs} runs passed in {minutes:.1f} min", flush=True)
    if failed:
        print("failing seeds: " + " ".join(map(str, failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
