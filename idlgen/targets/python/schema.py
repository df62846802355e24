"""The program's type schema as plain data (`_schema.py` of the generated package).

Read only off the hot path: by the runtime to explain a failed decode/encode (path, offset, reason)
and by the JSON bridge to convert canonical JSON. Types are referenced by IDL name, so each entry is
small:

    TYPES[name] = ("struct", tuple_like, ((IDL field, attribute, type), ...), mem)
                | ("enum", None, (variant names...), None)              unit-only enum (u8 tag)
                | ("union", None, ((variant, "unit"|"named"|"tuple", fields), ...), None)
    type = "u8" ... "pubkey" | ("vec", t) | ("option", t) | ("coption", t) | ("array", t, n)
         | ("defined", name)
    mem  = (size, align, (field offsets...)) for types with a repr(C) layout, else None
"""

from __future__ import annotations

import pprint
from typing import Any, assert_never

from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    OptionType,
    PrimType,
    Program,
    StructBody,
    StructKind,
    TypeRef,
    VecType,
)
from idlgen.targets.python.shapes import Shapes


def ref_schema(ref: TypeRef) -> Any:
    match ref:
        case PrimType(prim=p):
            return p.value
        case VecType(inner=inner):
            return ("vec", ref_schema(inner))
        case OptionType(inner=inner):
            return ("option", ref_schema(inner))
        case COptionType(inner=inner):
            return ("coption", ref_schema(inner))
        case ArrayType(inner=inner, length=length):
            return ("array", ref_schema(inner), length)
        case DefinedType(name=name):
            return ("defined", name)
        case _:
            assert_never(ref)


def lit(value: object) -> str:
    """A deterministic one-line Python literal."""
    return pprint.pformat(value, width=100_000, sort_dicts=False)


def schema_entries(program: Program, shapes: Shapes) -> list[str]:
    lines: list[str] = []
    for td in program.types:
        shape = shapes[td.name]
        if isinstance(td.body, StructBody):
            fields = tuple((f.name, a, ref_schema(f.type)) for f, a in zip(td.body.fields, shape.fields, strict=True))
            mem = None
            if td.c_layout is not None:
                mem = (td.c_layout.size, td.c_layout.align, td.c_layout.offsets)
            entry: tuple[Any, ...] = ("struct", td.body.kind is StructKind.TUPLE, fields, mem)
        elif td.body.is_unit_only:
            entry = ("enum", None, tuple(v.name for v in td.body.variants), None)
        else:
            variants = tuple(
                (vs.variant.name, vs.variant.kind.value,
                 tuple((f.name, a, ref_schema(f.type)) for f, a in zip(vs.variant.fields, vs.fields, strict=True)))
                for vs in shape.variants)
            entry = ("union", None, variants, None)
        lines.append(f"    {td.name!r}: {lit(entry)},")
    return lines
