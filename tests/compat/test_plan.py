"""`idlgen diff --plan`: the playbooks' order, live state, encoded instructions, the JSON schema."""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest

from idlgen.base58 import b58encode
from tests.compat.test_cli import CONFIG, V1_ONLY, V3, idlgen
from tests.conftest import CORPUS, ROOT, SETTLEMENT
from tests.support.pygen import generate_python_package

SCHEMA = json.loads(re.search(r"```json\n(.*?)```", (ROOT / "docs" / "plans.md").read_text(), re.S).group(1))  # type: ignore[union-attr]
CURRENT = json.loads(SETTLEMENT.read_text())


def rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def plan_json(*args: str, cwd: Path = ROOT) -> dict[str, Any]:
    code, out, err = idlgen("diff", *args, "--plan", "--format", "json", cwd=cwd)
    assert code in (0, 1), err
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    return doc


def steps(doc: dict[str, Any], k: int = 0) -> list[dict[str, Any]]:
    return [s for sec in doc["plans"][k]["sections"] for s in sec["steps"]]


def ids(doc: dict[str, Any]) -> list[str]:
    return [s["id"] for s in steps(doc)]


def step(doc: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in steps(doc) if s["id"] == sid)


def before(order: list[str], *sids: str) -> bool:
    return [order.index(s) for s in sids] == sorted(order.index(s) for s in sids)


def write(tmp_path: Path, name: str, doc: dict[str, Any]) -> str:
    (tmp_path / name).write_text(json.dumps(doc, indent=2))
    return name


