"""`idlgen simtest` codec level: the rollout phases on the bundled settlement IDL and its neighbours.

Every case runs the real command (both IDLs' codecs generated into a temporary folder) and checks the
phase it names; the mutated IDLs are the mistakes a sim-test exists for.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from idlgen.cli import main
from tests.conftest import FIXTURES, ROOT, SETTLEMENT
from tests.support.pygen import generate_python_package
from tests.tools.gitrepo import commit_all, git, init_repo

V1_ONLY = FIXTURES / "settlement" / "v1_only.json"
V3_HARDFORK = FIXTURES / "settlement" / "v3_hardfork.json"


def simtest(*args: str) -> Result:
    return CliRunner().invoke(main, ["simtest", *args], catch_exceptions=False)


def phase(out: str, title: str) -> str:
    """The header line of a phase: `Phase 1: new program, old producers: PASS`."""
    line = next((ln for ln in out.splitlines() if ln.startswith(title)), None)
    assert line is not None, f"no {title!r} in:\n{out}"
    return line


def mutated(tmp_path: Path, fn: Callable[[dict[str, Any]], None], name: str = "candidate.json") -> Path:
    doc = json.loads(SETTLEMENT.read_text())
    fn(doc)
    out = tmp_path / name
    out.write_text(json.dumps(doc, indent=2))
    return out


def type_of(doc: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in doc["types"] if t["name"] == name)
    return found


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the bundled [tool.idlgen] config supplies the Batch family's carrier


def test_soft_rollout_needs_the_bitmask_before_phase_2() -> None:
    r = simtest("--deployed", str(V1_ONLY), "--candidate", str(SETTLEMENT), "--allowed-versions", "1")
    assert r.exit_code == 1, r.output
    assert phase(r.output, "Phase 1").endswith("PASS")
    assert phase(r.output, "Phase 2").endswith("FAIL")
    assert "does not enable version 2" in r.output and "set it to 3 (0b11)" in r.output
    assert "Phase 2 would fail" in r.output
    assert "old emit v1, new emit v2" in r.output

    r = simtest("--deployed", str(V1_ONLY), "--candidate", str(SETTLEMENT), "--allowed-versions", "3")
    assert r.exit_code == 0, r.output
    assert "Batch v2 from new producers: known to the receiving program, enabled by 3" in r.output
    assert "Batch v1 from old producers" in r.output
    assert "unknown to the program deployed now: deploy the new program" in r.output  # v1_only knows no v2


def test_emit_version_flag_and_unknown_version() -> None:
    r = simtest("--deployed", str(V1_ONLY), "--candidate", str(SETTLEMENT), "--allowed-versions", "3",
                "--emit-version", "1")
    assert r.exit_code == 0, r.output
    assert "new emit v1" in r.output
    r = simtest("--deployed", str(V1_ONLY), "--candidate", str(SETTLEMENT), "--emit-version", "5")
    assert r.exit_code == 2
    assert "emit version 5 is not a member of family Batch" in r.output


def test_hard_fork_fails_phase_1_on_the_changed_account() -> None:
    r = simtest("--deployed", str(SETTLEMENT), "--candidate", str(V3_HARDFORK), "--allowed-versions", "3")
    assert r.exit_code == 1, r.output
    assert phase(r.output, "Phase 1").endswith("FAIL")
    assert "account SettlementState" in r.output
    assert phase(r.output, "Rollback").endswith("FAIL")  # the old program cannot read what the new one wrote


def test_same_version_byte_new_layout_is_caught(tmp_path: Path) -> None:
    """BatchV2 gains a field but keeps version byte 2: old producers' v2 batches no longer decode."""
    def grow(doc: dict[str, Any]) -> None:
        type_of(doc, "BatchV2")["type"]["fields"].insert(1, {"name": "epoch", "type": "u32"})

    cand = mutated(tmp_path, grow)
    r = simtest("--deployed", str(SETTLEMENT), "--candidate", str(cand), "--allowed-versions", "3")
    assert r.exit_code == 1, r.output
    p1 = r.output.split("Phase 1", 1)[1].split("Phase 2", 1)[0]
    assert "FAIL  Batch v2 from old producers" in p1
    # and the new build's v2 batches would be misread by the program deployed now
    p2 = r.output.split("Phase 2", 1)[1].split("Rollback", 1)[0]
    assert "FAIL  Batch v2 from new producers, on the program deployed now" in p2


