"""`idlgen decode` on input it cannot use: one line, exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IDL = ROOT / "idl" / "godark_settlement.json"


def _decode(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "idlgen", "decode", str(IDL), *args], capture_output=True,
                          text=True, check=False, timeout=300)


def _one_line(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("idlgen: error: ") and needle in lines[0], proc.stderr[-2000:]


def test_unknown_type_name() -> None:
    _one_line(_decode("--as", "type", "--name", "Nope", "0x00"), "no type named 'Nope'")


def test_logs_of_a_binary_file(tmp_path: Path) -> None:
    binary = tmp_path / "tx.log"
    binary.write_bytes(b"\x00\xff\xfe\x80 not a log\n" * 10)
    _one_line(_decode("--logs", str(binary)), "not UTF-8 text")
