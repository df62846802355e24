"""`idlgen hook-diff` (the idlgen-diff hook's entry) without the pre-commit framework: which files it takes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from idlgen.cli import main
from tests.conftest import SETTLEMENT
from tests.tools.gitrepo import add_instruction, commit_all, edit_json, init_repo, retype_field


def hook(*files: str) -> Result:
    return CliRunner().invoke(main, ["hook-diff", *files], catch_exceptions=False)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    r = init_repo(tmp_path / "repo")
    (r / "idl").mkdir()
    shutil.copy(SETTLEMENT, r / "idl" / "a.json")
    (r / "package.json").write_text('{"name": "web"}\n')
    commit_all(r, "base")
    monkeypatch.chdir(r)
    return r


def test_configured_idls_only(repo: Path) -> None:
    (repo / "idlgen.toml").write_text('targets = ["proto"]\n[[programs]]\nidl = "idl/a.json"\n')
    shutil.copy(SETTLEMENT, repo / "idl" / "b.json")  # an IDL, but not configured
    edit_json(repo / "idl" / "b.json", lambda d: retype_field(d, "GlobalConfig", "min_batch_size", "u64"))
    r = hook("idl/b.json", "package.json")
    assert r.exit_code == 0 and r.output == ""
    edit_json(repo / "idl" / "a.json", lambda d: retype_field(d, "GlobalConfig", "min_batch_size", "u64"))
    r = hook("idl/a.json", "idl/b.json", "package.json")
    assert r.exit_code == 1, r.output
    assert "idlgen diff HEAD:idl/a.json idl/a.json" in r.output and "idl/b.json" not in r.output


def test_without_config_any_anchor_idl(repo: Path) -> None:
    edit_json(repo / "idl" / "a.json", lambda d: add_instruction(d, "ping_twice"))
    r = hook("idl/a.json", "package.json")
    assert r.exit_code == 0, r.output
    assert "idlgen diff HEAD:idl/a.json idl/a.json" in r.output and "package.json" not in r.output
    edit_json(repo / "idl" / "a.json", lambda d: retype_field(d, "GlobalConfig", "min_batch_size", "u64"))
    assert hook("idl/a.json").exit_code == 1


def test_new_idl_has_nothing_to_compare(repo: Path) -> None:
    shutil.copy(SETTLEMENT, repo / "idl" / "new.json")
    r = hook("idl/new.json")
    assert r.exit_code == 0
    assert "idl/new.json: new IDL, nothing to compare with" in r.output


def test_broken_configured_idl_is_an_error(repo: Path) -> None:
    (repo / "idlgen.toml").write_text('[[programs]]\nidl = "idl/a.json"\n')
    (repo / "idl" / "a.json").write_text('{"instructions": [}\n')
    r = hook("idl/a.json")
    assert r.exit_code == 2, r.output
    assert "idl/a.json" in r.output and "malformed JSON" in r.output
