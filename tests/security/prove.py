"""Run `idlgen build` on an IDL and prove the outcome: exit 2 with one line and nothing written, or exit 0
with output whose Python imports and whose C++ compiles (protoc already compiled the proto in the build)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IDLGEN = [sys.executable, "-m", "idlgen"]


@dataclass(frozen=True, slots=True)
class Outcome:
    code: int
    stderr: str


def build(idl: Path, out: Path, *, timeout: int = 300) -> Outcome:
    proc = subprocess.run([*IDLGEN, "build", str(idl), "--out", str(out)], capture_output=True, text=True,
                          check=False, timeout=timeout, cwd=idl.parent)
    return Outcome(proc.returncode, proc.stderr)


def assert_refused(outcome: Outcome, out: Path, *needles: str) -> str:
    """Exit 2, exactly one line on stderr (no traceback), nothing written."""
    lines = outcome.stderr.strip().splitlines()
    assert outcome.code == 2, outcome.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("idlgen: error: "), outcome.stderr[-3000:]
    assert "Traceback" not in outcome.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*")), "something was written"
    return lines[0]


def assert_works(outcome: Outcome, out: Path, *, cxx: bool = True) -> None:
    """Exit 0; every generated Python module imports in a fresh interpreter; the C++ header compiles."""
    assert outcome.code == 0, outcome.stderr[-3000:]
    pkgs = [p for p in (out / "python").iterdir() if p.is_dir()]
    for pkg in pkgs:
        probe = ("import importlib, pkgutil, sys\n"
                 f"sys.path.insert(0, {str(pkg.parent)!r})\n"
                 f"importlib.import_module({pkg.name!r})\n"
                 f"for m in pkgutil.iter_modules([{str(pkg)!r}]):\n"
                 f"    importlib.import_module({pkg.name!r} + '.' + m.name)\n")
        run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False,
                             timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
    if cxx:
        for header in (out / "cpp").glob("*.hpp"):
            if header.name == "idlgen_borsh.hpp":
                continue
            tu = header.parent / f"_tu_{header.stem}.cpp"
            tu.write_text(f'#include "{header.name}"\nint main() {{ return 0; }}\n', encoding="utf-8")
            cc = subprocess.run(["g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                                 "-I", str(header.parent), str(tu)],
                                capture_output=True, text=True, check=False, timeout=600)
            tu.unlink()
            assert cc.returncode == 0, cc.stderr[-3000:]
