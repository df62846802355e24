"""Field numbers never move: insert, reorder, remove, re-add (same / new type), enums, the bundled evolution,
and `idlgen build` / `idlgen check` through the CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from idlgen.anchor.load import load_program
from tests.conftest import FIXTURES, ROOT, SETTLEMENT
from tests.proto.helpers import LOCK, load, numbers, proto_of, render


def idl(fields: list[tuple[str, Any]], variants: list[str] | None = None) -> str:
    types: list[dict[str, Any]] = [{"name": "Foo", "type": {"kind": "struct", "fields": [
        {"name": n, "type": t} for n, t in fields]}}]
    if variants is not None:
        types.append({"name": "Color", "type": {"kind": "enum", "variants": [{"name": v} for v in variants]}})
    return json.dumps({"address": "11111111111111111111111111111111",
                       "metadata": {"name": "lockt", "version": "0.1.0", "spec": "0.1.0"},
                       "instructions": [], "types": types})


def step(fields: list[tuple[str, Any]], lock: str | None, variants: list[str] | None = None) -> tuple[str, str]:
    """(proto text, new lock) after building `fields` on top of `lock`; protoc compiles every step."""
    files = render(load_program("lockt.json", text=idl(fields, variants)), lock)
    return proto_of(files)[1], files[LOCK]


def foo_line(proto: str, name: str) -> str:
    m = re.search(rf"^  (.*) {name} = (\d+);", proto, re.M)
    assert m, f"no field {name}"
    return m.group(0).strip()


BASE = [("a", "u64"), ("b", "u32"), ("c", "pubkey")]


def test_insert_appends_a_new_number_and_keeps_the_others() -> None:
    _, lock = step(BASE, None)
    assert numbers(lock)["Foo"] == {"a": 1, "b": 2, "c": 3}
    proto, lock2 = step([("a", "u64"), ("x", "i16"), ("b", "u32"), ("c", "pubkey")], lock)
    assert numbers(lock2)["Foo"] == {"a": 1, "b": 2, "c": 3, "x": 4}
    assert foo_line(proto, "x") == "sint32 x = 4;"
    # declaration (wire) order is kept in the .proto, numbers are not renumbered
    assert proto.index(" x = 4;") < proto.index(" b = 2;")


def test_reorder_never_renumbers() -> None:
    _, lock = step(BASE, None)
    proto, lock2 = step(list(reversed(BASE)), lock)
    assert numbers(lock2)["Foo"] == {"a": 1, "b": 2, "c": 3}
    assert "  reserved " not in proto


def test_remove_reserves_number_and_name() -> None:
    _, lock = step(BASE, None)
    proto, lock2 = step([("a", "u64"), ("c", "pubkey")], lock)
    assert numbers(lock2)["Foo"] == {"a": 1, "c": 3}
    assert "reserved 2;" in proto and 'reserved "b";' in proto
    assert json.loads(lock2)["messages"]["Foo"]["reserved"] == [{"number": 2, "name": "b", "type": "uint32"}]
    # a later new field does not reuse the reserved number
    _, lock3 = step([("a", "u64"), ("c", "pubkey"), ("d", "u32")], lock2)
    assert numbers(lock3)["Foo"]["d"] == 4


def test_readd_with_same_type_gets_the_old_number_back() -> None:
    _, lock = step(BASE, None)
    _, lock2 = step([("a", "u64"), ("c", "pubkey")], lock)
    proto, lock3 = step(BASE, lock2)
    assert numbers(lock3)["Foo"] == {"a": 1, "b": 2, "c": 3}
    assert "  reserved " not in proto


def test_readd_with_a_new_type_gets_a_new_number_and_the_old_stays_reserved() -> None:
    _, lock = step(BASE, None)
    _, lock2 = step([("a", "u64"), ("c", "pubkey")], lock)
    proto, lock3 = step([("a", "u64"), ("b", "string"), ("c", "pubkey")], lock2)
    assert numbers(lock3)["Foo"] == {"a": 1, "b": 4, "c": 3}
    assert "reserved 2;" in proto and 'reserved "b"' not in proto  # the name is live again
    assert foo_line(proto, "b") == "string b = 4;"
    # a type change in place (no removal step in between) is treated the same way
    _, lock4 = step([("a", "i64"), ("b", "string"), ("c", "pubkey")], lock3)
    assert numbers(lock4)["Foo"]["a"] == 5
    assert {"number": 1, "name": "a", "type": "uint64"} in json.loads(lock4)["messages"]["Foo"]["reserved"]


def test_same_proto_type_keeps_its_number_when_the_idl_type_widens() -> None:
    _, lock = step(BASE, None)
    _, lock2 = step([("a", "u64"), ("b", "u16"), ("c", "pubkey")], lock)  # u32 -> u16: both uint32
    assert numbers(lock2)["Foo"]["b"] == 2


def test_enum_values_keep_their_numbers() -> None:
    _, lock = step(BASE, None, ["Red", "Green", "Blue"])
    assert numbers(lock)["Color"] == {"COLOR_RED": 1, "COLOR_GREEN": 2, "COLOR_BLUE": 3}
    proto, lock2 = step(BASE, lock, ["Red", "Yellow", "Blue"])
    assert numbers(lock2)["Color"] == {"COLOR_RED": 1, "COLOR_BLUE": 3, "COLOR_YELLOW": 4}
    assert "COLOR_UNSPECIFIED = 0;" in proto and "reserved 2;" in proto and 'reserved "COLOR_GREEN";' in proto


def test_lock_is_a_fixed_point_and_deterministic() -> None:
    _, lock = step(BASE, None, ["Red"])
    assert step(BASE, lock, ["Red"])[1] == lock
    assert step(BASE, None, ["Red"])[1] == lock


def test_bundled_v1_to_current_keeps_every_old_number() -> None:
    v1 = render(load(FIXTURES / "settlement" / "v1_only.json"), None, targets=("proto",))[LOCK]
    now = render(load(SETTLEMENT), v1, targets=("proto",))[LOCK]
    old, new = numbers(v1), numbers(now)
    assert old and all(new[m][f] == n for m, fs in old.items() for f, n in fs.items())
    assert set(new) - set(old) >= {"BatchV2", "TradeEventV2", "OrderTypeV2", "OrderTypeV2.ImmediateOrCancel"}
    assert new["Batch"] == {"v1": 1, "v2": 2}
    # and it is exactly the committed lock
    assert now == (ROOT / LOCK).read_text(encoding="utf-8")


def idlgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "idlgen.cli", *args], check=False, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_cli_build_updates_the_lock_and_check_fails_until_it_does(tmp_path: Path) -> None:
    (tmp_path / "idl").mkdir()
    shutil.copy(FIXTURES / "settlement" / "v1_only.json", tmp_path / "idl" / "godark_settlement.json")
    (tmp_path / "idlgen.toml").write_text(
        'out = "generated"\ntargets = ["proto"]\n[[programs]]\nidl = "idl/godark_settlement.json"\n'
        'proto_package = "godark.settlement.v1"\n[[programs.families]]\nstem = "Batch"\n'
        'carrier = "settle_batch.data"\ngate = "GlobalConfig.allowed_batch_versions"\n', encoding="utf-8")
    r = idlgen("build", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lock_path = tmp_path / "idl" / "godark_settlement.lock.json"
    v1 = lock_path.read_text(encoding="utf-8")
    assert idlgen("check", cwd=tmp_path).returncode == 0
    shutil.copy(SETTLEMENT, tmp_path / "idl" / "godark_settlement.json")
    r = idlgen("check", cwd=tmp_path)
    assert r.returncode != 0 and "godark_settlement.lock.json" in r.stdout + r.stderr
    assert lock_path.read_text(encoding="utf-8") == v1  # check never writes
    assert idlgen("build", cwd=tmp_path).returncode == 0
    new = numbers(lock_path.read_text(encoding="utf-8"))
    assert all(new[m][f] == n for m, fs in numbers(v1).items() for f, n in fs.items())
    assert idlgen("check", cwd=tmp_path).returncode == 0
    # a damaged lock is one clear error line, exit 2, and nothing is written
    lock_path.write_text("{ not json", encoding="utf-8")
    r = idlgen("build", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "godark_settlement.lock.json" in r.stderr and "not valid JSON" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert lock_path.read_text(encoding="utf-8") == "{ not json"


def test_damaged_locks_are_precise_errors() -> None:
    import pytest

    from idlgen.diagnostics import IdlgenError
    from idlgen.targets.proto.lock import parse

    _, good = step(BASE, None)
    data = json.loads(good)
    cases = [
        ({**data, "format": 9}, "format: unsupported lock format"),
        ({**data, "messages": {"Foo": {"fields": {"a": {"number": 0, "type": "uint64"}}, "reserved": []}}},
         "messages.Foo.a: needs a positive number and a type"),
        ({**data, "messages": {"Foo": {"fields": {"a": {"number": 1, "type": "uint64"}},
                                       "reserved": [{"number": 1, "name": "b", "type": "uint32"}]}}},
         "messages.Foo: uses a number twice"),
        ({**data, "enums": {"Color": {"values": {"COLOR_RED": "1"}, "reserved": []}}},
         "enums.Color.COLOR_RED: needs a positive number"),
    ]
    for bad, msg in cases:
        with pytest.raises(IdlgenError) as info:
            parse(json.dumps(bad), "idl/x.lock.json")
        assert str(info.value).startswith(f"idl/x.lock.json: {msg}"), str(info.value)
