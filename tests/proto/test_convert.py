"""IDL value -> proto message -> proto bytes -> message -> IDL value, for every type, account, event and
instruction of the bundled IDL and of every corpus IDL; and clear errors for what does not fit."""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from idlgen.anchor.load import load_program
from idlgen.anchor.names import snake_case
from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import Program
from tests.conftest import copied_idls
from tests.proto.helpers import import_convert, import_package, load
from tests.support.values import samples


def items(program: Program) -> list[tuple[str, str]]:
    return ([("type", t.name) for t in program.types] + [("account", a.name) for a in program.accounts]
            + [("event", e.name) for e in program.events] + [("instruction", i.name) for i in program.instructions])


def roundtrip(conv: ModuleType, kind: str, name: str, value: Any) -> Any:
    msg = conv.value_to_proto(kind, name, value)
    if isinstance(msg, int):  # a unit-only enum type is a proto enum number, not a message
        return conv.value_from_proto(kind, name, msg)
    data = msg.SerializeToString()
    again = conv.message_class(kind, name)()
    again.ParseFromString(data)
    assert again.SerializeToString() == data
    return conv.value_from_proto(kind, name, again)


def check_program(program: Program, conv: ModuleType, n_random: int) -> int:
    count = 0
    for kind, name in items(program):
        for label, value in samples(program, kind, name, seed=20261126, n_random=n_random):
            back = roundtrip(conv, kind, name, value)
            assert back == value, f"{kind} {name} ({label}) changed in the round trip"
            assert _same_floats(back, value), f"{kind} {name} ({label}): float sign or bits changed"
            count += 1
    return count


