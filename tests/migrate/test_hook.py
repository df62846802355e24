"""The `idlgen-migrate` pre-commit hook, for real: `pre-commit try-repo` on a snapshot of this repository
(see tests/tools/test_precommit.py for how the hook environment is installed and when it skips).

    IDL field renamed and regenerated, relayer code not migrated -> the hook fails showing the rewrite
    after `idlgen migrate --base HEAD --write`                 -> the hook passes
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SETTLEMENT
from tests.migrate.helpers import modified_idl, rename_field
from tests.tools.gitrepo import commit_all, git, init_repo
from tests.tools.test_precommit import NETWORK_TROUBLE, VENV_BIN, env, hook_repo, idlgen

__all__ = ["hook_repo"]  # the fixture, shared

CONFIG = 'targets = ["python"]\n\n[[programs]]\nidl = "idl/godark_settlement.json"\n'
CODE = ("from godark_settlement.types import TradeEventV2\n\n\n"
        "def fee(t: TradeEventV2) -> int:\n    return t.fee_bps\n")


def try_hook(project: Path, hook_repo: tuple[Path, str]) -> subprocess.CompletedProcess[str]:
    repo, ref = hook_repo
    proc = subprocess.run([str(VENV_BIN / "pre-commit"), "try-repo", str(repo), "idlgen-migrate", "--ref", ref,
                           "--verbose"], cwd=project, env=env(), capture_output=True, text=True, check=False,
                          timeout=900)
    out = proc.stdout + proc.stderr
    if proc.returncode not in (0, 1) or ("An unexpected error" in out and any(s in out for s in NETWORK_TROUBLE)):
        if any(s in out for s in NETWORK_TROUBLE):
            pytest.skip("pre-commit could not install idlgen's hook environment: the package index is unreachable")
        raise AssertionError(f"pre-commit try-repo failed to run (exit {proc.returncode}):\n{out[-3000:]}")
    return proc


def test_hook_fails_until_the_code_is_migrated(tmp_path: Path, hook_repo: tuple[Path, str]) -> None:
    project = init_repo(tmp_path / "project")
    (project / "idl").mkdir()
    shutil.copy(SETTLEMENT, project / "idl" / "godark_settlement.json")
    (project / "idlgen.toml").write_text(CONFIG)
    (project / "relayer").mkdir()
    (project / "relayer" / "fees.py").write_text(CODE)
    assert idlgen(project, "build").returncode == 0
    commit_all(project, "relayer beside its IDL")

    modified_idl(project / "idl" / "godark_settlement.json",
                 lambda d: rename_field(d, "TradeEventV2", "fee_bps", "taker_fee_bps"))
    assert idlgen(project, "build").returncode == 0
    git(project, "add", "-A")
    proc = try_hook(project, hook_repo)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "+    return t.taker_fee_bps" in out

    assert idlgen(project, "migrate", "--base", "HEAD", "--write").returncode == 0
    git(project, "add", "-A")
    proc = try_hook(project, hook_repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
