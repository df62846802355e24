"""Borsh sizes and Rust repr(C) memory layouts.

Computed once, during lowering, so emitters and the diff checker read facts instead of re-deriving
them. repr(C) follows Rust's algorithm: fields in declaration order, each at the next multiple of its
alignment; the struct's alignment is the largest field alignment (raised by `align(N)`); the size is
rounded up to it. `packed` sets every alignment to 1.

u128/i128 (and u256/i256) align to 8 bytes: that is their alignment on Solana's SBF target, where the
account bytes are laid out, even though x86_64 rustc >= 1.78, aarch64 and C's `__int128` use 16. A host
tool reproducing the layout must therefore use an 8-aligned 128-bit type.
"""

from __future__ import annotations

from collections.abc import Callable

from idlgen.ir.model import (
    ArrayType,
    CLayout,
    COptionType,
    DefinedType,
    EnumBody,
    OptionType,
    Padding,
    Prim,
    PrimType,
    Repr,
    StructBody,
    TypeBody,
    TypeRef,
    VecType,
)


def borsh_size(t: TypeRef, defined: Callable[[str], int | None]) -> int | None:
    """Fixed Borsh size of `t`, or None when it varies with the value."""
    match t:
        case PrimType(prim=p):
            return p.size
        case VecType():
            return None
        case OptionType():
            return None
        case COptionType(inner=inner):
            n = borsh_size(inner, defined)
            return None if n is None else 4 + n
        case ArrayType(inner=inner, length=length):
            n = borsh_size(inner, defined)
            return None if n is None else n * length
        case DefinedType(name=name):
            return defined(name)


def body_borsh_size(body: TypeBody, defined: Callable[[str], int | None]) -> int | None:
    if isinstance(body, StructBody):
        total = 0
        for f in body.fields:
            n = borsh_size(f.type, defined)
            if n is None:
                return None
            total += n
        return total
    sizes: set[int | None] = set()
    for v in body.variants:
        s: int | None = 0
        for f in v.fields:
            n = borsh_size(f.type, defined)
            s = None if (n is None or s is None) else s + n
        sizes.add(s)
    if len(sizes) == 1 and None not in sizes:
        return 1 + next(iter(sizes))  # type: ignore[operator]
    if not body.variants:
        return 1
    return None


class LayoutError(Exception):
    pass


def prim_align(p: Prim) -> int:
    if p in (Prim.BOOL, Prim.PUBKEY, Prim.U8, Prim.I8):
        return 1
    if p in (Prim.STRING, Prim.BYTES):
        raise LayoutError(f"{p.value} has no fixed memory layout")
    return min(p.bits // 8, 8)


def mem_size_align(t: TypeRef, defined: Callable[[str], CLayout]) -> tuple[int, int]:
    match t:
        case PrimType(prim=p):
            size = p.size
            if size is None:
                raise LayoutError(f"{p.value} has no fixed memory layout")
            return size, prim_align(p)
        case ArrayType(inner=inner, length=length):
            s, a = mem_size_align(inner, defined)
            return s * length, a
        case DefinedType(name=name):
            lay = defined(name)
            return lay.size, lay.align
        case COptionType(inner=inner):
            s, a = mem_size_align(inner, defined)
            a = max(a, 4)
            off = _round(4, a)
            return _round(off + s, a), a
        case VecType() | OptionType():
            raise LayoutError("vec and option have no fixed memory layout")


def c_layout(body: TypeBody, repr_: Repr | None, defined: Callable[[str], CLayout]) -> CLayout:
    if isinstance(body, EnumBody):
        if body.is_unit_only:
            # A fieldless enum in a zero-copy type only makes sense as repr(u8), one byte.
            return CLayout(size=1, align=1, offsets=(), padding=())
        raise LayoutError("a data-carrying enum has no repr(C) layout idlgen can reproduce")
    packed = bool(repr_ and repr_.packed)
    offsets: list[int] = []
    padding: list[Padding] = []
    pos = 0
    align = 1
    for f in body.fields:
        size, a = mem_size_align(f.type, defined)
        if packed:
            a = 1
        start = _round(pos, a)
        if start > pos:
            padding.append(Padding(pos, start - pos))
        offsets.append(start)
        pos = start + size
        align = max(align, a)
    if repr_ and repr_.align:
        align = max(align, repr_.align)
    size = _round(pos, align)
    if size > pos:
        padding.append(Padding(pos, size - pos))
    return CLayout(size=size, align=align, offsets=tuple(offsets), padding=tuple(padding))


def _round(n: int, a: int) -> int:
    return (n + a - 1) // a * a
