"""C++ target: one header-only Borsh codec per program plus the shared runtime `idlgen_borsh.hpp`.

    generated/cpp/<program>.hpp      types, accounts, events, instructions, families, errors
    generated/cpp/idlgen_borsh.hpp   Writer / Reader / Status and the Borsh primitives

`render_conformance` emits a C++ test program that checks the generated codecs against byte
vectors produced by another implementation (the Python codec).
"""

from __future__ import annotations

from idlgen.ir.model import Program
from idlgen.targets.base import RenderContext, header_lines
from idlgen.targets.cpp.conformance import Vector, render_conformance
from idlgen.targets.cpp.header import render_header, render_runtime


class CppTarget:
    name = "cpp"

    def render(self, program: Program, ctx: RenderContext) -> dict[str, str]:
        out = f"{ctx.out}/cpp"
        return {
            f"{out}/{header_file(program)}": render_header(program, ctx),
            f"{out}/idlgen_borsh.hpp": render_runtime(),
        }


def header_file(program: Program) -> str:
    from idlgen.targets.cpp.header import file_stem

    return f"{file_stem(program)}.hpp"


TARGET = CppTarget()

__all__ = ["TARGET", "CppTarget", "Vector", "header_file", "header_lines", "render_conformance"]
