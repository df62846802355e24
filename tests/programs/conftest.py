"""Fixtures for the settlement program tests: the three builds (fresh from source) and their codecs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from programs.client import Settlement
from programs.ledger import ROOT, Ledger
from programs.stages import Stage, load_stage

BUILD_SCRIPT = ROOT / "scripts" / "build-programs.sh"


def build_programs(out: Path, source: Path | None = None) -> None:
    """scripts/build-programs.sh into `out` (optionally from another C source)."""
    if shutil.which("clang-14") is None:
        pytest.skip("clang-14 is not installed (scripts/setup-test-deps.sh installs it)")
    cmd = ["bash", str(BUILD_SCRIPT), str(out)] + ([str(source)] if source else [])
    r = subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "PYTHON": sys.executable})
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three programs built from the working tree's source for this test session."""
    out = tmp_path_factory.mktemp("programs")
    build_programs(out)
    return out


@pytest.fixture(scope="session")
def stages(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Stage]:
    work = tmp_path_factory.mktemp("codecs")
    return {name: load_stage(name, work, build_dir) for name in ("v1_only", "current", "v3_hardfork")}


@pytest.fixture
def deploy(stages: dict[str, Stage]) -> Callable[..., Settlement]:
    """deploy(stage, min_batch_size=1, allowed=3, init=True) -> a Settlement on a fresh ledger."""

    def make(stage: str = "current", *, min_batch_size: int = 1, allowed: int = 3, init: bool = True) -> Settlement:
        ledger = Ledger(stages[stage].program)
        s = Settlement(ledger, stages[stage], ledger.funded(), ledger.funded())
        if init:
            r = s.initialize(min_batch_size, allowed)
            assert r.ok, r.logs
        return s

    return make


@pytest.fixture
def mutant_build() -> Callable[[str, str, Path], Path]:
    """mutant_build(needle, replacement, tmp) -> a build folder of the C source with one line changed."""

    def make(needle: str, replacement: str, tmp: Path) -> Path:
        source = (ROOT / "programs" / "settlement" / "settlement.c").read_text()
        assert source.count(needle) == 1, f"not found once in the source: {needle}"
        mutant = tmp / "settlement.c"
        mutant.write_text(source.replace(needle, replacement))
        build_programs(tmp / "out", mutant)
        return tmp / "out"

    return make
