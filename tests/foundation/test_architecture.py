"""Imports go one way: cli -> pipeline -> {anchor, targets, compat, write} -> ir.

The readers of IDL JSON (`anchor/`) and the emitters (`targets/`) never import each other, the model
(`ir/`) depends on nothing else of idlgen, and nothing but the CLI layer imports the CLI. Source is read
with libcst, as everywhere idlgen inspects Python.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

PKG = Path(__file__).resolve().parents[2] / "idlgen"


def imported_modules(path: Path) -> set[str]:
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    class Visitor(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            for alias in node.names:
                found.add(cst.Module([]).code_for_node(alias.name))

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            if node.module is not None and not node.relative:
                found.add(cst.Module([]).code_for_node(node.module))

    module.visit(Visitor())
    return {m for m in found if m == "idlgen" or m.startswith("idlgen.")}


def area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


FORBIDDEN = {
    "ir": {"anchor", "targets", "compat", "write", "pipeline", "cli", "config", "tools"},
    "anchor": {"targets", "compat", "write", "pipeline", "cli", "tools"},
    "targets": {"anchor", "compat", "write", "pipeline", "cli", "tools"},
    "compat": {"targets", "write", "cli"},
    "write": {"anchor", "targets", "compat", "ir", "pipeline", "cli"},
}


@pytest.mark.parametrize("source", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_import_direction(source: Path) -> None:
    rel = source.relative_to(PKG)
    here = rel.parts[0].removesuffix(".py")
    bad = {m for m in imported_modules(source) if area(m) in FORBIDDEN.get(here, set())}
    # targets may use Anchor's casing helpers: names are a pure function library, not the loader.
    if here == "targets":
        bad.discard("idlgen.anchor.names")
    assert not bad, f"{rel} imports {sorted(bad)}"
