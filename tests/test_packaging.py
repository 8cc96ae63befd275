"""The MIT licence is in the repository, in the package metadata, the sdist and the wheel."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_licence_file_is_mit_and_declared():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 the tinyrnn authors" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]


def test_sdist_and_wheel_carry_the_licence(tmp_path):
    pytest.importorskip("hatchling")  # the build backend (CI installs it; pip brings its own)
    from hatchling.builders.sdist import SdistBuilder
    from hatchling.builders.wheel import WheelBuilder

    licence = (ROOT / "LICENSE").read_bytes()
    (wheel,) = WheelBuilder(str(ROOT)).build(directory=str(tmp_path))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert archive.read("tinyrnn-0.1.0.dist-info/licenses/LICENSE") == licence, names
        metadata = archive.read("tinyrnn-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata
    (sdist,) = SdistBuilder(str(ROOT)).build(directory=str(tmp_path))
    with tarfile.open(sdist) as archive:
        member = archive.extractfile("tinyrnn-0.1.0/LICENSE")
        assert member is not None and member.read() == licence
