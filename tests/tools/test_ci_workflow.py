"""docs/ci/github-workflow.yml: its own `run:` scripts, run in a temporary git repository with two commits.

The scripts are read from the workflow file (not copied here), so a change to the workflow is what
gets tested. `$BASE` plays `origin/<base branch>`: the first commit of the repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, SETTLEMENT
from tests.tools.gitrepo import add_instruction, commit_all, edit_json, field_lines, git, init_repo, retype_field

WORKFLOW = ROOT / "docs" / "ci" / "github-workflow.yml"
VENV_BIN = Path(sys.executable).parent
CONFIG = """\
[tool.idlgen]
targets = ["proto"]

[[tool.idlgen.programs]]
idl = "idl/godark_settlement.json"

[[tool.idlgen.programs.families]]
stem = "Batch"
carrier = "settle_batch.data"
gate = "GlobalConfig.allowed_batch_versions"
emit_version = 2
"""
STEPS = ("Generated files are up to date", "IDL compatibility against the pull request base", "Upgrade plan")


def workflow() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return doc


def step(name: str) -> dict[str, Any]:
    steps = workflow()["jobs"]["idl-gate"]["steps"]
    found: dict[str, Any] = next(s for s in steps if s.get("name") == name)
    return found


def run_step(name: str, repo: Path, base: str) -> tuple[int, str, Path]:
    script = step(name)["run"]
    assert "${{" not in script, f"step {name!r} uses a workflow expression this test cannot evaluate"
    summary = repo.parent / f"summary-{len(list(repo.parent.iterdir()))}.md"
    summary.write_text("")
    env = dict(os.environ, BASE=base, GITHUB_STEP_SUMMARY=str(summary),
               PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    # GitHub runs `run:` with `bash -e {0}`
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True,
                          check=False)
    return proc.returncode, proc.stdout + proc.stderr, summary


def idlgen(repo: Path, *args: str) -> None:
    proc = subprocess.run([str(VENV_BIN / "idlgen"), *args], cwd=repo, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = init_repo(tmp_path / "repo")
    (r / "idl").mkdir()
    shutil.copy(SETTLEMENT, r / "idl" / "godark_settlement.json")
    (r / "pyproject.toml").write_text('[project]\nname = "desk"\nversion = "0.1.0"\n\n' + CONFIG)
    idlgen(r, "build")
    commit_all(r, "base: settlement IDL and generated files")
    return r


def test_workflow_shape() -> None:
    wf = workflow()
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in triggers
    steps = wf["jobs"]["idl-gate"]["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0, "--base needs the base commit's history"
    names = [s.get("name") for s in steps]
    assert [n for n in names if n in STEPS] == list(STEPS)
    assert "github.base_ref" in wf["jobs"]["idl-gate"]["env"]["BASE"]
    assert any("upload-artifact" in str(s.get("uses", "")) for s in steps)


def test_soft_change_passes_and_plans_the_phases(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    edit_json(repo / "idl" / "godark_settlement.json", lambda d: add_instruction(d, "ping_twice"))
    idlgen(repo, "build")
    commit_all(repo, "PR: new instruction")

    code, out, _ = run_step(STEPS[0], repo, base)
    assert code == 0, out
    code, out, _ = run_step(STEPS[1], repo, base)
    assert code == 0, out
    assert re.search(r"^::(notice|warning) file=idl/godark_settlement\.json,line=\d+", out, re.M), out
    code, out, summary = run_step(STEPS[2], repo, base)
    assert code == 0, out
    plan = (repo / "idl-upgrade-plan.md").read_text()
    assert plan.startswith("#") and "soft" in plan.lower()
    assert "ping_twice" in plan or "INSTRUCTION_ADDED" in plan
    assert summary.read_text() == plan, "the plan is attached to the job summary"


def test_hard_change_fails_with_an_annotation_on_the_line(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    idl = repo / "idl" / "godark_settlement.json"
    edit_json(idl, lambda d: retype_field(d, "GlobalConfig", "min_batch_size", "u64"))
    idlgen(repo, "build")
    commit_all(repo, "PR: widen min_batch_size")
    lines = field_lines(idl, "GlobalConfig", "min_batch_size")

    code, out, _ = run_step(STEPS[0], repo, base)
    assert code == 0, out
    code, out, _ = run_step(STEPS[1], repo, base)
    assert code == 1, out
    annotated = {int(n) for n in re.findall(r"^::error file=idl/godark_settlement\.json,line=(\d+),title=FIELD_", out,
                                            re.M)}
    assert annotated and annotated <= set(lines), f"expected a line in {lines}:\n{out}"
    code, out, summary = run_step(STEPS[2], repo, base)
    assert code == 0, f"the plan step must not fail on a verdict:\n{out}"
    plan = (repo / "idl-upgrade-plan.md").read_text()
    assert "hard" in plan.lower() and "pause" in plan.lower()
    assert summary.read_text() == plan


def test_stale_generated_file_fails_the_check_step(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    edit_json(repo / "idl" / "godark_settlement.json", lambda d: add_instruction(d, "ping_twice"))
    commit_all(repo, "PR: IDL changed, generated files forgotten")
    code, out, _ = run_step(STEPS[0], repo, base)
    assert code == 1, out
    assert "generated/" in out

