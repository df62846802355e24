"""The issue's acceptance test: a relayer project, an IDL full of renames, `migrate --write`, and the
project's own tests pass against the new generated package (and fail against it without migrate)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SETTLEMENT
from tests.migrate.helpers import copy_project, idlgen, modified_idl, render_package, run_checks, the_renames


def test_relayer_tests_pass_after_migrate(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    new_idl = modified_idl(tmp_path / "new.json", the_renames)
    old_gen = render_package(SETTLEMENT, tmp_path / "gen_old")
    new_gen = render_package(new_idl, tmp_path / "gen_new")

    before = run_checks(project, old_gen)
    assert before.returncode == 0, before.stdout + before.stderr
    broken = run_checks(project, new_gen)
    assert broken.returncode != 0, "the renames should break the unmigrated project"

    sources = {p: p.read_bytes() for p in project.rglob("*.py")}
    check = idlgen(tmp_path, "migrate", str(SETTLEMENT), str(new_idl), str(project))
    assert check.returncode == 1, check.stderr
    assert "+    return trade.taker_fee_bps + schedule.fee_bps" in check.stdout
    assert {p: p.read_bytes() for p in project.rglob("*.py")} == sources, "check mode wrote something"

    wrote = idlgen(tmp_path, "migrate", str(SETTLEMENT), str(new_idl), str(project), "--write")
    assert wrote.returncode == 0, wrote.stderr
    assert ": warning:" not in wrote.stderr, wrote.stderr  # every use in the project is typed
    assert " 0 warnings, 0 uses" in wrote.stderr

    after = run_checks(project, new_gen)
    assert after.returncode == 0, after.stdout + after.stderr

    # Done is done: the migrated project has nothing left to migrate.
    again = idlgen(tmp_path, "migrate", str(SETTLEMENT), str(new_idl), str(project))
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout == ""
