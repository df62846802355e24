"""Small projects on disk for the I/O security tests, and idlgen run as a separate process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import CORPUS, SETTLEMENT

# Two small programs (one spec-format, one legacy IDL): a build of both takes about a second.
PUMP = CORPUS / "idls" / "pyth_push_oracle" / "pyth_push_oracle_spec.json"
DRIFT = CORPUS / "idls" / "anchorpy_tests" / "events.json"
PUMP_PKG = "generated/python/pyth_push_oracle"
DRIFT_PKG = "generated/python/events"

TWO_PROGRAMS = """\
[tool.idlgen]
out = "generated"

[[tool.idlgen.programs]]
idl = "idl/pump.json"

[[tool.idlgen.programs]]
idl = "idl/drift.json"
"""


def idlgen(cwd: Path, *args: str, env: dict[str, str] | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "idlgen", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False, timeout=timeout)


def two_programs(root: Path, config: str = TWO_PROGRAMS) -> Path:
    (root / "idl").mkdir(parents=True)
    shutil.copy(PUMP, root / "idl" / "pump.json")
    shutil.copy(DRIFT, root / "idl" / "drift.json")
    (root / "pyproject.toml").write_text(config)
    return root


def settlement_project(root: Path) -> Path:
    """The bundled settlement program, configured for every target (the pb2 files included)."""
    (root / "idl").mkdir(parents=True)
    shutil.copy(SETTLEMENT, root / "idl" / "godark_settlement.json")
    (root / "pyproject.toml").write_text('[tool.idlgen]\nout = "generated"\n\n[[tool.idlgen.programs]]\n'
                                         'idl = "idl/godark_settlement.json"\n')
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every regular file below `root` (symlinks listed by their target, never followed)."""
    out: dict[str, bytes] = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink():
            out[p.relative_to(root).as_posix()] = b"-> " + os.readlink(p).encode()
        elif p.is_file():
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def manifest(root: Path) -> dict[str, dict[str, object]]:
    text = (root / "generated" / ".idlgen-manifest.json").read_text()
    files: dict[str, dict[str, object]] = json.loads(text)["files"]
    return files


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The CLI's contract for bad input or an unusable disk: exit 2, one line on stderr, no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("idlgen: error: "), proc.stderr
    return lines[0]
