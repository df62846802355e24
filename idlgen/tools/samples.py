"""Seeded random values in the JSON bridge's canonical shape, for sim-test payloads.

Canonical JSON (the generated package's `json_bridge`): integers as ints, floats, bool, string, pubkey
as base58, `bytes` as lowercase hex, vecs and arrays as lists, option/coption as None or the value,
named structs as objects keyed by the IDL's field names, tuple structs as lists, enums serde-style
("Unit", {"Named": {...}}, {"Tuple": [...]}). Values are valid by construction (in range, finite,
bounded nesting), so a rejection by a program means its layout differs, not that the value was bad.
"""

from __future__ import annotations

import random
from typing import Any, assert_never

from idlgen.base58 import b58encode
from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    EnumBody,
    Field,
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


class Sampler:
    def __init__(self, program: Program, seed: int = 0, *, max_depth: int = 4, max_len: int = 3) -> None:
        self.program = program
        self.rng = random.Random(seed)
        self.max_depth = max_depth
        self.max_len = max_len

    def args(self, fields: tuple[Field, ...]) -> dict[str, Any]:
        return {f.name: self.value(f.type, 0) for f in fields}

    def typedef(self, name: str, depth: int = 0) -> Any:
        body = self.program.type(name).body
        if isinstance(body, StructBody):
            if body.kind is StructKind.TUPLE:
                return [self.value(f.type, depth + 1) for f in body.fields]
            return {f.name: self.value(f.type, depth + 1) for f in body.fields}
        return self._variant(body, depth + 1)

    def _variant(self, body: EnumBody, depth: int) -> Any:
        # Past max_depth take a unit variant when there is one, so recursive enums end.
        units = [v for v in body.variants if v.kind is VariantKind.UNIT]
        v = units[0] if depth >= self.max_depth and units else self.rng.choice(body.variants)
        if v.kind is VariantKind.UNIT:
            return v.name
        if v.kind is VariantKind.TUPLE:
            return {v.name: [self.value(f.type, depth + 1) for f in v.fields]}
        return {v.name: {f.name: self.value(f.type, depth + 1) for f in v.fields}}

    def value(self, t: TypeRef, depth: int) -> Any:
        rng = self.rng
        match t:
            case PrimType(prim=p):
                return self._prim(p)
            case VecType(inner=inner):
                n = 0 if depth >= self.max_depth else rng.randint(0, self.max_len)
                return [self.value(inner, depth + 1) for _ in range(n)]
            case ArrayType(inner=inner, length=n):
                return [self.value(inner, depth + 1) for _ in range(n)]
            case OptionType(inner=inner) | COptionType(inner=inner):
                if depth >= self.max_depth or rng.random() < 0.3:
                    return None
                return self.value(inner, depth + 1)
            case DefinedType(name=name):
                return self.typedef(name, depth)
            case _:
                assert_never(t)

    def _prim(self, p: Prim) -> Any:
        rng = self.rng
        if p is Prim.BOOL:
            return rng.random() < 0.5
        if p.is_int:
            lo, hi = (-(1 << (p.bits - 1)), (1 << (p.bits - 1)) - 1) if p.is_signed else (0, (1 << p.bits) - 1)
            return rng.choice((lo, hi, 0, 1, rng.randint(lo, hi)))
        if p.is_float:
            return float(rng.choice((0.0, 1.5, -2.25, 1024.0)))  # exact in f32 and f64
        if p is Prim.STRING:
            return rng.choice(("", "a", "settle", "é中🙂"))
        if p is Prim.BYTES:
            return rng.randbytes(rng.randint(0, 6)).hex()
        if p is Prim.PUBKEY:
            return b58encode(rng.randbytes(32))
        raise AssertionError(p)
