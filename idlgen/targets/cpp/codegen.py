"""The C++ "manifest": for every IR type reference, its C++ type and the statements that encode,
decode and size it. This is the one place that composes C++ type expressions and codec code.

Two codec shapes are generated:
  * fixed-size values (Borsh size known from the type alone) are written / read at a raw pointer
    after ONE bounds check for the whole run of fixed-size fields (`store` / `load`), which keeps the
    hot path straight-line;
  * everything else goes through the Writer / Reader (`encode` / `decode`), one check per piece.
Zero-copy (bytemuck) types whose repr(C) memory image differs from their packed Borsh bytes (padding)
also get `store_mem` / `load_mem`, used for zero-copy account data, which is the memory image.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import assert_never

from idlgen.ir.layout import LayoutError, borsh_size, mem_size_align
from idlgen.ir.model import (
    ArrayType,
    CLayout,
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
    TypeDef,
    TypeRef,
    VecType,
)
from idlgen.targets.cpp import names

RT = "::idlgen_borsh"
ERRC = f"{RT}::Errc"
FAULT = f"{RT}::Fault"

_PRIM_TYPES = {
    Prim.BOOL: "bool",
    Prim.U8: "std::uint8_t",
    Prim.I8: "std::int8_t",
    Prim.U16: "std::uint16_t",
    Prim.I16: "std::int16_t",
    Prim.U32: "std::uint32_t",
    Prim.I32: "std::int32_t",
    Prim.U64: "std::uint64_t",
    Prim.I64: "std::int64_t",
    Prim.U128: f"{RT}::U128",
    Prim.I128: f"{RT}::I128",
    Prim.U256: f"{RT}::U256",
    Prim.I256: f"{RT}::I256",
    Prim.F32: "float",
    Prim.F64: "double",
    Prim.STRING: "std::string",
    Prim.BYTES: "std::vector<std::uint8_t>",
    Prim.PUBKEY: f"{RT}::Pubkey",
}

# fail(code, offset_expr) -> one C++ statement that reports the failure and leaves the function.
Fail = Callable[[str, str], str]


@dataclass(frozen=True, slots=True)
class Off:
    """A byte offset expression: a constant plus symbolic terms (`i0 * 102`)."""

    const: int = 0
    terms: tuple[str, ...] = ()

    def __add__(self, other: Off | int) -> Off:
        if isinstance(other, int):
            return Off(self.const + other, self.terms)
        return Off(self.const + other.const, self.terms + other.terms)

    def term(self, t: str) -> Off:
        return Off(self.const, (*self.terms, t))

    def render(self) -> str:
        parts = list(self.terms)
        if self.const or not parts:
            parts.append(str(self.const))
        return " + ".join(parts)


def ptr(base: str, off: Off) -> str:
    o = off.render()
    return base if o == "0" else f"{base} + {o}"


def indent(lines: Sequence[str], n: int = 1) -> list[str]:
    pad = "    " * n
    return [pad + ln if ln else ln for ln in lines]


class Codegen:
    def __init__(self, program: Program, ns: str) -> None:
        self.program = program
        self.ns = ns  # fully qualified, "::godark::settlement"
        self.type_names = unique({t.name: names.type_name(t.ident) for t in program.types})
        self._min: dict[str, int] = {}
        self._fault_load: dict[str, bool] = {}
        self._fault_store: dict[str, bool] = {}
        self._mem: dict[str, bool] = {}
        self._max: dict[str, int | None] = {}

    # ----------------------------------------------------------------------------------- types

    def tname(self, name: str, qualified: bool = True) -> str:
        n = self.type_names[name]
        return f"{self.ns}::{n}" if qualified else n

    def ctype(self, t: TypeRef, qualified: bool = True) -> str:
        match t:
            case PrimType(prim=p):
                return _PRIM_TYPES[p]
            case VecType(inner=inner):
                return f"std::vector<{self.ctype(inner, qualified)}>"
            case OptionType(inner=inner):
                return f"std::optional<{self.ctype(inner, qualified)}>"
            case COptionType(inner=inner):
                return f"{RT}::COption<{self.ctype(inner, qualified)}>"
            case ArrayType(inner=inner, length=n):
                return f"std::array<{self.ctype(inner, qualified)}, {n}>"
            case DefinedType(name=name):
                return self.tname(name, qualified)
        assert_never(t)

    def typedef(self, name: str) -> TypeDef:
        return self.program.type(name)

    def is_unit_enum(self, t: TypeRef) -> bool:
        return isinstance(t, DefinedType) and isinstance(self.typedef(t.name).body, EnumBody) \
            and self.typedef(t.name).body.is_unit_only  # type: ignore[union-attr]

    # ----------------------------------------------------------------------------------- facts

    def fixed(self, t: TypeRef) -> int | None:
        return borsh_size(t, lambda n: self.typedef(n).borsh_size)

    def min_size(self, t: TypeRef) -> int:
        """Fewest bytes any value of `t` encodes to (bounds length prefixes before allocating)."""
        match t:
            case PrimType(prim=p):
                return p.size if p.size is not None else 4
            case VecType():
                return 4
            case OptionType():
                return 1
            case COptionType(inner=inner):
                return 4 + (self.fixed(inner) or 0)
            case ArrayType(inner=inner, length=n):
                return n * self.min_size(inner)
            case DefinedType(name=name):
                if name not in self._min:
                    self._min[name] = 1  # recursion guard: a type reached again costs at least nothing new
                    body = self.typedef(name).body
                    if isinstance(body, StructBody):
                        v = sum(self.min_size(f.type) for f in body.fields)
                    else:
                        v = 1 + min((sum(self.min_size(f.type) for f in var.fields)
                                     for var in body.variants), default=0)
                    self._min[name] = v
                return self._min[name]
        assert_never(t)

    def max_size(self, t: TypeRef) -> int | None:
        """Most bytes any value of `t` encodes to; None when unbounded (vectors, strings)."""
        match t:
            case PrimType(prim=p):
                return p.size
            case VecType():
                return None
            case OptionType(inner=inner):
                m = self.max_size(inner)
                return None if m is None else 1 + m
            case COptionType(inner=inner):
                m = self.max_size(inner)
                return None if m is None else 4 + m
            case ArrayType(inner=inner, length=n):
                m = self.max_size(inner)
                return None if m is None else n * m
            case DefinedType(name=name):
                if name not in self._max:
                    self._max[name] = None  # recursion can only go through vectors: unbounded
                    body = self.typedef(name).body
                    total: int | None
                    if isinstance(body, StructBody):
                        sizes = [self.max_size(f.type) for f in body.fields]
                        total = None if None in sizes else sum(x or 0 for x in sizes)
                    else:
                        per = [[self.max_size(f.type) for f in v.fields] for v in body.variants]
                        total = None if any(None in v for v in per) else \
                            1 + max((sum(x or 0 for x in v) for v in per), default=0)
                    self._max[name] = total
                return self._max[name]
        assert_never(t)

    def put(self, t: TypeRef, val: str, d: int) -> list[str]:
        """Statements writing a bounded `val` at cursor `q`, which has room for max_size(t) bytes,
        and advancing it; `return nullptr;` on a value Borsh cannot encode (NaN)."""
        n = self.fixed(t)
        if n is not None:
            def fail(code: str, off: str) -> str:
                return "return nullptr;"
            return [*self.store(t, "q", Off(), val, fail, d=d + 1), f"q += {n};"]
        match t:
            case OptionType(inner=inner):
                return [f"*q++ = {val}.has_value() ? 1 : 0;", f"if ({val}.has_value()) {{",
                        *indent(self.put(inner, f"(*{val})", d + 1)), "}"]
            case ArrayType(inner=inner):
                e = f"e{d}"
                return [f"for (const auto& {e} : {val}) {{", *indent(self.put(inner, e, d + 1)), "}"]
            case DefinedType():
                return [f"q = {self.ns}::put(q, {val});", "if (q == nullptr) return nullptr;"]
            case _:
                raise AssertionError("unbounded or fixed-size type")

    def put_fields(self, fields: Sequence[Field], member: Callable[[Field], str]) -> list[str]:
        lines: list[str] = []
        for run in self.runs(fields):
            if self.fixed(run[0].type) is None:
                lines += self.put(run[0].type, member(run[0]), 0)
                continue

            def fail(code: str, off: str) -> str:
                return "return nullptr;"

            off = 0
            for f in run:
                lines += self.store_field(f, "q", Off(off), member(f), fail, packed=None)
                off += self.fixed(f.type) or 0
            lines.append(f"q += {off};")
        return lines

    def _any(self, t: TypeRef, memo: dict[str, bool], prim: Callable[[Prim], bool], tagged: bool) -> bool:
        match t:
            case PrimType(prim=p):
                return prim(p)
            case VecType(inner=inner) | ArrayType(inner=inner):
                return self._any(inner, memo, prim, tagged)
            case OptionType(inner=inner) | COptionType(inner=inner):
                return tagged or self._any(inner, memo, prim, tagged)
            case DefinedType(name=name):
                if name not in memo:
                    memo[name] = False
                    body = self.typedef(name).body
                    if isinstance(body, EnumBody):
                        memo[name] = tagged or any(self._any(f.type, memo, prim, tagged)
                                                   for v in body.variants for f in v.fields)
                    else:
                        memo[name] = any(self._any(f.type, memo, prim, tagged) for f in body.fields)
                return memo[name]
        assert_never(t)

    def load_can_fail(self, t: TypeRef) -> bool:
        """Whether reading a fixed-size value can meet a byte pattern Rust's borsh rejects."""
        return self._any(t, self._fault_load, lambda p: p in (Prim.BOOL, Prim.F32, Prim.F64), True)

    def store_can_fail(self, t: TypeRef) -> bool:
        """Only NaN floats (and an impossible valueless variant) make a fixed-size store fail."""
        return self._any(t, self._fault_store, lambda p: p.is_float, False) or self._has_data_enum(t)

    def _has_data_enum(self, t: TypeRef) -> bool:
        match t:
            case DefinedType(name=name):
                body = self.typedef(name).body
                if isinstance(body, EnumBody):
                    return not body.is_unit_only
                return any(self._has_data_enum(f.type) for f in body.fields)
            case ArrayType(inner=inner) | COptionType(inner=inner):
                return self._has_data_enum(inner)
            case _:
                return False

    def needs_mem(self, name: str) -> bool:
        """A zero-copy type whose repr(C) memory image is not its packed Borsh bytes."""
        if name in self._mem:
            return self._mem[name]
        self._mem[name] = False
        td = self.typedef(name)
        lay = td.c_layout
        result = False
        if lay is not None and isinstance(td.body, StructBody):
            if td.borsh_size != lay.size:
                result = True
            else:
                pos = 0
                for f, off in zip(td.body.fields, lay.offsets, strict=True):
                    if off != pos or self._ref_needs_mem(f.type):
                        result = True
                        break
                    pos += self.fixed(f.type) or 0
        self._mem[name] = result
        return result

    def _ref_needs_mem(self, t: TypeRef) -> bool:
        match t:
            case DefinedType(name=name):
                return self.needs_mem(name)
            case ArrayType(inner=inner):
                return self._ref_needs_mem(inner)
            case COptionType(inner=inner):
                return self._ref_needs_mem(inner) or self._mem_size_align(inner)[1] > 4
            case _:
                return False

    def _mem_size_align(self, t: TypeRef) -> tuple[int, int]:
        def lay(n: str) -> CLayout:
            c = self.typedef(n).c_layout
            if c is None:
                raise LayoutError(f"{n} has no repr(C) layout")
            return c
        return mem_size_align(t, lay)

    def mem_size(self, t: TypeRef, mem: bool) -> int:
        if mem:
            return self._mem_size_align(t)[0]
        n = self.fixed(t)
        assert n is not None
        return n

    # ---------------------------------------------------- fixed-size: store at / load from a pointer

    def store(self, t: TypeRef, base: str, off: Off, val: str, fail: Fail, *, d: int, mem: bool = False) -> list[str]:
        p = ptr(base, off)
        match t:
            case PrimType(prim=prim):
                if prim.is_float:
                    return [f"if (!{RT}::st_{prim.value}({p}, {val})) {fail(f'{ERRC}::nan_float', off.render())}"]
                return [f"{RT}::st_{prim.value}({p}, {val});"]
            case ArrayType(inner=inner, length=n):
                if inner == PrimType(Prim.U8):
                    return [f"std::memcpy({p}, {val}.data(), {n});"] if n else []
                size = self.mem_size(inner, mem)
                i = f"i{d}"
                body = self.store(inner, base, off.term(f"{i} * {size}"), f"{val}[{i}]", fail, d=d + 1, mem=mem)
                return [f"for (std::size_t {i} = 0; {i} < {n}; ++{i}) {{", *indent(body), "}"]
            case COptionType(inner=inner):
                size = self.mem_size(inner, mem)
                at = 4 if not mem else _round(4, self._mem_size_align(inner)[1])
                lines = [f"{RT}::st_u32({p}, {val}.tag != 0 ? 1u : 0u);"]
                if mem:
                    lines.append(f"std::memset({ptr(base, off + 4)}, 0, {at - 4 + size});" if at > 4 else "")
                some = self.store(inner, base, off + at, f"{val}.value", fail, d=d + 1, mem=mem)
                lines += [f"if ({val}.tag != 0) {{", *indent(some), "} else {",
                          f"    std::memset({ptr(base, off + at)}, 0, {size});", "}"]
                return [ln for ln in lines if ln]
            case DefinedType(name=name):
                if self.is_unit_enum(t):
                    return [f"{RT}::st_u8({p}, static_cast<std::uint8_t>({val}));"]
                fn = "store_mem" if mem and self.needs_mem(name) else "store"
                if not self.store_can_fail(t):
                    return [f"{self.ns}::{fn}({p}, {val});"]
                f = f"f{d}"
                return [f"if (const {FAULT} {f} = {self.ns}::{fn}({p}, {val}); {f}.code != {ERRC}::ok) "
                        f"{fail(f'{f}.code', (off.term(f'{f}.at')).render())}"]
            case VecType() | OptionType():
                raise AssertionError("not fixed-size")
        assert_never(t)

    def load(self, t: TypeRef, base: str, off: Off, lval: str, fail: Fail, *, d: int, mem: bool = False) -> list[str]:
        p = ptr(base, off)
        match t:
            case PrimType(prim=prim):
                if prim is Prim.BOOL:
                    b = f"b{d}"
                    return [f"{{ bool {b} = false; if (!{RT}::ld_bool({p}, {b})) "
                            f"{fail(f'{ERRC}::invalid_bool', off.render())} {lval} = {b}; }}"]
                if prim.is_float:
                    b = f"x{d}"
                    return [f"{{ {_PRIM_TYPES[prim]} {b} = 0; if (!{RT}::ld_{prim.value}({p}, {b})) "
                            f"{fail(f'{ERRC}::nan_float', off.render())} {lval} = {b}; }}"]
                if prim is Prim.PUBKEY:
                    return [f"std::memcpy({lval}.bytes.data(), {p}, 32);"]
                return [f"{lval} = {RT}::ld_{prim.value}({p});"]
            case ArrayType(inner=inner, length=n):
                if inner == PrimType(Prim.U8):
                    return [f"std::memcpy({lval}.data(), {p}, {n});"] if n else []
                size = self.mem_size(inner, mem)
                i = f"i{d}"
                body = self.load(inner, base, off.term(f"{i} * {size}"), f"{lval}[{i}]", fail, d=d + 1, mem=mem)
                return [f"for (std::size_t {i} = 0; {i} < {n}; ++{i}) {{", *indent(body), "}"]
            case COptionType(inner=inner):
                at = 4 if not mem else _round(4, self._mem_size_align(inner)[1])
                tag = f"t{d}"
                some = self.load(inner, base, off + at, f"{lval}.value", fail, d=d + 1, mem=mem)
                return [f"{{ const std::uint32_t {tag} = {RT}::ld_u32({p});",
                        f"  if ({tag} > 1) {fail(f'{ERRC}::invalid_coption_tag', off.render())}",
                        f"  {lval}.tag = {tag};",
                        f"  if ({tag} != 0) {{", *indent(some, 2), "  } else {",
                        f"    {lval}.value = {{}};", "  }", "}"]
            case DefinedType(name=name):
                td = self.typedef(name)
                if self.is_unit_enum(t):
                    n = len(td.body.variants)  # type: ignore[union-attr]
                    tag = f"t{d}"
                    return [f"{{ const std::uint8_t {tag} = {RT}::ld_u8({p}); if ({tag} >= {n}) "
                            f"{fail(f'{ERRC}::invalid_enum_tag', off.render())} "
                            f"{lval} = static_cast<{self.tname(name)}>({tag}); }}"]
                fn = "load_mem" if mem and self.needs_mem(name) else "load"
                if not self.load_can_fail(t):
                    return [f"{self.ns}::{fn}({p}, {lval});"]
                f = f"f{d}"
                return [f"if (const {FAULT} {f} = {self.ns}::{fn}({p}, {lval}); {f}.code != {ERRC}::ok) "
                        f"{fail(f'{f}.code', off.term(f'{f}.at').render())}"]
            case VecType() | OptionType():
                raise AssertionError("not fixed-size")
        assert_never(t)

    # ------------------------------------------------------- variable-size: through Writer / Reader

    def enc(self, t: TypeRef, val: str, d: int) -> list[str]:
        """Statements writing `val` to Writer `w`; they `return;` when the writer fails."""
        n = self.fixed(t)
        if n is not None:
            s, p = f"s{d}", f"p{d}"

            def fail(code: str, off: str) -> str:
                return f"{{ w.fail({code}, {s} + {off}); return; }}"

            return ["{", f"    const std::size_t {s} = w.size();", f"    std::uint8_t* {p} = w.claim({n});",
                    f"    if ({p} == nullptr) return;", *indent(self.store(t, p, Off(), val, fail, d=d + 1)),
                    f"    (void){s};", "}"]
        match t:
            case PrimType(prim=Prim.STRING):
                return [f"{RT}::put_string(w, {val});"]
            case PrimType(prim=Prim.BYTES) | VecType(inner=PrimType(prim=Prim.U8)):
                return [f"{RT}::put_bytes(w, {val}.data(), {val}.size());"]
            case VecType(inner=inner):
                m = self.fixed(inner)
                e = f"e{d}"
                if m is not None:
                    s, p, i = f"s{d}", f"p{d}", f"i{d}"

                    def vfail(code: str, off: str) -> str:
                        return f"{{ w.fail({code}, {s} + {off}); return; }}"

                    body = self.store(inner, p, Off().term(f"{i} * {m}"), f"{val}[{i}]", vfail, d=d + 1)
                    return ["{", f"    {RT}::put_length(w, {val}.size());",
                            f"    const std::size_t {s} = w.size();",
                            f"    std::uint8_t* {p} = w.claim({val}.size() * {m});",
                            f"    if ({p} == nullptr) return;",
                            f"    for (std::size_t {i} = 0; {i} < {val}.size(); ++{i}) {{",
                            *indent(body, 2), "    }", f"    (void){s};", "}"]
                mx = self.max_size(inner)
                if mx is not None and isinstance(inner, DefinedType):
                    q, done = f"q{d}", f"done{d}"
                    return ["{", f"    {RT}::put_length(w, {val}.size());", f"    bool {done} = false;",
                            f"    if ({val}.size() <= SIZE_MAX / {mx}) {{",
                            "        // Room for the largest possible elements: write them all unchecked.",
                            f"        if (std::uint8_t* {q} = w.window({val}.size() * {mx})) {{",
                            f"            for (const auto& {e} : {val}) {{",
                            f"                {q} = {self.ns}::put({q}, {e});",
                            f"                if ({q} == nullptr) break;", "            }",
                            f"            if ({q} != nullptr) {{", f"                w.commit({q});",
                            f"                {done} = true;", "            }", "        }", "    }",
                            f"    if (!{done}) {{",
                            f"        for (const auto& {e} : {val}) {{", *indent(self.enc(inner, e, d + 1), 3),
                            "        }", "    }", "}"]
                return [f"{RT}::put_length(w, {val}.size());",
                        f"for (const auto& {e} : {val}) {{", *indent(self.enc(inner, e, d + 1)), "}"]
            case OptionType(inner=inner):
                p = f"p{d}"
                return ["{", f"    std::uint8_t* {p} = w.claim(1);", f"    if ({p} == nullptr) return;",
                        f"    *{p} = {val}.has_value() ? 1 : 0;",
                        f"    if ({val}.has_value()) {{", *indent(self.enc(inner, f"(*{val})", d + 1), 2),
                        "    }", "}"]
            case ArrayType(inner=inner):
                e = f"e{d}"
                return [f"for (const auto& {e} : {val}) {{", *indent(self.enc(inner, e, d + 1)), "}"]
            case COptionType(inner=inner):
                p = f"p{d}"
                return ["{", f"    std::uint8_t* {p} = w.claim(4);", f"    if ({p} == nullptr) return;",
                        f"    {RT}::st_u32({p}, {val}.tag != 0 ? 1u : 0u);",
                        f"    if ({val}.tag != 0) {{", *indent(self.enc(inner, f"{val}.value", d + 1), 2),
                        "    }", "}"]
            case DefinedType():
                return [f"{self.ns}::encode(w, {val});", "if (!w.ok()) return;"]
            case PrimType():
                raise AssertionError("fixed-size primitive")
        assert_never(t)

    def dec(self, t: TypeRef, lval: str, d: int) -> list[str]:
        """Statements reading `lval` from Reader `r`; they `return false;` on failure."""
        n = self.fixed(t)
        if n is not None:
            s, p = f"s{d}", f"p{d}"

            def fail(code: str, off: str) -> str:
                return f"return r.fail({code}, {s} + {off});"

            return ["{", f"    const std::size_t {s} = r.pos();", f"    const std::uint8_t* {p} = r.take({n});",
                    f"    if ({p} == nullptr) return false;", *indent(self.load(t, p, Off(), lval, fail, d=d + 1)),
                    f"    (void){s};", "}"]
        match t:
            case PrimType(prim=Prim.STRING):
                return [f"if (!{RT}::get_string(r, {lval})) return false;"]
            case PrimType(prim=Prim.BYTES) | VecType(inner=PrimType(prim=Prim.U8)):
                return [f"if (!{RT}::get_bytes(r, {lval})) return false;"]
            case VecType(inner=inner):
                m = self.fixed(inner)
                c, i = f"n{d}", f"i{d}"
                if m is not None:
                    s, p = f"s{d}", f"p{d}"

                    def vfail(code: str, off: str) -> str:
                        return f"return r.fail({code}, {s} + {off});"

                    # Index through a local pointer: stores into the elements cannot then alias the
                    # vector's own bookkeeping (std::vector<bool> has no data()).
                    hoist = inner != PrimType(Prim.BOOL)
                    o = f"o{d}"
                    body = self.load(inner, p, Off().term(f"{i} * {m}"), f"{o if hoist else lval}[{i}]", vfail,
                                     d=d + 1)
                    return ["{", f"    std::uint32_t {c} = 0;", f"    if (!r.length({c}, {m})) return false;",
                            f"    {lval}.resize({c});",
                            *([f"    auto* {o} = {lval}.data();"] if hoist else []),
                            f"    const std::size_t {s} = r.pos();",
                            f"    const std::uint8_t* {p} = r.take(std::size_t{{{c}}} * {m});",
                            f"    if ({p} == nullptr) return false;",
                            f"    for (std::size_t {i} = 0; {i} < {c}; ++{i}) {{", *indent(body, 2), "    }",
                            f"    (void){s};", "}"]
                return ["{", f"    std::uint32_t {c} = 0;",
                        f"    if (!r.length({c}, {self.min_size(inner)})) return false;",
                        f"    {lval}.resize({c});",
                        f"    for (std::size_t {i} = 0; {i} < {c}; ++{i}) {{",
                        *indent(self.dec(inner, f"{lval}[{i}]", d + 1), 2), "    }", "}"]
            case OptionType(inner=inner):
                s, p = f"s{d}", f"p{d}"
                return ["{", f"    const std::size_t {s} = r.pos();", f"    const std::uint8_t* {p} = r.take(1);",
                        f"    if ({p} == nullptr) return false;",
                        f"    if (*{p} == 0) {{", f"        {lval}.reset();", f"    }} else if (*{p} == 1) {{",
                        f"        if (!{lval}.has_value()) {lval}.emplace();",
                        *indent(self.dec(inner, f"(*{lval})", d + 1), 2), "    } else {",
                        f"        return r.fail({ERRC}::invalid_option_tag, {s}, *{p});", "    }", "}"]
            case ArrayType(inner=inner):
                e = f"e{d}"
                return [f"for (auto& {e} : {lval}) {{", *indent(self.dec(inner, e, d + 1)), "}"]
            case COptionType(inner=inner):
                s, p = f"s{d}", f"p{d}"
                return ["{", f"    const std::size_t {s} = r.pos();", f"    const std::uint8_t* {p} = r.take(4);",
                        f"    if ({p} == nullptr) return false;",
                        f"    const std::uint32_t t{d} = {RT}::ld_u32({p});",
                        f"    if (t{d} > 1) return r.fail({ERRC}::invalid_coption_tag, {s}, t{d});",
                        f"    {lval}.tag = t{d};",
                        f"    if (t{d} != 0) {{", *indent(self.dec(inner, f"{lval}.value", d + 1), 2), "    }",
                        "}"]
            case DefinedType():
                return [f"if (!{self.ns}::decode(r, {lval})) return false;"]
            case PrimType():
                raise AssertionError("fixed-size primitive")
        assert_never(t)

    def size(self, t: TypeRef, val: str, d: int) -> list[str]:
        """Statements adding the encoded size of `val` to `n`."""
        k = self.fixed(t)
        if k is not None:
            return [f"n += {k};"]
        match t:
            case PrimType(prim=Prim.STRING) | PrimType(prim=Prim.BYTES):
                return [f"n += 4 + {val}.size();"]
            case VecType(inner=inner):
                m = self.fixed(inner)
                if m is not None:
                    return [f"n += 4 + {val}.size() * {m};"]
                e = f"e{d}"
                return ["n += 4;", f"for (const auto& {e} : {val}) {{", *indent(self.size(inner, e, d + 1)), "}"]
            case OptionType(inner=inner):
                return ["n += 1;", f"if ({val}.has_value()) {{",
                        *indent(self.size(inner, f"(*{val})", d + 1)), "}"]
            case ArrayType(inner=inner):
                e = f"e{d}"
                return [f"for (const auto& {e} : {val}) {{", *indent(self.size(inner, e, d + 1)), "}"]
            case COptionType(inner=inner):
                return ["n += 4;", f"if ({val}.tag != 0) {{", *indent(self.size(inner, f"{val}.value", d + 1)), "}"]
            case DefinedType():
                return [f"n += {self.ns}::encoded_size({val});"]
            case PrimType():
                raise AssertionError("fixed-size primitive")
        assert_never(t)

    # --------------------------------------------------------------- field lists (struct bodies)

    def runs(self, fields: Sequence[Field]) -> list[list[Field]]:
        """Consecutive fixed-size fields grouped, so each group costs one bounds check."""
        out: list[list[Field]] = []
        for f in fields:
            fixed = self.fixed(f.type) is not None
            if fixed and out and self.fixed(out[-1][0].type) is not None:
                out[-1].append(f)
            else:
                out.append([f])
        return out

    def enc_fields(self, fields: Sequence[Field], member: Callable[[Field], str], packed: str | None
                   ) -> list[str]:
        lines: list[str] = []
        for run in self.runs(fields):
            if self.fixed(run[0].type) is None:
                lines += self.enc(run[0].type, member(run[0]), 0)
                continue
            total = sum(self.fixed(f.type) or 0 for f in run)

            def fail(code: str, off: str) -> str:
                return f"{{ w.fail({code}, s0 + {off}); return; }}"

            body: list[str] = []
            off = 0
            for f in run:
                body += self.store_field(f, "p0", Off(off), member(f), fail, packed=packed)
                off += self.fixed(f.type) or 0
            lines += ["{", "    const std::size_t s0 = w.size();", f"    std::uint8_t* p0 = w.claim({total});",
                      "    if (p0 == nullptr) return;", *indent(body), "    (void)s0;", "}"]
        return lines

    def dec_fields(self, fields: Sequence[Field], member: Callable[[Field], str], packed: str | None
                   ) -> list[str]:
        lines: list[str] = []
        for run in self.runs(fields):
            if self.fixed(run[0].type) is None:
                lines += self.dec(run[0].type, member(run[0]), 0)
                continue
            total = sum(self.fixed(f.type) or 0 for f in run)

            def fail(code: str, off: str) -> str:
                return f"return r.fail({code}, s0 + {off});"

            body: list[str] = []
            off = 0
            for f in run:
                body += self.load_field(f, "p0", Off(off), member(f), fail, packed=packed)
                off += self.fixed(f.type) or 0
            lines += ["{", "    const std::size_t s0 = r.pos();", f"    const std::uint8_t* p0 = r.take({total});",
                      "    if (p0 == nullptr) return false;", *indent(body), "    (void)s0;", "}"]
        return lines

    def size_fields(self, fields: Sequence[Field], member: Callable[[Field], str]) -> list[str]:
        lines: list[str] = []
        fixed = 0
        for f in fields:
            k = self.fixed(f.type)
            if k is not None:
                fixed += k
            else:
                lines += self.size(f.type, member(f), 0)
        return [f"std::size_t n = {fixed};", *lines]

    def store_field(self, f: Field, base: str, off: Off, val: str, fail: Fail, *, packed: str | None,
                    mem: bool = False) -> list[str]:
        """`packed`: the owning struct's type when it is packed (its members may be misaligned)."""
        if packed and _needs_temp(f.type):
            obj, m = val.split(".", 1)
            ct = self.ctype(f.type)
            return ["{", f"    const {ct} v1 = {RT}::read_unaligned<{ct}>(&{obj}, offsetof({packed}, {m}));",
                    *indent(self.store(f.type, base, off, "v1", fail, d=1, mem=mem)), "}"]
        return self.store(f.type, base, off, val, fail, d=1, mem=mem)

    def load_field(self, f: Field, base: str, off: Off, lval: str, fail: Fail, *, packed: str | None,
                   mem: bool = False) -> list[str]:
        if packed and _needs_temp(f.type):
            obj, m = lval.split(".", 1)
            return ["{", f"    {self.ctype(f.type)} v1{{}};",
                    *indent(self.load(f.type, base, off, "v1", fail, d=1, mem=mem)),
                    f"    {RT}::write_unaligned(&{obj}, offsetof({packed}, {m}), v1);", "}"]
        return self.load(f.type, base, off, lval, fail, d=1, mem=mem)


def _needs_temp(t: TypeRef) -> bool:
    """Members of a packed struct cannot bind to references (they may be misaligned): copy these
    through a local with memcpy. Integers, bools and pubkeys are read and written by value."""
    return not (isinstance(t, PrimType) and ((t.prim.is_int and t.prim.bits <= 64)
                                             or t.prim in (Prim.BOOL, Prim.PUBKEY)))


def _round(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def unique(mapping: dict[str, str]) -> dict[str, str]:
    """Make the values unique (deterministically, in insertion order) by appending _2, _3..."""
    seen: set[str] = set()
    out: dict[str, str] = {}
    for k, v in mapping.items():
        name, i = v, 2
        while name in seen:
            name = f"{v}{'' if v.endswith('_') else '_'}{i}"  # never a double underscore (reserved)
            i += 1
        seen.add(name)
        out[k] = name
    return out


def struct_kind_is_tuple(body: StructBody) -> bool:
    return body.kind is StructKind.TUPLE
