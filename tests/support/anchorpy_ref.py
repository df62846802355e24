"""anchorpy 0.21.0 as the reference coder for legacy-format (<= 0.29) IDLs.

anchorpy builds its layouts from `anchorpy_core.idl.Idl` with borsh-construct; this module builds the
same layouts per item (with anchorpy's own `_typedef_layout` / `_field_layout` and discriminator
functions, exactly what its InstructionCoder / AccountsCoder / EventCoder / TypesCoder do) so that one
unsupported item does not take the whole IDL down, and converts canonical values (tests/support/values.py)
into anchorpy's value shapes and back, type-directed by the idlgen model:
  struct -> dict keyed by `pyheck.snake(field name)` (what its CStruct subcons are called);
  enum -> the sumtype constructor of its cached `Enum` layout (`layout.enum.Variant(...)`);
  pubkey -> solders Pubkey; `bytes` -> bytes; option -> None or the value.
Known limits are reported as exceptions by `encode`/`decode`, never papered over.
"""

from __future__ import annotations

from dataclasses import fields as dc_fields
from dataclasses import is_dataclass
from keyword import kwlist
from pathlib import Path
from typing import Any

from anchorpy.coder.accounts import _account_discriminator
from anchorpy.coder.common import _sighash
from anchorpy.coder.event import _event_discriminator, _event_layout
from anchorpy.coder.idl import (
    _field_layout,
    _handle_enum_variants,
    _typedef_layout,
    _typedef_layout_without_field_name,
)
from anchorpy_core.idl import Idl, IdlTypeDefinition, IdlTypeDefinitionTyEnum
from borsh_construct import CStruct
from borsh_construct.core import TUPLE_DATA
from construct import Construct
from pyheck import snake
from solders.pubkey import Pubkey

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


