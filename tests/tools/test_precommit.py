"""The pre-commit hooks, for real: `pre-commit try-repo` on a snapshot of this repository.

A temporary git repository plays the user's project (the bundled IDL, an idlgen.toml, generated files
committed). Each scenario stages a change and runs every hook of this repository through the
pre-commit framework, which installs idlgen from the snapshot into its own virtualenv (from PyPI, so
the test needs the package index; it skips, saying so, when pip cannot reach it).

    soft change (new instruction, regenerated)  -> both hooks pass
    hard change (account field u32 -> u64)       -> idlgen-diff fails naming the rule and the IDL line
    generated file edited by hand                -> idlgen-check fails naming the file
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SETTLEMENT
from tests.tools.gitrepo import (
    add_instruction,
    commit_all,
    edit_json,
    field_lines,
    git,
    init_repo,
    retype_field,
    snapshot_tree,
)

VENV_BIN = Path(sys.executable).parent
CONFIG = """\
targets = ["proto"]

[[programs]]
idl = "idl/godark_settlement.json"

[[programs.families]]
stem = "Batch"
carrier = "settle_batch.data"
gate = "GlobalConfig.allowed_batch_versions"
emit_version = 2
"""
NETWORK_TROUBLE = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
                   "No matching distribution found", "Could not find a version that satisfies")


def env() -> dict[str, str]:
    e = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    for k in ("GIT_DIR", "GIT_INDEX_FILE", "PRE_COMMIT_HOME", "VIRTUAL_ENV"):
        e.pop(k, None)
    return e


def idlgen(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / "idlgen"), *args], cwd=project, env=env(), capture_output=True,
                          text=True, check=False)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if shutil.which("pre-commit", path=str(VENV_BIN)) is None:
        pytest.skip("pre-commit is not installed in the venv (it is a dev dependency)")
    dest = tmp_path_factory.mktemp("hookrepo")
    return dest, snapshot_tree(dest)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proj = init_repo(tmp_path / "project")
    (proj / "idl").mkdir()
    shutil.copy(SETTLEMENT, proj / "idl" / "godark_settlement.json")
    (proj / "idlgen.toml").write_text(CONFIG)
    built = idlgen(proj, "build")
    assert built.returncode == 0, built.stderr
    commit_all(proj, "project with the settlement IDL and its generated files")
    return proj


def try_repo(project: Path, hook_repo: tuple[Path, str]) -> subprocess.CompletedProcess[str]:
    repo, ref = hook_repo
    proc = subprocess.run([str(VENV_BIN / "pre-commit"), "try-repo", str(repo), "--ref", ref, "--verbose"],
                          cwd=project, env=env(), capture_output=True, text=True, check=False, timeout=900)
    out = proc.stdout + proc.stderr
    if proc.returncode not in (0, 1) or ("An unexpected error" in out and any(s in out for s in NETWORK_TROUBLE)):
        if any(s in out for s in NETWORK_TROUBLE):
            pytest.skip("pre-commit could not install idlgen's hook environment: the package index is "
                        "unreachable")
        raise AssertionError(f"pre-commit try-repo failed to run (exit {proc.returncode}):\n{out[-3000:]}")
    return proc


def hook_line(out: str, hook_name_start: str) -> str:
    line = next((ln for ln in out.splitlines() if ln.startswith(hook_name_start)), None)
    assert line is not None, f"hook {hook_name_start!r} did not run:\n{out}"
    return line


def test_soft_change_passes(project: Path, hook_repo: tuple[Path, str]) -> None:
    edit_json(project / "idl" / "godark_settlement.json", lambda d: add_instruction(d, "ping_twice"))
    assert idlgen(project, "build").returncode == 0
    git(project, "add", "-A")
    proc = try_repo(project, hook_repo)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert hook_line(out, "idlgen check").endswith("Passed")
    assert hook_line(out, "idlgen diff").endswith("Passed")
    assert "idlgen diff HEAD:idl/godark_settlement.json idl/godark_settlement.json" in out  # it compared


def test_hard_change_fails_naming_rule_and_line(project: Path, hook_repo: tuple[Path, str]) -> None:
    idl = project / "idl" / "godark_settlement.json"
    edit_json(idl, lambda d: retype_field(d, "GlobalConfig", "min_batch_size", "u64"))
    assert idlgen(project, "build").returncode == 0  # generated files follow, so only the diff fails
    git(project, "add", "-A")
    lines = field_lines(idl, "GlobalConfig", "min_batch_size")

    proc = try_repo(project, hook_repo)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert hook_line(out, "idlgen check").endswith("Passed")
    assert hook_line(out, "idlgen diff").endswith("Failed")
    catalog = json.loads(idlgen(project, "rules", "--format", "json").stdout)
    hard_rules = {r["id"] for r in catalog if r["class"] == "hard"}
    named = set(re.findall(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+\b", out)) & hard_rules
    assert named, f"no hard rule id in the hook output:\n{out}"
    named_lines = {int(n) for n in re.findall(r"idl/godark_settlement\.json:(\d+)", out)}
    assert named_lines & set(lines), f"no line of the changed field {lines} named:\n{out}"
    assert "min_batch_size" in out


def test_stale_generated_file_fails_naming_it(project: Path, hook_repo: tuple[Path, str]) -> None:
    generated = sorted(p for p in (project / "generated").rglob("*") if p.is_file() and not p.name.startswith("."))
    assert generated, "the build generated nothing"
    victim = generated[0]
    victim.write_text(victim.read_text() + "\n// edited by hand\n")
    git(project, "add", "-A")
    proc = try_repo(project, hook_repo)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert hook_line(out, "idlgen check").endswith("Failed")
    assert victim.relative_to(project).as_posix() in out