def _same_floats(a: Any, b: Any) -> bool:
    """`==` says -0.0 == 0.0; the round trip must keep the sign bit too."""
    if isinstance(a, float) and isinstance(b, float):
        return math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, list) and isinstance(b, list):
        return all(_same_floats(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return all(_same_floats(a[k], b[k]) for k in a)
    return True


def test_bundled_roundtrip(tmp_path: Path) -> None:
    program = load()
    assert check_program(program, import_convert(program, tmp_path), n_random=20) > 500


CORPUS = [p for p in copied_idls()]


@pytest.mark.parametrize("path", CORPUS, ids=[f"{p.parent.name}/{p.stem}" for p in CORPUS])
def test_corpus_roundtrip(path: Path, tmp_path: Path) -> None:
    try:
        program = load_program(path)
    except IdlgenError as exc:
        pytest.skip(f"the loader rejects this IDL: {exc}")
    conv = import_convert(program, tmp_path, snake_case(path.stem))
    assert check_program(program, conv, n_random=1) > 0


@pytest.fixture(scope="module")
def conv(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return import_convert(load(), tmp_path_factory.mktemp("conv"))


def trade(**over: Any) -> dict[str, Any]:
    base = {"trade_id": 2**64 - 1, "maker": "11111111111111111111111111111111",
            "taker": "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi", "market_index": 65535, "side": "Bid",
            "order_type": {"ImmediateOrCancel": {"max_slippage_bps": 7}}, "price": 0, "quantity": 1,
            "fee_bps": 0, "timestamp": -(2**63), "client_order_id": 2**128 - 1, "maker_rebate_bps": -32768}
    base.update(over)
    return base


def test_edge_values_survive(conv: ModuleType) -> None:
    for value in (trade(), trade(client_order_id=None, order_type="PostOnly", side="Ask"),
                  trade(client_order_id=0)):
        assert roundtrip(conv, "type", "TradeEventV2", value) == value
    msg = conv.value_to_proto("type", "TradeEventV2", trade())
    assert msg.client_order_id == b"\xff" * 16 and msg.maker == bytes(32) and msg.timestamp == -(2**63)
    # None and Some(0) stay distinct: proto3 `optional` keeps presence
    assert not conv.value_to_proto("type", "TradeEventV2", trade(client_order_id=None)).HasField("client_order_id")
    assert conv.value_to_proto("type", "TradeEventV2", trade(client_order_id=0)).client_order_id == bytes(16)


def test_every_enum_variant(conv: ModuleType) -> None:
    for variant in ("Limit", "Market", "PostOnly", {"ImmediateOrCancel": {"max_slippage_bps": 65535}}):
        assert roundtrip(conv, "type", "OrderTypeV2", variant) == variant
    for variant in ("Limit", "Market", "PostOnly"):
        assert roundtrip(conv, "type", "OrderType", variant) == variant
    assert conv.value_to_proto("type", "Side", "Ask") == 2


def test_family_envelope(conv: ModuleType) -> None:
    v1 = {"batch_id": 1, "merkle_root": list(range(32)), "trades": []}
    env = conv.envelope_to_proto("Batch", 1, v1)
    assert env.WhichOneof("version") == "v1"
    assert conv.envelope_from_proto("Batch", env) == (1, v1)
    with pytest.raises(conv.ProtoConversionError, match="unknown version 3"):
        conv.envelope_to_proto("Batch", 3, v1)
    with pytest.raises(conv.ProtoConversionError, match="no version is set"):
        conv.envelope_from_proto("Batch", type(env)())


def error(conv: ModuleType, fn: Any, *args: Any) -> str:
    with pytest.raises(conv.ProtoConversionError) as info:
        fn(*args)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_out_of_range_from_proto_names_the_field(conv: ModuleType) -> None:
    good = conv.value_to_proto("type", "TradeEventV2", trade())
    bad = type(good)()
    bad.CopyFrom(good)
    bad.market_index = 70000  # uint32 can hold it, u16 cannot
    assert error(conv, conv.value_from_proto, "type", "TradeEventV2", bad) == \
        "TradeEventV2.market_index: 70000 is out of range for u16 [0, 65535] (proto uint32 field)"
    cfg = conv.message_class("type", "GlobalConfig")(admin=bytes(32), active_relayer=bytes(32),
                                                     allowed_batch_versions=300)
    assert "GlobalConfig.allowed_batch_versions: 300 is out of range for u8" in \
        error(conv, conv.value_from_proto, "type", "GlobalConfig", cfg)
    cfg.allowed_batch_versions = 3
    cfg.admin = bytes(31)
    assert error(conv, conv.value_from_proto, "account", "GlobalConfig", cfg) == \
        "GlobalConfig.admin: a pubkey needs exactly 32 bytes, got 31"
    batch = conv.value_to_proto("type", "BatchV2", {"batch_id": 1, "merkle_root": [0] * 32, "sequencer_slot": 2,
                                              "trades": [trade(), trade()]})
    batch.merkle_root = bytes(33)
    assert error(conv, conv.value_from_proto, "type", "BatchV2", batch) == \
        "BatchV2.merkle_root: a [u8; 32] needs exactly 32 bytes, got 33"
    batch.merkle_root = bytes(32)
    batch.trades[1].client_order_id = bytes(15)
    assert error(conv, conv.value_from_proto, "type", "BatchV2", batch) == \
        "BatchV2.trades[1].client_order_id: u128 (little-endian) needs exactly 16 bytes, got 15"
    batch.trades[1].client_order_id = bytes(16)
    batch.trades[0].order_type.Clear()
    assert error(conv, conv.value_from_proto, "type", "BatchV2", batch) == \
        "BatchV2.trades[0].order_type: no variant of OrderTypeV2 is set (oneof `variant` is empty)"
    batch.trades[0].order_type.limit.SetInParent()
    batch.trades[0].side = 0
    assert error(conv, conv.value_from_proto, "type", "BatchV2", batch) == \
        "BatchV2.trades[0].side: Side is UNSPECIFIED (0): not a variant of the IDL enum"
    batch.trades[0].side = 1
    assert conv.value_from_proto("type", "BatchV2", batch)["trades"][0]["order_type"] == "Limit"


def test_out_of_range_to_proto_names_the_field(conv: ModuleType) -> None:
    cases = [
        (trade(market_index=70000), "TradeEventV2.market_index: 70000 is out of range for u16"),
        (trade(trade_id=2**64), "TradeEventV2.trade_id: 18446744073709551616 is out of range for u64"),
        (trade(maker_rebate_bps=True), "TradeEventV2.maker_rebate_bps: expected an integer for i16, got bool"),
        (trade(client_order_id=-1), "TradeEventV2.client_order_id: -1 is out of range for u128"),
        (trade(maker="1111"), "TradeEventV2.maker: pubkey '1111' decodes to 4 bytes, needs 32"),
        (trade(side="Up"), "TradeEventV2.side: 'Up' is not a variant of Side (Bid, Ask)"),
        (trade(order_type={"Nope": {}}), "TradeEventV2.order_type: 'Nope' is not a variant of OrderTypeV2"),
    ]
    for value, msg in cases:
        assert error(conv, conv.value_to_proto, "type", "TradeEventV2", value).startswith(msg)
    root = {"batch_id": 1, "merkle_root": [0] * 31, "sequencer_slot": 2, "trades": []}
    assert error(conv, conv.value_to_proto, "type", "BatchV2", root) == \
        "BatchV2.merkle_root: expected exactly 32 elements, got 31"
    root["merkle_root"] = [0] * 31 + [256]
    assert error(conv, conv.value_to_proto, "type", "BatchV2", root).startswith("BatchV2.merkle_root[31]: 256 is out")
    missing = trade()
    del missing["price"]
    assert "fields missing: ['price']" in error(conv, conv.value_to_proto, "type", "TradeEventV2", missing)
    assert error(conv, conv.value_to_proto, "instruction", "update_config",
                 {"min_batch_size": None, "allowed_batch_versions": 256, "active_relayer": None}) \
        .startswith("update_config.allowed_batch_versions: 256 is out of range for u8")


CLASS_IDLS = [p for p in copied_idls() if p.stem in ("idl_new_spec", "clientgen_example_program", "whirlpool")]


@pytest.mark.parametrize("path", [None, *CLASS_IDLS], ids=["settlement", *[p.stem for p in CLASS_IDLS]])
def test_generated_classes_roundtrip_through_proto(path: Path | None, tmp_path: Path) -> None:
    """Borsh bytes -> the Python target's object -> proto bytes -> object -> Borsh bytes, byte for byte."""
    program = load() if path is None else load_program(path)
    pkg = import_package(program, tmp_path, "cls" if path is None else snake_case(path.stem))
    bridge, conv = pkg.json_bridge, pkg.proto_convert
    count = 0
    for t in program.types:
        for label, value in samples(program, "type", t.name, seed=7, n_random=3):
            borsh = bridge.encode("type", t.name, value)
            obj = bridge.from_json(("defined", t.name), value)
            msg = conv.to_proto(t.name, obj)
            if isinstance(msg, int):
                assert conv.from_proto(t.name, msg) == obj
                continue
            again = type(msg)()
            again.ParseFromString(msg.SerializeToString())
            back = conv.from_proto(t.name, again)
            assert back == obj, f"{t.name} ({label})"
            assert bridge.encode("type", t.name, bridge.to_json(("defined", t.name), back)) == borsh
            count += 1
    assert count > 10


def test_every_family_member_roundtrips_through_its_envelope(conv: ModuleType) -> None:
    program = load()
    assert {f.stem for f in program.families} == {"Batch", "TradeEvent"}
    for fam in program.families:
        for member in fam.members:
            for label, value in samples(program, "type", member.type, seed=3, n_random=3):
                env = conv.envelope_to_proto(fam.stem, member.version, value)
                again = type(env)()
                again.ParseFromString(env.SerializeToString())
                assert conv.envelope_from_proto(fam.stem, again) == (member.version, value), (fam.stem, label)
