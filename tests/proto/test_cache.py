"""`idlgen check` stays cheap: compiled pb2 files on disk are reused when their key matches the proto text
(protoc is then neither run nor imported), and everything we emit is deterministic across processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.proto.helpers import LOCK, load, render, write

SCRIPT = """
import hashlib, json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.proto.helpers import load, render
files = render(load(), {lock!r}, root=Path({tmp!r}))
print(json.dumps({{"modules": sorted(m for m in ("grpc_tools", "libcst") if m in sys.modules),
                  "files": {{k: hashlib.sha256(v.encode()).hexdigest() for k, v in files.items()}}}}))
"""


def run(tmp: Path, seed: str = "0") -> dict[str, object]:
    lock = (ROOT / LOCK).read_text(encoding="utf-8")
    env = {**os.environ, "PYTHONHASHSEED": seed}
    r = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT), lock=lock, tmp=str(tmp))],
                       check=False, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    out: dict[str, object] = json.loads(r.stdout)
    return out


def digests(files: dict[str, str]) -> dict[str, str]:
    return {k: hashlib.sha256(v.encode()).hexdigest() for k, v in files.items()}


def test_up_to_date_tree_is_rendered_without_protoc_or_libcst(tmp_path: Path) -> None:
    fresh = render(load(), (ROOT / LOCK).read_text(encoding="utf-8"))
    write(fresh, tmp_path)
    second = run(tmp_path)
    assert second["modules"] == []
    assert second["files"] == digests(fresh)


def test_stale_or_edited_pb2_is_recompiled(tmp_path: Path) -> None:
    fresh = render(load(), (ROOT / LOCK).read_text(encoding="utf-8"))
    write(fresh, tmp_path)
    [pb2] = [p for p in fresh if p.endswith("_pb2.py")]
    (tmp_path / pb2).write_text(fresh[pb2].replace("sha256 ", "sha256 0", 1), encoding="utf-8")  # wrong key
    again = run(tmp_path)
    assert "grpc_tools" in again["modules"]  # type: ignore[operator]
    assert again["files"] == digests(fresh)  # and the result is the real compile, not the edited file
    convert = next(p for p in fresh if p.endswith("proto_convert.py"))
    (tmp_path / convert).write_text("edited\n", encoding="utf-8")
    assert "libcst" in run(tmp_path)["modules"]  # type: ignore[operator]


def test_output_is_identical_across_hash_seeds(tmp_path: Path) -> None:
    a, b = run(tmp_path / "a", "1"), run(tmp_path / "b", "987654")
    assert a["files"] == b["files"]
    assert a["modules"] == ["grpc_tools", "libcst"]  # nothing on disk there: it really compiled
