"""IDL model -> protobuf schema: the mapping, in one place (documented in docs/proto-mapping.md).

The result (`Schema`) is target-ready: every message, field, number and enum value already spelled and
numbered (numbers come from the lock), plus a "shape" per field that the generated Python conversion
module interprets. Nothing here formats text; views.py turns a Schema into template strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import assert_never

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
    TypeDef,
    TypeRef,
    VariantKind,
    VecType,
)
from idlgen.targets.proto import names as N
from idlgen.targets.proto.lock import Lock

# Narrowest proto scalar per primitive. Signed ints use sint32/sint64 (zigzag): a negative int32/int64
# always costs 10 bytes on the wire, a small negative sint costs 1-2, and both are plain int32_t/int64_t
# in C++ and int in Python. u8/u16 and i8/i16 share the 32-bit scalars (proto has nothing narrower);
# the conversion checks the range.
SCALARS: dict[Prim, str] = {
    Prim.BOOL: "bool",
    Prim.U8: "uint32", Prim.U16: "uint32", Prim.U32: "uint32", Prim.U64: "uint64",
    Prim.I8: "sint32", Prim.I16: "sint32", Prim.I32: "sint32", Prim.I64: "sint64",
    Prim.F32: "float", Prim.F64: "double",
    Prim.STRING: "string",
}
# Wider than 64 bits: `bytes` holding exactly 16/32 bytes, little-endian, two's complement for signed
# (the Borsh bytes themselves): lossless, one memcpy into __int128 in C++, int.from_bytes in Python.
WIDE = {Prim.U128, Prim.I128, Prim.U256, Prim.I256}


# --- shapes: how one IDL type sits in one proto field -------------------------------------------------

@dataclass(frozen=True, slots=True)
class Scalar:
    prim: Prim


@dataclass(frozen=True, slots=True)
class Bytes:
    """pubkey (32, base58 in JSON), bytes (hex in JSON), u8 list/array (JSON array), wide ints."""

    kind: str  # "pubkey" | "hex" | "u8" | "uint" | "int"
    length: int | None


@dataclass(frozen=True, slots=True)
class EnumRef:
    name: str  # proto enum name


@dataclass(frozen=True, slots=True)
class MessageRef:
    name: str  # proto message name


@dataclass(frozen=True, slots=True)
class Repeated:
    elem: Shape  # never Repeated/Optional: those go through a Wrap
    length: int | None  # fixed array length, checked on conversion


@dataclass(frozen=True, slots=True)
class Optional:
    inner: Shape  # Scalar/Bytes/EnumRef -> proto3 `optional`; MessageRef/Wrap -> message presence


@dataclass(frozen=True, slots=True)
class Wrap:
    message: str  # wrapper message name
    field: str  # its only field: "items" (repeated) or "value" (optional)
    inner: Shape  # Repeated or Optional


Shape = Scalar | Bytes | EnumRef | MessageRef | Repeated | Optional | Wrap


def proto_type(shape: Shape) -> tuple[str, str]:
    """(label, type) of a field holding `shape`."""
    match shape:
        case Scalar(prim):
            return "", SCALARS[prim]
        case Bytes():
            return "", "bytes"
        case EnumRef(name) | MessageRef(name):
            return "", name
        case Wrap(message, _, _):
            return "", message
        case Repeated(elem, _):
            return "repeated", proto_type(elem)[1]
        case Optional(inner):
            label, typ = proto_type(inner)
            return ("optional" if isinstance(inner, (Scalar, Bytes, EnumRef)) else label), typ
        case _:
            assert_never(shape)


def idl_type(ref: TypeRef) -> str:
    """The IDL spelling of a type, for the comment beside each field."""
    match ref:
        case PrimType(prim):
            return prim.value
        case VecType(inner):
            return f"vec<{idl_type(inner)}>"
        case OptionType(inner):
            return f"option<{idl_type(inner)}>"
        case COptionType(inner):
            return f"coption<{idl_type(inner)}>"
        case ArrayType(inner, n):
            return f"[{idl_type(inner)}; {n}]"
        case DefinedType(name):
            return name
        case _:
            assert_never(ref)


# --- schema ------------------------------------------------------------------------------------------

@dataclass(slots=True)
class ProtoField:
    name: str  # proto field name
    key: str  # the IDL's own field name (the JSON bridge key), or the variant/version for oneof members
    shape: Shape
    idl: str  # IDL type text for the comment
    docs: tuple[str, ...] = ()
    oneof: str | None = None
    number: int = 0

    @property
    def lock_type(self) -> str:
        label, typ = proto_type(self.shape)
        if self.oneof is not None:
            label = f"oneof {self.oneof}"
        return f"{label} {typ}".strip()


@dataclass(slots=True)
class ProtoMessage:
    name: str  # short name
    full: str  # name within the package ("OrderTypeV2.Limit" for nested)
    role: str  # "struct" | "enum" (data enum) | "variant" | "args" | "envelope" | "wrapper"
    fields: list[ProtoField] = field(default_factory=list)
    docs: tuple[str, ...] = ()
    nested: list[ProtoMessage] = field(default_factory=list)
    oneof: str | None = None  # data enums and envelopes: the oneof's name
    struct_kind: str = "named"  # "named" | "tuple" | "unit" for struct-like roles
    reserved_numbers: list[int] = field(default_factory=list)
    reserved_names: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ProtoEnumValue:
    name: str
    variant: str  # the IDL variant name
    number: int


@dataclass(slots=True)
class ProtoEnum:
    name: str
    values: list[ProtoEnumValue]
    zero: str
    docs: tuple[str, ...] = ()
    reserved_numbers: list[int] = field(default_factory=list)
    reserved_names: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FamilyEnvelope:
    stem: str
    message: str


@dataclass(slots=True)
class Schema:
    package: str
    messages: list[ProtoMessage]  # top level, in file order
    enums: list[ProtoEnum]
    type_names: dict[str, str]  # TypeDef.name -> proto message/enum name
    accounts: dict[str, str]  # Account.name -> message
    events: dict[str, str]  # Event.name -> message
    instructions: dict[str, str]  # Instruction.name -> args message
    families: list[FamilyEnvelope]
    lock: Lock


class _Builder:
    def __init__(self, program: Program, package: str, lock: Lock) -> None:
        self.program = program
        self.lock = lock
        self.scope = N.Scope(set(N.RESERVED_MESSAGE_NAMES))
        self.type_names: dict[str, str] = {}
        self.unit_enums: set[str] = set()
        self.wrappers: dict[str, ProtoMessage] = {}  # canonical type text -> wrapper message
        self.values = N.Scope()  # enum value names of the whole package
        self.package = package
        for t in program.types:  # types first: they own their PascalCase ident
            self.type_names[t.name] = self.scope.claim(N.pascal_keep(t.ident), N.pascal_keep(t.ident) + "Type")
            if isinstance(t.body, EnumBody) and t.body.variants and t.body.is_unit_only:
                self.unit_enums.add(t.name)

    # shapes
    def shape(self, ref: TypeRef) -> Shape:
        match ref:
            case PrimType(prim):
                if prim is Prim.PUBKEY:
                    return Bytes("pubkey", 32)
                if prim is Prim.BYTES:
                    return Bytes("hex", None)
                if prim in WIDE:
                    return Bytes("int" if prim.is_signed else "uint", prim.bits // 8)
                return Scalar(prim)
            case VecType(inner) | ArrayType(inner, _):
                n = ref.length if isinstance(ref, ArrayType) else None
                if inner == PrimType(Prim.U8):
                    return Bytes("u8", n)
                return Repeated(self.element(inner), n)
            case OptionType(inner) | COptionType(inner):
                return Optional(self.element(inner))
            case DefinedType(name):
                return EnumRef(self.type_names[name]) if name in self.unit_enums else MessageRef(self.type_names[name])
            case _:
                assert_never(ref)

    def element(self, ref: TypeRef) -> Shape:
        """A shape that can sit inside `repeated` or `optional`: containers of containers get a wrapper."""
        s = self.shape(ref)
        if not isinstance(s, (Repeated, Optional)):
            return s
        key = self.canonical(ref)
        w = self.wrappers.get(key)
        if w is None:
            fname = "items" if isinstance(s, Repeated) else "value"
            w = ProtoMessage(self.scope.claim(key, key + "Wrapper"), "", "wrapper",
                             [ProtoField(fname, fname, s, idl_type(ref))],
                             docs=(f"Wrapper for `{idl_type(ref)}` inside a repeated or optional field.",))
            w.full = w.name
            self.wrappers[key] = w
        return Wrap(w.name, w.fields[0].name, s)

    def canonical(self, ref: TypeRef) -> str:
        match ref:
            case PrimType(prim):
                return N.pascal(prim.value)
            case VecType(inner):
                return "Vec" + self.canonical(inner)
            case OptionType(inner) | COptionType(inner):
                return "Option" + self.canonical(inner)  # same JSON value and wire shape: one wrapper
            case ArrayType(inner, n):
                return f"Array{n}" + self.canonical(inner)
            case DefinedType(name):
                return self.type_names[name]
            case _:
                assert_never(ref)

    # messages
    def fields(self, fs: tuple[Field, ...]) -> list[ProtoField]:
        scope = N.Scope(fold_json=True)
        return [ProtoField(scope.claim(N.field_name(f.snake), sep="_"), f.name, self.shape(f.type),
                           idl_type(f.type), f.docs) for f in fs]

    def typedef(self, t: TypeDef) -> ProtoMessage | ProtoEnum:
        name = self.type_names[t.name]
        body = t.body
        docs = t.docs
        if t.generic is not None:
            docs = (*docs, f"Monomorphised from `{t.name}`.")
        if isinstance(body, StructBody):
            return ProtoMessage(name, name, "struct", self.fields(body.fields), docs,
                                struct_kind=body.kind.value)
        if t.name in self.unit_enums:
            prefix = N.buf_upper_snake(name)
            # Enum values live in the package scope (C++ rules), so every enum's values share one Scope.
            zero = self.values.claim(f"{prefix}_UNSPECIFIED", f"{prefix}_ENUM_UNSPECIFIED", sep="_")
            values = [ProtoEnumValue(self.values.claim(f"{prefix}_{N.upper_snake(v.name)}",
                                                  f"{prefix}_{N.upper_snake(v.name)}_VARIANT", sep="_"), v.name, 0)
                      for v in body.variants]
            return ProtoEnum(name, values, zero, docs)
        msg = ProtoMessage(name, name, "enum", [], docs)
        fscope = N.Scope(fold_json=True)
        tscope = N.Scope(set(N.RESERVED_MESSAGE_NAMES))
        members: list[ProtoField] = []
        for v in body.variants:
            vname = tscope.claim(N.pascal_keep(v.name), N.pascal_keep(v.name) + "Variant")
            kind = {VariantKind.UNIT: StructKind.UNIT, VariantKind.NAMED: StructKind.NAMED,
                    VariantKind.TUPLE: StructKind.TUPLE}[v.kind]
            nested = ProtoMessage(vname, f"{name}.{vname}", "variant", self.fields(v.fields),
                                  struct_kind=kind.value)
            msg.nested.append(nested)
            members.append(ProtoField(fscope.claim(N.field_name(N.snake(v.name)), sep="_"), v.name,
                                      MessageRef(f"{name}.{vname}"), f"variant {v.name}"))
        # A variantless enum has no value at all: an empty message (proto forbids an empty oneof).
        msg.oneof = next(o for o in ("variant", "kind", "variant_kind", "which") if o not in fscope) \
            if members else None
        for m in members:
            m.oneof = msg.oneof
        msg.fields = members
        return msg

    def build(self) -> Schema:
        p = self.program
        messages: list[ProtoMessage] = []
        enums: list[ProtoEnum] = []
        for t in p.types:
            item = self.typedef(t)
            (enums if isinstance(item, ProtoEnum) else messages).append(item)  # type: ignore[arg-type]
        families: list[FamilyEnvelope] = []
        for fam in p.families:
            stem = N.pascal_keep(fam.stem)
            name = self.scope.claim(stem, stem + "Envelope", stem + "Versions")
            fields = [ProtoField(f"v{m.version}", str(m.version), self.shape(DefinedType(m.type)),
                                 f"{m.type} (version byte {m.version})", oneof="version") for m in fam.members]
            docs = [f"Any version of the `{fam.stem}` family: one member per version."]
            if fam.carrier is not None:
                docs.append(f"On chain it travels as `{fam.carrier.instruction}.{fam.carrier.arg}`: one version "
                            "byte then the Borsh body.")
            messages.append(ProtoMessage(name, name, "envelope", fields, tuple(docs), oneof="version"))
            families.append(FamilyEnvelope(fam.stem, name))
        instructions: dict[str, str] = {}
        for ix in p.instructions:
            stem = N.pascal(ix.name)
            name = self.scope.claim(stem + "Args", stem + "InstructionArgs", stem + "IxArgs")
            messages.append(ProtoMessage(name, name, "args", self.fields(ix.args),
                                         (f"Arguments of the `{ix.name}` instruction.", *ix.docs)))
            instructions[ix.name] = name
        messages.extend(self.wrappers[k] for k in sorted(self.wrappers))
        for m in messages:
            self.number(m)
        for e in enums:
            entry = self.lock.enum(e.name, [v.name for v in e.values])
            for v in e.values:
                v.number = entry.live[v.name].number
            e.reserved_numbers = entry.reserved_numbers()
            e.reserved_names = entry.reserved_names()
        return Schema(
            package=self.package, messages=messages, enums=enums, type_names=dict(self.type_names),
            accounts={a.name: self.type_names[a.type] for a in p.accounts},
            events={e.name: self.type_names[e.type] for e in p.events},
            instructions=instructions, families=families, lock=self.lock)

    def number(self, m: ProtoMessage) -> None:
        entry = self.lock.message(m.full, [(f.name, f.lock_type) for f in m.fields])
        for f in m.fields:
            f.number = entry.live[f.name].number
        m.reserved_numbers = entry.reserved_numbers()
        m.reserved_names = entry.reserved_names()
        for n in m.nested:
            self.number(n)


def build(program: Program, package: str, lock: Lock) -> Schema:
    """Map `program` to proto, numbering through `lock` (which is updated in place)."""
    lock.package = package
    return _Builder(program, package, lock).build()
