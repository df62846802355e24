"""Byte-level facts about types: wire shapes (Borsh bytes with names dropped) and sizes.

Two types with equal shapes encode every value to the same bytes; `fixed_size` is the Borsh size of a
fixed-size type, `max_size` the most bytes any value can take (the space an account must have).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    Field,
    OptionType,
    Prim,
    PrimType,
    Program,
    StructBody,
    TypeRef,
    VecType,
)


class Shapes:
    """The Borsh byte shape of a type, names dropped: equal shapes mean equal bytes."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.memo: dict[str, tuple[Hashable, ...]] = {}

    def of_fields(self, fields: Sequence[Field]) -> tuple[Hashable, ...]:
        return tuple(x for f in fields for x in self.of(f.type))

    def of(self, t: TypeRef, stack: tuple[str, ...] = ()) -> tuple[Hashable, ...]:
        match t:
            case PrimType(prim=p):
                if p is Prim.BYTES:
                    return (("vec", (("prim", "u8"),)),)
                if p is Prim.PUBKEY:
                    return (("array", (("prim", "u8"),), 32),)
                return (("prim", p.value),)
            case VecType(inner=i):
                return (("vec", self.of(i, stack)),)
            case OptionType(inner=i):
                return (("option", self.of(i, stack)),)
            case COptionType(inner=i):
                return (("coption", self.of(i, stack)),)
            case ArrayType(inner=i, length=n):
                inner = self.of(i, stack)
                if len(inner) == 1 and isinstance(inner[0], tuple) and inner[0][0] == "array":
                    return (("array", inner[0][1], inner[0][2] * n),)
                return (("array", inner, n),)
            case DefinedType(name=name):
                if name in stack:
                    return (("rec", len(stack) - stack.index(name)),)
                if name in self.memo:
                    return self.memo[name]
                td = self.program.type(name)
                st = (*stack, name)
                out: tuple[Hashable, ...]
                if isinstance(td.body, StructBody):
                    out = tuple(x for f in td.body.fields for x in self.of(f.type, st))
                else:
                    out = (("enum", tuple(tuple(x for f in v.fields for x in self.of(f.type, st))
                                          for v in td.body.variants)),)
                if not _has_rec(out):
                    self.memo[name] = out
                return out


def _has_rec(x: object) -> bool:
    if isinstance(x, tuple):
        if len(x) == 2 and x[0] == "rec":
            return True
        return any(_has_rec(y) for y in x)
    return False


def fixed_size(program: Program, t: TypeRef) -> int | None:
    match t:
        case PrimType(prim=p):
            return p.size
        case ArrayType(inner=i, length=n):
            s = fixed_size(program, i)
            return None if s is None else s * n
        case COptionType(inner=i):
            s = fixed_size(program, i)
            return None if s is None else 4 + s
        case DefinedType(name=name):
            return program.type(name).borsh_size
        case _:
            return None


def raw_bytes(a: TypeRef, b: TypeRef) -> bool:
    """An integer and a byte array of its width: the same little-endian bytes, now shown raw."""
    return (isinstance(a, PrimType) and a.prim.is_int and isinstance(b, ArrayType)
            and b.inner == PrimType(Prim.U8) and b.length * 8 == a.prim.bits)


def max_size(program: Program, t: TypeRef, stack: frozenset[str] = frozenset()) -> int | None:
    """The largest encoding of `t` in bytes (the space an account needs), None when unbounded."""
    match t:
        case PrimType(prim=p):
            return p.size
        case VecType():
            return None
        case OptionType(inner=i) | COptionType(inner=i):
            n = max_size(program, i, stack)
            return None if n is None else (1 if isinstance(t, OptionType) else 4) + n
        case ArrayType(inner=i, length=k):
            n = max_size(program, i, stack)
            return None if n is None else n * k
        case DefinedType(name=name):
            if name in stack:
                return None
            td = program.type(name)
            if td.zero_copy and td.c_layout is not None:
                return td.c_layout.size
            inner = stack | {name}
            if isinstance(td.body, StructBody):
                sizes = [max_size(program, f.type, inner) for f in td.body.fields]
                return None if None in sizes else sum(s for s in sizes if s is not None)
            best = 0
            for v in td.body.variants:
                sizes = [max_size(program, f.type, inner) for f in v.fields]
                if None in sizes:
                    return None
                best = max(best, sum(s for s in sizes if s is not None))
            return 1 + best
    return None
