"""`idlgen migrate` end to end: check and write modes, REV:path and --base, atomic writes, bad input,
the `diff --format markdown` hint, and the symbol table against a rendered package."""

from __future__ import annotations

import dataclasses
import importlib
import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from idlgen.cli import main
from idlgen.migrate import command
from tests.conftest import SETTLEMENT
from tests.migrate.helpers import PACKAGE, idlgen, modified_idl, rename_field, render_package, the_renames
from tests.tools.gitrepo import commit_all, init_repo

CODE = ("from godark_settlement.types import TradeEventV2\n\n\n"
        "def fee(t: TradeEventV2) -> int:\n    return t.fee_bps  # taker\n")


def fee_rename(doc: dict[str, object]) -> None:
    rename_field(doc, "TradeEventV2", "fee_bps", "taker_fee_bps")


def two_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    src = tmp_path / "src"
    src.mkdir()
    a, b = src / "a.py", src / "b.py"
    a.write_text(CODE)
    b.write_text(CODE.replace("def fee", "def other_fee"))
    return src, a, b


def test_check_mode_prints_a_diff_and_exits_1(tmp_path: Path) -> None:
    new = modified_idl(tmp_path / "new.json", fee_rename)
    _src, a, _ = two_files(tmp_path)
    proc = idlgen(tmp_path, "migrate", str(SETTLEMENT), str(new), "src")
    assert proc.returncode == 1, proc.stderr
    assert "--- a/src/a.py\n+++ b/src/a.py\n" in proc.stdout
    assert "-    return t.fee_bps  # taker\n+    return t.taker_fee_bps  # taker\n" in proc.stdout
    assert "2 of 2 files would change" in proc.stderr
    assert a.read_text() == CODE


def test_nothing_to_migrate_exits_0(tmp_path: Path) -> None:
    proc = idlgen(tmp_path, "migrate", str(SETTLEMENT), str(SETTLEMENT), str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "nothing to migrate" in proc.stderr


def test_rev_path_reads_the_old_idl_from_git(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "idl").mkdir()
    shutil.copy(SETTLEMENT, repo / "idl" / "x.json")
    (repo / "relayer.py").write_text(CODE)
    commit_all(repo, "v1")
    modified_idl(repo / "idl" / "x.json", fee_rename)
    proc = idlgen(repo, "migrate", "HEAD:idl/x.json", "idl/x.json", "relayer.py", "--write")
    assert proc.returncode == 0, proc.stderr
    assert (repo / "relayer.py").read_text() == CODE.replace("t.fee_bps", "t.taker_fee_bps")
    bad = idlgen(repo, "migrate", "nope:idl/x.json", "idl/x.json", "relayer.py")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_base_compares_the_configured_idls(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "idl").mkdir()
    shutil.copy(SETTLEMENT, repo / "idl" / "godark_settlement.json")
    (repo / "idlgen.toml").write_text('targets = ["python"]\n\n[[programs]]\nidl = "idl/godark_settlement.json"\n')
    (repo / "relayer").mkdir()
    (repo / "relayer" / "fees.py").write_text(CODE)
    commit_all(repo, "v1")
    clean = idlgen(repo, "migrate", "--base", "HEAD")
    assert clean.returncode == 0, clean.stderr  # the IDL did not change: nothing is parsed
    modified_idl(repo / "idl" / "godark_settlement.json", fee_rename)
    proc = idlgen(repo, "migrate", "--base", "HEAD")
    assert proc.returncode == 1, proc.stderr
    assert "+++ b/relayer/fees.py" in proc.stdout


def test_write_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new = modified_idl(tmp_path / "new.json", fee_rename)
    src, a, b = two_files(tmp_path)
    before = {p: p.read_bytes() for p in (a, b)}
    real_replace = os.replace
    calls: list[str] = []

    def flaky_replace(s: str, d: object) -> None:
        calls.append(s)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(s, d)  # type: ignore[arg-type]

    monkeypatch.setattr(command.os, "replace", flaky_replace)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["migrate", str(SETTLEMENT), str(new), "src", "--write"])
    assert res.exit_code == 2, res.output
    assert "every file was restored" in res.output and "Traceback" not in res.output
    assert len(calls) == 2, "the first file was replaced, then the second failed"
    assert {p: p.read_bytes() for p in (a, b)} == before
    assert sorted(p.name for p in src.iterdir()) == ["a.py", "b.py"], "temporary files were left behind"


