"""docs/rules.md is generated from the rule catalog and must not drift from it."""

from __future__ import annotations

from click.testing import CliRunner

from idlgen.cli import main
from idlgen.compat.rules import DOC_COMMAND, RULES
from tests.conftest import ROOT


def test_rules_md_is_up_to_date() -> None:
    out = CliRunner().invoke(main, ["rules", "--format", "markdown"]).stdout
    on_disk = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert on_disk == out, f"docs/rules.md is stale: regenerate it with `{DOC_COMMAND}`"
    for r in RULES:
        assert f"| `{r.id}` | {r.level.label} |" in on_disk