class AnchorpyRef:
    def __init__(self, idl_path: Path, program: Program) -> None:
        self.program = program
        self.idl = Idl.from_json(Path(idl_path).read_text())
        # idlgen keeps the n-th duplicate of a type name as "Name#n"; mirror that to find anchorpy's.
        self.typedefs: dict[str, IdlTypeDefinition] = {}
        for td in [*self.idl.types, *self.idl.accounts]:
            name, n = td.name, 2
            while name in self.typedefs:
                name, n = f"{td.name}#{n}", n + 1
            self.typedefs[name] = td
        self._layouts: dict[tuple[str, str], tuple[bytes, Construct]] = {}

    # --- layouts, exactly as anchorpy's coders build them ------------------------------------------
    def layout(self, kind: str, name: str) -> tuple[bytes, Construct]:
        key = (kind, name)
        if key not in self._layouts:
            self._layouts[key] = self._build_layout(kind, name)
        return self._layouts[key]

    def _build_layout(self, kind: str, name: str) -> tuple[bytes, Construct]:
        idl = self.idl
        if kind == "instruction":
            ix = next(i for i in idl.instructions if i.name == name)
            typedefs = idl.accounts + idl.types
            return _sighash(snake(ix.name)), CStruct(*[_field_layout(a, typedefs) for a in ix.args])
        if kind == "account":
            acc = next(a for a in idl.accounts if a.name == name)
            return _account_discriminator(acc.name), _typedef_layout(acc, idl.types, acc.name)
        if kind == "event":
            ev = next(e for e in (idl.events or []) if e.name == name)
            return _event_discriminator(ev.name), _event_layout(ev, idl)
        if kind == "type":
            return b"", _typedef_layout_without_field_name(self.typedefs[name], idl.types)
        raise ValueError(kind)

    # --- public API ------------------------------------------------------------------------------
    def encode(self, kind: str, name: str, value: Any) -> bytes:
        disc, layout = self.layout(kind, name)
        return disc + layout.build(self._item_to_py(kind, name, value))

    def decode(self, kind: str, name: str, data: bytes) -> Any:
        disc, layout = self.layout(kind, name)
        if data[: len(disc)] != disc:
            raise ValueError("discriminator mismatch")
        obj = layout.parse(data[len(disc):])
        return self._item_from_py(kind, name, obj)

    # --- canonical -> anchorpy -------------------------------------------------------------------
    def _item_to_py(self, kind: str, name: str, value: Any) -> Any:
        if kind == "instruction":
            ix = next(i for i in self.program.instructions if i.name == name)
            return self._fields_to_py(ix.args, value)
        return self._typedef_to_py(_item_type(self.program, kind, name), value)

    def _fields_to_py(self, fields: tuple[Field, ...], v: Any) -> dict[str, Any]:
        return {snake(f.name): self.to_py(f.type, v[f.name]) for f in fields}

    def to_py(self, t: TypeRef, v: Any) -> Any:
        match t:
            case PrimType(prim=p):
                if p is Prim.PUBKEY:
                    return Pubkey.from_string(v)
                if p is Prim.BYTES:
                    return bytes.fromhex(v)
                return v
            case VecType(inner=inner) | ArrayType(inner=inner):
                return [self.to_py(inner, x) for x in v]
            case OptionType(inner=inner) | COptionType(inner=inner):
                return None if v is None else self.to_py(inner, v)
            case DefinedType(name=name):
                return self._typedef_to_py(name, v)
        raise TypeError(t)

    def _typedef_to_py(self, name: str, v: Any) -> Any:
        body = self.program.type(name).body
        if isinstance(body, StructBody):
            if body.kind is StructKind.TUPLE:
                return [self.to_py(f.type, x) for f, x in zip(body.fields, v, strict=True)]
            return self._fields_to_py(body.fields, v)
        assert isinstance(body, EnumBody)
        vname, payload = (v, None) if isinstance(v, str) else next(iter(v.items()))
        variant = next(x for x in body.variants if x.name == vname)
        ctor = getattr(self._enum_layout(name).enum, vname)
        if variant.kind is VariantKind.UNIT:
            return ctor()
        if variant.kind is VariantKind.TUPLE:
            return ctor(tuple(self.to_py(f.type, x) for f, x in zip(variant.fields, payload, strict=True)))
        return ctor(**{snake(f.name): self.to_py(f.type, payload[f.name]) for f in variant.fields})

    def _enum_layout(self, name: str) -> Any:
        td = self.typedefs[name]
        assert isinstance(td.ty, IdlTypeDefinitionTyEnum)
        return _handle_enum_variants(td.ty, self.idl.types, name)  # cached: the layout's own object

    # --- anchorpy -> canonical -------------------------------------------------------------------
    def _item_from_py(self, kind: str, name: str, obj: Any) -> Any:
        if kind == "instruction":
            ix = next(i for i in self.program.instructions if i.name == name)
            return self._fields_from_py(ix.args, obj)
        return self._typedef_from_py(_item_type(self.program, kind, name), obj)

    def _fields_from_py(self, fields: tuple[Field, ...], obj: Any) -> dict[str, Any]:
        return {f.name: self.from_py(f.type, _get(obj, snake(f.name))) for f in fields}

    def from_py(self, t: TypeRef, v: Any) -> Any:
        match t:
            case PrimType(prim=p):
                if p is Prim.PUBKEY:
                    return str(v)
                if p is Prim.BYTES:
                    return bytes(v).hex()
                return v
            case VecType(inner=inner) | ArrayType(inner=inner):
                return [self.from_py(inner, x) for x in v]
            case OptionType(inner=inner) | COptionType(inner=inner):
                return None if v is None else self.from_py(inner, v)
            case DefinedType(name=name):
                return self._typedef_from_py(name, v)
        raise TypeError(t)

    def _typedef_from_py(self, name: str, obj: Any) -> Any:
        body = self.program.type(name).body
        if isinstance(body, StructBody):
            if body.kind is StructKind.TUPLE:
                return [self.from_py(f.type, x) for f, x in zip(body.fields, obj, strict=True)]
            return self._fields_from_py(body.fields, obj)
        assert isinstance(body, EnumBody)
        variant = body.variants[obj.index]
        if variant.kind is VariantKind.UNIT:
            return variant.name
        if variant.kind is VariantKind.TUPLE:
            items = getattr(obj, TUPLE_DATA)
            return {variant.name: [self.from_py(f.type, x) for f, x in zip(variant.fields, items, strict=True)]}
        return {variant.name: self._fields_from_py(variant.fields, obj)}


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj[key]
    if is_dataclass(obj):
        names = {f.name for f in dc_fields(obj)}
        if key not in names and f"{key}_" in names:
            key = f"{key}_"  # anchorpy's dataclasses suffix Python keywords
    elif key in kwlist and hasattr(obj, f"{key}_"):
        key = f"{key}_"
    return getattr(obj, key)


def _item_type(program: Program, kind: str, name: str) -> str:
    if kind == "account":
        return next(a.type for a in program.accounts if a.name == name)
    if kind == "event":
        return next(e.type for e in program.events if e.name == name)
    return name
