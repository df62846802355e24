"""The writer: only changed files, atomic, owns what it wrote, never outside the output folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from idlgen.diagnostics import IdlgenError
from idlgen.write import MANIFEST, Writer


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


def test_fresh_only_for_same_fingerprint_and_untouched_files(tmp_path: Path) -> None:
    w = Writer(tmp_path, Path("gen"))
    w.write({"gen/a.txt": "A", "gen/b.txt": "B"}, fingerprint="f1")
    assert w.fresh("f1")
    assert not w.fresh("f2")
    (tmp_path / "gen" / "b.txt").write_text("edited")
    assert not w.fresh("f1")
    (tmp_path / "gen" / "b.txt").unlink()
    assert not w.fresh("f1")
    w.write({"gen/a.txt": "A", "gen/b.txt": "B"})  # written without a fingerprint: never fresh
    assert not w.fresh("")


def test_scoped_write_leaves_other_targets_alone(tmp_path: Path) -> None:
    w = Writer(tmp_path, Path("gen"))
    w.write({"gen/py/a.py": "A", "gen/cpp/a.hpp": "H"}, {"gen/py/a.py": "python", "gen/cpp/a.hpp": "cpp"}, "f")
    r = w.write({"gen/py/b.py": "B"}, {"gen/py/b.py": "python"}, "f", scope=("python",))
    assert r.removed == ["gen/py/a.py"]
    assert (tmp_path / "gen" / "cpp" / "a.hpp").read_text() == "H"
    assert sorted(w.owned()) == ["gen/cpp/a.hpp", "gen/py/b.py"]
    assert not w.fresh("f"), "a partial build never claims the whole tree is fresh"
    assert [p.kind for p in w.check({"gen/py/b.py": "B"}, scope=("python",))] == []
    assert [(p.path, p.kind) for p in w.check({"gen/py/b.py": "B"})] == [("gen/cpp/a.hpp", "extra")]
