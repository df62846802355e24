"""Hypothesis strategies for canonical JSON values of any idlgen TypeRef (same shape as values.py)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

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
from tests.support.values import b58encode, int_range

MAX_DEPTH = 3


def _prim(p: Prim) -> st.SearchStrategy[Any]:
    if p is Prim.BOOL:
        return st.booleans()
    if p.is_int:
        lo, hi = int_range(p)
        return st.integers(lo, hi)
    if p is Prim.F32:
        return st.floats(allow_nan=False, width=32)
    if p is Prim.F64:
        return st.floats(allow_nan=False)
    if p is Prim.STRING:
        return st.text(max_size=20)
    if p is Prim.BYTES:
        return st.binary(max_size=20).map(bytes.hex)
    if p is Prim.PUBKEY:
        return st.binary(min_size=32, max_size=32).map(b58encode)
    raise TypeError(p)


class Strategies:
    def __init__(self, program: Program) -> None:
        self.program = program

    def ref(self, t: TypeRef, depth: int = 0) -> st.SearchStrategy[Any]:
        match t:
            case PrimType(prim=p):
                return _prim(p)
            case VecType(inner=inner):
                if depth >= MAX_DEPTH:
                    return st.just([])
                return st.lists(self.ref(inner, depth + 1), max_size=3)
            case ArrayType(inner=inner, length=length):
                if length > 64:  # big arrays: one element strategy repeated (keeps examples small)
                    return self.ref(inner, depth + 1).map(lambda x, n=length: [x] * n)
                return st.lists(self.ref(inner, depth + 1), min_size=length, max_size=length)
            case OptionType(inner=inner) | COptionType(inner=inner):
                if depth >= MAX_DEPTH:
                    return st.none()
                return st.none() | self.ref(inner, depth + 1)
            case DefinedType(name=name):
                return self.typedef(name, depth + 1)
        raise TypeError(t)

    def fields(self, fields: tuple[Field, ...], depth: int) -> st.SearchStrategy[dict[str, Any]]:
        return st.fixed_dictionaries({f.name: self.ref(f.type, depth) for f in fields})

    def typedef(self, name: str, depth: int = 0) -> st.SearchStrategy[Any]:
        body = self.program.type(name).body
        if isinstance(body, StructBody):
            if body.kind is StructKind.TUPLE:
                return st.tuples(*(self.ref(f.type, depth) for f in body.fields)).map(list)
            return self.fields(body.fields, depth)
        assert isinstance(body, EnumBody)
        options = []
        for v in body.variants:
            if v.kind is VariantKind.UNIT:
                options.append(st.just(v.name))
            elif depth >= MAX_DEPTH + 2:
                continue  # deep recursion: only unit variants (values.py picks the shortest instead)
            elif v.kind is VariantKind.TUPLE:
                options.append(st.tuples(*(self.ref(f.type, depth) for f in v.fields))
                               .map(lambda xs, n=v.name: {n: list(xs)}))
            else:
                options.append(self.fields(v.fields, depth).map(lambda d, n=v.name: {n: d}))
        if not options:  # no unit variant to stop at: take the first variant regardless of depth
            v = body.variants[0]
            options.append(self.fields(v.fields, depth).map(lambda d, n=v.name: {n: d})
                           if v.kind is VariantKind.NAMED else
                           st.tuples(*(self.ref(f.type, depth) for f in v.fields)).map(
                               lambda xs, n=v.name: {n: list(xs)}))
        return st.one_of(options)


def same(a: Any, b: Any) -> bool:
    """Structural equality that tells -0.0 from 0.0 and treats tuples as lists."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b
