"""Property tests (hypothesis) on the generated codecs of the settlement and edge-case IDLs:

- decode(encode(x)) == x for values drawn from the IDL's own types;
- truncated input raises DecodeError and nothing else;
- mutated input either raises DecodeError or decodes to a value that re-encodes to exactly those
  bytes (Borsh is canonical: there is no second spelling of a value; zero-copy padding and the body of
  a None COption are the documented exceptions: checked for "DecodeError only");
- a 4 GiB length prefix fails at once, without allocating.
"""

from __future__ import annotations

import struct
import time
import tracemalloc
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from idlgen.anchor.load import load_program
from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    OptionType,
    Prim,
    PrimType,
    Program,
    StructBody,
    StructKind,
    TypeRef,
    VariantKind,
    VecType,
)
from tests.support.pygen import configured_families

from .conftest import EDGE, SETTLEMENT

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def json_strategy(program: Program, ref: TypeRef, cache: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Canonical JSON values of `ref` (the JSON bridge's shape), edge values included by hypothesis.
    Defined types are deferred (and shared), so recursive types build lazily and stay finite."""
    cache = {} if cache is None else cache
    match ref:
        case PrimType(prim=p):
            if p.is_int:
                lo, hi = (-(1 << (p.bits - 1)), (1 << (p.bits - 1)) - 1) if p.is_signed else (0, (1 << p.bits) - 1)
                return st.integers(lo, hi)
            if p is Prim.F32:
                return st.floats(allow_nan=False, width=32)
            if p is Prim.F64:
                return st.floats(allow_nan=False)
            if p is Prim.BOOL:
                return st.booleans()
            if p is Prim.STRING:
                return st.text(max_size=12)
            if p is Prim.BYTES:
                return st.binary(max_size=12).map(bytes.hex)
            return st.binary(min_size=32, max_size=32).map(lambda b: str(Pubkey.from_bytes(b)))
        case VecType(inner=inner):
            return st.lists(json_strategy(program, inner, cache), max_size=3)
        case ArrayType(inner=inner, length=n):
            return st.lists(json_strategy(program, inner, cache), min_size=n, max_size=n)
        case OptionType(inner=inner) | COptionType(inner=inner):
            return st.none() | json_strategy(program, inner, cache)
        case DefinedType(name=name):
            if name not in cache:
                cache[name] = st.deferred(lambda: _typedef_strategy(program, name, cache))
            strategy: st.SearchStrategy[Any] = cache[name]
            return strategy
        case _:
            raise AssertionError(ref)


def _typedef_strategy(program: Program, name: str, cache: dict[str, Any]) -> st.SearchStrategy[Any]:
    td = program.type(name)
    if isinstance(td.body, StructBody):
        fields = [json_strategy(program, f.type, cache) for f in td.body.fields]
        if td.body.kind is StructKind.TUPLE:
            return st.tuples(*fields).map(list)
        return st.fixed_dictionaries({f.name: s for f, s in zip(td.body.fields, fields, strict=True)})
    options: list[st.SearchStrategy[Any]] = []
    for v in td.body.variants:
        if v.kind is VariantKind.UNIT:
            options.append(st.just(v.name))
            continue
        fs = [json_strategy(program, f.type, cache) for f in v.fields]
        if v.kind is VariantKind.TUPLE:
            options.append(st.tuples(*fs).map(lambda xs, n=v.name: {n: list(xs)}))
        else:
            options.append(st.fixed_dictionaries({f.name: s for f, s in zip(v.fields, fs, strict=True)})
                           .map(lambda d, n=v.name: {n: d}))
    return st.one_of(options)


def items(program: Program) -> list[tuple[str, str, st.SearchStrategy[Any]]]:
    out: list[tuple[str, str, st.SearchStrategy[Any]]] = []
    for td in program.types:
        out.append(("type", td.name, json_strategy(program, DefinedType(td.name))))
    for a in program.accounts:
        out.append(("account", a.name, json_strategy(program, DefinedType(a.type))))
    for e in program.events:
        out.append(("event", e.name, json_strategy(program, DefinedType(e.type))))
    for ix in program.instructions:
        out.append(("instruction", ix.name,
                    st.fixed_dictionaries({f.name: json_strategy(program, f.type) for f in ix.args})))
    return out


PROGRAMS = {"settlement": load_program(SETTLEMENT, families=configured_families(SETTLEMENT)),
            "edge": load_program(EDGE)}
CASES = [(name, kind, item, strategy) for name, program in PROGRAMS.items()
         for kind, item, strategy in items(program)]


def _has_coption(program: Program, ref: TypeRef, seen: set[str]) -> bool:
    match ref:
        case COptionType():
            return True
        case VecType(inner=inner) | OptionType(inner=inner) | ArrayType(inner=inner):
            return _has_coption(program, inner, seen)
        case DefinedType(name=name):
            if name in seen:
                return False
            seen.add(name)
            body = program.type(name).body
            fields = body.fields if isinstance(body, StructBody) else [f for v in body.variants for f in v.fields]
            return any(_has_coption(program, f.type, seen) for f in fields)
        case _:
            return False


def _canonical(program: Program, kind: str, item: str) -> bool:
    """Whether every byte of an encoding is determined by the value. Not so for a zero-copy image (its
    padding) nor for a COption that is None (the Pack layout ignores the value bytes after tag 0)."""
    refs: list[TypeRef]
    if kind == "instruction":
        refs = [f.type for ix in program.instructions if ix.name == item for f in ix.args]
    else:
        table = {"account": program.accounts, "event": program.events}.get(kind, ())
        type_name = next((x.type for x in table if x.name == item), item)
        if program.type(type_name).zero_copy:
            return False
        refs = [DefinedType(type_name)]
    return not any(_has_coption(program, r, set()) for r in refs)


@pytest.mark.parametrize("case", CASES, ids=[f"{n}-{k}-{i}" for n, k, i, _ in CASES])
@SETTINGS
@given(data=st.data())
def test_round_trip_truncate_mutate(case: tuple[str, str, str, st.SearchStrategy[Any]], data: st.DataObject,
                                    settlement: ModuleType, edge: ModuleType) -> None:
    which, kind, item, strategy = case
    pkg = {"settlement": settlement, "edge": edge}[which]
    bridge = pkg.json_bridge
    value = data.draw(strategy, label="value")
    raw = bridge.encode(kind, item, value)
    assert bridge.decode(kind, item, raw, strict=True) == value
    if raw:
        cut = data.draw(st.integers(0, len(raw) - 1), label="cut")
        with pytest.raises(pkg.DecodeError):
            bridge.decode(kind, item, raw[:cut], strict=True)
        mutated = bytearray(raw)
        for _ in range(data.draw(st.integers(1, 3), label="flips")):
            at = data.draw(st.integers(0, len(raw) - 1))
            mutated[at] = data.draw(st.integers(0, 255))
        try:
            back = bridge.decode(kind, item, bytes(mutated), strict=True)
        except pkg.DecodeError:
            return
        if _canonical(PROGRAMS[which], kind, item):
            assert bridge.encode(kind, item, back) == bytes(mutated)


def test_4gib_length_prefix_fails_at_once(settlement: ModuleType, edge: ModuleType) -> None:
    prefix = b"\xff\xff\xff\xff"
    cases = [
        (settlement.types.decode_batch_v2, struct.pack("<Q32sQ", 1, bytes(32), 2) + prefix),
        (settlement.instructions.decode_settle_batch, settlement.instructions.SETTLE_BATCH_DISCRIMINATOR + prefix),
        (edge.types.decode_edge, b"\x01\x02\x00" + prefix + b"x" * 64),  # string length
    ]
    for decode, data in cases:
        tracemalloc.start()
        start = time.perf_counter()
        with pytest.raises(settlement.DecodeError if decode.__module__.startswith(settlement.__name__)
                           else edge.DecodeError, match="length prefix 4294967295"):
            decode(data)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 1 << 20, f"{decode.__name__} allocated {peak} bytes for a bogus length prefix"
        assert elapsed < 0.5
