"""The Python target: one self-contained package per program under `<out>/python/<package>/`."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import Program
from idlgen.targets.base import RenderContext, header_lines
from idlgen.targets.escape import line_comment
from idlgen.targets.python.codegen import Codegen
from idlgen.targets.python.modules import (
    accounts_view,
    bridge_view,
    constants_view,
    errors_exports,
    errors_view,
    events_view,
    families_view,
    instruction_names,
    instructions_view,
)
from idlgen.targets.python.names import isort_key
from idlgen.targets.python.relayer import relayer_view
from idlgen.targets.python.schema import schema_entries
from idlgen.targets.python.shapes import Shapes
from idlgen.targets.python.types_view import types_view
from idlgen.targets.render import render

# Names a generated module may import: (statement, names it provides). Only the used ones are emitted.
_IMPORTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("import base64", ("base64",)),
    ("import dataclasses", ("dataclasses",)),
    ("import hashlib", ("hashlib",)),
    ("import re", ("re",)),
    ("import struct", ("struct",)),
    ("from collections.abc import Callable, Iterable, Mapping, Sequence",
     ("Callable", "Iterable", "Mapping", "Sequence")),
    ("from dataclasses import dataclass", ("dataclass",)),
    ("from enum import IntEnum", ("IntEnum",)),
    ("from typing import Any, ClassVar, Final, TypeAlias", ("Any", "ClassVar", "Final", "TypeAlias")),
    ("from solders.instruction import AccountMeta, Instruction", ("AccountMeta", "Instruction")),
    ("from solders.pubkey import Pubkey", ("Pubkey",)),
)

_BORSH_NAMES = (
    "DecodeError", "EncodeError", "BOOL", "BOOLB", "M64", "Z32", "INVALID", "ENC_ERRORS", "bad", "pk", "pkb",
    "short", "diagnose", "diagnose_fields", "bad_tag", "bad_ctag", "trailing", "r_str", "r_bytes", "r_len",
    "w_str", "w_bytes", "w_len", "seq", "fixed", "enc_error", "enc_elems_error", "check_discriminator", "U32",
    "deep_decode", "deep_encode",
)


_PRIVATE = re.compile(r"_(?:d|e|dm|em)_\w+|_[STFVW]_\w+")


def imports_for(code: str, local: Iterable[tuple[str, tuple[str, ...]]] = (), private: bool = False) -> list[str]:
    """The import lines `code` needs (stdlib, solders, the package's own modules), sorted like isort.

    With `private`, the codec functions and tables of `types.py` it uses are imported too.
    """
    tree = ast.parse(code)
    referenced = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    defined |= {t.id for n in tree.body if isinstance(n, ast.Assign | ast.AnnAssign)
                for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)}

    def used(name: str) -> bool:
        return name in referenced and name not in defined

    std: list[str] = []
    third: list[str] = []
    for stmt, provided in _IMPORTS:
        names = [n for n in provided if used(n)]
        if not names:
            continue
        if stmt.startswith("import "):
            std.append(stmt)
        else:
            mod = stmt.split()[1]
            line = f"from {mod} import {', '.join(names)}"
            (third if mod.startswith("solders") else std).append(line)
    own: list[tuple[str, str]] = []
    borsh = [n for n in _BORSH_NAMES if used(n)]
    if borsh:
        own.append(("_borsh", _wrap("from ._borsh import ", borsh)))
    for module, provided in local:
        wanted = {n for n in provided if used(n)}
        if private and module == "types":
            wanted |= {n for n in referenced if n[:1] == "_" and _PRIVATE.fullmatch(n) and n not in defined}
        if wanted:
            own.append((module, _wrap(f"from .{module} import ", sorted(wanted))))
    out = sorted(std, key=lambda s: (s.startswith("from"), s.split()[1].lower()))
    if third:
        out += ["", *sorted(third)]
    if own:
        out += ["", *(line for _, line in sorted(own))]
    return out


def _wrap(prefix: str, names: list[str]) -> str:
    names = sorted(names, key=lambda n: isort_key(n.split()[0]))
    line = prefix + ", ".join(names)
    if len(line) <= 120:
        return line
    return prefix + "(\n" + "".join(f"    {n},\n" for n in names) + ")"


MARK = "#@imports@#"

# Which sibling modules each module may import public names from (imports only go this way).
_SIBLINGS: dict[str, tuple[str, ...]] = {
    "types": (),
    "_schema": (),
    "errors": (),
    "constants": (),
    "accounts": ("types",),
    "events": ("types",),
    "instructions": ("types", "constants"),
    "families": ("types", "errors", "instructions"),
    "relayer": ("types", "errors", "instructions", "families"),
    "json_bridge": ("_schema", "types", "accounts", "events", "instructions"),
}


class PythonTarget:
    name = "python"

    def render(self, program: Program, ctx: RenderContext) -> dict[str, str]:
        pkg = ctx.names.python_package
        if not pkg.isidentifier():
            raise IdlgenError(f"python_package {pkg!r} is not a valid Python identifier", file=ctx.idl_path)
        files = render_package(program, ctx, validate=ctx.for_write)
        return {f"{ctx.out}/python/{pkg}/{rel}": text for rel, text in files.items()}


def render_package(program: Program, ctx: RenderContext, validate: bool = True) -> dict[str, str]:
    """{module file name: text} for one program's package.

    `validate` parses every module with libcst (the build always does; tests that import the package
    anyway may skip it, Python's own compiler then proves the same).
    """
    header = "\n".join("# " + line_comment(line) for line in header_lines(program, ctx))
    shapes = Shapes(program)
    gen = Codegen(program, shapes)
    common = {"header": header, "program_name": program.name, "imports": MARK}
    views: list[tuple[str, dict[str, object]]] = [
        ("types", types_view(program, shapes, gen)),
        ("errors", errors_view(program)),
        ("constants", constants_view(program)),
        ("accounts", accounts_view(program, shapes, gen)),
        ("events", events_view(program, shapes, gen)),
        ("instructions", instructions_view(program, shapes, gen)),
        ("families", families_view(program, shapes)),
        *([("relayer", relayer)] if (relayer := relayer_view(program, shapes))["blocks"] else []),
        ("json_bridge", bridge_view(program, shapes)),
        ("_schema", {"entries": schema_entries(program, shapes)}),
    ]
    # instructions.py shares the struct/table registry with types.py: emitted once, in types.py, after
    # every module registered what it uses.
    exported = {
        "types": tuple(str(n) for n in views[0][1]["exports"]),  # type: ignore[attr-defined]
        "errors": (*errors_exports(program), "CustomError"),
        "constants": ("PROGRAM_ID",),
        "accounts": ("ACCOUNTS",),
        "events": ("EVENTS",),
        "instructions": ("INSTRUCTIONS", *(n for spelled in instruction_names(program, shapes).values()
                                           for n in spelled[1:])),
        "_schema": ("TYPES",),
    }
    files: dict[str, str] = {}
    for module, view in views:
        text = render(f"python/{module}.py.jinja", **view, **common)
        files[f"{module}.py"] = text
    files["types.py"] = render("python/types.py.jinja", **{**views[0][1], "structs": gen.registry.lines(),
                                                          "tables": gen.consts.lines()}, **common)
    exported["families"] = _top_level_names(files["families.py"].replace(MARK, ""))
    for module in list(files):
        text = files[module]
        local = [(m, exported[m]) for m in _SIBLINGS[module.removesuffix(".py")]]
        body = text.replace(MARK, "")
        block = "\n".join(imports_for(body, local, private=module != "types.py"))
        head, tail = text.split(MARK + "\n", 1)
        tail = tail.lstrip("\n")
        gap = "\n\n\n" if tail.startswith(("def ", "class ", "@")) else "\n\n"
        files[module] = head + block + gap + tail
    files["__init__.py"] = render("python/__init__.py.jinja", idl_name=program.name, version=program.version,
                                  **common)
    files["_borsh.py"] = render("python/_borsh.py.jinja", **common)
    for rel, text in files.items():
        if any(len(line) > 120 for line in text.splitlines()):
            # Straight-line codecs and data tables make long lines; ruff checks everything else.
            files[rel] = text.replace(header + "\n", header + "\n# ruff: noqa: E501\n", 1)
    files["py.typed"] = ""
    if validate:
        import libcst  # only when proving the files: `idlgen check` never writes and skips the proof
    for rel, text in files.items():
        if validate and rel.endswith(".py"):
            try:
                libcst.parse_module(text)
            except libcst.ParserSyntaxError as exc:
                raise IdlgenError(f"internal error: generated {rel} does not parse: "
                                  f"{str(exc).splitlines()[0]}", file=ctx.idl_path) from None
    return files


def _top_level_names(code: str) -> tuple[str, ...]:
    """Public functions, classes and assignments of a module (what a sibling may import from it)."""
    out: list[str] = []
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            out.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out += [t.id for t in targets if isinstance(t, ast.Name)]
    return tuple(n for n in out if not n.startswith("_"))


TARGET = PythonTarget()
