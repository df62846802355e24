"""Emit C declarations equivalent to the Rust repr(C) zero-copy types of a Program.

The C compiler is the reference for zero-copy layouts (Rust's repr(C) *is* C's layout): the Anchor
TS coder ignores `repr`/`serialization` and writes every type packed. Mapping used here:
  bool/u8..u64/i8..i64/f32/f64 -> <stdint.h> types, float, double;
  u128/i128 -> `__int128` re-aligned to 8 by a typedef (Solana's SBF target aligns 128-bit integers to
  8; x86_64 gcc would use 16, which is the host's rule, not the chain's);
  u256/i256 -> struct of four uint64_t (align 8); pubkey -> uint8_t[32];
  fieldless enum -> uint8_t (a zero-copy enum is repr(u8)); COption<T> -> struct { uint32_t tag; T v; };
  repr(packed) -> __attribute__((packed)); repr(align(N)) -> __attribute__((aligned(N))).
Fields are called f0, f1, ... and types T0, T1, ... so that no IDL name can clash with C.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    EnumBody,
    Prim,
    PrimType,
    Program,
    StructBody,
    StructKind,
    TypeDef,
    TypeRef,
)

PRELUDE = """\
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
typedef unsigned __int128 idl_u128 __attribute__((aligned(8)));
typedef __int128 idl_i128 __attribute__((aligned(8)));
typedef struct { uint64_t w[4]; } idl_u256;
typedef idl_u256 idl_i256;
"""

_PRIM_C = {
    Prim.BOOL: "uint8_t", Prim.U8: "uint8_t", Prim.I8: "int8_t", Prim.U16: "uint16_t", Prim.I16: "int16_t",
    Prim.U32: "uint32_t", Prim.I32: "int32_t", Prim.U64: "uint64_t", Prim.I64: "int64_t",
    Prim.U128: "idl_u128", Prim.I128: "idl_i128", Prim.U256: "idl_u256", Prim.I256: "idl_i256",
    Prim.F32: "float", Prim.F64: "double",
}


class CEmitter:
    def __init__(self, program: Program) -> None:
        self.program = program
        self.c_names: dict[str, str] = {}
        self.decls: list[str] = []
        self._coptions: dict[str, str] = {}

    def zero_copy_types(self) -> list[TypeDef]:
        return [t for t in self.program.types if t.c_layout is not None]

    def emit_all(self) -> str:
        for td in self.zero_copy_types():
            self.emit(td.name)
        return PRELUDE + "\n".join(self.decls) + "\n"

    def emit(self, name: str) -> str:
        """C type name of TypeDef `name`, declaring it (and its dependencies) first."""
        if name in self.c_names:
            return self.c_names[name]
        td = self.program.type(name)
        cname = f"T{len(self.c_names)}"
        self.c_names[name] = cname
        if isinstance(td.body, EnumBody):
            self.decls.append(f"typedef uint8_t {cname}; /* {td.name} */")
            return cname
        body: StructBody = td.body
        members = []
        for i, f in enumerate(body.fields):
            members.append("    " + self.declarator(f.type, f"f{i}") + ";")
        attrs = []
        if td.repr and td.repr.packed:
            attrs.append("packed")
        if td.repr and td.repr.align:
            attrs.append(f"aligned({td.repr.align})")
        attr = f" __attribute__(({', '.join(attrs)}))" if attrs else ""
        if not members:
            members.append("    char _empty[0];")  # a Rust unit struct has size 0, a GNU empty struct too
        self.decls.append(f"/* {td.name} */\ntypedef struct{attr} {{\n" + "\n".join(members) + f"\n}} {cname};")
        return cname

    def declarator(self, t: TypeRef, var: str) -> str:
        dims = ""
        while isinstance(t, ArrayType):
            dims += f"[{t.length}]"
            t = t.inner
        return f"{self.ctype(t)} {var}{dims}"

    def ctype(self, t: TypeRef) -> str:
        match t:
            case PrimType(prim=Prim.PUBKEY):
                return "struct { uint8_t b[32]; }"
            case PrimType(prim=p):
                return _PRIM_C[p]
            case DefinedType(name=name):
                return self.emit(name)
            case COptionType(inner=inner):
                decl = self.declarator(inner, "v")
                if decl not in self._coptions:
                    cname = f"COpt{len(self._coptions)}"
                    self._coptions[decl] = cname
                    self.decls.append(f"typedef struct {{ uint32_t tag; {decl}; }} {cname};")
                return self._coptions[decl]
            case ArrayType():
                raise AssertionError("arrays are handled by declarator()")
        raise TypeError(f"no C equivalent for {t!r}")

    # --- probes --------------------------------------------------------------------------------
    def layout_probe(self) -> str:
        """A main() printing `name size align off0,off1,...` for every zero-copy type."""
        lines = ["int main(void) {"]
        for td in self.zero_copy_types():
            c = self.emit(td.name)
            offs = []
            if isinstance(td.body, StructBody):
                offs = [f'(int)offsetof({c}, f{i})' for i in range(len(td.body.fields))]
            fmt = " ".join(["%d"] * len(offs))
            args = "".join(", " + o for o in offs)
            lines.append(f'    printf("{c} %d %d {fmt}\\n", (int)sizeof({c}), (int)_Alignof({c}){args});')
        lines.append("    return 0;\n}")
        return "\n".join(lines)

    # --- memory images of values ---------------------------------------------------------------
    def leaf_writes(self, name: str, value: Any) -> list[tuple[str, bytes]]:
        """(member designator, little-endian bytes) for every leaf of canonical `value` of TypeDef
        `name` (a COption's tag included, its value only when Some). The leaf bytes are the plain
        machine representation (LE integers, IEEE floats, raw pubkey); where each leaf lands is left
        to the C compiler (`offsetof` of the designator)."""
        out: list[tuple[str, bytes]] = []
        self._fill_def(name, value, "", out)
        return [(path.lstrip("."), raw) for path, raw in out]

    def _fill_def(self, name: str, v: Any, lv: str, out: list[tuple[str, bytes]]) -> None:
        td = self.program.type(name)
        if isinstance(td.body, EnumBody):
            idx = next(i for i, var in enumerate(td.body.variants) if var.name == v)
            out.append((lv, bytes([idx])))
            return
        body = td.body
        for i, f in enumerate(body.fields):
            fv = v[i] if body.kind is StructKind.TUPLE else v[f.name]
            self._fill(f.type, fv, f"{lv}.f{i}", out)

    def _fill(self, t: TypeRef, v: Any, lv: str, out: list[tuple[str, bytes]]) -> None:
        match t:
            case PrimType(prim=p):
                out.append((lv, _leaf_bytes(p, v)))
            case ArrayType(inner=inner):
                for i, x in enumerate(v):
                    self._fill(inner, x, f"{lv}[{i}]", out)
            case DefinedType(name=name):
                self._fill_def(name, v, lv, out)
            case COptionType(inner=inner):
                out.append((f"{lv}.tag", (0 if v is None else 1).to_bytes(4, "little")))
                if v is not None:
                    self._fill(inner, v, f"{lv}.v", out)
            case _:
                raise TypeError(f"no zero-copy value for {t!r}")


def _leaf_bytes(p: Prim, v: Any) -> bytes:
    from tests.support.values import b58decode

    if p is Prim.PUBKEY:
        raw = b58decode(v)
        assert len(raw) == 32
        return raw
    if p is Prim.BOOL:
        return bytes([1 if v else 0])
    if p is Prim.F32:
        return struct.pack("<f", v)
    if p is Prim.F64:
        assert not math.isnan(v)
        return struct.pack("<d", v)
    n = p.bits // 8
    return (v % (1 << p.bits)).to_bytes(n, "little")


def _c_bytes(raw: bytes) -> str:
    return "".join(f"\\x{b:02x}" for b in raw)


def image_source(em: CEmitter, values: list[tuple[str, Any]]) -> str:
    """A C program printing two hex lines per (type name, canonical value): the memory image of the value
    in an object first filled with 0x00 (padding zero, as in a freshly created zero-copy account), then
    in one first filled with 0xAA (padding - and a None COption's value bytes - left dirty, which the
    program on chain never reads). Each value is a static table of (offsetof(designator), bytes) writes,
    cheap for gcc to compile; an all-zero leaf is stored as a length only."""
    parts = [em.emit_all(), "struct w { size_t off; size_t n; const char *b; };",
             "static void dump(const void *p, size_t n) {\n    const unsigned char *b = p;\n"
             "    for (size_t i = 0; i < n; i++) printf(\"%02x\", b[i]);\n    printf(\"\\n\");\n}",
             "static void apply(void *s, size_t size, int fill, const struct w *w, size_t n) {\n"
             "    memset(s, fill, size);\n"
             "    for (size_t i = 0; i < n; i++) {\n"
             "        if (w[i].b) memcpy((char *)s + w[i].off, w[i].b, w[i].n);\n"
             "        else memset((char *)s + w[i].off, 0, w[i].n);\n"
             "    }\n    dump(s, size);\n}"]
    calls = []
    for i, (name, value) in enumerate(values):
        c = em.emit(name)
        rows = []
        for path, raw in em.leaf_writes(name, value):
            off = f"offsetof({c}, {path})" if path else "0"
            data = f'"{_c_bytes(raw)}"' if any(raw) else "0"
            rows.append(f"    {{{off}, {len(raw)}, {data}}},")
        rows.append("    {0, 0, \"\"},")  # keeps the table non-empty
        parts.append(f"static const struct w W{i}[] = {{\n" + "\n".join(rows) + "\n};")
        parts.append(f"static {c} O{i};")
        n = f"sizeof W{i} / sizeof W{i}[0]"
        calls.append(f"    apply(&O{i}, sizeof O{i}, 0x00, W{i}, {n}); apply(&O{i}, sizeof O{i}, 0xAA, W{i}, {n});")
    return "\n\n".join(parts) + "\n\nint main(void) {\n" + "\n".join(calls) + "\n    return 0;\n}\n"


