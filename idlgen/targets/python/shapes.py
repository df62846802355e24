"""The Python shape of every IDL type: class names, field names, annotations.

This is the contract other targets read (the protobuf converter maps these shapes), so it is kept
small and regular:

- struct (named)          -> `@dataclass(slots=True) class <Ident>` with one attribute per field, in
                             wire order, named by `names.field_name(Field.snake)`.
- tuple struct            -> the same, attributes `_0`, `_1`, ...
- unit struct             -> a dataclass without attributes.
- unit-only enum          -> `class <Ident>(IntEnum)`, members spelled as the IDL spells the variants.
- data enum               -> one dataclass per variant, `<Ident><Variant>` (with `TAG` = the u8 tag),
                             and `<Ident>` = the union of those classes (a TypeAlias).
- u8..u256/i8..i256 -> int, f32/f64 -> float, bool, string -> str, pubkey -> solders Pubkey,
  bytes / Vec<u8> / [u8; N] -> bytes, other Vec and arrays -> list, Option/COption -> `T | None`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    EnumBody,
    OptionType,
    Prim,
    PrimType,
    Program,
    StructBody,
    StructKind,
    TypeDef,
    TypeRef,
    Variant,
    VecType,
)
from idlgen.targets.python import names


@dataclass(frozen=True, slots=True)
class VariantShape:
    variant: Variant
    cls: str  # class name for data enums; member name for unit-only enums
    fields: tuple[str, ...]  # Python attribute names, wire order


@dataclass(frozen=True, slots=True)
class TypeShape:
    td: TypeDef
    cls: str  # class (struct / IntEnum) or union alias (data enum)
    stem: str  # `encode_<stem>` / `decode_<stem>`
    fields: tuple[str, ...]  # struct attribute names (empty for enums)
    variants: tuple[VariantShape, ...]

    @property
    def is_struct(self) -> bool:
        return isinstance(self.td.body, StructBody)

    @property
    def is_unit_enum(self) -> bool:
        return isinstance(self.td.body, EnumBody) and self.td.body.is_unit_only

    @property
    def is_data_enum(self) -> bool:
        return isinstance(self.td.body, EnumBody) and not self.td.body.is_unit_only

    @property
    def is_tuple(self) -> bool:
        return isinstance(self.td.body, StructBody) and self.td.body.kind is StructKind.TUPLE


ENUM_MEMBER_RESERVED = frozenset({"name", "value", "mro", "encode", "decode", "IDL_NAME"}) | names.AMBIGUOUS


def _fields(fields: tuple[str, ...]) -> tuple[str, ...]:
    scope = names.Scope(names.MEMBER_RESERVED)
    return tuple(scope.claim(names.field_name(f)) for f in fields)


class Shapes:
    """Names for one program's types; built once per render, deterministic in IDL order."""

    def __init__(self, program: Program) -> None:
        self.program = program
        classes = names.Scope(names.MODULE_RESERVED)
        stems = names.Scope(names.MODULE_RESERVED)
        self.by_name: dict[str, TypeShape] = {}
        # Type classes first (so they keep their plain names), variant classes after.
        type_cls = {td.name: classes.claim(names.class_name(td.ident)) for td in program.types}
        for td in program.types:
            variants: list[VariantShape] = []
            fields: tuple[str, ...] = ()
            if isinstance(td.body, StructBody):
                fields = _fields(tuple(f.snake for f in td.body.fields))
            elif td.body.is_unit_only:
                members = names.Scope(ENUM_MEMBER_RESERVED)
                for v in td.body.variants:
                    m = names.identifier(v.name)
                    if m.startswith("_"):
                        m = "V" + m
                    variants.append(VariantShape(v, members.claim(m), ()))
            else:
                for v in td.body.variants:
                    vcls = classes.claim(names.class_name(type_cls[td.name] + names.pascal(v.name)))
                    variants.append(VariantShape(v, vcls, _fields(tuple(f.snake for f in v.fields))))
            self.by_name[td.name] = TypeShape(td, type_cls[td.name], stems.claim(names.func_stem(td.ident)),
                                              fields, tuple(variants))

    def __getitem__(self, name: str) -> TypeShape:
        return self.by_name[name]

    def annotation(self, ref: TypeRef) -> str:
        match ref:
            case PrimType(prim=p):
                return prim_annotation(p)
            case VecType(inner=inner):
                if inner == PrimType(Prim.U8):
                    return "bytes"
                return f"list[{self.annotation(inner)}]"
            case ArrayType(inner=inner):
                if inner == PrimType(Prim.U8):
                    return "bytes"
                return f"list[{self.annotation(inner)}]"
            case OptionType(inner=inner) | COptionType(inner=inner):
                return f"{self.annotation(inner)} | None"
            case DefinedType(name=name):
                return self.by_name[name].cls
            case _:
                assert_never(ref)


def prim_annotation(p: Prim) -> str:
    if p.is_int:
        return "int"
    if p.is_float:
        return "float"
    return {Prim.BOOL: "bool", Prim.STRING: "str", Prim.BYTES: "bytes", Prim.PUBKEY: "Pubkey"}[p]
