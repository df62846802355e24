"""Python codec benchmark: generated codec vs anchorpy vs hand-written `struct` code, side by side.

    .venv/bin/python benchmarks/python_codec.py [--repeat N]

Cases:
  1. `BatchV2` of the bundled settlement IDL with 1,000 trades (what the relayer encodes per batch);
  2. the biggest account of the largest corpus IDL (drift v2 `User`, 4,368 bytes of Borsh).
Each case encodes and decodes the same bytes with:
  - the package idlgen generates (typed dataclasses, straight-line `struct` code);
  - anchorpy 0.21.0's coder (borsh-construct), fed a legacy rendering of the same IDL (anchorpy reads
    only <= 0.29 IDLs; the settlement IDL is spec format, converted by `legacy_idl` below);
  - a hand-written `struct` codec producing the same slotted dataclasses (BatchV2), or, for the drift
    account, the floor: one precompiled `Struct` over the whole fixed layout returning a flat tuple.
Times are the best of N runs (ms); the ratio columns compare with the generated codec in the same run.
Targets (issue 3): >= 20x faster than anchorpy, within 1.5x of the hand-written code.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solders.pubkey import Pubkey  # noqa: E402

from idlgen.anchor.load import load_program  # noqa: E402
from idlgen.anchor.lower import FamilySpec  # noqa: E402
from idlgen.targets.base import ProgramNames, RenderContext  # noqa: E402
from idlgen.targets.python import render_package  # noqa: E402
from tests.support.anchorpy_ref import AnchorpyRef  # noqa: E402  (anchorpy's own layouts, item by item)
from tests.support.values import random_account  # noqa: E402  (seeded canonical values)

SETTLEMENT = ROOT / "idl" / "godark_settlement.json"
DRIFT = ROOT / "tests" / "corpus" / "idls" / "drift" / "drift_v2.json"


# ---- a legacy (<= 0.29) rendering of a spec IDL, for anchorpy ----------------------------------------

def _legacy_type(t: Any) -> Any:
    if t == "pubkey":
        return "publicKey"
    if isinstance(t, str):
        return t
    if "defined" in t:
        d = t["defined"]
        return {"defined": d["name"] if isinstance(d, dict) else d}
    key = next(iter(t))
    if key == "array":
        return {"array": [_legacy_type(t["array"][0]), t["array"][1]]}
    return {key: _legacy_type(t[key])}


def _legacy_fields(fields: list[Any]) -> list[Any]:
    return [_legacy_type(f) if not isinstance(f, dict) or "name" not in f
            else {"name": f["name"], "type": _legacy_type(f["type"])} for f in fields]


def _legacy_typedef(td: dict[str, Any]) -> dict[str, Any]:
    body = td["type"]
    if body["kind"] == "struct":
        return {"name": td["name"], "type": {"kind": "struct", "fields": _legacy_fields(body.get("fields", []))}}
    variants = []
    for v in body["variants"]:
        lv: dict[str, Any] = {"name": v["name"]}
        if v.get("fields"):
            lv["fields"] = _legacy_fields(v["fields"])
        variants.append(lv)
    return {"name": td["name"], "type": {"kind": "enum", "variants": variants}}


def legacy_idl(spec: dict[str, Any]) -> dict[str, Any]:
    """The same program in the legacy format: names, layouts and (recomputed) discriminators agree."""
    types = {t["name"]: t for t in spec.get("types", [])}
    account_names = {a["name"] for a in spec.get("accounts", [])}
    event_names = {e["name"] for e in spec.get("events", [])}
    return {
        "version": spec["metadata"]["version"],
        "name": spec["metadata"]["name"],
        "instructions": [{
            "name": ix["name"],
            "accounts": [{"name": a["name"], "isMut": bool(a.get("writable")), "isSigner": bool(a.get("signer"))}
                         for a in ix["accounts"]],
            "args": [{"name": a["name"], "type": _legacy_type(a["type"])} for a in ix["args"]],
        } for ix in spec["instructions"]],
        "accounts": [_legacy_typedef(types[name]) for name in sorted(account_names)],
        "events": [{"name": name, "fields": [{**f, "index": False}
                                             for f in _legacy_typedef(types[name])["type"]["fields"]]}
                   for name in sorted(event_names)],
        "types": [_legacy_typedef(t) for name, t in types.items() if name not in account_names | event_names],
        "errors": spec.get("errors", []),
    }


# ---- helpers -------------------------------------------------------------------------------------------

def generate(idl: Path, families: tuple[FamilySpec, ...], dest: Path) -> ModuleType:
    program = load_program(idl, families=families)
    name = f"bench_{idl.stem}"
    ctx = RenderContext(names=ProgramNames.of(program, name), idl_path=idl.name, lock_path="unused")
    for rel, text in render_package(program, ctx).items():
        (dest / name).mkdir(exist_ok=True)
        (dest / name / rel).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(dest))
    for sub in ("types", "accounts", "json_bridge"):
        importlib.import_module(f"{name}.{sub}")
    return importlib.import_module(name)


def best_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


# ---- case 1: BatchV2 x 1,000 -----------------------------------------------------------------------

def batch_case(pkg: ModuleType, repeat: int) -> list[tuple[str, str, float]]:
    t = pkg.types
    rng = random.Random(3)
    keys = [Pubkey.from_bytes(rng.randbytes(32)) for _ in range(64)]

    def trade(i: int) -> Any:
        order = [t.OrderTypeV2Limit(), t.OrderTypeV2Market(), t.OrderTypeV2PostOnly(),
                 t.OrderTypeV2ImmediateOrCancel(rng.randrange(1 << 16))][i % 4]
        return t.TradeEventV2(i, rng.choice(keys), rng.choice(keys), rng.randrange(1 << 16), t.Side(i % 2), order,
                              rng.randrange(1 << 64), rng.randrange(1 << 64), rng.randrange(1 << 16),
                              rng.randrange(-(1 << 63), 1 << 63), rng.randrange(1 << 128) if i % 3 else None,
                              rng.randrange(-(1 << 15), 1 << 15))

    batch = t.BatchV2(1, rng.randbytes(32), 99, [trade(i) for i in range(1000)])
    data = t.encode_batch_v2(batch)

    head, run1, run2 = struct.Struct("<Q32sQI"), struct.Struct("<Q32s32sHB"), struct.Struct("<QQHq")
    u16, u128, i16 = struct.Struct("<H"), struct.Struct("<QQ"), struct.Struct("<h")
    from_bytes, sides = Pubkey.from_bytes, tuple(t.Side)
    units = (t.OrderTypeV2Limit, t.OrderTypeV2Market, t.OrderTypeV2PostOnly)
    trade_cls, ioc = t.TradeEventV2, t.OrderTypeV2ImmediateOrCancel

    def hand_decode(b: bytes) -> Any:
        batch_id, root, slot, n = head.unpack_from(b, 0)
        o = 52
        trades = []
        for _ in range(n):
            tid, maker, taker, market, side = run1.unpack_from(b, o)
            tag = b[o + 75]
            o += 76
            if tag == 3:
                order = ioc(u16.unpack_from(b, o)[0])
                o += 2
            else:
                order = units[tag]()
            price, qty, fee, ts = run2.unpack_from(b, o)
            o += 26
            if b[o]:
                lo, hi = u128.unpack_from(b, o + 1)
                coid: int | None = lo | hi << 64
                o += 17
            else:
                coid = None
                o += 1
            rebate = i16.unpack_from(b, o)[0]
            o += 2
            trades.append(trade_cls(tid, from_bytes(maker), from_bytes(taker), market, sides[side], order, price, qty,
                                    fee, ts, coid, rebate))
        return t.BatchV2(batch_id, root, slot, trades)

    def hand_encode(v: Any) -> bytes:
        out = bytearray(head.pack(v.batch_id, v.merkle_root, v.sequencer_slot, len(v.trades)))
        for x in v.trades:
            out += run1.pack(x.trade_id, bytes(x.maker), bytes(x.taker), x.market_index, x.side)
            order = x.order_type
            out.append(order.TAG)
            if order.TAG == 3:
                out += u16.pack(order.max_slippage_bps)
            out += run2.pack(x.price, x.quantity, x.fee_bps, x.timestamp)
            if x.client_order_id is None:
                out.append(0)
            else:
                out.append(1)
                out += u128.pack(x.client_order_id & 0xFFFFFFFFFFFFFFFF, x.client_order_id >> 64)
            out += i16.pack(x.maker_rebate_bps)
        return bytes(out)

    assert hand_decode(data) == batch and hand_encode(batch) == data

    with tempfile.TemporaryDirectory() as tmp:
        legacy = Path(tmp) / "godark_settlement_legacy.json"
        legacy.write_text(json.dumps(legacy_idl(json.loads(SETTLEMENT.read_text()))), encoding="utf-8")
        ref = AnchorpyRef(legacy, load_program(legacy))
    _, layout = ref.layout("type", "BatchV2")
    # anchorpy cannot re-encode what it decoded (deepcopy of a solders Pubkey): build its value fresh
    anchorpy_value = ref._item_to_py("type", "BatchV2", pkg.json_bridge.decode("type", "BatchV2", data))
    assert layout.build(anchorpy_value) == data  # same bytes both ways: a fair comparison
    assert layout.parse(data).trades[999].price == batch.trades[999].price

    return [(f"BatchV2 x1000 ({len(data)} B)", "decode", best_ms(lambda: t.decode_batch_v2(data), repeat)),
            ("", "decode anchorpy", best_ms(lambda: layout.parse(data), max(3, repeat // 10))),
            ("", "decode hand-written", best_ms(lambda: hand_decode(data), repeat)),
            ("", "encode", best_ms(lambda: t.encode_batch_v2(batch), repeat)),
            ("", "encode anchorpy", best_ms(lambda: layout.build(anchorpy_value), max(3, repeat // 10))),
            ("", "encode hand-written", best_ms(lambda: hand_encode(batch), repeat))]


# ---- case 2: drift v2 `User` (largest corpus IDL, biggest account) ------------------------------------

def drift_case(pkg: ModuleType, repeat: int) -> list[tuple[str, str, float]]:
    program = load_program(DRIFT)
    acct = next(a for a in program.accounts if a.name == "User")
    data = pkg.json_bridge.encode("account", "User", random_account(program, acct, random.Random(5)))
    value = pkg.accounts.decode_user(data)
    ref = AnchorpyRef(DRIFT, program)
    disc, layout = ref.layout("account", "User")
    anchorpy_value = ref._item_to_py("account", "User", pkg.json_bridge.decode("account", "User", data))
    assert disc + layout.build(anchorpy_value) == data
    # The floor: one precompiled Struct over the whole fixed layout, returning a flat tuple (no objects).
    floor = struct.Struct(pkg.types._S_User.format)
    assert floor.size == len(data) - 8
    return [(f"drift User ({len(data)} B)", "decode", best_ms(lambda: pkg.accounts.decode_user(data), repeat)),
            ("", "decode anchorpy", best_ms(lambda: layout.parse(data[8:]), max(3, repeat // 10))),
            ("", "decode struct floor (tuple only)", best_ms(lambda: floor.unpack_from(data, 8), repeat)),
            ("", "encode", best_ms(lambda: pkg.accounts.encode_user(value), repeat)),
            ("", "encode anchorpy", best_ms(lambda: layout.build(anchorpy_value), max(3, repeat // 10)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settlement = generate(SETTLEMENT, (FamilySpec("Batch", "settle_batch.data",
                                                      "GlobalConfig.allowed_batch_versions"),), Path(tmp))
        drift = generate(DRIFT, (), Path(tmp))
        rows = batch_case(settlement, args.repeat) + drift_case(drift, args.repeat)
    print(f"{'case':<24} {'codec':<34} {'ms':>9} {'vs generated':>13}")
    generated: dict[str, float] = {}
    case = ""
    for name, what, ms in rows:
        case = name or case
        op = what.split()[0]
        if what in ("decode", "encode"):
            generated[case + op] = ms
        ratio = ms / generated[case + op]
        label = "generated (idlgen)" if what in ("decode", "encode") else what.split(" ", 1)[1]
        print(f"{name:<24} {op + ' ' + label:<34} {ms:>9.3f} {ratio:>12.1f}x")


if __name__ == "__main__":
    main()
