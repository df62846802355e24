"""Shared helpers of the C++ target tests: render headers, find compilers, build and run programs."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from idlgen.anchor.load import load_program
from idlgen.anchor.lower import FamilySpec
from idlgen.config import load_config
from idlgen.ir.model import Program
from idlgen.targets.base import ProgramNames, RenderContext
from idlgen.targets.cpp import TARGET, header_file

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SETTLEMENT = ROOT / "idl" / "godark_settlement.json"
EDGE = HERE / "fixtures" / "edge_cases.json"

WARNINGS = ("-Wall", "-Wextra", "-Wpedantic", "-Wshadow", "-Wconversion", "-Werror")
SANITIZE = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer")
SETUP_HINT = "run scripts/setup-test-deps.sh"


def compiler(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed ({SETUP_HINT})")
    return path


def configured_families(idl: Path) -> tuple[FamilySpec, ...]:
    config = load_config(ROOT / "pyproject.toml")
    for prog in config.programs:
        if (config.root / prog.idl).resolve() == idl.resolve():
            return prog.family_specs
    return ()


def namespace_for(idl: Path) -> str:
    if idl.resolve() == SETTLEMENT.resolve():
        return "godark::settlement"
    if idl.resolve() == EDGE.resolve():
        return "edge"
    stem = "".join(c if c.isalnum() else "_" for c in idl.stem)
    return f"corpus::{stem}"


def load(idl: Path) -> Program:
    return load_program(idl, families=configured_families(idl))


def context(program: Program, idl: Path) -> RenderContext:
    return RenderContext(names=ProgramNames.of(program, cpp_namespace=namespace_for(idl)),
                         idl_path=idl.relative_to(ROOT).as_posix() if idl.is_relative_to(ROOT) else idl.name,
                         lock_path="unused.lock.json")


def write_headers(program: Program, idl: Path, dest: Path, stem: str | None = None) -> Path:
    """Render the C++ target into `dest` (flat); returns the program header's path."""
    dest.mkdir(parents=True, exist_ok=True)
    files = TARGET.render(program, context(program, idl))
    out = dest / header_file(program)
    for path, text in files.items():
        name = Path(path).name
        target = dest / (f"{stem}.hpp" if stem and name == header_file(program) else name)
        target.write_text(text, encoding="utf-8")
        if name == header_file(program):
            out = target
    return out


@dataclass(frozen=True, slots=True)
class Run:
    ok: bool
    output: str


def run(cmd: Sequence[str], *, program: bool = False, timeout: int = 1200) -> Run:
    """A compiler step (program=False) or a test program run (sanitizer options set)."""
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0", UBSAN_OPTIONS="print_stacktrace=1")
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, check=False,
                          env=env if program else None)
    head = f"$ {' '.join(cmd)} (exit {proc.returncode})\n"
    return Run(proc.returncode == 0, head + proc.stdout[-3000:] + proc.stderr[-6000:])


def build_and_run(cxx: str, source: Path, include: Path, flags: Sequence[str], exe: Path, *,
                  timeout: int = 600) -> Run:
    cmd = [cxx, *flags, "-I", str(include), str(source), "-o", str(exe)]
    built = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if built.returncode != 0:
        return Run(False, f"$ {' '.join(cmd)}\n{built.stderr[-6000:]}")
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0", UBSAN_OPTIONS="print_stacktrace=1")
    ran = subprocess.run([str(exe)], capture_output=True, text=True, timeout=timeout, check=False, env=env)
    return Run(ran.returncode == 0, f"$ {exe.name} (exit {ran.returncode})\n{ran.stdout[-3000:]}{ran.stderr[-6000:]}")
