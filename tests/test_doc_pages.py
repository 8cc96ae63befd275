"""Every doc page works when followed: its Python blocks, pasted in order, run in a new session.

Each page (README.md and docs/*.md) has its ```python blocks joined in page order and run as one
script by a fresh interpreter in an empty temporary directory (the pages write checkpoints and
plots there), importing this checkout's tinyrnn. The pages stand alone: no reference to files
outside the repository, and extras installed from the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SLOW_PAGES: set[str] = set()  # a page whose code trains for long goes here (pytest -m slow)


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


def run_page(page: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / f"{page.stem}_blocks.py"
    script.write_text("\n".join(python_blocks(page)), encoding="utf-8")
    # A reader pastes the code in a checkout: paths like examples/data/... are relative to it.
    shutil.copytree(ROOT / "examples" / "data", tmp_path / "examples" / "data")
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    return subprocess.run(
        [sys.executable, script.name], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip


def test_every_page_is_collected():
    names = {page.name for page in PAGES}
    assert {"README.md", "api.md", "custom_layers.md", "training.md"} <= names
    assert len(python_blocks(ROOT / "README.md")) >= 3


@pytest.mark.parametrize(
    "page",
    [pytest.param(p, marks=[pytest.mark.slow] if p.name in SLOW_PAGES else []) for p in PAGES],
    ids=lambda page: page.name,
)
def test_page_blocks_run_in_order_as_pasted(page, tmp_path):
    if not python_blocks(page):
        pytest.skip(f"{page.name} has no Python blocks")
    done = run_page(page, tmp_path)
    assert done.returncode == 0, f"{page.name}'s code fails when pasted in order:\n{done.stderr}"


def test_readme_quickstart_prints_progress(tmp_path):
    quickstart = python_blocks(ROOT / "README.md")[0]
    (tmp_path / "quickstart.py").write_text(quickstart, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "quickstart.py"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    losses = [float(line.split()[-1]) for line in done.stdout.splitlines() if "loss" in line]
    assert len(losses) >= 5 and losses[-1] < losses[0], done.stdout
    assert re.search(r"\)  # \d+ parameters$", done.stdout.strip())


def test_readme_custom_layer_uses_the_default_dtype():
    namespace: dict[str, object] = {}
    block = next(b for b in python_blocks(ROOT / "README.md") if "class Scale" in b)
    exec(compile(block.split("# gradcheck")[0], "README Scale", "exec"), namespace)
    scale = namespace["Scale"](3)  # type: ignore[operator]
    assert scale.w.dtype == namespace["tinyrnn"].get_default_dtype()  # type: ignore[attr-defined]


TEXT_FILES = [*PAGES, *ROOT.glob("tinyrnn/**/*.py"), *ROOT.glob("examples/*.py")]


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_nothing_outside_the_repository_is_referenced(path):
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text, f"{path.name} refers to a file outside the repository"
    # tinyrnn is not on PyPI: extras are installed from the checkout, pip install -e ".[plot]".
    assert not re.search(r"pip install ['\"]?tinyrnn\[", text), (
        f"{path.name}: pip install tinyrnn[...]"
    )
