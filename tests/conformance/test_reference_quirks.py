"""Executable proof of where the TS reference coder (@coral-xyz/anchor 0.32.1, stock entry points)
departs from Rust's on-chain behaviour - the facts README.md and known.py rely on. If a pinned-version
bump changes one of them, this file says which documentation line to revisit.

Each probe states the Rust truth next to the quirk; the generated codec is checked to follow Rust on the
same input where it has an opinion (via the JSON bridge of tests/support/pygen.py).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import ts_ref
from tests.support.values import b58encode


def _disc(ns: str, name: str) -> list[int]:
    return list(hashlib.sha256(f"{ns}:{name}".encode()).digest()[:8])


PROBE_IDL = {
    "address": b58encode(hashlib.sha256(b"quirks").digest()),
    "metadata": {"name": "quirks", "version": "0.1.0", "spec": "0.1.0"},
    "instructions": [
        {"name": "short", "discriminator": [1], "accounts": [], "args": [{"name": "x", "type": "u8"}]},
    ],
    "accounts": [{"name": "Acc", "discriminator": _disc("account", "Acc")},
                 {"name": "Big", "discriminator": _disc("account", "Big")}],
    "types": [
        {"name": "Ints", "type": {"kind": "struct", "fields": [{"name": "a", "type": "u64"},
                                                             {"name": "b", "type": "i64"}]}},
        {"name": "Acc", "type": {"kind": "struct", "fields": [{"name": "s", "type": "string"},
                                                            {"name": "v", "type": {"vec": "u64"}}]}},
        {"name": "Big", "type": {"kind": "struct", "fields": [{"name": "data", "type": {"array": ["u64", 200]}}]}},
    ],
}


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = ts_ref.unavailable_reason()
    if reason:
        pytest.skip(reason)
    path = tmp_path_factory.mktemp("quirks") / "quirks.json"
    path.write_text(json.dumps(PROBE_IDL))
    return path


@pytest.fixture(scope="module")
def bridge(probe: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.support.pygen import generate_python_package

    pkg = generate_python_package(probe, tmp_path_factory.mktemp("quirks_pkg"), families=())
    return pkg


def one(req: dict[str, Any]) -> ts_ref.Result:
    (r,) = ts_ref.run([req])
    return r


def test_stock_encoder_stops_at_1000_bytes(probe: Path, bridge: Any) -> None:
    # Rust: an account of 8 + 1,600 bytes serializes like any other.
    r = one({"op": "stock", "idl": str(probe), "kind": "account", "name": "Big",
             "value": {"data": [{"$bn": "1"}] * 200}})
    assert not r.ok and ("overruns" in (r.error or "") or "out of range" in (r.error or "")), r
    assert len(bridge.json_bridge.encode("account", "Big", {"data": [1] * 200})) == 8 + 1600


def test_no_range_check_on_wide_integers(probe: Path, bridge: Any) -> None:
    # Rust: u64 cannot hold -1, i64 cannot hold 2^63 (the value never exists). The TS coder writes
    # |-1| = 1 and wraps 2^63 to i64::MIN without a word.
    r = one({"op": "stock", "idl": str(probe), "kind": "type", "name": "Ints",
             "value": {"a": {"$bn": "-1"}, "b": {"$bn": str(2**63)}}})
    assert r.ok, r
    assert r.hex == (1).to_bytes(8, "little").hex() + (2**63).to_bytes(8, "little").hex()
    for bad in ({"a": -1, "b": 0}, {"a": 0, "b": 2**63}):
        with pytest.raises(bridge.EncodeError):
            bridge.json_bridge.encode("type", "Ints", bad)


def test_truncated_and_trailing_input_is_accepted(probe: Path, bridge: Any) -> None:
    # Rust (borsh): a Vec<u64> of count 1000 with no data is an error (unexpected end of input).
    disc = bytes(_disc("account", "Acc"))
    data = disc + (0).to_bytes(4, "little") + (1000).to_bytes(4, "little")
    r = one({"op": "stock_decode", "idl": str(probe), "kind": "account", "name": "Acc", "hex": data.hex()})
    assert r.ok and len(r.value["data"]["v"]) == 1000, r
    with pytest.raises(bridge.DecodeError):
        bridge.json_bridge.decode("account", "Acc", data)
    # Trailing bytes after a type: Rust's `try_from_slice` rejects them, the TS coder ignores them.
    ints = (5).to_bytes(8, "little") + (6).to_bytes(8, "little") + b"\x99"
    r = one({"op": "stock_decode", "idl": str(probe), "kind": "type", "name": "Ints", "hex": ints.hex()})
    assert r.ok and r.value["data"] == {"a": {"$bn": "5"}, "b": {"$bn": "6"}}, r
    with pytest.raises(bridge.DecodeError):
        bridge.json_bridge.decode("type", "Ints", ints)


def test_invalid_utf8_becomes_replacement_character(probe: Path, bridge: Any) -> None:
    # Rust: String::from_utf8 fails, the account does not deserialize.
    data = bytes(_disc("account", "Acc")) + (2).to_bytes(4, "little") + b"\xff\xfe" + (0).to_bytes(4, "little")
    r = one({"op": "stock_decode", "idl": str(probe), "kind": "account", "name": "Acc", "hex": data.hex()})
    assert r.ok and r.value["data"]["s"] == "\ufffd\ufffd", r
    with pytest.raises(bridge.DecodeError):
        bridge.json_bridge.decode("account", "Acc", data)


def test_shorter_discriminator_shadows_a_longer_one(probe: Path) -> None:
    # Anchor's dispatcher compares whole discriminators, so instruction data [1, 2, 5] meant for `longer`
    # can never be told apart from `short` with x = 2: the pair is unroutable. The TS coder's decode
    # silently takes the first IDL entry whose discriminator is a prefix; idlgen refuses the IDL.
    from idlgen.anchor.load import load_program
    from idlgen.diagnostics import IdlError

    doc = json.loads(json.dumps(PROBE_IDL))
    doc["instructions"].append({"name": "longer", "discriminator": [1, 2], "accounts": [],
                                "args": [{"name": "x", "type": "u8"}]})
    shadow = probe.with_name("shadow.json")
    shadow.write_text(json.dumps(doc))
    r = one({"op": "stock_decode", "idl": str(shadow), "kind": "instruction", "hex": "010205"})
    assert r.ok and r.value == {"name": "short", "data": {"x": 2}}, r
    with pytest.raises(IdlError, match="prefix"):
        load_program(shadow)
