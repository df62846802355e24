"""C++ target: one header-only Borsh codec per program plus the shared runtime `idlgen_borsh.hpp`.

    generated/cpp/<program>.hpp      types, accounts, events, instructions, families, errors
    generated/cpp/idlgen_borsh.hpp   Writer / Reader / Status and the Borsh primitives

`render_conformance` emits a C++ test program that checks the generated codecs against byte
vectors produced by another implementation (the Python codec).
"""

from __future__ import annotations

from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    Field,
    OptionType,
    Program,
    StructBody,
    TypeDef,
    TypeRef,
)
from idlgen.targets.base import RenderContext, header_lines
from idlgen.targets.cpp.conformance import Vector, render_conformance
from idlgen.targets.cpp.header import render_header, render_runtime


class CppTarget:
    name = "cpp"

    def render(self, program: Program, ctx: RenderContext) -> dict[str, str]:
        _check_by_value_cycles(program, ctx)
        out = f"{ctx.out}/cpp"
        return {
            f"{out}/{header_file(program)}": render_header(program, ctx),
            f"{out}/idlgen_borsh.hpp": render_runtime(),
        }


def _check_by_value_cycles(program: Program, ctx: RenderContext) -> None:
    """A type that holds itself by value through Option / COption / an array (Rust needs a Box there,
    which the IDL does not show) cannot be a C++ value type: std::optional needs a complete type. Only a
    Vec in between makes it a heap indirection."""

    def reaches(ref: TypeRef, goal: str, seen: set[str]) -> bool:
        match ref:
            case OptionType(inner=i) | COptionType(inner=i) | ArrayType(inner=i):
                return reaches(i, goal, seen)
            case DefinedType(name=n):
                if n == goal:
                    return True
                if n in seen:
                    return False
                seen.add(n)
                return any(reaches(f.type, goal, seen) for f in _fields(program.type(n)))
            case _:
                return False

    for td in program.types:
        for f in _fields(td):
            if reaches(f.type, td.name, set()):
                raise IdlgenError(f"type {td.name!r} contains itself through Option/COption/array (a Box in "
                                  "Rust): the C++ target cannot hold it by value; put a Vec in between",
                                  file=ctx.idl_path, path=f.path or td.path)


def _fields(td: TypeDef) -> tuple[Field, ...]:
    if isinstance(td.body, StructBody):
        return td.body.fields
    return tuple(f for v in td.body.variants for f in v.fields)


def header_file(program: Program) -> str:
    from idlgen.targets.cpp.header import file_stem

    return f"{file_stem(program)}.hpp"


TARGET = CppTarget()

__all__ = ["TARGET", "CppTarget", "Vector", "header_file", "header_lines", "render_conformance"]