def with_batch_v3(doc: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    v2 = next(t for t in out["types"] if t["name"] == "BatchV2")
    v3 = copy.deepcopy(v2)
    v3["name"] = "BatchV3"
    v3["type"]["fields"].append({"name": "epoch", "type": "u32"})
    out["types"].append(v3)
    out["metadata"]["version"] = "0.3.0"
    return out


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    from idlgen.anchor.lower import FamilySpec

    fam = FamilySpec("Batch", "settle_batch.data", "GlobalConfig.allowed_batch_versions")
    return generate_python_package(SETTLEMENT, tmp_path_factory.mktemp("plan_pkg"), families=[fam])


def test_soft_story_follows_the_phases_and_encodes_update_config(pkg: ModuleType) -> None:
    doc = plan_json(rel(V1_ONLY), rel(SETTLEMENT), "--live-mask", "1")
    p = doc["plans"][0]
    assert p["playbook"] == "phased"
    assert p["gates"][0] | {} == {"family": "Batch", "account": "GlobalConfig", "field": "allowed_batch_versions",
                                  "bits": 8, "live": 1, "live_source": "--live-mask", "target": 3}
    order = ids(doc)
    assert before(order, "phase1.implement", "phase1.deploy", "phase1.verify.batch", "phase1.enable",
                  "phase2.implement", "phase2.deploy", "monitor", "phase3.precondition.batch",
                  "phase3.disable.batch", "rollback.flag", "rollback.pause", "rollback.binaries",
                  "rollback.reallow", "rollback.unpause")
    deploy = step(doc, "phase1.deploy")
    assert {"account": "GlobalConfig", "field": "allowed_batch_versions", "equals": 1} in deploy["verify"]
    verify = step(doc, "phase1.verify.batch")
    assert {"family": "Batch", "batch_version": 1, "settles": True} in verify["verify"]
    refused = {"family": "Batch", "batch_version": 2, "settles": False, "error": "BatchVersionDisabled"}
    assert refused in verify["verify"]
    enable = step(doc, "phase1.enable")
    assert enable["kind"] == "onchain" and enable["role"] == "DevOps / multisig"
    assert {"account": "GlobalConfig", "field": "allowed_batch_versions", "equals": 3} in enable["verify"]
    ix = enable["instruction"]
    assert ix["name"] == "update_config" and ix["program_id"] == CURRENT["address"]
    assert ix["args"] == {"min_batch_size": None, "allowed_batch_versions": 3, "active_relayer": None}
    data = base64.b64decode(ix["data_base64"])
    assert b58encode(data) == ix["data_base58"]
    assert pkg.json_bridge.decode("instruction", "update_config", data) == ix["args"]
    from solders.pubkey import Pubkey

    config_pda = str(Pubkey.find_program_address([b"config"], Pubkey.from_string(CURRENT["address"]))[0])
    assert [(a["name"], a["is_signer"], a["is_writable"], a["pubkey"]) for a in ix["accounts"]] == [
        ("admin", True, False, None), ("config", False, True, config_pda)]
    assert step(doc, "phase1.deploy")["instruction"]["data_base64"] == "AwAAAA=="  # loader Upgrade
    flag = next(s for s in doc["plans"][0]["sections"] if s["id"] == "rollback.flag")
    assert "bytecode" not in flag["condition"] and "logic" in flag["condition"]
    assert step(doc, "rollback.flag")["instruction"]["args"]["allowed_batch_versions"] == 1
    assert step(doc, "rollback.pause")["instruction"]["name"] == "pause"


def test_hard_fork_flushes_while_settlement_runs_then_pauses() -> None:
    doc = plan_json(rel(SETTLEMENT), rel(V3))
    assert doc["plans"][0]["playbook"] == "stop-the-world"
    order = ids(doc)
    assert before(order, "hardfork.gateway", "hardfork.engine_stop", "hardfork.flush", "hardfork.pause",
                  "hardfork.snapshot", "hardfork.deploy", "hardfork.migrate.settlementstate", "hardfork.bitmask",
                  "hardfork.binaries", "hardfork.unpause", "hardfork.heartbeat", "hardfork.gateways",
                  "hardfork.resume", "rollback.stop", "rollback.program", "rollback.restore.settlementstate",
                  "rollback.reallow", "rollback.unpause")
    flush = step(doc, "hardfork.flush")
    assert {"pending_trades": 0} in flush["verify"]
    assert {"account": "GlobalConfig", "field": "is_paused", "equals": False} in flush["verify"]
    assert step(doc, "hardfork.pause")["instruction"]["name"] == "pause"
    migrate = step(doc, "hardfork.migrate.settlementstate")
    assert any("method:" in r for r in migrate["run"])
    assert "field map: `batch_root` <- old `merkle_root` (renamed)" in migrate["run"]
    assert {"account": "SettlementState", "size": 93 + 8, "decodes": "new"} in migrate["verify"]
    assert step(doc, "hardfork.bitmask")["instruction"]["args"]["allowed_batch_versions"] == 2
    hb = step(doc, "hardfork.heartbeat")
    assert hb["instruction"]["name"] == "ping" and hb["instruction"]["data_base64"] is None
    assert hb["instruction"]["unresolved"] == {"batch_id": "SettlementState.last_settled_batch_id + 1"}
    assert {"account": "SettlementState", "field": "last_settled_batch_id", "increased_by": 1} in hb["verify"]
    assert {"heartbeat": "refused", "signer": "other"} in hb["verify"]


def test_retirement_preconditions_come_before_the_program(tmp_path: Path) -> None:
    retired = copy.deepcopy(CURRENT)
    retired["types"] = [t for t in retired["types"] if t["name"] not in ("BatchV1", "TradeEventV1", "OrderType")]
    retired["metadata"]["version"] = "0.3.0"
    (tmp_path / "pyproject.toml").write_text(CONFIG.read_text().replace('idl = "idl/godark_settlement.json"',
                                                                        'idl = "new.json"'))
    write(tmp_path, "old.json", CURRENT)
    write(tmp_path, "new.json", retired)
    doc = plan_json("old.json", "new.json", cwd=tmp_path)
    assert doc["plans"][0]["playbook"] == "retirement"
    order = ids(doc)
    assert before(order, "retire.precondition.batch", "retire.disable.batch", "phase1.deploy")
    assert step(doc, "retire.precondition.batch")["verify"] == [{"family": "Batch", "producers_emit_only": [2]}]
    disable = step(doc, "retire.disable.batch")
    assert disable["instruction"]["args"]["allowed_batch_versions"] == 2
    assert {"family": "Batch", "batch_version": 1, "settles": False, "error": "BatchVersionDisabled"} in \
        disable["verify"]
    deploy = step(doc, "phase1.deploy")
    assert {"family": "Batch", "batch_version": 1, "settles": False, "error": "InvalidBatchVersion"} in deploy["verify"]
    assert before(order, "phase1.deploy", "rollback.flag", "rollback.program", "rollback.reallow")
    sections = {s["id"]: s for s in doc["plans"][0]["sections"]}
    assert "until the program without Batch V1 is deployed" in sections["rollback.flag"]["condition"]
    assert step(doc, "rollback.flag")["instruction"]["args"]["allowed_batch_versions"] == 3
    redeploy = step(doc, "rollback.program")
    assert redeploy["instruction"]["name"] == "upgrade" and {"program_build": "previous"} in redeploy["verify"]
    assert {"family": "Batch", "batch_version": 1, "settles": False, "error": "BatchVersionDisabled"} in \
        redeploy["verify"]
    assert {"family": "Batch", "batch_version": 1, "settles": True} in step(doc, "rollback.reallow")["verify"]
    # Live mask already without V1: no mask step, the precondition stays.
    doc = plan_json("old.json", "new.json", "--live-mask", "2", cwd=tmp_path)
    assert "retire.disable.batch" not in ids(doc) and "retire.precondition.batch" in ids(doc)


def test_live_mask_never_re_enables_a_retired_version_and_gate_without_carrier_keeps_the_bitmask(
        tmp_path: Path) -> None:
    # No config here: the family is found by name and the gate by `allowed_batch_versions`, no carrier.
    old, new = write(tmp_path, "old.json", CURRENT), write(tmp_path, "new.json", with_batch_v3(CURRENT))
    doc = plan_json(old, new, "--live-mask", "2", cwd=tmp_path)
    gate = doc["plans"][0]["gates"][0]
    assert (gate["live"], gate["target"]) == (2, 6)
    enable = step(doc, "phase1.enable")
    assert enable["instruction"]["args"]["allowed_batch_versions"] == 6
    assert step(doc, "rollback.flag")["instruction"]["args"]["allowed_batch_versions"] == 2
    # Without a live value the plan says what it assumed and how to check it.
    _, out, _ = idlgen("diff", old, new, "--plan", cwd=tmp_path)
    assert "assumed: the live `GlobalConfig.allowed_batch_versions` is `3`" in out
    assert "solana account " in out and "--config-account config.json" in out


def test_config_account_dump_gives_the_live_mask_and_the_keys(tmp_path: Path, pkg: ModuleType) -> None:
    from solders.keypair import Keypair

    admin, relayer = str(Keypair.from_seed(bytes(32)).pubkey()), str(Keypair.from_seed(bytes([1] * 32)).pubkey())
    value = {"admin": admin, "is_paused": False, "min_batch_size": 1, "allowed_batch_versions": 2,
             "active_relayer": relayer}
    raw = pkg.json_bridge.encode("account", "GlobalConfig", value)
    dump = {"pubkey": "DjAmdiN2bRcHBrBky7Z6tBh7vpo6BnZMN14Bn6Ew3geF",
            "account": {"lamports": 1, "data": [base64.b64encode(raw).decode(), "base64"], "owner": CURRENT["address"],
                        "executable": False, "rentEpoch": 0, "space": len(raw)}}
    (tmp_path / "config.json").write_text(json.dumps(dump))
    old, new = write(tmp_path, "old.json", CURRENT), write(tmp_path, "new.json", with_batch_v3(CURRENT))
    doc = plan_json(old, new, "--config-account", "config.json", cwd=tmp_path)
    gate = doc["plans"][0]["gates"][0]
    assert (gate["live"], gate["target"], gate["live_source"]) == (2, 6, "--config-account config.json")
    assert not doc["plans"][0]["assumptions"]
    metas = step(doc, "phase1.enable")["instruction"]["accounts"]
    assert metas[0] == {"name": "admin", "pubkey": admin, "is_signer": True, "is_writable": False,
                        "source": "GlobalConfig.admin"}
    code, _, err = idlgen("diff", old, new, "--plan", "--config-account", "config.json", "--live-mask", "2",
                          cwd=tmp_path)
    assert code == 2 and "not both" in err
    (tmp_path / "bad.json").write_text('{"account": {}}')
    code, _, err = idlgen("diff", old, new, "--plan", "--config-account", "bad.json", cwd=tmp_path)
    assert code == 2 and "bad.json" in err and "Traceback" not in err


def test_lowered_limit_goes_producers_first(tmp_path: Path) -> None:
    lowered = copy.deepcopy(CURRENT)
    next(c for c in lowered["constants"] if c["name"] == "MAX_TRADES_PER_BATCH")["value"] = "512"
    lowered["metadata"]["version"] = "0.2.1"
    doc = plan_json(write(tmp_path, "old.json", CURRENT), write(tmp_path, "new.json", lowered), cwd=tmp_path)
    order = ids(doc)
    assert before(order, "producers.limit.max_trades_per_batch", "phase1.deploy")
    assert step(doc, "producers.limit.max_trades_per_batch")["verify"] == [
        {"producers_respect": {"constant": "MAX_TRADES_PER_BATCH", "value": 512}}]
    raised = copy.deepcopy(lowered)
    next(c for c in raised["constants"] if c["name"] == "MAX_TRADES_PER_BATCH")["value"] = "2048"
    doc = plan_json("old.json", write(tmp_path, "raised.json", raised), cwd=tmp_path)
    assert not any(s.startswith("producers.limit") for s in ids(doc))


FAMILY_WORDS = re.compile(r"bitmask|heartbeat|relayer|flush|pending trades|batch", re.I)


def _familyless(path: Path, tmp_path: Path) -> None:
    doc = json.loads(path.read_text())
    ix = next(x for x in doc["instructions"] if x.get("args"))
    hard = copy.deepcopy(doc)
    next(x for x in hard["instructions"] if x["name"] == ix["name"])["args"].pop()
    soft = copy.deepcopy(doc)
    soft["instructions"].append({**copy.deepcopy(ix), "name": "brand_new_instruction",
                                 "discriminator": [9, 9, 9, 9, 9, 9, 9, 9]})
    old = write(tmp_path, "old.json", doc)
    for new in (write(tmp_path, "hard.json", hard), write(tmp_path, "soft.json", soft)):
        code, out, err = idlgen("diff", old, new, "--plan", cwd=tmp_path)
        assert code in (0, 1), err
        assert not FAMILY_WORDS.search(out.split("Why:")[-1].split("###", 1)[-1]), FAMILY_WORDS.findall(out)
        plan_json(old, new, cwd=tmp_path)


def test_program_without_families_gets_generic_wording(tmp_path: Path) -> None:
    _familyless(CORPUS / "idls" / "kamino_farms" / next(p.name for p in (CORPUS / "idls" / "kamino_farms").iterdir()),
                tmp_path)


def test_raydium_clmm_gets_generic_wording(shared_corpus: Path, tmp_path: Path) -> None:
    _familyless(shared_corpus / "idls" / "raydium_clmm" / "amm_v3.json", tmp_path)


def test_plan_flags_are_checked() -> None:
    code, _, err = idlgen("diff", rel(V1_ONLY), rel(SETTLEMENT), "--live-mask", "1")
    assert code == 2 and "only apply with --plan" in err
    code, _, err = idlgen("diff", rel(V1_ONLY), rel(SETTLEMENT), "--plan", "--live-mask", "x")
    assert code == 2 and "not an integer" in err
    code, _, err = idlgen("diff", rel(V1_ONLY), rel(SETTLEMENT), "--plan", "--live-mask", "Trade=1")
    assert code == 2 and "no gated family 'Trade'" in err


def test_gate_wider_than_u8_with_more_than_eight_versions(tmp_path: Path) -> None:
    """A u16 `allowed_batch_versions` with BatchV1..BatchV9: diff, plan and build all work."""
    wide = copy.deepcopy(CURRENT)
    gc = next(t for t in wide["types"] if t["name"] == "GlobalConfig")
    next(f for f in gc["type"]["fields"] if f["name"] == "allowed_batch_versions")["type"] = "u16"
    for x in wide["instructions"]:
        for a in x["args"]:
            if a["name"] == "allowed_batch_versions":
                a["type"] = {"option": "u16"} if isinstance(a["type"], dict) else "u16"
    v2 = next(t for t in wide["types"] if t["name"] == "BatchV2")
    for v in range(3, 9):
        wide["types"].append({**copy.deepcopy(v2), "name": f"BatchV{v}"})
    nine = copy.deepcopy(wide)
    nine["types"].append({**copy.deepcopy(v2), "name": "BatchV9"})
    nine["metadata"]["version"] = "0.3.0"
    old, new = write(tmp_path, "old.json", wide), write(tmp_path, "new.json", nine)
    doc = plan_json(old, new, "--live-mask", "0xfe", cwd=tmp_path)
    gate = doc["plans"][0]["gates"][0]
    assert (gate["bits"], gate["live"], gate["target"]) == (16, 0xFE, 0x1FE)
    assert step(doc, "phase1.enable")["instruction"]["args"]["allowed_batch_versions"] == 0x1FE
    code, out, err = idlgen("build", new, "--out", "gen", cwd=tmp_path)
    assert code == 0, out + err
    families = next((tmp_path / "gen").rglob("families.py")).read_text()
    assert "range(1, 17)" in families
    code, _, err = idlgen("diff", old, new, cwd=tmp_path)
    assert code in (0, 1), err


def test_a_version_beyond_the_gate_width_is_one_line(tmp_path: Path) -> None:
    doc = copy.deepcopy(CURRENT)
    doc["types"].append({**copy.deepcopy(next(t for t in doc["types"] if t["name"] == "BatchV2")), "name": "BatchV9"})
    code, _, err = idlgen("diff", write(tmp_path, "old.json", CURRENT), write(tmp_path, "new.json", doc),
                            cwd=tmp_path)
    assert code == 2 and "has version 9; the allowed-versions bitmask is a u8" in err and "Traceback" not in err
