"""`diff --base` and the `idlgen-diff` hook never pass what they could not read (SECURITY.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from idlgen.cli import main
from tests.conftest import SETTLEMENT
from tests.tools.gitrepo import commit_all, edit_json, git, init_repo, retype_field


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    r = init_repo(tmp_path / "repo")
    (r / "idl").mkdir()
    shutil.copy(SETTLEMENT, r / "idl" / "a.json")
    (r / "idlgen.toml").write_text('targets = ["proto"]\n[[programs]]\nidl = "idl/a.json"\n')
    commit_all(r, "base")
    edit_json(r / "idl" / "a.json", lambda d: retype_field(d, "GlobalConfig", "min_batch_size", "u64"))
    monkeypatch.chdir(r)
    return r


def loose_object(repo: Path, spec: str) -> Path:
    sha = git(repo, "rev-parse", spec)
    path = repo / ".git" / "objects" / sha[:2] / sha[2:]
    assert path.is_file(), "a fresh repository keeps loose objects"
    path.chmod(0o644)
    return path


def one_error_line(r: Result) -> str:
    assert r.exit_code == 2, r.output
    lines = [line for line in r.output.splitlines() if line.startswith("idlgen: error: ")]
    assert len(lines) == 1 and "Traceback" not in r.output, r.output
    return lines[0]


def test_intact_base_rates_the_change_hard(repo: Path) -> None:
    assert run("diff", "--base", "HEAD").exit_code == 1


@pytest.mark.parametrize("damage", ["corrupt blob", "missing blob", "corrupt tree"])
def test_unreadable_base_is_exit_2_not_a_new_idl(repo: Path, damage: str) -> None:
    spec = "HEAD:idl" if damage == "corrupt tree" else "HEAD:idl/a.json"
    obj = loose_object(repo, spec)
    if damage == "missing blob":
        obj.unlink()
    else:
        obj.write_bytes(b"\x78\x9c garbage, not zlib")
    line = one_error_line(run("diff", "--base", "HEAD"))
    assert "idl/a.json" in line and "cannot read" in line, line
    assert "new IDL" not in line


def test_absent_at_base_is_a_new_idl(repo: Path) -> None:
    shutil.copy(SETTLEMENT, repo / "idl" / "b.json")
    (repo / "idlgen.toml").write_text('targets = ["proto"]\n[[programs]]\nidl = "idl/b.json"\n')
    r = run("diff", "--base", "HEAD")
    assert r.exit_code == 0 and "idl/b.json does not exist at HEAD: a new IDL" in r.output, r.output


def test_hook_without_config_reports_every_staged_idl_it_cannot_load(repo: Path) -> None:
    (repo / "idlgen.toml").unlink()
    shutil.copy(SETTLEMENT, repo / "c.json")  # an IDL outside any idl/ folder
    (repo / "package.json").write_text('{"name": "web"}\n')
    commit_all(repo, "more files")
    (repo / "idl" / "a.json").write_text('{"instructions": [}\n')  # malformed JSON
    edit_json(repo / "c.json", lambda d: d.pop("instructions"))  # lost its instructions
    (repo / "target" / "idl").mkdir(parents=True)
    (repo / "target" / "idl" / "b.json").write_bytes(b'{"name": "\xff\xfe"}')  # new, not UTF-8
    (repo / "idl" / "new.json").write_text("{")  # new, malformed
    r = run("hook-diff", "idl/a.json", "c.json", "target/idl/b.json", "idl/new.json", "package.json")
    assert r.exit_code == 2, r.output
    errors = [line for line in r.output.splitlines() if line.startswith("idlgen: error: ")]
    for name in ("idl/a.json", "c.json", "target/idl/b.json", "idl/new.json"):
        assert any(name in line for line in errors), (name, r.output)
    assert "package.json" not in r.output
    assert any("malformed JSON" in line for line in errors) and any("UTF-8" in line for line in errors)


def test_hook_reports_an_idl_git_cannot_read_at_head(repo: Path) -> None:
    loose_object(repo, "HEAD:idl/a.json").write_bytes(b"garbage")
    r = run("hook-diff", "idl/a.json")
    assert r.exit_code == 2 and "idl/a.json" in r.output and "cannot read" in r.output, r.output
    assert "new IDL" not in r.output
