"""Ready-made C++ text blocks for the program header; templates/cpp/program.hpp.jinja places them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from idlgen.base58 import b58decode
from idlgen.ir.model import (
    Account,
    DefinedType,
    EnumBody,
    Event,
    Family,
    Field,
    Instruction,
    OptionType,
    Prim,
    PrimType,
    Program,
    StructBody,
    TypeDef,
    TypeRef,
    VariantKind,
    VecType,
)
from idlgen.targets.cpp import names
from idlgen.targets.cpp.codegen import ERRC, FAULT, RT, Codegen, Off, indent, unique
from idlgen.targets.escape import comment_lines, cpp_string
from idlgen.targets.escape import line_comment as _c


def doc_lines(docs: Sequence[str], pad: str = "") -> list[str]:
    return [f"{pad}/// {line.strip()}".rstrip() for line in comment_lines(docs)]


def byte_list(data: bytes) -> str:
    return ", ".join(f"0x{b:02x}" for b in data)


def std_array(data: bytes) -> str:
    return f"std::array<std::uint8_t, {len(data)}>{{{{{byte_list(data)}}}}}"


@dataclass(frozen=True, slots=True)
class TypeView:
    name: str
    forward: str  # forward declaration
    definition: str  # struct / enum class, with static_asserts for repr(C) layouts
    prototypes: str
    functions: str


class Views:
    def __init__(self, program: Program, namespace: str) -> None:
        self.program = program
        self.ns_parts = names.namespace_parts(namespace) or ["program"]
        self.ns = "::" + "::".join(self.ns_parts)
        self.gen = Codegen(program, self.ns)
        self.used: set[str] = set()
        self._cyclic_names: set[str] | None = None

    # ------------------------------------------------------------------ naming helpers

    def member_names(self, fields: Sequence[Field], owner: str) -> dict[str, str]:
        """Data member names of struct `owner` (a member may not be named like its class)."""
        raw = {}
        for f in fields:
            n = names.field_name(f.snake or f.name)
            raw[f.name] = n + "_" if n == owner else n
        return unique(raw)

    def member(self, fields: Sequence[Field], obj: str, owner: str) -> Callable[[Field], str]:
        m = self.member_names(fields, owner)
        return lambda f: f"{obj}.{m[f.name]}"

    def variant_names(self, td: TypeDef) -> list[str]:
        assert isinstance(td.body, EnumBody)
        own = self.gen.tname(td.name, qualified=False)
        raw: dict[str, str] = {}
        for v in td.body.variants:
            n = names.escape(v.name)
            if n in (own, "value"):
                n += "_"
            raw[v.name] = n
        return list(unique(raw).values())

    def enumerator_names(self, td: TypeDef) -> list[str]:
        assert isinstance(td.body, EnumBody)
        return list(unique({v.name: names.escape(v.name) for v in td.body.variants}).values())

    # ------------------------------------------------------------------ type order

    def ordered_types(self) -> list[TypeDef]:
        """Dependencies first, so by-value members are complete where they are used."""
        order: list[TypeDef] = []
        state: dict[str, int] = {}

        def refs(t: TypeRef) -> list[str]:
            match t:
                case DefinedType(name=n):
                    return [n]
                case PrimType():
                    return []
                case _:
                    return refs(t.inner)

        def visit(td: TypeDef) -> None:
            if state.get(td.name):
                return
            state[td.name] = 1
            fields = td.body.fields if isinstance(td.body, StructBody) else \
                [f for v in td.body.variants for f in v.fields]
            for f in fields:
                for n in refs(f.type):
                    visit(self.program.type(n))
            state[td.name] = 2
            order.append(td)

        for td in self.program.types:
            visit(td)
        return order

    # ------------------------------------------------------------------ types

    def type_view(self, td: TypeDef) -> TypeView:
        name = self.gen.tname(td.name, qualified=False)
        q = self.gen.tname(td.name)
        docs = doc_lines(td.docs)
        if td.name != td.ident:
            docs.append(f"/// IDL type `{_c(td.name)}`.")
        if isinstance(td.body, EnumBody) and td.body.is_unit_only:
            body = [f"    {n} = {i}," for i, n in enumerate(self.enumerator_names(td))]
            definition = [*docs, f"enum class {name} : std::uint8_t {{", *body, "};"]
            return TypeView(td.name, f"enum class {name} : std::uint8_t;", "\n".join(definition),
                            self._prototypes(td), self._unit_enum_functions(td))
        if isinstance(td.body, EnumBody):
            definition = [*docs, f"struct {name} {{"]
            vnames = self.variant_names(td)
            for v, vn in zip(td.body.variants, vnames, strict=True):
                definition += indent(self._plain_struct(vn, v.fields, [], packed=False, qualified=True))
            definition.append(f"    std::variant<{', '.join(vnames)}> value;")
            definition += [f"    friend bool operator==(const {name}& lhs_, const {name}& rhs_) noexcept "
                           "{ return lhs_.value == rhs_.value; }",
                           f"    friend bool operator!=(const {name}& lhs_, const {name}& rhs_) noexcept "
                           "{ return !(lhs_ == rhs_); }", "};"]
            return TypeView(td.name, f"struct {name};", "\n".join(definition), self._prototypes(td),
                            self._enum_functions(td, q))
        packed = bool(td.repr and td.repr.packed and td.c_layout is not None)
        align = td.repr.align if td.repr and td.repr.align and td.c_layout is not None else None
        definition = self._plain_struct(name, td.body.fields, docs, packed=packed, align=align)
        if td.c_layout is not None:
            definition += self._layout_asserts(td, name)
        return TypeView(td.name, f"struct {name};", "\n".join(definition), self._prototypes(td),
                        self._struct_functions(td, q))

    def _plain_struct(self, name: str, fields: Sequence[Field], docs: list[str], *, packed: bool,
                      align: int | None = None, qualified: bool = False) -> list[str]:
        m = self.member_names(fields, name)
        # A member named like a type the struct uses would change that name's meaning: qualify.
        used = {self.gen.tname(n, qualified=False) for f in fields for n in _defined_names(f.type)}
        qualified = qualified or bool(used & set(m.values()))
        lines: list[str] = []
        if packed:
            lines += ["#if defined(__GNUC__) && !defined(__clang__)", "#pragma GCC diagnostic push",
                      '#pragma GCC diagnostic ignored "-Wpacked-not-aligned"', "#endif",
                      "#pragma pack(push, 1)"]
        lines += docs
        lines.append(f"struct {'alignas(' + str(align) + ') ' if align else ''}{name} {{")
        for f in fields:
            lines += doc_lines(f.docs, "    ")
            lines.append(f"    {self.gen.ctype(f.type, qualified=qualified)} {m[f.name]};")
        if fields:
            terms = [self._eq_term(f, m[f.name], name if packed else None) for f in fields]
            cond = "\n            && ".join(terms)
            lines.append(f"    friend bool operator==(const {name}& lhs_, const {name}& rhs_) noexcept {{")
            lines.append(f"        return {cond};")
            lines.append("    }")
        else:
            lines.append(f"    friend bool operator==(const {name}&, const {name}&) noexcept {{ return true; }}")
        lines.append(f"    friend bool operator!=(const {name}& lhs_, const {name}& rhs_) noexcept "
                     "{ return !(lhs_ == rhs_); }")
        lines.append("};")
        if packed:
            lines += ["#pragma pack(pop)", "#if defined(__GNUC__) && !defined(__clang__)",
                      "#pragma GCC diagnostic pop", "#endif"]
        return lines

    def _eq_term(self, f: Field, member: str, packed: str | None) -> str:
        if packed and not (isinstance(f.type, PrimType)
                           and ((f.type.prim.is_int and f.type.prim.bits <= 64) or f.type.prim is Prim.BOOL)):
            t = self.gen.ctype(f.type, qualified=False)
            return (f"{RT}::read_unaligned<{t}>(&lhs_, offsetof({packed}, {member})) == "
                    f"{RT}::read_unaligned<{t}>(&rhs_, offsetof({packed}, {member}))")
        return f"lhs_.{member} == rhs_.{member}"

    def _layout_asserts(self, td: TypeDef, name: str) -> list[str]:
        lay = td.c_layout
        assert lay is not None and isinstance(td.body, StructBody)
        m = self.member_names(td.body.fields, name)
        lines = [f"// repr(C) layout of `{_c(td.name)}`, as Rust lays it out: the engine may memcpy it.",
                 f"static_assert(std::is_standard_layout_v<{name}>, \"{name}: standard layout\");",
                 f"static_assert(std::is_trivially_copyable_v<{name}>, \"{name}: trivially copyable\");",
                 f"static_assert(sizeof({name}) == {lay.size}, \"{name}: size\");" if lay.size else
                 "// Rust's size is 0; a C++ object always has at least one byte (sizeof == 1).",
                 f"static_assert(alignof({name}) == {lay.align}, \"{name}: alignment\");"]
        for f, off in zip(td.body.fields, lay.offsets, strict=True):
            lines.append(f"static_assert(offsetof({name}, {m[f.name]}) == {off}, \"{name}::{m[f.name]}: offset\");")
        return lines

    def _prototypes(self, td: TypeDef) -> str:
        q = self.gen.tname(td.name, qualified=False)
        lines = [f"inline void encode({RT}::Writer& w, const {q}& v) noexcept;",
                 f"inline bool decode({RT}::Reader& r, {q}& v);",
                 f"inline std::size_t encoded_size(const {q}& v) noexcept;"]
        if self._bounded(td):
            lines.append(f"inline std::uint8_t* put(std::uint8_t* q, const {q}& v) noexcept;")
        if td.borsh_size is not None:
            lines += [f"inline {FAULT} store(std::uint8_t* p, const {q}& v) noexcept;",
                      f"inline {FAULT} load(const std::uint8_t* p, {q}& v) noexcept;"]
        if self.gen.needs_mem(td.name):
            lines += [f"inline {FAULT} store_mem(std::uint8_t* p, const {q}& v) noexcept;",
                      f"inline {FAULT} load_mem(const std::uint8_t* p, {q}& v) noexcept;"]
        return "\n".join(lines)

    def _bounded(self, td: TypeDef) -> bool:
        """Variable size, but with a known maximum: gets the unchecked `put` fast path."""
        return td.borsh_size is None and self.gen.max_size(DefinedType(td.name)) is not None

    def _fast_path(self, td: TypeDef) -> list[str]:
        if not self._bounded(td):
            return []
        mx = self.gen.max_size(DefinedType(td.name))
        return [f"    // Fast path: one bounds check for the largest encoding ({mx} bytes), then unchecked writes.",
                f"    if (std::uint8_t* q = w.window({mx})) {{",
                f"        if (std::uint8_t* end = {self.ns}::put(q, v)) {{",
                "            w.commit(end);", "            return;", "        }", "    }"]

    def _fixed_wrappers(self, q: str, size: int, suffix: str = "") -> list[str]:
        """encode / decode of a fixed-size type: one bounds check, then store / load."""
        note = ["// A zero-copy type on its own is its repr(C) memory image (padding zeroed); as a field of",
                "// a Borsh type it is packed Borsh (store / load)."] if suffix else []
        return [
            *note,
            f"inline void encode({RT}::Writer& w, const {q}& v) noexcept {{",
            "    const std::size_t s0 = w.size();",
            f"    std::uint8_t* p0 = w.claim({size});",
            "    if (p0 == nullptr) return;",
            f"    if (const {FAULT} f = store{suffix}(p0, v); f.code != {ERRC}::ok) w.fail(f.code, s0 + f.at);",
            "}",
            f"inline bool decode({RT}::Reader& r, {q}& v) {{",
            "    const std::size_t s0 = r.pos();",
            f"    const std::uint8_t* p0 = r.take({size});",
            "    if (p0 == nullptr) return false;",
            f"    if (const {FAULT} f = load{suffix}(p0, v); f.code != {ERRC}::ok) return r.fail(f.code, s0 + f.at);",
            "    return true;",
            "}",
            f"inline std::size_t encoded_size(const {q}&) noexcept {{ return {size}; }}",
        ]

    def _depth_guard(self, td: TypeDef) -> list[str]:
        """Decoders of types on a cycle count their nesting (Reader::max_depth): hostile input cannot
        recurse until the stack overflows. Acyclic types are bounded by the IDL and skip the count."""
        if td.name not in self._cyclic():
            return []
        return [f"    const {RT}::DepthGuard depth_guard_(r);", "    if (!depth_guard_.ok()) return false;"]

    def _cyclic(self) -> set[str]:
        if self._cyclic_names is None:
            by_name = {t.name: t for t in self.program.types}

            def refs(td: TypeDef) -> set[str]:
                out: set[str] = set()
                fields = td.body.fields if isinstance(td.body, StructBody) else [
                    f for v in td.body.variants for f in v.fields]
                for f in fields:
                    t: TypeRef = f.type
                    while not isinstance(t, PrimType | DefinedType):
                        t = t.inner
                    if isinstance(t, DefinedType):
                        out.add(t.name)
                return out

            graph = {n: refs(t) for n, t in by_name.items()}
            cyclic: set[str] = set()
            for start, direct in graph.items():
                seen: set[str] = set()
                todo = list(direct)
                while todo:
                    n = todo.pop()
                    if n == start:
                        cyclic.add(start)
                        break
                    if n not in seen and n in graph:
                        seen.add(n)
                        todo.extend(graph[n])
            self._cyclic_names = cyclic
        return self._cyclic_names

    def _unit_enum_functions(self, td: TypeDef) -> str:
        q = self.gen.tname(td.name)
        assert isinstance(td.body, EnumBody)
        n = len(td.body.variants)
        lines = [
            f"inline {FAULT} store(std::uint8_t* p, const {q}& v) noexcept {{",
            "    *p = static_cast<std::uint8_t>(v);",
            "    return {};",
            "}",
            f"inline {FAULT} load(const std::uint8_t* p, {q}& v) noexcept {{",
            f"    if (*p >= {n}) return {FAULT}{{{ERRC}::invalid_enum_tag, 0}};",
            f"    v = static_cast<{q}>(*p);",
            "    return {};",
            "}",
            *self._fixed_wrappers(q, 1),
        ]
        return "\n".join(lines)

    def _struct_functions(self, td: TypeDef, q: str) -> str:
        assert isinstance(td.body, StructBody)
        fields = td.body.fields
        packed = bool(td.repr and td.repr.packed and td.c_layout is not None)
        member = self.member(fields, "v", self.gen.tname(td.name, qualified=False))
        lines: list[str] = []
        if td.borsh_size is not None:
            lines += self._store_load(q, fields, member, packed=q if packed else None, mem=False)
            if self.gen.needs_mem(td.name):
                lines += self._store_load(q, fields, member, packed=q if packed else None, mem=True, layout_of=td)
            if td.zero_copy and td.c_layout is not None and self.gen.needs_mem(td.name):
                lines += self._fixed_wrappers(q, td.c_layout.size, "_mem")
            else:
                lines += self._fixed_wrappers(q, td.borsh_size)
        else:
            if self._bounded(td):
                lines += [f"inline std::uint8_t* put(std::uint8_t* q, const {q}& v) noexcept {{",
                          *indent(self.gen.put_fields(fields, member)), "    return q;", "}"]
            lines += [f"inline void encode({RT}::Writer& w, const {q}& v) noexcept {{",
                      *self._fast_path(td),
                      *indent(self.gen.enc_fields(fields, member, q if packed else None)), "}",
                      f"inline bool decode({RT}::Reader& r, {q}& v) {{",
                      *self._depth_guard(td),
                      *indent(self.gen.dec_fields(fields, member, q if packed else None)), "    return true;", "}",
                      f"inline std::size_t encoded_size(const {q}& v) noexcept {{",
                      *indent(self.gen.size_fields(fields, member)), "    (void)v;", "    return n;", "}"]
        return "\n".join(lines)

    def _store_load(self, q: str, fields: Sequence[Field], member: Callable[[Field], str], *, packed: str | None,
                    mem: bool, layout_of: TypeDef | None = None) -> list[str]:
        def fail(code: str, off: str) -> str:
            return f"return {FAULT}{{{code}, {off}}};"

        if mem:
            assert layout_of is not None and layout_of.c_layout is not None
            offsets = list(layout_of.c_layout.offsets)
            size = layout_of.c_layout.size
        else:
            offsets, pos = [], 0
            for f in fields:
                offsets.append(pos)
                pos += self.gen.fixed(f.type) or 0
            size = pos
        st: list[str] = []
        ld: list[str] = []
        if mem:
            st.append(f"std::memset(p, 0, {size});  // padding bytes are zero")
        for f, off in zip(fields, offsets, strict=True):
            st += self.gen.store_field(f, "p", Off(off), member(f), fail, packed=packed, mem=mem)
            ld += self.gen.load_field(f, "p", Off(off), member(f), fail, packed=packed, mem=mem)
        suffix = "_mem" if mem else ""
        unused = [] if fields else ["    (void)p;", "    (void)v;"]
        return [f"inline {FAULT} store{suffix}(std::uint8_t* p, const {q}& v) noexcept {{", *unused,
                *indent(st), "    return {};", "}",
                f"inline {FAULT} load{suffix}(const std::uint8_t* p, {q}& v) noexcept {{", *unused,
                *indent(ld), "    return {};", "}"]

    def _enum_functions(self, td: TypeDef, q: str) -> str:
        assert isinstance(td.body, EnumBody)
        vnames = self.variant_names(td)
        enc_cases: list[str] = []
        dec_cases: list[str] = []
        size_cases: list[str] = []
        for i, v in enumerate(td.body.variants):
            member = self.member(v.fields, "x", vnames[i])
            getc = f"const auto& x = *std::get_if<{i}>(&v.value);"
            if td.borsh_size is None:
                enc_cases += [f"case {i}: {{", f"    {getc}" if v.fields else "",
                              *indent(self.gen.enc_fields(v.fields, member, None)), "    break;", "}"]
                size_cases += [f"case {i}: {{", f"    {getc} (void)x;" if v.fields else "",
                               *indent(self.gen.size_fields(v.fields, member)),
                               "    return 1 + n;", "}"]
            dec_cases += [f"case {i}: {{", f"    if (v.value.index() != {i}) v.value.emplace<{i}>();",
                          f"    auto& x = *std::get_if<{i}>(&v.value);" if v.fields else "",
                          *(indent(self.gen.dec_fields(v.fields, member, None)) if td.borsh_size is None else []),
                          "    return true;" if td.borsh_size is None else "    break;", "}"]
        if td.borsh_size is not None:
            return "\n".join(self._fixed_enum(td, q, vnames))
        lines: list[str] = []
        if self._bounded(td):
            put_cases: list[str] = []
            for i, v in enumerate(td.body.variants):
                member = self.member(v.fields, "x", vnames[i])
                get = [f"    const auto& x = *std::get_if<{i}>(&v.value);"] if v.fields else []
                put_cases += [f"case {i}: {{", *get, *indent(self.gen.put_fields(v.fields, member)),
                              "    return q;", "}"]
            lines += [f"inline std::uint8_t* put(std::uint8_t* q, const {q}& v) noexcept {{",
                      "    *q++ = static_cast<std::uint8_t>(v.value.index());",
                      "    switch (v.value.index()) {", *indent(put_cases, 2),
                      "        default:", "            return nullptr;", "    }", "}"]
        lines += [
            f"inline void encode({RT}::Writer& w, const {q}& v) noexcept {{",
            *self._fast_path(td),
            "    std::uint8_t* tag = w.claim(1);",
            "    if (tag == nullptr) return;",
            "    *tag = static_cast<std::uint8_t>(v.value.index());",
            "    switch (v.value.index()) {",
            *indent([ln for ln in enc_cases if ln], 2),
            "        default:",
            f"            w.fail({ERRC}::invalid_enum_tag, w.size() - 1);",
            "            break;",
            "    }",
            "}",
            f"inline bool decode({RT}::Reader& r, {q}& v) {{",
            *self._depth_guard(td),
            "    const std::size_t at = r.pos();",
            "    const std::uint8_t* tag = r.take(1);",
            "    if (tag == nullptr) return false;",
            "    switch (*tag) {",
            *indent([ln for ln in dec_cases if ln], 2),
            "        default:",
            f"            return r.fail({ERRC}::invalid_enum_tag, at, *tag);",
            "    }",
            "}",
            f"inline std::size_t encoded_size(const {q}& v) noexcept {{",
            "    switch (v.value.index()) {",
            *indent([ln for ln in size_cases if ln], 2),
            "        default:",
            "            return 1;",
            "    }",
            "}",
        ]
        return "\n".join(lines)

    def _fixed_enum(self, td: TypeDef, q: str, vnames: list[str]) -> list[str]:
        """A data enum whose variants all encode to the same size: store / load at a pointer."""
        assert isinstance(td.body, EnumBody) and td.borsh_size is not None

        def fail(code: str, off: str) -> str:
            return f"return {FAULT}{{{code}, {off}}};"

        st: list[str] = []
        ld: list[str] = []
        for i, v in enumerate(td.body.variants):
            member = self.member(v.fields, "x", vnames[i])
            sbody: list[str] = []
            lbody: list[str] = []
            off = 1
            for f in v.fields:
                sbody += self.gen.store_field(f, "p", Off(off), member(f), fail, packed=None)
                lbody += self.gen.load_field(f, "p", Off(off), member(f), fail, packed=None)
                off += self.gen.fixed(f.type) or 0
            get = [f"    const auto& x = *std::get_if<{i}>(&v.value);"] if v.fields else []
            st += [f"case {i}: {{", *get, *indent(sbody), "    return {};", "}"]
            ld += [f"case {i}: {{", f"    if (v.value.index() != {i}) v.value.emplace<{i}>();",
                   *([f"    auto& x = *std::get_if<{i}>(&v.value);"] if v.fields else []),
                   *indent(lbody), "    return {};", "}"]
        return [
            f"inline {FAULT} store(std::uint8_t* p, const {q}& v) noexcept {{",
            "    *p = static_cast<std::uint8_t>(v.value.index());",
            "    switch (v.value.index()) {",
            *indent(st, 2),
            "        default:",
            f"            return {FAULT}{{{ERRC}::invalid_enum_tag, 0}};",
            "    }",
            "}",
            f"inline {FAULT} load(const std::uint8_t* p, {q}& v) noexcept {{",
            "    switch (*p) {",
            *indent(ld, 2),
            "        default:",
            f"            return {FAULT}{{{ERRC}::invalid_enum_tag, 0}};",
            "    }",
            "}",
            *self._fixed_wrappers(q, td.borsh_size),
        ]

    # ------------------------------------------------------------------ accounts / events

    def _body_codec(self, type_name: str, zero_copy_image: bool) -> tuple[str, str, str]:
        """(encode statements, decode expression, size expression) for an account/event body."""
        td = self.program.type(type_name)
        if zero_copy_image and self.gen.needs_mem(type_name):
            assert td.c_layout is not None
            size = td.c_layout.size
            enc = "\n".join([
                "{",
                "    const std::size_t s0 = w.size();",
                f"    std::uint8_t* p0 = w.claim({size});",
                "    if (p0 == nullptr) return;",
                f"    if (const {FAULT} f = {self.ns}::store_mem(p0, v); f.code != {ERRC}::ok) "
                "w.fail(f.code, s0 + f.at);",
                "}",
            ])
            dec = "\n".join([
                "const std::size_t s0 = r.pos();",
                f"const std::uint8_t* p0 = r.take({size});",
                "if (p0 == nullptr) return r.status();",
                f"if (const {FAULT} f = {self.ns}::load_mem(p0, out); f.code != {ERRC}::ok) "
                "r.fail(f.code, s0 + f.at);",
                "else if (strict) r.finish();",
            ])
            return enc, dec, str(size)
        return (f"{self.ns}::encode(w, v);",
                f"if ({self.ns}::decode(r, out) && strict) r.finish();",
                f"{self.ns}::encoded_size(v)")

    def discriminated(self, wrapper: str, disc: bytes, type_name: str, docs: Sequence[str], what: str, *,
                      zero_copy_image: bool) -> str:
        q = self.gen.tname(type_name)
        enc, dec, size = self._body_codec(type_name, zero_copy_image)
        n = len(disc)
        lines = [*doc_lines(docs), f"struct {wrapper} {{", f"    using type = {q};",
                 f"    static constexpr std::array<std::uint8_t, {n}> discriminator{{{{{byte_list(disc)}}}}};"]
        if zero_copy_image:
            lines.append("    // Zero-copy account: the body is the repr(C) memory image of `type`.")
        lines += [
            f"    // {_c(what)}: discriminator, then the body.",
            f"    static void encode({RT}::Writer& w, const type& v) noexcept {{",
        ]
        if n:
            lines += ["        std::uint8_t* d = w.claim(discriminator.size());",
                      "        if (d == nullptr) return;",
                      "        std::memcpy(d, discriminator.data(), discriminator.size());"]
        lines += [*indent(enc.splitlines(), 2), "    }",
                  f"    static std::size_t encoded_size(const type& v) noexcept {{ (void)v; return {n} + {size}; }}",
                  "    static bool matches(const std::uint8_t* data, std::size_t size) noexcept {",
                  (f"        return size >= {n} && std::memcmp(data, discriminator.data(), {n}) == 0;" if n
                   else "        (void)data;\n        (void)size;\n        return true;"),
                  "    }",
                  "    // As the program reads it: bytes after the body are ignored.",
                  f"    static {RT}::Status decode(const std::uint8_t* data, std::size_t size, type& out) {{",
                  "        return read(data, size, out, false);", "    }",
                  "    // Exact: bytes after the body are an error (trailing_bytes).",
                  f"    static {RT}::Status decode_strict(const std::uint8_t* data, std::size_t size, "
                  "type& out) {",
                  "        return read(data, size, out, true);", "    }",
                  f"    static {RT}::Status read(const std::uint8_t* data, std::size_t size, type& out, "
                  "bool strict) {",
                  f"        {RT}::Reader r(data, size);"]
        if n:
            lines += ["        const std::uint8_t* d = r.take(discriminator.size());",
                      "        if (d == nullptr) return r.status();",
                      "        if (std::memcmp(d, discriminator.data(), discriminator.size()) != 0) {",
                      f"            r.fail({ERRC}::discriminator_mismatch, 0);",
                      "            return r.status();", "        }"]
        lines += [*indent(dec.splitlines(), 2), "        return r.status();", "    }", "};"]
        return "\n".join(lines)

    def accounts(self) -> list[str]:
        wrappers = unique({a.name: names.member_type_name(a.name) for a in self.program.accounts})
        out = []
        for a in self.program.accounts:
            zc = self.program.type(a.type).zero_copy
            out.append(self.discriminated(wrappers[a.name], a.discriminator, a.type, a.docs,
                                          "Account data", zero_copy_image=zc))
        return out

    def events(self) -> list[str]:
        wrappers = unique({e.name: names.member_type_name(e.name) for e in self.program.events})
        return [self.discriminated(wrappers[e.name], e.discriminator, e.type, (),
                                   "Event data (what `emit!` logs as `Program data:`)", zero_copy_image=False)
                for e in self.program.events]

    # ------------------------------------------------------------------ instructions

    def instruction_wrappers(self) -> dict[str, str]:
        return unique({i.name: names.member_type_name(i.snake or i.name) for i in self.program.instructions})

    def instruction(self, ix: Instruction, wrapper: str) -> str:
        disc = ix.discriminator
        n = len(disc)
        args = self._plain_struct("Args", ix.args, [], packed=False, qualified=True)
        member = self.member(ix.args, "v", "Args")
        metas = ix.flat_accounts()
        specs = ", ".join(f"{RT}::AccountSpec{{{c_string(a.name.encode())}, {_b(a.writable)}, {_b(a.signer)}, "
                          f"{_b(a.optional)}}}" for a in metas)
        lines = [*doc_lines(ix.docs), f"struct {wrapper} {{",
                 f"    static constexpr std::array<std::uint8_t, {n}> discriminator{{{{{byte_list(disc)}}}}};",
                 "    // The accounts, in order.",
                 f"    static constexpr std::array<{RT}::AccountSpec, {len(metas)}> account_specs{{{{{specs}}}}};",
                 "    // The instruction's arguments, in wire order.",
                 *indent(args),
                 f"    static void encode_args({RT}::Writer& w, const Args& v) noexcept {{",
                 *indent(self.gen.enc_fields(ix.args, member, None), 2),
                 "        (void)w;" if not ix.args else "", "        (void)v;" if not ix.args else "",
                 "    }",
                 f"    static bool decode_args({RT}::Reader& r, Args& v) {{",
                 *indent(self.gen.dec_fields(ix.args, member, None), 2),
                 "        (void)r;" if not ix.args else "", "        (void)v;" if not ix.args else "",
                 "        return true;", "    }",
                 "    static std::size_t args_size(const Args& v) noexcept {",
                 *indent(self.gen.size_fields(ix.args, member), 2), "        (void)v;", "        return n;", "    }",
                 "    // Instruction data: discriminator, then the arguments.",
                 f"    static void encode({RT}::Writer& w, const Args& v) noexcept {{"]
        if n:
            lines += ["        std::uint8_t* d = w.claim(discriminator.size());", "        if (d == nullptr) return;",
                      "        std::memcpy(d, discriminator.data(), discriminator.size());"]
        lines += ["        encode_args(w, v);", "    }",
                  f"    static std::size_t encoded_size(const Args& v) noexcept {{ return {n} + args_size(v); }}",
                  "    static bool matches(const std::uint8_t* data, std::size_t size) noexcept {",
                  (f"        return size >= {n} && std::memcmp(data, discriminator.data(), {n}) == 0;" if n
                   else "        (void)data;\n        (void)size;\n        return true;"),
                  "    }",
                  "    // As the program reads it: bytes after the arguments are ignored.",
                  f"    static {RT}::Status decode(const std::uint8_t* data, std::size_t size, Args& out) {{",
                  "        return read(data, size, out, false);", "    }",
                  "    // Exact: bytes after the arguments are an error (trailing_bytes).",
                  f"    static {RT}::Status decode_strict(const std::uint8_t* data, std::size_t size, "
                  "Args& out) {",
                  "        return read(data, size, out, true);", "    }",
                  f"    static {RT}::Status read(const std::uint8_t* data, std::size_t size, Args& out, "
                  "bool strict) {",
                  f"        {RT}::Reader r(data, size);"]
        if n:
            lines += ["        const std::uint8_t* d = r.take(discriminator.size());",
                      "        if (d == nullptr) return r.status();",
                      "        if (std::memcmp(d, discriminator.data(), discriminator.size()) != 0) {",
                      f"            r.fail({ERRC}::discriminator_mismatch, 0);", "            return r.status();",
                      "        }"]
        lines += ["        if (decode_args(r, out) && strict) r.finish();", "        return r.status();", "    }",
                  "};"]
        return "\n".join(ln for ln in lines if ln != "")

    def instructions(self) -> list[str]:
        w = self.instruction_wrappers()
        return [self.instruction(ix, w[ix.name]) for ix in self.program.instructions]

    # ------------------------------------------------------------------ families

    def family(self, fam: Family) -> str:
        wrapper = names.member_type_name(fam.stem)
        members = [(m.version, self.gen.tname(m.type)) for m in fam.members]
        mask = 0
        for v, _ in members:
            if 1 <= v <= 64:
                mask |= 1 << (v - 1)
        vlist = ", ".join(str(v) for v, _ in members)
        value = f"std::variant<{', '.join(t for _, t in members)}>"
        lines = [f"// Versioned family `{_c(fam.stem)}`: one version byte, then the Borsh body of that version.",
                 f"struct {wrapper} {{",
                 f"    using Value = {value};  // alternative i is version versions[i]",
                 f"    static constexpr std::array<std::uint8_t, {len(members)}> versions{{{{{vlist}}}}};",
                 "    // Bit v - 1 set for every version this program knows.",
                 f"    static constexpr std::uint64_t all_versions = 0x{mask:x}u;"]
        for label, err in (("unknown", fam.unknown_version_error), ("disabled", fam.disabled_version_error)):
            code = next((e.code for e in self.program.errors if e.name == err), None)
            if code is not None:
                lines.append(f"    // The program's error for an {label} version: {_c(err or '')}.")
                lines.append(f"    static constexpr std::uint32_t {label}_version_error = {code};")
        for v, t in members:
            lines.append(f"    static constexpr std::uint8_t version_of(const {t}&) noexcept {{ return {v}; }}")
        known = " || ".join(f"version == {v}" for v, _ in members) or "false"
        lines += [
            f"    static constexpr bool known(std::uint8_t version) noexcept {{ return {known}; }}",
            "    static constexpr bool allowed(std::uint8_t version, std::uint64_t mask) noexcept {",
            "        return version >= 1 && version <= 64 && ((mask >> (version - 1)) & 1u) != 0;",
            "    }",
            "    // The checks settle_batch makes, in its order: an unknown version, then a disabled one.",
            f"    static {RT}::Status check_version(std::uint8_t version, std::uint64_t mask) noexcept {{",
            f"        if (!known(version)) return {RT}::Status{{{ERRC}::unknown_version, 0, version}};",
            f"        if (!allowed(version, mask)) return {RT}::Status{{{ERRC}::disabled_version, 0, version}};",
            f"        return {RT}::Status{{}};",
            "    }",
            "    // The highest version both this header and `mask` allow; 0 when there is none.",
            "    static std::uint8_t highest_allowed(std::uint64_t mask) noexcept {",
            "        std::uint8_t best = 0;",
            "        for (const std::uint8_t v : versions) {",
            "            if (allowed(v, mask) && v > best) best = v;",
            "        }",
            "        return best;",
            "    }",
        ]
        gate = self._gate(fam)
        if gate is not None:
            gtype, gfield = gate
            lines += [
                f"    // The allowed-versions bitmask read from the gate account field `{_c(gfield)}`.",
                f"    static std::uint64_t mask_of(const {gtype}& gate) noexcept {{",
                f"        return static_cast<std::uint64_t>(gate.{gfield});",
                "    }",
            ]
        for v, t in members:
            lines += [
                f"    static void encode({RT}::Writer& w, const {t}& v) noexcept {{",
                "        std::uint8_t* p = w.claim(1);",
                "        if (p == nullptr) return;",
                f"        *p = {v};",
                f"        {self.ns}::encode(w, v);",
                "    }",
                f"    static std::size_t encoded_size(const {t}& v) noexcept {{ "
                f"return 1 + {self.ns}::encoded_size(v); }}",
            ]
        enc_cases = [f"            case {i}: encode(w, *std::get_if<{i}>(&v)); break;" for i in range(len(members))]
        size_cases = [f"            case {i}: return encoded_size(*std::get_if<{i}>(&v));"
                      for i in range(len(members))]
        dec_cases: list[str] = []
        for i, (v, _t) in enumerate(members):
            dec_cases += [f"            case {v}: {{",
                          f"                if (out.index() != {i}) out.emplace<{i}>();",
                          f"                if ({self.ns}::decode(r, *std::get_if<{i}>(&out))) r.finish();",
                          "                break;", "            }"]
        lines += [
            f"    static void encode({RT}::Writer& w, const Value& v) noexcept {{",
            "        switch (v.index()) {", *enc_cases,
            f"            default: w.fail({ERRC}::invalid_enum_tag, w.size()); break;",
            "        }", "    }",
            "    static std::size_t encoded_size(const Value& v) noexcept {",
            "        switch (v.index()) {", *size_cases, "            default: return 0;", "        }", "    }",
            "    // Routes on the version byte like settle_batch, after check_version(version, mask); the body",
            "    // must fill the data exactly.",
            f"    static {RT}::Status decode(const std::uint8_t* data, std::size_t size, Value& out,",
            "                                  std::uint64_t mask = all_versions) {",
            f"        {RT}::Reader r(data, size);",
            "        const std::uint8_t* p = r.take(1);",
            "        if (p == nullptr) return r.status();",
            f"        if (const {RT}::Status st = check_version(*p, mask); !st) return st;",
            "        switch (*p) {", *dec_cases, "            default: break;", "        }",
            "        return r.status();",
            "    }",
        ]
        carrier = self._carrier(fam)
        if carrier is not None:
            cwrap, arg = carrier
            lines += [
                f"    // Instruction data of `{_c(fam.carrier.instruction if fam.carrier else '')}`, whose "
                f"`{_c(arg)}` argument carries the",
                "    // envelope: discriminator, u32 length, version byte, body. Written in one pass.",
                "    template <class Member>",
                f"    static void encode_instruction({RT}::Writer& w, const Member& v) noexcept {{",
                f"        using Ix = {self.ns}::instructions::{cwrap};",
                "        if (!Ix::discriminator.empty()) {",
                "            std::uint8_t* d = w.claim(Ix::discriminator.size());",
                "            if (d == nullptr) return;",
                "            std::memcpy(d, Ix::discriminator.data(), Ix::discriminator.size());",
                "        }",
                "        const std::size_t at = w.size();",
                "        if (w.claim(4) == nullptr) return;",
                "        encode(w, v);",
                "        if (!w.ok()) return;",
                "        const std::size_t body = w.size() - at - 4;",
                "        if (body > 0xFFFFFFFFu) {",
                f"            w.fail({ERRC}::value_out_of_range, at, body);",
                "            return;",
                "        }",
                "        w.patch_u32(at, static_cast<std::uint32_t>(body));",
                "    }",
            ]
        lines.append("};")
        return "\n".join(lines)

    def _gate(self, fam: Family) -> tuple[str, str] | None:
        if fam.gate is None:
            return None
        acct = next((a for a in self.program.accounts if a.name == fam.gate.account), None)
        tname = acct.type if acct else (fam.gate.account if fam.gate.account in
                                        {t.name for t in self.program.types} else None)
        if tname is None:
            return None
        td = self.program.type(tname)
        if not isinstance(td.body, StructBody):
            return None
        f = next((f for f in td.body.fields if f.snake == fam.gate.field), None)
        if f is None or not (isinstance(f.type, PrimType) and f.type.prim.is_int and f.type.prim.bits <= 64):
            return None
        return self.gen.tname(tname), self.member_names(td.body.fields, self.gen.tname(tname, qualified=False))[f.name]

    def _carrier(self, fam: Family) -> tuple[str, str] | None:
        if fam.carrier is None:
            return None
        ix = next((i for i in self.program.instructions if i.snake == fam.carrier.instruction), None)
        if ix is None or len(ix.args) != 1 or ix.args[0].snake != fam.carrier.arg:
            return None
        t = ix.args[0].type
        if t != PrimType(Prim.BYTES) and t != VecType(PrimType(Prim.U8)):
            return None
        return self.instruction_wrappers()[ix.name], fam.carrier.arg

    def families(self) -> list[str]:
        return [self.family(f) for f in self.program.families if f.members]

    # ------------------------------------------------------------------ constants / errors / program

    def constants(self) -> list[str]:
        out: list[str] = []
        cnames = unique({c.name: names.constant_name(c.name) for c in self.program.constants})
        for c in self.program.constants:
            line = self._constant(c.type, c.value, cnames[c.name])
            out.append(line or f"// {_c(c.name)}: {_c(_one_line(c.value))} (not representable as a C++ constant)")
        return out

    def _constant(self, t: TypeRef, value: str, name: str) -> str | None:
        v = value.strip()
        if isinstance(t, PrimType):
            p = t.prim
            if p.is_int and p.bits <= 64:
                m = re.fullmatch(r"(-?)\s*([0-9][0-9_]*)\s*(?:[ui](?:8|16|32|64|128|size))?", v)
                if not m or len(m.group(2)) > 40:  # longer than any u64; int() refuses > 4300 digits
                    return None
                n = int((m.group(1) + m.group(2)).replace("_", ""))
                lo, hi = (-(1 << (p.bits - 1)), (1 << (p.bits - 1)) - 1) if p.is_signed else (0, (1 << p.bits) - 1)
                if not lo <= n <= hi:
                    return None
                return f"inline constexpr {_PRIM[p]} {name} = {int_literal(n, p)};"
            if p is Prim.BOOL and v in ("true", "false"):
                return f"inline constexpr bool {name} = {v};"
            if p is Prim.BYTES:
                try:
                    data = bytes(json.loads(v))
                except (ValueError, TypeError):
                    return None
                return f"inline constexpr std::array<std::uint8_t, {len(data)}> {name}{{{{{byte_list(data)}}}}};"
            if p is Prim.STRING:
                try:
                    s = json.loads(v) if v.startswith('"') else v
                except ValueError:
                    return None
                if not isinstance(s, str):
                    return None
                return f"inline constexpr const char {name}[] = {c_string(s.encode())};"
            if p is Prim.PUBKEY:
                raw = b58decode(v)
                if raw is None or len(raw) != 32:
                    return None
                return f"inline constexpr {RT}::Pubkey {name}{{{{{{{byte_list(raw)}}}}}}};"
        return None

    def errors(self) -> tuple[list[str], list[str]]:
        enames = unique({e.name: names.escape(e.name) for e in self.program.errors})
        enumerators = [f"    {enames[e.name]} = {e.code}," for e in self.program.errors]
        messages = [f"        case Code::{enames[e.name]}: return {c_string((e.msg or e.name).encode())};"
                    for e in self.program.errors]
        return enumerators, messages

    def program_id(self) -> str | None:
        if not self.program.address:
            return None
        raw = b58decode(self.program.address)
        if raw is None or len(raw) != 32:
            return None
        return f"inline constexpr {RT}::Pubkey program_id{{{{{{{byte_list(raw)}}}}}}};"


_PRIM = {p: t for p, t in {
    Prim.U8: "std::uint8_t", Prim.I8: "std::int8_t", Prim.U16: "std::uint16_t", Prim.I16: "std::int16_t",
    Prim.U32: "std::uint32_t", Prim.I32: "std::int32_t", Prim.U64: "std::uint64_t", Prim.I64: "std::int64_t",
}.items()}


def _defined_names(t: TypeRef) -> list[str]:
    match t:
        case DefinedType(name=n):
            return [n]
        case PrimType():
            return []
        case _:
            return _defined_names(t.inner)


def _b(x: bool) -> str:
    return "true" if x else "false"


def _one_line(s: str) -> str:
    return " ".join(s.split())[:120]


def int_literal(n: int, p: Prim) -> str:
    """A C++ literal for n that converts to the primitive's type without a warning."""
    if p.is_signed:
        if n == -(1 << (p.bits - 1)) and p.bits >= 32:
            return f"({n + 1}LL - 1)"
        return f"{n}LL" if p.bits == 64 else str(n)
    return f"{n}ULL" if p.bits == 64 else (f"{n}U" if p.bits == 32 else str(n))


def c_string(data: bytes) -> str:
    """A C++ string literal for raw bytes (see `escape.cpp_string`)."""
    return cpp_string(data)


def is_option_of_fixed(t: TypeRef) -> bool:
    return isinstance(t, OptionType)


__all__ = ["Account", "Event", "TypeView", "VariantKind", "Views"]
