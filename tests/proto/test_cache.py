"""`idlgen check` stays cheap without trusting the tree: a compile is reused from idlgen's per-user cache
(protoc is then neither run nor imported), never from the `_pb2` files on disk, and everything we emit
is deterministic across processes."""

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


def run(tmp: Path, seed: str = "0", cache: Path | None = None) -> dict[str, object]:
    lock = (ROOT / LOCK).read_text(encoding="utf-8")
    env = {**os.environ, "PYTHONHASHSEED": seed, "IDLGEN_CACHE_DIR": str(cache or tmp / "cache")}
    r = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT), lock=lock, tmp=str(tmp))],
                       check=False, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    out: dict[str, object] = json.loads(r.stdout)
    return out


def digests(files: dict[str, str]) -> dict[str, str]:
    return {k: hashlib.sha256(v.encode()).hexdigest() for k, v in files.items()}


def test_cached_compile_is_rendered_without_protoc_or_libcst(tmp_path: Path) -> None:
    first = run(tmp_path)
    assert first["modules"] == ["grpc_tools", "libcst"]  # an empty cache: it really compiled
    second = run(tmp_path)
    assert second["modules"] == [] or second["modules"] == ["libcst"]
    assert "grpc_tools" not in second["modules"]  # type: ignore[operator]
    assert second["files"] == first["files"]


def test_pb2_on_disk_is_never_the_compile_result(tmp_path: Path) -> None:
    """A line inserted into a committed _pb2.py, its key line intact, is not taken as protoc's output."""
    fresh = render(load(), (ROOT / LOCK).read_text(encoding="utf-8"))
    write(fresh, tmp_path)
    [pb2] = [p for p in fresh if p.endswith("_pb2.py")]
    (tmp_path / pb2).write_text(fresh[pb2] + "import os; os.system('echo owned')\n", encoding="utf-8")
    again = run(tmp_path, cache=tmp_path / "empty-cache")
    assert "grpc_tools" in again["modules"]  # type: ignore[operator]
    assert again["files"] == digests(fresh)  # the real compile, not the edited file
    convert = next(p for p in fresh if p.endswith("proto_convert.py"))
    (tmp_path / convert).write_text("edited\n", encoding="utf-8")
    assert "libcst" in run(tmp_path)["modules"]  # type: ignore[operator]


def test_poisoned_cache_entry_for_other_inputs_is_never_served(tmp_path: Path) -> None:
    """Entries are named by the sha256 of their inputs: an entry whose recorded key differs is ignored."""
    run(tmp_path)
    [entry] = (tmp_path / "cache").rglob("protoc/*.json")
    data = json.loads(entry.read_text())
    data["key"] = "0" * 64
    entry.write_text(json.dumps(data))
    assert "grpc_tools" in run(tmp_path)["modules"]  # type: ignore[operator]


def test_output_is_identical_across_hash_seeds(tmp_path: Path) -> None:
    a, b = run(tmp_path / "a", "1"), run(tmp_path / "b", "987654")
    assert a["files"] == b["files"]
    assert a["modules"] == ["grpc_tools", "libcst"]  # nothing on disk there: it really compiled