def test_write_fails_before_touching_anything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new = modified_idl(tmp_path / "new.json", fee_rename)
    src, a, b = two_files(tmp_path)
    before = {p: p.read_bytes() for p in (a, b)}
    real = command.tempfile.mkstemp
    made: list[int] = []

    def flaky_mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        if made:
            raise OSError(13, "Permission denied")
        made.append(1)
        return real(*args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(command.tempfile, "mkstemp", flaky_mkstemp)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["migrate", str(SETTLEMENT), str(new), "src", "--write"])
    assert res.exit_code == 2, res.output
    assert "no file was changed" in res.output
    assert {p: p.read_bytes() for p in (a, b)} == before
    assert sorted(p.name for p in src.iterdir()) == ["a.py", "b.py"]


def test_unparseable_user_file_is_one_line_exit_2(tmp_path: Path) -> None:
    new = modified_idl(tmp_path / "new.json", fee_rename)
    src, a, _ = two_files(tmp_path)
    (src / "broken.py").write_text("import godark_settlement\n\n\ndef f(:\n    pass\n")
    proc = idlgen(tmp_path, "migrate", str(SETTLEMENT), str(new), "src", "--write")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith("idlgen: error: src/broken.py:4: cannot parse Python")
    assert a.read_text() == CODE, "nothing is written when one file cannot be read"


def test_bad_idl_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    proc = idlgen(tmp_path, "migrate", str(SETTLEMENT), str(bad), ".")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "bad.json" in proc.stderr


def test_diff_markdown_mentions_migrate_only_for_renames(tmp_path: Path) -> None:
    new = modified_idl(tmp_path / "new.json", fee_rename)
    md = idlgen(tmp_path, "diff", str(SETTLEMENT), str(new), "--format", "markdown")
    assert f"`idlgen migrate {SETTLEMENT} {new} <your code>`" in md.stdout
    retyped = modified_idl(tmp_path / "retyped.json", lambda d: next(
        f for t in d["types"] if t["name"] == "GlobalConfig" for f in t["type"]["fields"]
        if f["name"] == "min_batch_size").update(type="u64"))
    plain = idlgen(tmp_path, "diff", str(SETTLEMENT), str(retyped), "--format", "markdown")
    assert "RENAMED" not in plain.stdout and "idlgen migrate" not in plain.stdout


@pytest.mark.parametrize("renamed", [False, True])
def test_symbols_are_the_generated_names(tmp_path: Path, renamed: bool) -> None:
    """Every name migrate knows exists in the package idlgen renders (guards against naming drift)."""
    from idlgen.anchor.load import load_program
    from idlgen.migrate.symbols import build_api

    idl = modified_idl(tmp_path / "idl.json", the_renames) if renamed else SETTLEMENT
    gen = render_package(idl, tmp_path / f"gen{int(renamed)}")
    name = f"_migrate_syms_{int(renamed)}"
    (gen / PACKAGE).rename(gen / name)
    sys.path.insert(0, str(gen))
    try:
        api = build_api(load_program(str(idl)), name)
        for (module, attr), sym in api.module.items():
            mod = importlib.import_module(f"{name}.{module}")
            assert hasattr(mod, attr), f"{module}.{attr} ({sym.shown})"
        types_mod = importlib.import_module(f"{name}.types")
        ix_mod = importlib.import_module(f"{name}.instructions")
        for cls, members in api.members.items():
            owner = getattr(types_mod, cls, None) or getattr(ix_mod, cls)
            have = {f.name for f in dataclasses.fields(owner)} if dataclasses.is_dataclass(owner) else \
                set(owner.__members__)
            assert set(members) == have, cls
    finally:
        sys.path.remove(str(gen))
        for m in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[m]


def test_migrate_help_has_an_example() -> None:
    res = CliRunner().invoke(main, ["migrate", "--help"])
    assert res.exit_code == 0 and "idlgen migrate HEAD~1:idl/program.json" in res.output
