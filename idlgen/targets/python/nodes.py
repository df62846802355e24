"""Flat layouts: values whose bytes have a fixed size and need no branching to read.

A flat value (fixed-size integers, floats, bool, pubkey, fixed arrays of those, unit-only enums and
structs made only of flat fields, COption of a flat value) is read and written by ONE precompiled
`struct.Struct` for a whole run of fields: the node tree below turns an IDL type into
- `fmt`   the struct format characters (little-endian, no implicit alignment; padding as `x`),
- `dec`   a Python expression building the value from the unpacked tuple,
- `enc`   the argument expressions `Struct.pack` needs for a value,
Failures are explained off the hot path by the runtime (`_borsh.diagnose`, from the schema).

Two contexts: Borsh (packed, fields back to back) and memory (`mem`, Rust repr(C) offsets and
padding from `TypeDef.c_layout`, for zero-copy accounts).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import assert_never

from idlgen.ir.layout import mem_size_align
from idlgen.ir.model import (
    ArrayType,
    CLayout,
    COptionType,
    DefinedType,
    EnumBody,
    OptionType,
    Prim,
    PrimType,
    Program,
    StructBody,
    TypeRef,
    VecType,
)
from idlgen.targets.python.shapes import Shapes

UNROLL = 8  # arrays of composite elements up to this length are unrolled; longer ones use iter_unpack

_INT_CODES = {Prim.U8: "B", Prim.I8: "b", Prim.U16: "H", Prim.I16: "h", Prim.U32: "I", Prim.I32: "i",
              Prim.U64: "Q", Prim.I64: "q", Prim.F32: "f", Prim.F64: "d", Prim.BOOL: "B"}


class Registry:
    """Module-level constants (structs) shared by the generated functions, named on first use."""

    def __init__(self) -> None:
        self.structs: dict[str, str] = {}  # fmt -> name

    def struct(self, fmt: str, hint: str) -> str:
        if fmt not in self.structs:
            name = f"_S_{hint}"
            base, n = name, 2
            while name in self.structs.values():
                name = f"{base}_{n}"
                n += 1
            self.structs[fmt] = name
        return self.structs[fmt]

    def lines(self) -> list[str]:
        return [f'{name} = struct.Struct("<{fmt}")' for fmt, name in self.structs.items()]


@dataclass
class Node(ABC):
    """One flat value: `nslots` items of the unpacked tuple, `size` bytes, format characters `fmt`."""

    fmt: str
    size: int
    nslots: int

    @abstractmethod
    def dec(self, t: str, i: int, depth: int) -> str:
        """Expression building the value from the tuple `t`, starting at slot `i`."""

    def dec_scalar(self, z: str) -> str:
        """`dec` for a one-slot node whose slot value is the expression `z`."""
        return self.dec("(" + z + ",)", 0, 0)

    @abstractmethod
    def enc(self, v: str, depth: int) -> list[str]:
        """The `Struct.pack` arguments for the value expression `v` (one per slot, or starred)."""

    @abstractmethod
    def zeros(self) -> list[str]:
        """The arguments of an all-zero value (a None COption's body)."""

    @property
    def checked(self) -> bool:
        """Whether decoding can reject some byte patterns (so `dec` may raise)."""
        return False

    @property
    def simple(self) -> bool:
        """One slot, taken as is from the tuple (ints)."""
        return False


@dataclass
class PrimNode(Node):
    prim: Prim = Prim.U8

    def dec(self, t: str, i: int, depth: int) -> str:
        if self.prim in (Prim.U128, Prim.I128):
            return f"{t}[{i}] | {t}[{i + 1}] << 64"
        return self.dec_scalar(f"{t}[{i}]")

    def dec_scalar(self, z: str) -> str:
        p = self.prim
        if p is Prim.BOOL:
            return f"BOOL[{z}]"
        if p is Prim.PUBKEY:
            return f"pk({z})"
        if p in (Prim.U256, Prim.I256):
            signed = ", signed=True" if p is Prim.I256 else ""
            return f'int.from_bytes({z}, "little"{signed})'
        if p.is_float:
            return f"({z} if {z} == {z} else bad())"
        return z

    def enc(self, v: str, depth: int) -> list[str]:
        p = self.prim
        if p is Prim.BOOL:
            return [f"BOOLB[{v}]"]
        if p is Prim.PUBKEY:
            return [f"pkb({v})"]
        if p in (Prim.U128, Prim.I128):
            return [f"{v} & M64", f"{v} >> 64"]
        if p in (Prim.U256, Prim.I256):
            signed = ", signed=True" if p is Prim.I256 else ""
            return [f'{v}.to_bytes(32, "little"{signed})']
        if p.is_float:
            return [f"{v} if {v} == {v} else bad()"]
        return [v]

    def zeros(self) -> list[str]:
        p = self.prim
        if p in (Prim.PUBKEY, Prim.U256, Prim.I256):
            return ["Z32"]
        if p in (Prim.U128, Prim.I128):
            return ["0", "0"]
        if p.is_float:
            return ["0.0"]
        return ["0"]



    @property
    def checked(self) -> bool:
        return self.prim is Prim.BOOL or self.prim.is_float

    @property
    def simple(self) -> bool:
        return self.prim.is_int and self.prim.bits <= 64


def prim_node(p: Prim) -> PrimNode:
    if p in (Prim.STRING, Prim.BYTES):
        raise ValueError("not a fixed-size primitive")
    if p is Prim.PUBKEY or p in (Prim.U256, Prim.I256):
        return PrimNode("32s", 32, 1, p)
    if p is Prim.U128:
        return PrimNode("QQ", 16, 2, p)
    if p is Prim.I128:
        return PrimNode("Qq", 16, 2, p)
    code = _INT_CODES[p]
    return PrimNode(code, p.size or 1, 1, p)


@dataclass
class BytesNode(Node):
    """[u8; N] as Python bytes."""

    def dec(self, t: str, i: int, depth: int) -> str:
        return f"{t}[{i}]"

    def enc(self, v: str, depth: int) -> list[str]:
        return [f"{v} if len({v}) == {self.size} else bad()"]

    def zeros(self) -> list[str]:
        return [f"bytes({self.size})"]




@dataclass
class EnumNode(Node):
    """Unit-only enum: one u8 tag, decoded through a tuple of the IntEnum members."""

    members: str = ""  # name of the module tuple of members
    count: int = 0
    label: str = ""

    def dec(self, t: str, i: int, depth: int) -> str:
        return self.dec_scalar(f"{t}[{i}]")

    def dec_scalar(self, z: str) -> str:
        return f"{self.members}[{z}]"

    def enc(self, v: str, depth: int) -> list[str]:
        # `_W_<Enum>` maps every valid tag to itself: anything else (an int out of range) is a KeyError
        return [f"{self.members.replace('_V_', '_W_', 1)}[{v}]"]

    def zeros(self) -> list[str]:
        return ["0"]



    @property
    def checked(self) -> bool:
        return True


@dataclass
class ArrayNode(Node):
    """[T; N] of a one-slot element with a repeat count in the format (`4Q`)."""

    inner: Node = field(default_factory=lambda: prim_node(Prim.U8))
    length: int = 0

    def dec(self, t: str, i: int, depth: int) -> str:
        sl = f"{t}[{i}:{i + self.length}]"
        if not self.inner.checked and self.inner.simple:
            return f"list({sl})"
        z = f"z{depth}"
        return f"[{self.inner.dec_scalar(z)} for {z} in {sl}]"

    def enc(self, v: str, depth: int) -> list[str]:
        sized = f"({v} if len({v}) == {self.length} else bad())"
        if self.inner.simple:
            return [f"*{sized}"]
        z = f"z{depth}"
        return [f"*[{self.inner.enc(z, depth + 1)[0]} for {z} in {sized}]"]

    def zeros(self) -> list[str]:
        return self.inner.zeros() * self.length



    @property
    def checked(self) -> bool:
        return self.inner.checked


@dataclass
class UnrolledNode(Node):
    """[T; N] of a multi-slot element, N small: every element spelled out."""

    inner: Node = field(default_factory=lambda: prim_node(Prim.U8))
    length: int = 0

    def dec(self, t: str, i: int, depth: int) -> str:
        parts = [self.inner.dec(t, i + k * self.inner.nslots, depth) for k in range(self.length)]
        return "[" + ", ".join(parts) + "]"

    def enc(self, v: str, depth: int) -> list[str]:
        out: list[str] = []
        for k in range(self.length):
            base = f"({v} if len({v}) == {self.length} else bad())[0]" if k == 0 else f"{v}[{k}]"
            out.extend(self.inner.enc(base, depth))
        return out

    def zeros(self) -> list[str]:
        return self.inner.zeros() * self.length



    @property
    def checked(self) -> bool:
        return self.inner.checked


@dataclass
class BlockNode(Node):
    """[T; N] with N large: one raw-bytes slot, elements read with the element's own Struct."""

    inner: Node = field(default_factory=lambda: prim_node(Prim.U8))
    length: int = 0
    elem_struct: str = ""

    def dec(self, t: str, i: int, depth: int) -> str:
        e = f"e{depth}"
        return f"[{self.inner.dec(e, 0, depth + 1)} for {e} in {self.elem_struct}.iter_unpack({t}[{i}])]"

    def enc(self, v: str, depth: int) -> list[str]:
        z = f"z{depth}"
        args = ", ".join(self.inner.enc(z, depth + 1))
        return [f'b"".join([{self.elem_struct}.pack({args}) for {z} in ({v} if len({v}) == {self.length} '
                f"else bad())])"]

    def zeros(self) -> list[str]:
        return [f"bytes({self.size})"]



    @property
    def checked(self) -> bool:
        return self.inner.checked


@dataclass
class StructNode(Node):
    cls: str = ""
    # (IDL field name, Python attribute, node, offset inside the struct)
    fields: list[tuple[str, str, Node, int]] = field(default_factory=list)
    tuple_like: bool = False

    def dec(self, t: str, i: int, depth: int) -> str:
        parts: list[str] = []
        for _, _, n, _ in self.fields:
            parts.append(n.dec(t, i, depth))
            i += n.nslots
        return f"{self.cls}({', '.join(parts)})"

    def enc(self, v: str, depth: int) -> list[str]:
        out: list[str] = []
        for _, attr, n, _ in self.fields:
            out.extend(n.enc(f"{v}.{attr}", depth))
        return out

    def zeros(self) -> list[str]:
        return [z for _, _, n, _ in self.fields for z in n.zeros()]



    @property
    def checked(self) -> bool:
        return any(n.checked for _, _, n, _ in self.fields)


@dataclass
class COptionNode(Node):
    """solana `COption` (Pack layout): u32 tag, then the value (zero-filled when None)."""

    inner: Node = field(default_factory=lambda: prim_node(Prim.U8))
    value_offset: int = 4

    def dec(self, t: str, i: int, depth: int) -> str:
        inner = self.inner.dec(t, i + 1, depth)
        return f"({inner} if {t}[{i}] == 1 else None if {t}[{i}] == 0 else bad())"

    def enc(self, v: str, depth: int) -> list[str]:
        some = ", ".join(self.inner.enc(v, depth))
        zeros = ", ".join(self.inner.zeros())
        return [f"0 if {v} is None else 1", f"*(({some},) if {v} is not None else ({zeros},))"]

    def zeros(self) -> list[str]:
        return ["0", *self.inner.zeros()]



    @property
    def checked(self) -> bool:
        return True


class Flattener:
    """Builds (and caches) flat nodes for one program, in the Borsh or the memory context."""

    def __init__(self, program: Program, shapes: Shapes, registry: Registry,
                 members: Callable[[str], str]) -> None:
        self.program = program
        self.shapes = shapes
        self.registry = registry
        self.members = members  # TypeDef name -> module tuple of IntEnum members
        self._cache: dict[tuple[str, bool], Node | None] = {}

    def node(self, ref: TypeRef, mem: bool = False) -> Node | None:
        """The flat node for `ref`, or None when it is not flat (variable size or needs branching)."""
        match ref:
            case PrimType(prim=p):
                if p in (Prim.STRING, Prim.BYTES):
                    return None
                return prim_node(p)
            case ArrayType(inner=inner, length=length):
                if inner == PrimType(Prim.U8):
                    return BytesNode(f"{length}s", length, 1)
                el = self.node(inner, mem)
                if el is None:
                    return None
                if el.nslots == 1 and el.fmt in "BbHhIiQqfd" and len(el.fmt) == 1:
                    return ArrayNode(f"{length}{el.fmt}", el.size * length, length, el, length)
                if length <= UNROLL:
                    return UnrolledNode(el.fmt * length, el.size * length, el.nslots * length, el, length)
                if el.size == 0:
                    return None
                st = self.registry.struct(el.fmt, _hint(inner, self.shapes))
                return BlockNode(f"{el.size * length}s", el.size * length, 1, el, length, st)
            case COptionType(inner=inner):
                el = self.node(inner, mem)
                if el is None:
                    return None
                if mem:
                    size, _ = mem_size_align(ref, self._layout)
                    _, ea = mem_size_align(inner, self._layout)
                    voff = (4 + max(ea, 4) - 1) // max(ea, 4) * max(ea, 4)
                    pad1 = voff - 4
                    pad2 = size - voff - el.size
                    fmt = "I" + (f"{pad1}x" if pad1 else "") + el.fmt + (f"{pad2}x" if pad2 else "")
                    return COptionNode(fmt, size, 1 + el.nslots, el, voff)
                return COptionNode("I" + el.fmt, 4 + el.size, 1 + el.nslots, el, 4)
            case VecType() | OptionType():
                return None
            case DefinedType(name=name):
                key = (name, mem)
                if key not in self._cache:
                    self._cache[key] = None  # recursion guard: a type reached through itself is not flat
                    self._cache[key] = self._defined(name, mem)
                return self._cache[key]
            case _:
                assert_never(ref)

    def _layout(self, name: str) -> CLayout:
        lay = self.program.type(name).c_layout
        assert lay is not None
        return lay

    def _defined(self, name: str, mem: bool) -> Node | None:
        td = self.program.type(name)
        shape = self.shapes[name]
        if isinstance(td.body, EnumBody):
            if not td.body.is_unit_only:
                return None
            return EnumNode("B", 1, 1, self.members(name), len(td.body.variants), td.name)
        if mem:
            if td.c_layout is None:
                return None
        elif td.borsh_size is None:
            return None
        body: StructBody = td.body
        fields: list[tuple[str, str, Node, int]] = []
        fmt = ""
        pos = 0
        slots = 0
        for i, (f, attr) in enumerate(zip(body.fields, shape.fields, strict=True)):
            n = self.node(f.type, mem)
            if n is None:
                return None
            off = td.c_layout.offsets[i] if (mem and td.c_layout) else pos
            if off > pos:
                fmt += f"{off - pos}x"
            fields.append((f.name, attr, n, off))
            fmt += n.fmt
            pos = off + n.size
            slots += n.nslots
        size = td.c_layout.size if (mem and td.c_layout) else pos
        if size > pos:
            fmt += f"{size - pos}x"
        return StructNode(fmt, size, slots, shape.cls, fields)


def _hint(ref: TypeRef, shapes: Shapes) -> str:
    match ref:
        case DefinedType(name=name):
            return shapes[name].cls
        case PrimType(prim=p):
            return p.value
        case ArrayType(inner=inner, length=length):
            return f"{_hint(inner, shapes)}_{length}"
        case VecType(inner=inner) | OptionType(inner=inner) | COptionType(inner=inner):
            return _hint(inner, shapes)
        case _:
            assert_never(ref)
