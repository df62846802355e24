"""`idlgen build --target python` end to end: the CLI writes the package, which imports and works."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

from tests.support.pygen import render_python

from .conftest import ROOT, SETTLEMENT


def test_cli_build_writes_the_package(tmp_path: Path) -> None:
    out = tmp_path / "out"
    idlgen = str(Path(sys.executable).parent / "idlgen")
    proc = subprocess.run([idlgen, "build", "--target", "python", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    pkg = out / "python" / "godark_settlement"
    written = {p.name: p.read_text(encoding="utf-8") for p in pkg.iterdir() if p.is_file()}
    expected = render_python(SETTLEMENT, families=None, package="godark_settlement")
    assert written == expected
    sys.path.insert(0, str(out / "python"))
    try:
        mod = importlib.import_module("godark_settlement.families")
        types = importlib.import_module("godark_settlement.types")
        batch = types.BatchV2(1, bytes(32), 2, [])
        assert mod.decode_batch(mod.encode_batch(batch), allowed_mask=0b10) == batch
    finally:
        sys.path.remove(str(out / "python"))
        for name in [m for m in sys.modules if m == "godark_settlement" or m.startswith("godark_settlement.")]:
            del sys.modules[name]
