"""Modified copies of the bundled IDL, generated packages rendered for them, and the relayer project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from idlgen.migrate.renames import Renames
from tests.conftest import SETTLEMENT
from tests.support.pygen import render_python

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "relayer_project"
VENV_BIN = Path(sys.executable).parent
PACKAGE = "godark_settlement"

Doc = dict[str, Any]


def _type(doc: Doc, name: str) -> Doc:
    return next(t for t in doc["types"] if t["name"] == name)


def _rename_defined(node: Any, old: str, new: str) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "defined" and isinstance(v, dict) and v.get("name") == old:
                v["name"] = new
            else:
                _rename_defined(v, old, new)
    elif isinstance(node, list):
        for v in node:
            _rename_defined(v, old, new)


def rename_field(doc: Doc, type_name: str, old: str, new: str) -> None:
    f = next(f for f in _type(doc, type_name)["type"]["fields"] if f["name"] == old)
    f["name"] = new


def rename_type(doc: Doc, old: str, new: str) -> None:
    _type(doc, old)["name"] = new
    _rename_defined(doc, old, new)


def rename_account(doc: Doc, old: str, new: str) -> None:
    """An account and its layout type (the spec format names both alike); the discriminator is kept."""
    next(a for a in doc["accounts"] if a["name"] == old)["name"] = new
    rename_type(doc, old, new)


def rename_variant(doc: Doc, enum: str, old: str, new: str) -> None:
    v = next(v for v in _type(doc, enum)["type"]["variants"] if v["name"] == old)
    v["name"] = new


def _ix(doc: Doc, name: str) -> Doc:
    return next(i for i in doc["instructions"] if i["name"] == name)


def rename_arg(doc: Doc, ix: str, old: str, new: str) -> None:
    next(a for a in _ix(doc, ix)["args"] if a["name"] == old)["name"] = new


def rename_ix_account(doc: Doc, ix: str, old: str, new: str) -> None:
    next(a for a in _ix(doc, ix)["accounts"] if a["name"] == old)["name"] = new


def rename_instruction(doc: Doc, old: str, new: str) -> None:
    _ix(doc, old)["name"] = new  # the discriminator is kept: diff pairs them by it


def the_renames(doc: Doc) -> None:
    """Every kind of rename the relayer project exercises."""
    rename_field(doc, "TradeEventV2", "fee_bps", "taker_fee_bps")
    rename_arg(doc, "deposit", "amount", "lamports")
    rename_ix_account(doc, "deposit", "user_token_account", "owner_token_account")
    rename_account(doc, "VaultBalance", "VaultLedger")
    rename_type(doc, "Side", "TradeSide")
    rename_variant(doc, "OrderType", "PostOnly", "PostOnlyMaker")
    rename_instruction(doc, "withdraw", "withdraw_funds")


def modified_idl(dest: Path, *edits: Callable[[Doc], None]) -> Path:
    doc = json.loads(SETTLEMENT.read_text(encoding="utf-8"))
    for edit in edits:
        edit(doc)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return dest


def render_package(idl: Path, dest: Path) -> Path:
    """The generated Python package of `idl` as `dest/godark_settlement/` (what `idlgen build` writes)."""
    pkg = dest / PACKAGE
    if pkg.exists():
        shutil.rmtree(pkg)
    pkg.mkdir(parents=True)
    for rel, text in render_python(idl, families=(), package=PACKAGE, validate=False).items():
        (pkg / rel).write_text(text, encoding="utf-8")
    return dest


def copy_project(dest: Path) -> Path:
    shutil.copytree(PROJECT, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def run_checks(project: Path, generated: Path) -> subprocess.CompletedProcess[str]:
    """The project's own tests, in a fresh interpreter, against one generated package."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(generated), str(project)]), PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:pytest_anchorpy",
           "--rootdir", str(project), "-c", os.devnull, str(project / "checks" / "relayer_checks.py")]
    return subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, check=False, timeout=300)


def idlgen(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / "idlgen"), *args], cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=300)


def plan(old_idl: Path, new_idl: Path) -> Renames:
    """The renames migrate derives for OLD -> NEW, in this process."""
    from idlgen.anchor.load import load_program
    from idlgen.compat.differences import Side, compare
    from idlgen.migrate import renames
    from idlgen.migrate.symbols import build_api

    sides = []
    for p in (old_idl, new_idl):
        text = p.read_text(encoding="utf-8")
        sides.append(Side(load_program(str(p), text=text), text, str(p), str(p)))
    o, n = sides
    built = renames.build([(compare(o, n), o.program, n.program)], [build_api(o.program, PACKAGE)],
                          [build_api(n.program, PACKAGE)])
    return built[0]
