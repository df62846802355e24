"""Shared by the sim-test tests: the engine binaries, the settlement programs, the generated package."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import ROOT

ENGINE_DIR = ROOT / "build" / "engine"
PROGRAMS_DIR = ROOT / "build" / "programs"
ENGINE_INPUTS = (ROOT / "examples" / "engine", ROOT / "generated" / "cpp",
                 ROOT / "tests" / "fixtures" / "settlement" / "v1_only.json", ROOT / "scripts" / "build-engine.sh")


def _newest_input() -> float:
    files = [p for base in ENGINE_INPUTS for p in ([base] if base.is_file() else base.rglob("*")) if p.is_file()]
    return max(p.stat().st_mtime for p in files)


def build_engines() -> dict[str, Path]:
    """build/engine/engine-{current,v1_only}, rebuilt by scripts/build-engine.sh when older than a source."""
    out = {stage: ENGINE_DIR / f"engine-{stage}" for stage in ("current", "v1_only")}
    if not all(p.is_file() and p.stat().st_mtime >= _newest_input() for p in out.values()):
        env = {**os.environ, "IDLGEN": str(Path(sys.executable).with_name("idlgen"))}
        subprocess.run(["bash", str(ROOT / "scripts" / "build-engine.sh"), str(ENGINE_DIR)], check=True,
                       cwd=ROOT, capture_output=True, env=env)
    return out


def program(stage: str) -> Path:
    """build/programs/godark_settlement-<stage>.so, or skip saying how to build it."""
    so = PROGRAMS_DIR / f"godark_settlement-{stage}.so"
    if not so.is_file():
        pytest.skip(f"{so.relative_to(ROOT)} is missing: run `bash scripts/build-programs.sh` (CI builds it)")
    return so


def generated_package() -> ModuleType:
    """The committed generated/python/godark_settlement package, with its relayer module."""
    base = str(ROOT / "generated" / "python")
    sys.path.insert(0, base)
    try:
        pkg = importlib.import_module("godark_settlement")
        for sub in ("types", "accounts", "instructions", "families", "errors", "relayer"):
            importlib.import_module(f"godark_settlement.{sub}")
    finally:
        sys.path.remove(base)
    return pkg
