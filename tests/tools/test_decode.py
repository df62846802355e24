"""`idlgen decode`: bytes in, the canonical JSON out; bad bytes get the offset-precise error (exit 2).

Values are made by the shared seeded generator and encoded by the generated package, so every check
compares decode's output with the value that went in.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result

from idlgen.anchor.load import load_program
from idlgen.anchor.lower import FamilySpec
from idlgen.ir import layout
from idlgen.ir.model import Program
from tests.conftest import FIXTURES, ROOT, SETTLEMENT
from tests.support.pygen import generate_python_package
from tests.support.values import ValueGen
from tests.tools.gitrepo import commit_all, init_repo

FAMILIES = (FamilySpec("Batch", "settle_batch.data", "GlobalConfig.allowed_batch_versions"),)


def decode(*args: str, stdin: str | None = None) -> Result:
    from idlgen.cli import main

    return CliRunner().invoke(main, ["decode", *args], input=stdin, catch_exceptions=False)


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def program() -> Program:
    return load_program(SETTLEMENT, families=FAMILIES)


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_python_package(SETTLEMENT, tmp_path_factory.mktemp("pkg"), families=FAMILIES)


def gen(program: Program, seed: int) -> ValueGen:
    return ValueGen(program, random.Random(f"decode:{seed}"), "random", allow_inf=False)


def settle_batch(program: Program, pkg: ModuleType, seed: int) -> tuple[bytes, Any]:
    batch = gen(program, seed).typedef("BatchV2")
    payload = b"\x02" + pkg.json_bridge.encode("type", "BatchV2", batch)
    return pkg.json_bridge.encode("instruction", "settle_batch", {"data": payload.hex()}), batch


def out_json(r: Result) -> Any:
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_instruction_hex_and_base64_with_the_family_payload(program: Program, pkg: ModuleType) -> None:
    data, batch = settle_batch(program, pkg, 1)
    for text in (data.hex(), "0x" + data.hex(), base64.b64encode(data).decode()):
        got = out_json(decode(str(SETTLEMENT), text))
        assert got["kind"] == "instruction" and got["name"] == "settle_batch"
        assert got["family"] == {"stem": "Batch", "version": 2, "type": "BatchV2", "value": batch}
    assert out_json(decode(str(SETTLEMENT), "-", stdin=data.hex() + "\n"))["family"]["value"] == batch


def test_every_instruction_round_trips(program: Program, pkg: ModuleType) -> None:
    for i, ix in enumerate(program.instructions):
        args = gen(program, 100 + i).fields(ix.args)
        if ix.snake == "settle_batch":
            continue  # random bytes are not a batch; covered above
        data = pkg.json_bridge.encode("instruction", ix.name, args)
        got = out_json(decode(str(SETTLEMENT), data.hex()))
        assert (got["name"], got["value"]) == (ix.name, args)


def test_account_from_a_file(program: Program, pkg: ModuleType, tmp_path: Path) -> None:
    for acc in program.accounts:
        value = gen(program, 7).typedef(acc.type)
        f = tmp_path / f"{acc.name}.bin"
        f.write_bytes(pkg.json_bridge.encode("account", acc.name, value))
        got = out_json(decode(str(SETTLEMENT), "--file", str(f)))
        assert (got["kind"], got["name"], got["value"]) == ("account", acc.name, value)


def test_events_from_transaction_logs(program: Program, pkg: ModuleType, tmp_path: Path) -> None:
    assert program.address
    events = []
    for i, ev in enumerate(program.events):
        value = gen(program, 20 + i).typedef(ev.type)
        events.append((ev.name, value, base64.b64encode(pkg.json_bridge.encode("event", ev.name, value)).decode()))
    other = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
    log = [
        f"Program {program.address} invoke [1]",
        "Program log: Instruction: SettleBatch",
        f"Program data: {events[0][2]}",
        f"Program {other} invoke [2]",
        "Program data: AAAAAAAAAAA=",  # logged by the other program: not ours to decode
        f"Program {other} success",
        f"Program data: {events[1][2]}",
        f"Program {program.address} consumed 5000 of 200000 compute units",
        f"Program {program.address} success",
    ]
    f = tmp_path / "tx.log"
    f.write_text("\n".join(log) + "\n")
    got = out_json(decode(str(SETTLEMENT), "--logs", str(f)))
    assert got["events"] == [{"line": 3, "event": events[0][0], "value": events[0][1]},
                             {"line": 7, "event": events[1][0], "value": events[1][1]}]
    assert got["skipped_other_programs"] == 1

    # the same logs as an RPC getTransaction result (logMessages, one quoted string per line)
    rpc = tmp_path / "tx.json"
    rpc.write_text(json.dumps({"meta": {"logMessages": log}}, indent=2))
    got_rpc = out_json(decode(str(SETTLEMENT), "--logs", str(rpc)))
    assert [(e["event"], e["value"]) for e in got_rpc["events"]] == [(n, v) for n, v, _ in events]
    assert got_rpc["skipped_other_programs"] == 1


def test_unknown_discriminator_is_an_offset_error(program: Program) -> None:
    r = decode(str(SETTLEMENT), "00" * 8 + "ff" * 10)
    assert r.exit_code == 2
    assert "offset 0: unknown discriminator 0000000000000000" in r.output
    assert "Traceback" not in r.output


def test_truncated_account_names_field_and_offset(program: Program, pkg: ModuleType, tmp_path: Path) -> None:
    acc = next(a for a in program.accounts if a.name == "GlobalConfig")
    data = pkg.json_bridge.encode("account", acc.name, gen(program, 3).typedef(acc.type))
    fields = program.type(acc.type).body.fields  # type: ignore[union-attr]
    # cut inside the last field: the error must name it and the offset where it starts
    sizes = [layout.borsh_size(f.type, lambda n: program.type(n).borsh_size) for f in fields]
    assert all(isinstance(n, int) for n in sizes)
    start = len(acc.discriminator) + sum(n or 0 for n in sizes[:-1])
    f = tmp_path / "cut.bin"
    f.write_bytes(data[: start + 5])
    r = decode(str(SETTLEMENT), "--file", str(f))
    assert r.exit_code == 2, r.output
    assert fields[-1].name in r.output and f"offset {start}" in r.output and "5 left" in r.output


def test_unknown_family_version_names_its_offset(program: Program, pkg: ModuleType) -> None:
    data = pkg.json_bridge.encode("instruction", "settle_batch", {"data": "09" + "00" * 40})
    r = decode(str(SETTLEMENT), data.hex())
    assert r.exit_code == 2
    # discriminator (8) + u32 length prefix (4): the version byte is byte 12
    assert "offset 12: version byte 9 is not a Batch version (known: 1, 2)" in r.output
    assert "InvalidBatchVersion" in r.output


def test_as_and_name_select_explicitly(program: Program, pkg: ModuleType) -> None:
    batch = gen(program, 9).typedef("BatchV1")
    data = pkg.json_bridge.encode("type", "BatchV1", batch)
    assert out_json(decode(str(SETTLEMENT), data.hex(), "--as", "type", "--name", "BatchV1"))["value"] == batch
    r = decode(str(SETTLEMENT), data.hex() + "00", "--as", "type", "--name", "BatchV1")
    assert r.exit_code == 2
    assert "trailing" in r.output.lower() or "left over" in r.output.lower(), r.output
    r = decode(str(SETTLEMENT), "zz-not-data")
    assert r.exit_code == 2 and "not hex or base64" in r.output


def test_old_transaction_with_the_idl_of_its_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A BatchV1-era settle_batch decodes with HEAD~1's IDL; today's IDL reads it as well (v1 kept)."""
    repo = init_repo(tmp_path / "repo")
    (repo / "idl").mkdir()
    v1 = FIXTURES / "settlement" / "v1_only.json"
    shutil.copy(v1, repo / "idl" / "settlement.json")
    commit_all(repo, "v1")
    shutil.copy(FIXTURES / "settlement" / "v3_hardfork.json", repo / "idl" / "settlement.json")
    commit_all(repo, "v3: BatchV1 retired")
    old_program = load_program(v1, families=FAMILIES)
    old_pkg = generate_python_package(v1, tmp_path / "oldpkg", families=FAMILIES)
    batch = gen(old_program, 11).typedef("BatchV1")
    data = old_pkg.json_bridge.encode("instruction", "settle_batch",
                                      {"data": (b"\x01" + old_pkg.json_bridge.encode("type", "BatchV1", batch)).hex()})
    monkeypatch.chdir(repo)
    (repo / "idlgen.toml").write_text('[[programs]]\nidl = "idl/settlement.json"\n[[programs.families]]\n'
                                      'stem = "Batch"\ncarrier = "settle_batch.data"\n')
    got = out_json(decode("HEAD~1:idl/settlement.json", data.hex()))
    assert got["family"]["value"] == batch and got["family"]["type"] == "BatchV1"
    r = decode("idl/settlement.json", data.hex())
    assert r.exit_code == 2 and "version byte 1 is not a Batch version" in r.output


def test_trailing_bytes_ignored_like_the_program_unless_strict(program: Program, pkg: ModuleType) -> None:
    value = gen(program, 5).typedef("GlobalConfig")
    data = pkg.json_bridge.encode("account", "GlobalConfig", value) + bytes(3)  # rent-sized padding
    assert out_json(decode(str(SETTLEMENT), data.hex()))["value"] == value
    r = decode(str(SETTLEMENT), data.hex(), "--strict")
    assert r.exit_code == 2
    assert "3 trailing bytes" in r.output and f"offset {len(data) - 3}" in r.output
