"""Conformance test program: canonical JSON values as C++ literals, checked against expected bytes.

`render_conformance(program, ctx, vectors)` returns one C++ translation unit that includes the
program's generated header and, for every vector, builds the value from C++ literals and checks
  * encode() writes exactly the expected bytes, encoded_size() agrees, a buffer one byte short fails;
  * strict decode of the bytes gives back the value;
  * every prefix (or a sample of them for long values) fails cleanly with truncated / length_overflow;
  * one extra byte is trailing_bytes for the strict decoder, and ignored by the on-chain-compatible one
    (accounts, events, instructions).
The expected bytes come from another implementation (the Python codec), so the two are held to each
other byte for byte.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from idlgen.base58 import b58decode
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
from idlgen.targets.base import RenderContext, header_lines
from idlgen.targets.cpp import names
from idlgen.targets.cpp.codegen import RT, unique
from idlgen.targets.cpp.header import file_stem
from idlgen.targets.cpp.views import Views, c_string, int_literal
from idlgen.targets.escape import line_comment
from idlgen.targets.render import render


@dataclass(frozen=True, slots=True)
class Vector:
    """One canonical value (issue 3's JSON shape) of an item and the bytes it must encode to."""

    kind: str  # "type" | "account" | "event" | "instruction"
    name: str  # TypeDef / Account / Event / Instruction name as in the IDL
    label: str
    value: Any
    data: bytes


class ConformanceError(ValueError):
    pass


class Literals:
    """C++ expressions that construct a canonical JSON value of a given IR type."""

    def __init__(self, views: Views) -> None:
        self.views = views
        self.gen = views.gen

    def value(self, t: TypeRef, v: Any, bare: bool = False) -> str:
        """`bare`: the type is known from the context (array element, aggregate member), so the
        initializer can omit the type name, which keeps literals of large accounts small."""
        match t:
            case PrimType(prim=p):
                return self.prim(p, v, bare)
            case VecType(inner=inner):
                items = ", ".join(self.value(inner, x) for x in _seq(v))
                return f"{self.gen.ctype(t)}{{{items}}}"
            case ArrayType(inner=inner, length=n):
                xs = _seq(v)
                if len(xs) != n:
                    raise ConformanceError(f"array of {n} given {len(xs)} items")
                prefix = "" if bare else self.gen.ctype(t)
                if isinstance(inner, PrimType) and inner.prim.is_int and inner.prim.bits <= 64 \
                        and not any(xs):
                    return f"{prefix}{{}}"  # value-initialised: all zero
                return f"{prefix}{{{{{', '.join(self.value(inner, x, True) for x in xs)}}}}}"
            case OptionType(inner=inner):
                return f"{self.gen.ctype(t)}{{}}" if v is None else f"{self.gen.ctype(t)}{{{self.value(inner, v)}}}"
            case COptionType(inner=inner):
                ct = "" if bare else self.gen.ctype(t)
                if v is None:
                    return f"{ct}{{0u, {{}}}}"
                return f"{ct}{{1u, {self.value(inner, v, True)}}}"
            case DefinedType(name=name):
                return self.defined(name, v, bare)
        raise ConformanceError(f"unknown type {t!r}")

    def prim(self, p: Prim, v: Any, bare: bool = False) -> str:
        if p is Prim.BOOL:
            if not isinstance(v, bool):
                raise ConformanceError(f"bool expected, got {v!r}")
            return "true" if v else "false"
        if p.is_int:
            n = int(v)
            if p.bits <= 64:
                # Brace / aggregate initialisation converts an in-range constant without a warning.
                return int_literal(n, p)
            words = [(n % (1 << p.bits)) >> (64 * i) & 0xFFFFFFFFFFFFFFFF for i in range(p.bits // 64)]
            lits = ", ".join(f"{w}ULL" for w in words)
            ct = "" if bare else f"{RT}::{p.value.upper()}"
            if p.bits == 128:
                return f"{ct}{{{lits}}}"
            return f"{ct}{{{{{{{lits}}}}}}}"
        if p.is_float:
            ct = "float" if p is Prim.F32 else "double"
            x = float(v)
            if math.isinf(x):
                return f"{'-' if x < 0 else ''}std::numeric_limits<{ct}>::infinity()"
            if math.isnan(x):
                raise ConformanceError("NaN has no Borsh encoding")
            return f"static_cast<{ct}>({x.hex()})"
        if p is Prim.STRING:
            raw = str(v).encode("utf-8", "surrogatepass")
            return f"std::string({c_string(raw)}, {len(raw)})"
        if p is Prim.BYTES:
            raw = bytes.fromhex(v) if isinstance(v, str) else bytes(v)
            return f"std::vector<std::uint8_t>{{{', '.join(map(str, raw))}}}"
        if p is Prim.PUBKEY:
            key: bytes | None = b58decode(v) if isinstance(v, str) else bytes(v)
            if key is None or len(key) != 32:
                raise ConformanceError(f"bad pubkey {v!r}")
            return f"{'' if bare else RT + '::Pubkey'}{{{{{{{', '.join(map(str, key))}}}}}}}"
        raise ConformanceError(f"unknown primitive {p}")

    def fields(self, fields: Sequence[Field], v: Any, kind: StructKind = StructKind.NAMED) -> list[str]:
        if kind is StructKind.TUPLE or (isinstance(v, list) and not isinstance(v, dict)):
            xs = _seq(v)
            if len(xs) != len(fields):
                raise ConformanceError(f"{len(fields)} tuple fields, {len(xs)} values")
            return [self.value(f.type, x, True) for f, x in zip(fields, xs, strict=True)]
        if not isinstance(v, dict):
            raise ConformanceError(f"object expected, got {type(v).__name__}")
        missing = [f.name for f in fields if f.name not in v]
        if missing:
            raise ConformanceError(f"missing fields {missing}")
        return [self.value(f.type, v[f.name], True) for f in fields]

    def defined(self, name: str, v: Any, bare: bool = False) -> str:
        td = self.gen.typedef(name)
        q = self.gen.tname(name)
        body = td.body
        if isinstance(body, StructBody):
            return f"{'' if bare else q}{{{', '.join(self.fields(body.fields, v, body.kind))}}}"
        assert isinstance(body, EnumBody)
        if isinstance(v, str):
            vname, payload = v, None
        elif isinstance(v, dict) and len(v) == 1:
            vname, payload = next(iter(v.items()))
        else:
            raise ConformanceError(f"enum {name}: bad value {v!r}")
        idx = next((i for i, var in enumerate(body.variants) if var.name == vname), None)
        if idx is None:
            raise ConformanceError(f"enum {name}: no variant {vname!r}")
        if body.is_unit_only:
            return f"{q}::{self.views.enumerator_names(td)[idx]}"
        var = body.variants[idx]
        vn = self.views.variant_names(td)[idx]
        kind = StructKind.TUPLE if var.kind is VariantKind.TUPLE else StructKind.NAMED
        vals = self.fields(var.fields, payload if payload is not None else {}, kind) if var.fields else []
        return f"{'' if bare else q}{{{q}::{vn}{{{', '.join(vals)}}}}}"


def _seq(v: Any) -> list[Any]:
    if isinstance(v, str):  # bytes-like given as hex
        return list(bytes.fromhex(v))
    if isinstance(v, bytes | bytearray):
        return list(v)
    if not isinstance(v, list | tuple):
        raise ConformanceError(f"list expected, got {type(v).__name__}")
    return list(v)


@dataclass(frozen=True, slots=True)
class Check:
    label: str  # C++ string literal
    value_type: str
    value: str
    expected: str  # byte list
    size: int
    codec: str  # name of the harness codec struct
    codec_ops: str  # the function returning its Ops
    lenient: bool  # on-chain-compatible decode exists (trailing bytes ignored)


def render_conformance(program: Program, ctx: RenderContext, vectors: Sequence[Vector],
                       header: str | None = None) -> str:
    """A C++ program (one translation unit) checking `vectors` against the generated header."""
    views = Views(program, ctx.names.cpp_namespace)
    lit = Literals(views)
    ns = views.ns
    accounts = unique({a.name: names.member_type_name(a.name) for a in program.accounts})
    events = unique({e.name: names.member_type_name(e.name) for e in program.events})
    ixs = views.instruction_wrappers()
    codecs: dict[str, tuple[str, str, bool]] = {}  # key -> (struct name, definition, lenient)
    checks: list[Check] = []
    for vec in vectors:
        if vec.kind == "type":
            t = views.gen.tname(vec.name)
            key = f"type:{vec.name}"
            value = lit.defined(vec.name, vec.value)
            enc, size, dec, lenient = (f"{ns}::encode(w, v);", f"{ns}::encoded_size(v)",
                                       f"{RT}::from_bytes(p, n, out)", None)
        elif vec.kind in ("account", "event"):
            items = program.accounts if vec.kind == "account" else program.events
            item = next(i for i in items if i.name == vec.name)
            wrapper = (accounts if vec.kind == "account" else events)[vec.name]
            w = f"{ns}::{vec.kind}s::{wrapper}"
            t = views.gen.tname(item.type)
            key = f"{vec.kind}:{vec.name}"
            value = lit.defined(item.type, vec.value)
            enc, size, dec, lenient = (f"{w}::encode(w, v);", f"{w}::encoded_size(v)",
                                       f"{w}::decode_strict(p, n, out)", f"{w}::decode(p, n, out)")
        elif vec.kind == "instruction":
            ix = next(i for i in program.instructions if i.name == vec.name)
            w = f"{ns}::instructions::{ixs[ix.name]}"
            t = f"{w}::Args"
            key = f"instruction:{vec.name}"
            value = f"{t}{{{', '.join(lit.fields(ix.args, vec.value))}}}"
            enc, size, dec, lenient = (f"{w}::encode(w, v);", f"{w}::encoded_size(v)",
                                       f"{w}::decode_strict(p, n, out)", f"{w}::decode(p, n, out)")
        else:
            raise ConformanceError(f"unknown vector kind {vec.kind!r}")
        if key not in codecs:
            cname = f"Codec{len(codecs)}"
            body = [f"struct {cname} {{  // {line_comment(key)}",
                    f"    using T = {t};",
                    f"    static void encode({RT}::Writer& w, const T& v) noexcept {{ {enc} }}",
                    f"    static std::size_t size(const T& v) noexcept {{ return {size}; }}",
                    f"    static {RT}::Status strict(const std::uint8_t* p, std::size_t n, T& out) "
                    f"{{ return {dec}; }}",
                    f"    static {RT}::Status lenient(const std::uint8_t* p, std::size_t n, T& out) "
                    f"{{ return {lenient or dec}; }}",
                    f"    static constexpr bool has_lenient = {'true' if lenient else 'false'};",
                    "};"]
            codecs[key] = (cname, "\n".join(body), lenient is not None)
        cname, _, has_lenient = codecs[key]
        checks.append(Check(c_string(f"{vec.kind} {vec.name} [{vec.label}]".encode()), t, value,
                            c_string(vec.data), len(vec.data), cname, "ops" + cname.removeprefix("Codec"),
                            has_lenient))
    # Split the checks over several functions so no single function grows without bound.
    chunks = [checks[i:i + 40] for i in range(0, len(checks), 40)]
    return render("cpp/conformance.cpp.jinja", header=header_lines(program, ctx),
                  include=header or f"{file_stem(program)}.hpp",
                  codecs=[c[1] for c in codecs.values()], chunks=chunks, total=len(checks))
