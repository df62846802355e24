"""Every output format for the bundled settlement story, as golden files (the text users see).

Refresh with: IDLGEN_REFRESH_GOLDEN=1 .venv/bin/pytest tests/compat/test_golden_reports.py
"""

from __future__ import annotations

import os

from click.testing import CliRunner

from idlgen.cli import main
from tests.conftest import ROOT
from tests.support.golden import check_golden

STORIES = {
    "v1_only-to-current": ("tests/fixtures/settlement/v1_only.json", "idl/godark_settlement.json"),
    "current-to-v3_hardfork": ("idl/godark_settlement.json", "tests/fixtures/settlement/v3_hardfork.json"),
}
REFRESH = "IDLGEN_REFRESH_GOLDEN=1 .venv/bin/pytest tests/compat/test_golden_reports.py"


def test_report_formats_and_plans() -> None:
    files: dict[str, str] = {}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for story, (old, new) in STORIES.items():
            for fmt, ext in (("text", "txt"), ("json", "json"), ("markdown", "md"), ("github", "github.txt")):
                r = CliRunner().invoke(main, ["diff", old, new, "--format", fmt])
                assert r.exit_code in (0, 1), r.stderr
                files[f"{story}/report.{ext}"] = r.stdout
            files[f"{story}/plan.md"] = CliRunner().invoke(main, ["diff", old, new, "--plan"]).stdout
            plan_json = ["diff", old, new, "--plan", "--format", "json"]
            files[f"{story}/plan.json"] = CliRunner().invoke(main, plan_json).stdout
    finally:
        os.chdir(cwd)
    check_golden(files, ROOT / "tests" / "golden" / "compat" / "settlement", REFRESH)