def test_enum_variants_swapped_is_a_different_value(tmp_path: Path) -> None:
    def swap(doc: dict[str, Any]) -> None:
        variants = type_of(doc, "Side")["type"]["variants"]
        variants[0], variants[1] = variants[1], variants[0]

    cand = mutated(tmp_path, swap)
    r = simtest("--deployed", str(SETTLEMENT), "--candidate", str(cand), "--allowed-versions", "3",
                "--samples", "20")
    assert r.exit_code == 1, r.output
    assert "decodes to a different value" in r.output


def test_renamed_field_is_the_same_on_the_wire(tmp_path: Path) -> None:
    def rename(doc: dict[str, Any]) -> None:
        type_of(doc, "BatchV2")["type"]["fields"][2]["name"] = "cut_slot"

    cand = mutated(tmp_path, rename)
    r = simtest("--deployed", str(SETTLEMENT), "--candidate", str(cand), "--allowed-versions", "3")
    assert r.exit_code == 0, r.output


def test_bitmask_from_a_saved_global_config(tmp_path: Path) -> None:
    pkg = generate_python_package(V1_ONLY, tmp_path / "pkg")
    value = {"admin": "11111111111111111111111111111112", "is_paused": False, "min_batch_size": 10,
             "allowed_batch_versions": 1, "active_relayer": "11111111111111111111111111111113"}
    raw = pkg.json_bridge.encode("account", "GlobalConfig", value) + bytes(16)  # rent padding is ignored
    dumps = {
        "raw.bin": raw,
        "hex.txt": raw.hex().encode(),
        "solana.json": json.dumps({"pubkey": "x", "account": {
            "data": [base64.b64encode(raw).decode(), "base64"], "owner": "x"}}).encode(),
    }
    for name, content in dumps.items():
        (tmp_path / name).write_bytes(content)
        r = simtest("--deployed", str(V1_ONLY), "--candidate", str(SETTLEMENT), "--config-account",
                    str(tmp_path / name))
        assert r.exit_code == 1, (name, r.output)
        assert f"allowed versions: 1 (0b1) (GlobalConfig in {tmp_path / name})" in r.output
        assert "the saved GlobalConfig account decodes with the new program's layout" in r.output

    (tmp_path / "bad.bin").write_bytes(raw[:20])
    r = simtest("--deployed", str(V1_ONLY), "--candidate", str(SETTLEMENT), "--config-account",
                str(tmp_path / "bad.bin"))
    assert r.exit_code == 2
    assert "not a GlobalConfig account of the deployed IDL" in r.output and "offset" in r.output

    r = simtest("--deployed", str(V1_ONLY), "--candidate", str(SETTLEMENT), "--config-account",
                str(tmp_path / "raw.bin"), "--allowed-versions", "3")
    assert r.exit_code == 2 and "not both" in r.output


def test_deployed_from_git_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "idl").mkdir()
    shutil.copy(V1_ONLY, repo / "idl" / "settlement.json")
    (repo / "idlgen.toml").write_text(
        '[[programs]]\nidl = "idl/settlement.json"\n[[programs.families]]\nstem = "Batch"\n'
        'carrier = "settle_batch.data"\ngate = "GlobalConfig.allowed_batch_versions"\nemit_version = 2\n')
    commit_all(repo, "v1 deployed")
    shutil.copy(SETTLEMENT, repo / "idl" / "settlement.json")
    commit_all(repo, "v2 candidate")
    assert git(repo, "rev-list", "--count", "HEAD") == "2"
    monkeypatch.chdir(repo)
    r = simtest("--deployed", "HEAD~1:idl/settlement.json", "--candidate", "idl/settlement.json",
                "--allowed-versions", "3")
    assert r.exit_code == 0, r.output
    assert "deployed:  HEAD~1:idl/settlement.json: godark_settlement 0.1.0: Batch v1" in r.output
    r = simtest("--deployed", "nosuchrev:idl/settlement.json", "--candidate", "idl/settlement.json")
    assert r.exit_code == 2 and "unknown git revision" in r.output
