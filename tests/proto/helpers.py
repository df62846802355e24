"""Render the proto target for a test, write it to a folder, import what it generated."""

from __future__ import annotations

import importlib
import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from idlgen.anchor.load import load_program
from idlgen.config import load_config
from idlgen.ir.model import Program
from idlgen.targets.base import ProgramNames, RenderContext
from idlgen.targets.proto import TARGET
from tests.conftest import ROOT, SETTLEMENT

BUF = ROOT / ".venv" / "bin" / "buf"
LOCK = "idl/godark_settlement.lock.json"
_unique = itertools.count()


def settlement_families() -> Any:
    return load_config(ROOT / "pyproject.toml").programs[0].family_specs


def load(path: Path | str = SETTLEMENT, text: str | None = None) -> Program:
    return load_program(Path(path), text=text, families=settlement_families())


def render(program: Program, lock_text: str | None = None, *, package: str = "godark.settlement.v1",
           pypkg: str = "godark_settlement", targets: tuple[str, ...] = ("proto", "python"),
           root: Path | None = None) -> dict[str, str]:
    ctx = RenderContext(names=ProgramNames(pypkg, "godark::settlement", package), idl_path="idl/godark_settlement.json",
                        lock_path=LOCK, lock_text=lock_text, out="generated", targets=targets,
                        extra={"root": str(root)} if root else {})
    return TARGET.render(program, ctx)


def proto_of(files: dict[str, str]) -> tuple[str, str]:
    [(path, text)] = [(p, t) for p, t in files.items() if p.endswith(".proto")]
    return path, text


def write(files: dict[str, str], root: Path) -> None:
    for rel, text in files.items():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")


def numbers(lock_text: str) -> dict[str, dict[str, int]]:
    """{message or enum: {field or value: number}} from a lock."""
    data = json.loads(lock_text)
    out: dict[str, dict[str, int]] = {}
    for name, e in data["messages"].items():
        out[name] = {f: v["number"] for f, v in e["fields"].items()}
    for name, e in data["enums"].items():
        out[name] = dict(e["values"])
    return out


def unique_names(stem: str) -> tuple[str, str]:
    """A proto package and Python package never used before in this process (the default descriptor pool
    refuses a second file with the same name or symbols)."""
    n = next(_unique)
    return f"t{n}.{stem}.v1", f"t{n}_{stem}"


def import_convert(program: Program, tmp: Path, stem: str = "settlement") -> ModuleType:
    package, pypkg = unique_names(stem)
    files = render(program, package=package, pypkg=pypkg)
    write(files, tmp)
    sys.path.insert(0, str(tmp / "generated" / "python"))
    try:
        return importlib.import_module(f"{pypkg}.proto_convert")
    finally:
        sys.path.remove(str(tmp / "generated" / "python"))


def import_package(program: Program, tmp: Path, stem: str = "settlement") -> ModuleType:
    """The Python target's whole package plus the proto target's files in it, imported under a unique name."""
    from idlgen.targets.python import TARGET as PYTHON

    package, pypkg = unique_names(stem)
    ctx = RenderContext(names=ProgramNames(pypkg, "ns", package), idl_path="idl/x.json", lock_path=LOCK,
                        out="generated", targets=("proto", "python"))
    write({**PYTHON.render(program, ctx), **TARGET.render(program, ctx)}, tmp)
    sys.path.insert(0, str(tmp / "generated" / "python"))
    try:
        pkg = importlib.import_module(pypkg)
        for sub in ("types", "json_bridge", "proto_convert"):
            importlib.import_module(f"{pypkg}.{sub}")
        return pkg
    finally:
        sys.path.remove(str(tmp / "generated" / "python"))


def buf(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    if not BUF.exists():
        pytest.skip("buf is not installed in .venv (pip install -e '.[dev]' installs buf-bin)")
    return subprocess.run([str(BUF), *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=120)


def buf_module(files: dict[str, str], root: Path) -> Path:
    """A buf workspace holding just the generated proto, with the repo's committed buf.yaml."""
    write({p: t for p, t in files.items() if p.endswith(".proto")}, root)
    shutil.copy(ROOT / "buf.yaml", root / "buf.yaml")
    return root


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: run scripts/setup-test-deps.sh")
    return path
