"""View for `types.py`: one class and one codec pair per TypeDef, as ready strings."""

from __future__ import annotations

from dataclasses import dataclass

from idlgen.ir.model import EnumBody, Program, StructBody, StructKind, TypeDef
from idlgen.targets.escape import py_docstring_lines
from idlgen.targets.escape import py_docstring_text as _d
from idlgen.targets.python.codegen import Codegen
from idlgen.targets.python.names import all_sort_key
from idlgen.targets.python.shapes import Shapes, TypeShape


@dataclass(frozen=True, slots=True)
class ClassBlock:
    text: str


def docstring(lines: tuple[str, ...] | list[str], indent: str, fallback: str = "") -> list[str]:
    """IDL text (untrusted) as a docstring; every line goes through `escape.py_docstring_lines`."""
    body = [line.rstrip() for line in py_docstring_lines(lines)] or ([fallback] if fallback else [])
    if not body:
        return []
    if len(body) == 1:
        return [f'{indent}"""{body[0]}"""']
    return [f'{indent}"""{body[0]}', *[f"{indent}{line}" if line else "" for line in body[1:]], f'{indent}"""']


def _buffer() -> str:
    return "bytes | bytearray | memoryview"


def uses_memory(td: TypeDef) -> bool:
    """Whether the type's own encoding is its repr(C) memory image (zero-copy)."""
    return td.zero_copy and td.c_layout is not None


def class_text(shape: TypeShape, shapes: Shapes) -> str:
    td = shape.td
    out: list[str] = []
    if isinstance(td.body, StructBody):
        out.append("@dataclass(slots=True)")
        out.append(f"class {shape.cls}:")
        doc = list(td.docs)
        kind = {StructKind.NAMED: "struct", StructKind.TUPLE: "tuple struct", StructKind.UNIT: "unit struct"}
        wire = "repr(C) memory image" if uses_memory(td) else "Borsh"
        doc += ([""] if doc else []) + [f"IDL {kind[td.body.kind]} `{td.name}` ({wire})."]
        out += docstring(doc, "    ")
        out.append("")
        out.append(f"    IDL_NAME: ClassVar[str] = {td.name!r}")
        for f, attr in zip(td.body.fields, shape.fields, strict=True):
            out.append(f"    {attr}: {shapes.annotation(f.type)}")
            if f.docs or f.name != attr:
                extra = list(f.docs) + ([f"IDL name: `{f.name}`."] if f.name != attr else [])
                out += docstring(extra, "    ")
        out += ["", "    def encode(self) -> bytes:", f"        return encode_{shape.stem}(self)", "",
                "    @classmethod",
                f"    def decode(cls, data: {_buffer()}, *, strict: bool = True) -> {shape.cls}:",
                f"        return decode_{shape.stem}(data, strict=strict)"]
        return "\n".join(out)
    body: EnumBody = td.body
    if body.is_unit_only:
        out.append(f"class {shape.cls}(IntEnum):")
        out += docstring(list(td.docs) + ([""] if td.docs else []) + [f"IDL enum `{td.name}` (u8 tag)."], "    ")
        out.append("")
        for k, vs in enumerate(shape.variants):
            out.append(f"    {vs.cls} = {k}")
        out += ["", "    def encode(self) -> bytes:", f"        return encode_{shape.stem}(self)", "",
                "    @classmethod",
                f"    def decode(cls, data: {_buffer()}, *, strict: bool = True) -> {shape.cls}:",
                f"        return decode_{shape.stem}(data, strict=strict)"]
        return "\n".join(out)
    for k, vs in enumerate(shape.variants):
        v = vs.variant
        if k:
            out += ["", ""]
        out.append("@dataclass(slots=True)")
        out.append(f"class {vs.cls}:")
        out += docstring([f"Variant `{v.name}` (tag {body.variants.index(v)}) of the IDL enum `{td.name}`."],
                         "    ")
        out.append("")
        out.append(f"    TAG: ClassVar[int] = {body.variants.index(v)}")
        out.append(f"    IDL_NAME: ClassVar[str] = {v.name!r}")
        for f, attr in zip(v.fields, vs.fields, strict=True):
            out.append(f"    {attr}: {shapes.annotation(f.type)}")
        out += ["", "    def encode(self) -> bytes:", f"        return encode_{shape.stem}(self)"]
    members = " | ".join(vs.cls for vs in shape.variants)
    out += ["", "", f"{shape.cls}: TypeAlias = {members}"]
    out += docstring(list(td.docs) + ([""] if td.docs else [])
                     + [f"IDL enum `{td.name}`: one class per variant (u8 tag = `TAG`)."], "")
    return "\n".join(out)


def public_functions(shape: TypeShape, gen: Codegen) -> str:
    td = shape.td
    mem = uses_memory(td)
    dec = gen.dec_fn(td, mem)
    enc = gen.enc_fn(td, mem)
    name = td.name
    return "\n".join([
        f"def encode_{shape.stem}(value: {shape.cls}) -> bytes:",
        f'    """Encode a `{_d(name)}` ({"repr(C) memory image" if mem else "Borsh"})."""',
        "    out = bytearray()",
        "    try:",
        f"        {enc}(value, out)",
        "    except EncodeError as e:",
        f"        raise e.at({name!r}) from None",
        "    except RecursionError:",
        f"        raise deep_encode({name!r}) from None",
        "    return bytes(out)",
        "",
        "",
        f"def decode_{shape.stem}(data: {_buffer()}, *, strict: bool = True) -> {shape.cls}:",
        f'    """Decode a `{_d(name)}`; `strict` (default) rejects trailing bytes."""',
        "    b = bytes(data)",
        "    try:",
        f"        value, o = {dec}(b, 0)",
        "        if strict and o != len(b):",
        "            raise trailing(b, o)",
        "    except DecodeError as e:",
        f"        raise e.at({name!r}) from None",
        "    except RecursionError:",
        f"        raise deep_decode({name!r}) from None",
        "    return value",
    ])


def types_view(program: Program, shapes: Shapes, gen: Codegen) -> dict[str, object]:
    classes = [class_text(shapes[td.name], shapes) for td in program.types]
    members: list[str] = []
    for td in program.types:
        if isinstance(td.body, EnumBody) and td.body.is_unit_only:
            tags = ", ".join(f"{k}: {k}" for k in range(len(td.body.variants)))
            members.append(f"{gen.members(td.name)} = tuple({shapes[td.name].cls})")
            members.append(f"{gen.members(td.name).replace('_V_', '_W_', 1)}: dict[int, int] = {{{tags}}}")
    codecs = ["\n".join(gen.type_functions(td)) for td in program.types]
    public = [public_functions(shapes[td.name], gen) for td in program.types]
    # Constants last: generating the functions above registers every struct and table they use.
    return {
        "classes": classes,
        "members": members,
        "structs": gen.registry.lines(),
        "tables": gen.consts.lines(),
        "codecs": codecs,
        "public": public,
        "exports": sorted({shapes[td.name].cls for td in program.types}
                          | {vs.cls for td in program.types for vs in shapes[td.name].variants
                             if shapes[td.name].is_data_enum}
                          | {f"{p}_{shapes[td.name].stem}" for td in program.types for p in ("encode", "decode")},
                          key=all_sort_key),
    }
