"""The writer: only changed files, atomic, owns what it wrote, never outside the output folder."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from idlgen.diagnostics import IdlgenError
from idlgen.write import MANIFEST, Scope, Writer


def test_writes_only_changed_and_removes_only_owned(tmp_path: Path) -> None:
    w = Writer(tmp_path, Path("gen"))
    r = w.write({"gen/a.txt": "A", "gen/sub/b.txt": "B"})
    assert r.written == ["gen/a.txt", "gen/sub/b.txt"]
    (tmp_path / "gen" / "mine.txt").write_text("hand-written")  # not owned: must survive
    before = (tmp_path / "gen" / "a.txt").stat().st_mtime_ns
    r = w.write({"gen/a.txt": "A", "gen/c.txt": "C"})
    assert r.unchanged == ["gen/a.txt"] and r.written == ["gen/c.txt"] and r.removed == ["gen/sub/b.txt"]
    assert (tmp_path / "gen" / "a.txt").stat().st_mtime_ns == before
    assert (tmp_path / "gen" / "mine.txt").read_text() == "hand-written"
    assert not (tmp_path / "gen" / "sub").exists(), "emptied folders are pruned"
    assert '"gen/c.txt"' in (tmp_path / "gen" / MANIFEST).read_text()


def test_refuses_outside_output_folder(tmp_path: Path) -> None:
    w = Writer(tmp_path, Path("gen"), extra_allowed=["idl/x.lock.json"])
    for bad in ("other/a.txt", "gen/../escape.txt", "/etc/passwd"):
        with pytest.raises(IdlgenError, match="refusing to write outside"):
            w.write({"gen/ok.txt": "1", bad: "x"})
    assert not (tmp_path / "gen" / "ok.txt").exists(), "paths are all validated before anything is written"
    w.write({"idl/x.lock.json": "{}"})
    assert (tmp_path / "idl" / "x.lock.json").read_text() == "{}"


def test_tampered_manifest_never_deletes_outside(tmp_path: Path) -> None:
    w = Writer(tmp_path, Path("gen"))
    w.write({"gen/a.txt": "A"})
    victim = tmp_path / "precious.txt"
    victim.write_text("keep")
    (tmp_path / "gen" / MANIFEST).write_text('{"files": ["../precious.txt", "gen/a.txt"]}')
    w.write({"gen/a.txt": "A"})
    assert victim.read_text() == "keep"


def test_interrupted_write_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w = Writer(tmp_path, Path("gen"))
    w.write({"gen/a.txt": "old"})

    def boom(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        w.write({"gen/a.txt": "new"})
    monkeypatch.undo()
    assert (tmp_path / "gen" / "a.txt").read_text() == "old"
    assert sorted(p.name for p in (tmp_path / "gen").iterdir()) == [MANIFEST, "a.txt"]


def test_check_reports_stale_missing_extra_and_never_writes(tmp_path: Path) -> None:
    w = Writer(tmp_path, Path("gen"))
    w.write({"gen/a.txt": "one\n", "gen/b.txt": "B", "gen/old.txt": "O"})
    (tmp_path / "gen" / "b.txt").unlink()
    snapshot = {p: p.read_bytes() for p in (tmp_path / "gen").iterdir()}
    problems = w.check({"gen/a.txt": "two\n", "gen/b.txt": "B"})
    kinds = {(p.path, p.kind) for p in problems}
    assert kinds == {("gen/a.txt", "stale"), ("gen/b.txt", "missing"), ("gen/old.txt", "extra")}
    stale = next(p for p in problems if p.kind == "stale")
    assert "-one" in stale.diff and "+two" in stale.diff
    assert {p: p.read_bytes() for p in (tmp_path / "gen").iterdir()} == snapshot
    assert [p.kind for p in w.check({"gen/a.txt": "one\n", "gen/b.txt": "B", "gen/old.txt": "O"})] == ["missing"]


def test_fresh_only_against_the_callers_hashes(tmp_path: Path) -> None:
    w = Writer(tmp_path, Path("gen"))
    w.write({"gen/a.txt": "A", "gen/b.txt": "B"})
    expected = {"gen/a.txt": hashlib.sha256(b"A").hexdigest(), "gen/b.txt": hashlib.sha256(b"B").hexdigest()}
    assert w.fresh(expected)
    assert not w.fresh({}), "no evidence is never fresh"
    (tmp_path / "gen" / "b.txt").write_text("edited")
    assert not w.fresh(expected)
    # Recording the edit's hash in the manifest changes nothing: fresh never reads hashes from the tree.
    manifest = tmp_path / "gen" / MANIFEST
    manifest.write_text(manifest.read_text().replace(expected["gen/b.txt"], hashlib.sha256(b"edited").hexdigest()))
    assert not w.fresh(expected)
    (tmp_path / "gen" / "b.txt").unlink()
    assert not w.fresh(expected)


def test_scoped_write_leaves_other_targets_alone(tmp_path: Path) -> None:
    w = Writer(tmp_path, Path("gen"))
    w.write({"gen/py/a.py": "A", "gen/cpp/a.hpp": "H"}, {"gen/py/a.py": "python", "gen/cpp/a.hpp": "cpp"})
    py = Scope(targets=frozenset({"python"}))
    r = w.write({"gen/py/b.py": "B"}, {"gen/py/b.py": "python"}, scope=py)
    assert r.removed == ["gen/py/a.py"]
    assert (tmp_path / "gen" / "cpp" / "a.hpp").read_text() == "H"
    assert sorted(w.owned()) == ["gen/cpp/a.hpp", "gen/py/b.py"]
    assert [p.kind for p in w.check({"gen/py/b.py": "B"}, scope=py)] == []
    assert [(p.path, p.kind) for p in w.check({"gen/py/b.py": "B"})] == [("gen/cpp/a.hpp", "extra")]


def test_build_of_one_program_keeps_the_others(tmp_path: Path) -> None:
    w = Writer(tmp_path, Path("gen"))
    shared = "gen/cpp/borsh.hpp"
    w.write({"gen/pump.py": "P", shared: "S"}, programs={"gen/pump.py": ["pump.json"], shared: ["pump.json"]},
            scope=Scope(programs=frozenset({"pump.json"})))
    r = w.write({"gen/drift.py": "D", shared: "S"}, programs={"gen/drift.py": ["drift.json"], shared: ["drift.json"]},
                scope=Scope(programs=frozenset({"drift.json"})))
    assert r.removed == [] and (tmp_path / "gen" / "pump.py").read_text() == "P"
    assert sorted(w.owned()) == ["gen/cpp/borsh.hpp", "gen/drift.py", "gen/pump.py"]
    # pump's own stale file goes with a build of pump; the shared header stays while drift produces it.
    r = w.write({"gen/pump2.py": "P2"}, programs={"gen/pump2.py": ["pump.json"]},
                scope=Scope(programs=frozenset({"pump.json"})))
    assert r.removed == ["gen/pump.py"] and (tmp_path / shared).is_file()
    # A full build prunes everything no longer produced, and lists each removal.
    r = w.write({"gen/pump2.py": "P2"}, programs={"gen/pump2.py": ["pump.json"]})
    assert r.removed == ["gen/cpp/borsh.hpp", "gen/drift.py"]
