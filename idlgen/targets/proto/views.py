"""Schema -> ready strings for templates/proto/*.jinja (templates only place them)."""

from __future__ import annotations

from typing import Any, assert_never

from idlgen.targets.escape import comment_lines, line_comment
from idlgen.targets.proto.schema import (
    Bytes,
    EnumRef,
    MessageRef,
    Optional,
    ProtoEnum,
    ProtoField,
    ProtoMessage,
    Repeated,
    Scalar,
    Schema,
    Shape,
    Wrap,
    proto_type,
)


def _comment(lines: tuple[str, ...] | list[str]) -> list[str]:
    return [line.rstrip() for line in comment_lines(lines)]


def _reserved(numbers: list[int], names: list[str]) -> list[str]:
    out: list[str] = []
    if numbers:
        out.append("reserved " + ", ".join(str(n) for n in numbers) + ";")
    if names:
        out.append("reserved " + ", ".join(f'"{n}"' for n in names) + ";")
    return out


class ProtoViews:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def type_ref(self, full: str, top: ProtoMessage) -> str:
        """How a field inside `top` (or a message nested in it) names message/enum `full`, unambiguously."""
        prefix = top.full + "."
        if full.startswith(prefix):
            return full[len(prefix):]
        nested = {n.name for n in top.nested}
        if full.split(".", maxsplit=1)[0] in nested:  # a variant message would shadow the top-level name
            return f".{self.schema.package}.{full}"
        return full

    def field(self, f: ProtoField, top: ProtoMessage) -> dict[str, Any]:
        label, typ = proto_type(f.shape)
        ref = _ref_name(f.shape)
        if ref is not None:
            typ = self.type_ref(ref, top)
        if f.oneof is not None:
            label = ""
        decl = f"{label + ' ' if label else ''}{typ} {f.name} = {f.number};"
        return {"kind": "field", "comment": _comment(f.docs), "line": f"{decl}  // {line_comment(f.idl)}"}

    def message(self, m: ProtoMessage, top: ProtoMessage | None = None) -> dict[str, Any]:
        top = top or m
        items: list[dict[str, Any]] = []
        plain = [f for f in m.fields if f.oneof is None]
        items.extend(self.field(f, top) for f in plain)
        members = [f for f in m.fields if f.oneof is not None]
        if members:
            items.append({"kind": "oneof", "name": members[0].oneof,
                          "fields": [self.field(f, top) for f in members]})
        for line in _reserved(m.reserved_numbers, m.reserved_names):
            items.append({"kind": "field", "comment": [], "line": line})
        for n in m.nested:
            items.append({"kind": "message", "message": self.message(n, top)})
        return {"name": m.name, "comment": _comment(m.docs), "items": items}

    def enum(self, e: ProtoEnum) -> dict[str, Any]:
        values = [f"{e.zero} = 0;"] + [f"{v.name} = {v.number};  // {line_comment(v.variant)}" for v in e.values]
        return {"name": e.name, "comment": _comment(e.docs),
                "values": values + _reserved(e.reserved_numbers, e.reserved_names)}

    def proto(self) -> dict[str, Any]:
        return {"package": self.schema.package,
                "enums": [self.enum(e) for e in self.schema.enums],
                "messages": [self.message(m) for m in self.schema.messages]}


def _ref_name(shape: Shape) -> str | None:
    match shape:
        case EnumRef(name) | MessageRef(name):
            return name
        case Wrap(message, _, _):
            return message
        case Repeated(elem, _):
            return _ref_name(elem)
        case Optional(inner):
            return _ref_name(inner)
        case Scalar() | Bytes():
            return None
        case _:
            assert_never(shape)


# --- the conversion table of proto_convert.py ---------------------------------------------------------

def shape_literal(shape: Shape) -> tuple[Any, ...]:
    """Compact tuples the generated runtime interprets (see templates/proto/proto_convert.py.jinja)."""
    match shape:
        case Scalar(prim):
            return ("s", prim.value)
        case Bytes(kind, length):
            return ("b", kind, length)
        case EnumRef(name):
            return ("e", name)
        case MessageRef(name):
            return ("m", name)
        case Repeated(elem, length):
            return ("r", shape_literal(elem), length)
        case Optional(inner):
            return ("o", shape_literal(inner))
        case Wrap(message, field, inner):
            return ("w", message, field, shape_literal(inner))
        case _:
            assert_never(shape)


def convert_tables(schema: Schema) -> dict[str, list[str]]:
    """One `repr` line per table entry: deterministic (repr of str/int/None/tuple) and diffable."""
    messages: list[str] = []

    def add(m: ProtoMessage) -> None:
        second = m.oneof if m.role in {"enum", "envelope"} else m.struct_kind
        if not m.fields:
            messages.append(f"{m.full!r}: ({m.role!r}, {second!r}, ()),")
        else:  # one field per line: a schema change reads as a one-line diff
            messages.append(f"{m.full!r}: ({m.role!r}, {second!r}, (")
            messages.extend(f"    {(f.key, f.name, shape_literal(f.shape))!r}," for f in m.fields)
            messages.append(")),")
        for n in m.nested:
            add(n)

    for m in schema.messages:
        add(m)
    enums = [f"{e.name!r}: {tuple((v.variant, v.number) for v in e.values)!r}," for e in schema.enums]
    lookup: list[str] = []
    unit_enums = {e.name for e in schema.enums}
    for idl, proto in sorted(schema.type_names.items()):
        lookup.append(f"{('type', idl)!r}: {(('enum' if proto in unit_enums else 'message'), proto)!r},")
    for kind, table in (("account", schema.accounts), ("event", schema.events),
                        ("instruction", schema.instructions)):
        for idl, proto in sorted(table.items()):
            lookup.append(f"{(kind, idl)!r}: {('message', proto)!r},")
    families = [f"{f.stem!r}: {f.message!r}," for f in schema.families]
    return {"messages": messages, "enums": enums, "lookup": lookup, "families": families}
