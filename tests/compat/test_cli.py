"""`idlgen diff` and `idlgen rules` end to end: the settlement story, formats, exit codes, git sides."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from idlgen.anchor.names import snake_case
from idlgen.cli import main
from idlgen.compat.report import JSON_SCHEMA, JSON_SCHEMA_VERSION
from idlgen.compat.rules import RULES
from tests.compat import casebook
from tests.conftest import FIXTURES, ROOT, SETTLEMENT

V1_ONLY = FIXTURES / "settlement" / "v1_only.json"
V3 = FIXTURES / "settlement" / "v3_hardfork.json"
CONFIG = ROOT / "pyproject.toml"


def idlgen(*args: str, cwd: Path = ROOT) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return r.exit_code, r.stdout, r.stderr


def diff_json(*args: str, cwd: Path = ROOT) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, err = idlgen("diff", *args, "--format", "json", cwd=cwd)
    assert code in (0, 1), err
    return code, json.loads(out)


def rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


# ---- the bundled settlement story ----------------------------------------------------------------------


def test_v1_only_to_current_is_soft_new_family_member() -> None:
    code, doc = diff_json(rel(V1_ONLY), rel(SETTLEMENT))
    assert code == 0
    assert doc["verdict"] == "soft"
    findings = doc["comparisons"][0]["findings"]
    batch = [f for f in findings if f["subject"] == "types.BatchV2"]
    assert [f["rule"] for f in batch] == ["FAMILY_MEMBER_ADDED"]
    assert batch[0]["rollout"] == "program first" and batch[0]["axis"] == "interface"
    assert not [f for f in findings if f["class"] == "hard"]


def test_current_to_v3_hard_fork() -> None:
    code, doc = diff_json(rel(SETTLEMENT), rel(V3))
    assert code == 1
    assert doc["verdict"] == "hard"
    hard = {(f["rule"], f["subject"], f["axis"]) for f in doc["comparisons"][0]["findings"] if f["class"] == "hard"}
    assert ("FIELD_ADDED", "types.SettlementState.fields.epoch_root", "state") in hard
    assert ("FAMILY_MEMBER_REMOVED", "types.BatchV1", "interface") in hard
    assert ("IX_ACCOUNT_ADDED", "instructions.settle_batch.accounts.epoch_authority", "interface") in hard
    assert doc["comparisons"][0]["warnings"] == []  # 0.2.0 -> 1.0.0 is a major bump


def test_retirement_acknowledged_in_config_is_printed_and_soft(tmp_path: Path) -> None:
    current = json.loads(SETTLEMENT.read_text())
    retired = json.loads(SETTLEMENT.read_text())
    retired["types"] = [t for t in retired["types"] if t["name"] not in ("BatchV1", "TradeEventV1", "OrderType")]
    retired["metadata"]["version"] = "0.3.0"
    (tmp_path / "old.json").write_text(json.dumps(current, indent=2))
    (tmp_path / "new.json").write_text(json.dumps(retired, indent=2))
    cfg = CONFIG.read_text().replace('idl = "idl/godark_settlement.json"', 'idl = "new.json"')
    cfg = cfg.replace('fail_on = "hard"', 'fail_on = "hard"\nacknowledge = [{ rule = "FAMILY_MEMBER_REMOVED", '
                      'path = "types.*V1", reason = "V1 retired" }]')
    (tmp_path / "pyproject.toml").write_text(cfg)
    code, out, err = idlgen("diff", "old.json", "new.json", cwd=tmp_path)
    assert code == 0, out + err
    assert out.count("acknowledged: V1 retired") == 2
    assert "verdict: soft" in out
    code, out, _ = idlgen("diff", "old.json", "new.json", "--format", "json", cwd=tmp_path)
    doc = json.loads(out)
    acked = [f for f in doc["comparisons"][0]["findings"] if f["acknowledged"]]
    assert {f["subject"] for f in acked} == {"types.BatchV1", "types.TradeEventV1"}
    assert all(f["class"] == "hard" and f["effective_class"] == "soft" for f in acked)


def test_unknown_rule_in_acknowledgement_is_exit_2(tmp_path: Path) -> None:
    cfg = CONFIG.read_text().replace('fail_on = "hard"', 'acknowledge = [{ rule = "NO_SUCH_RULE", path = "x" }]')
    (tmp_path / "pyproject.toml").write_text(cfg)
    code, _, err = idlgen("diff", str(V1_ONLY), str(SETTLEMENT), cwd=tmp_path)
    assert code == 2 and "NO_SUCH_RULE" in err


# ---- exit codes and --fail-on -----------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "fail_on", "code"), [
    (V1_ONLY, SETTLEMENT, "hard", 0), (V1_ONLY, SETTLEMENT, "soft", 1), (V1_ONLY, SETTLEMENT, "none", 1),
    (SETTLEMENT, V3, "hard", 1), (SETTLEMENT, SETTLEMENT, "none", 0), (SETTLEMENT, SETTLEMENT, "soft", 0),
])
def test_fail_on(old: Path, new: Path, fail_on: str, code: int) -> None:
    assert idlgen("diff", rel(old), rel(new), "--fail-on", fail_on)[0] == code


def test_fail_on_default_comes_from_config(tmp_path: Path) -> None:
    (tmp_path / "idlgen.toml").write_text('[diff]\nfail_on = "soft"\n')
    assert idlgen("diff", str(V1_ONLY), str(SETTLEMENT), cwd=tmp_path)[0] == 1
    assert idlgen("diff", str(V1_ONLY), str(SETTLEMENT), "--fail-on", "hard", cwd=tmp_path)[0] == 0


@pytest.mark.parametrize("bad", ["missing.json", "broken.json", "shank.json", "notidl.json"])
@pytest.mark.parametrize("which", ["old", "new"])
def test_a_side_that_fails_to_load_is_exit_2_never_clean(tmp_path: Path, bad: str, which: str) -> None:
    (tmp_path / "broken.json").write_text('{"address": "x",\n  "metadata": {')
    (tmp_path / "shank.json").write_text(json.dumps({"name": "x", "instructions": [], "metadata": {"origin": "shank"}}))
    (tmp_path / "notidl.json").write_text("[1, 2]")
    good = str(SETTLEMENT)
    args = (bad, good) if which == "old" else (good, bad)
    for fmt in ("text", "json", "github"):
        code, out, err = idlgen("diff", *args, "--format", fmt, cwd=tmp_path)
        assert code == 2, (out, err)
        assert out == "" and err.startswith("idlgen: error: ") and bad in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1


def test_usage_errors_are_exit_2() -> None:
    assert idlgen("diff", rel(SETTLEMENT))[0] == 2
    assert idlgen("diff", rel(SETTLEMENT), rel(V3), "--base", "HEAD")[0] == 2
    assert idlgen("diff", rel(SETTLEMENT), rel(V3), "--format", "xml")[0] == 2


# ---- formats ---------------------------------------------------------------------------------------------


def test_json_schema_is_versioned_and_complete() -> None:
    _, doc = diff_json(rel(SETTLEMENT), rel(V3))
    assert doc["schema"] == JSON_SCHEMA and doc["schema_version"] == JSON_SCHEMA_VERSION == 1
    assert set(doc) == {"schema", "schema_version", "verdict", "gate", "fail_on", "exit_code", "comparisons"}
    comp = doc["comparisons"][0]
    assert set(comp) == {"old", "new", "verdict", "axes", "gate", "counts", "findings", "warnings", "notes"}
    assert comp["axes"] == {"interface": "hard", "state": "hard", "types": "none"}
    keys = {"rule", "class", "effective_class", "axis", "flow", "rollout", "breaks", "subject", "message", "old", "new",
            "sites", "acknowledged"}
    for f in comp["findings"]:
        assert set(f) == keys
        assert f["class"] in ("none", "soft", "hard") and f["axis"] in ("interface", "state", "types")
        for w in (f["old"], f["new"]):
            assert w is None or set(w) == {"file", "path", "line"}
    assert sum(comp["counts"].values()) == len(comp["findings"])


def test_github_annotations_point_at_the_changed_lines() -> None:
    _, out, _ = idlgen("diff", rel(SETTLEMENT), rel(V3), "--format", "github")
    lines = V3.read_text().splitlines()
    seen = 0
    for ann in out.splitlines():
        m = re.match(r"::(error|warning|notice) file=([^,]+),line=(\d+),title=(\w+)", ann)
        if not m:
            continue
        assert m.group(2) == rel(V3)
        text = lines[int(m.group(3)) - 1]
        if "added" in ann.split("::")[2] and "`" in ann:
            name = ann.split("`")[1]
            assert f'"name": "{name}"' in text, (ann, text)
            seen += 1
    assert seen >= 3


def test_github_lines_in_a_legacy_file(tmp_path: Path) -> None:
    """Legacy events keep their fields inline (`events[i].fields[j]`), not under a `type`."""
    old = casebook.to_legacy(casebook.base())
    new = json.loads(json.dumps(old))
    new["events"][0]["fields"].append({"name": "feePaid", "type": "u64", "index": False})
    new["instructions"][1]["args"].append({"name": "maxSlippage", "type": "u16"})
    (tmp_path / "old.json").write_text(json.dumps(old, indent=2))
    (tmp_path / "new.json").write_text(json.dumps(new, indent=2))
    code, out, _ = idlgen("diff", "old.json", "new.json", "--format", "github", cwd=tmp_path)
    assert code == 1
    lines = (tmp_path / "new.json").read_text().splitlines()
    found = {}
    for ann in out.splitlines():
        m = re.match(r"::error file=new.json,line=(\d+),title=(\w+)", ann)
        if m:
            found[m.group(2)] = lines[int(m.group(1)) - 1].strip()
    assert found == {"FIELD_ADDED": '"name": "feePaid",', "ARG_ADDED": '"name": "maxSlippage",'}


def test_markdown_and_text() -> None:
    code, md, _ = idlgen("diff", rel(SETTLEMENT), rel(V3), "--format", "markdown")
    assert code == 1 and md.startswith("## idlgen diff: **hard**")
    assert "| **hard** | `FIELD_ADDED` | state |" in md
    code, text, _ = idlgen("diff", rel(SETTLEMENT), rel(V3))
    assert "\x1b[" not in text  # not a terminal: no colour
    assert "HARD FIELD_ADDED" in text and "verdict: hard" in text
    code, coloured, _ = idlgen("diff", rel(SETTLEMENT), rel(V3), "--color")
    assert "\x1b[" in coloured


def test_output_is_deterministic_across_hash_seeds() -> None:
    outs = set()
    for seed in ("1", "2", "77"):
        r = subprocess.run([sys.executable, "-m", "idlgen.cli", "diff", rel(SETTLEMENT), rel(V3), "--format", "json"],
                           cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed},
                           check=False)
        assert r.returncode == 1, r.stderr
        outs.add(r.stdout)
    assert len(outs) == 1


def test_version_bump_warning(tmp_path: Path) -> None:
    _code, out, _ = idlgen("diff", rel(SETTLEMENT), rel(V3))
    assert "warning:" not in out
    unbumped = json.loads(V3.read_text())
    for version, warned in (("0.2.1", True), ("0.2.0", True), ("0.3.0", False), ("1.0.0", False)):
        unbumped["metadata"]["version"] = version
        (tmp_path / "v.json").write_text(json.dumps(unbumped, indent=2))
        _, doc = diff_json(str(SETTLEMENT), str(tmp_path / "v.json"))
        assert bool(doc["comparisons"][0]["warnings"]) is warned, version
    _, doc = diff_json(rel(SETTLEMENT), rel(SETTLEMENT))
    assert doc["comparisons"][0]["warnings"] == []


# ---- git sides ----------------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t"})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "idl").mkdir()
    (tmp_path / "idl" / "godark_settlement.json").write_text(V1_ONLY.read_text())
    (tmp_path / "pyproject.toml").write_text(CONFIG.read_text())
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "v1")
    (tmp_path / "idl" / "godark_settlement.json").write_text(SETTLEMENT.read_text())
    git(tmp_path, "commit", "-qam", "v2")
    (tmp_path / "idl" / "godark_settlement.json").write_text(V3.read_text())
    return tmp_path


def test_rev_path_sides(repo: Path) -> None:
    code, doc = diff_json("HEAD~1:idl/godark_settlement.json", "HEAD:idl/godark_settlement.json", cwd=repo)
    assert code == 0 and doc["verdict"] == "soft"
    assert doc["comparisons"][0]["old"]["label"] == "HEAD~1:idl/godark_settlement.json"
    code, doc = diff_json("HEAD:idl/godark_settlement.json", "idl/godark_settlement.json", cwd=repo)
    assert code == 1 and doc["verdict"] == "hard"
    code, doc = diff_json("HEAD:./godark_settlement.json", "godark_settlement.json", cwd=repo / "idl")
    assert code == 1 and doc["comparisons"][0]["new"]["file"] == "idl/godark_settlement.json"
    assert doc["comparisons"][0]["new"]["label"] == "godark_settlement.json"


def test_base_compares_every_configured_idl_with_the_working_tree(repo: Path) -> None:
    code, doc = diff_json("--base", "HEAD", cwd=repo)
    assert code == 1 and doc["verdict"] == "hard"
    assert doc["comparisons"][0]["new"]["file"] == "idl/godark_settlement.json"
    code, doc = diff_json("--base", "HEAD~1", cwd=repo)
    assert doc["verdict"] == "hard"
    code, out, _ = idlgen("diff", "--base", "HEAD", "--format", "github", cwd=repo)
    assert "file=idl/godark_settlement.json,line=" in out
    # from a subfolder too: annotations stay relative to the repository root
    code, out, _ = idlgen("diff", "--base", "HEAD", "--format", "github", cwd=repo / "idl")
    assert code == 1 and "file=idl/godark_settlement.json,line=" in out


def test_bad_revision_is_exit_2(repo: Path) -> None:
    code, _, err = idlgen("diff", "nosuchrev:idl/godark_settlement.json", "idl/godark_settlement.json", cwd=repo)
    assert code == 2 and "nosuchrev" in err
    code, _, err = idlgen("diff", "HEAD:idl/missing.json", "idl/godark_settlement.json", cwd=repo)
    assert code == 2 and "missing.json" in err


# ---- the rule catalog ------------------------------------------------------------------------------------------


def test_rules_lists_the_catalog() -> None:
    code, out, _ = idlgen("rules")
    assert code == 0
    assert [ln.split()[0] for ln in out.splitlines()] == [r.id for r in RULES]
    code, out, _ = idlgen("rules", "--format", "json")
    assert [r["id"] for r in json.loads(out)] == [r.id for r in RULES]


def test_rule_ids_are_stable_names() -> None:
    ids = [r.id for r in RULES]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Z]+(_[A-Z0-9]+)+", i) for i in ids)
    assert all(snake_case(i) == i.lower() for i in ids)


def test_old_side_may_predate_a_configured_family(tmp_path: Path) -> None:
    before = json.loads(SETTLEMENT.read_text())
    before["types"] = [t for t in before["types"] if not t["name"].startswith(("BatchV", "TradeEventV", "OrderType"))]
    (tmp_path / "idl").mkdir()
    (tmp_path / "before.json").write_text(json.dumps(before, indent=2))
    (tmp_path / "idl" / "godark_settlement.json").write_text(SETTLEMENT.read_text())
    (tmp_path / "pyproject.toml").write_text(CONFIG.read_text())
    code, doc = diff_json("before.json", "idl/godark_settlement.json", cwd=tmp_path)
    added = {f["subject"] for f in doc["comparisons"][0]["findings"] if f["rule"] == "FAMILY_MEMBER_ADDED"}
    assert code == 0 and added == {"types.BatchV1", "types.BatchV2", "types.TradeEventV1", "types.TradeEventV2"}
    # the new side must satisfy the configuration: a configured family with no member is an input error
    code, out, err = idlgen("diff", "idl/godark_settlement.json", "before.json", cwd=tmp_path)
    assert code == 2 and out == "" and "before.json: family 'Batch' is configured" in err


def test_unused_acknowledgement_is_noted(tmp_path: Path) -> None:
    cfg = CONFIG.read_text().replace('fail_on = "hard"', 'acknowledge = [{ rule = "INSTRUCTION_REMOVED", '
                                     'path = "instructions.nothing_here" }]')
    (tmp_path / "pyproject.toml").write_text(cfg)
    code, out, _ = idlgen("diff", str(V1_ONLY), str(SETTLEMENT), cwd=tmp_path)
    assert code == 0
    assert "note: acknowledgement INSTRUCTION_REMOVED at instructions.nothing_here matched no change" in out


def test_registering_the_commands_imports_nothing_heavy() -> None:
    """`idlgen check` in a pre-commit hook must not pay for the differ: command.py imports only click."""
    code = ("import sys, idlgen.compat.command; "
            "print(sorted(m for m in sys.modules if m.startswith('idlgen')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['idlgen', 'idlgen.compat', 'idlgen.compat.command']"


def test_base_with_a_broken_working_tree_idl_is_exit_2(repo: Path) -> None:
    (repo / "idl" / "godark_settlement.json").write_text('{"address": ')
    for fmt in ("text", "json"):
        code, out, err = idlgen("diff", "--base", "HEAD", "--format", fmt, cwd=repo)
        assert code == 2 and out == "" and "godark_settlement.json" in err and "malformed JSON" in err


def test_base_skips_an_idl_new_since_rev(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("x")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "README")
    git(tmp_path, "commit", "-qm", "no idl yet")
    (tmp_path / "idl").mkdir()
    (tmp_path / "idl" / "godark_settlement.json").write_text(SETTLEMENT.read_text())
    (tmp_path / "pyproject.toml").write_text(CONFIG.read_text())
    code, _out, err = idlgen("diff", "--base", "HEAD", cwd=tmp_path)
    assert code == 0 and "does not exist at HEAD" in err
