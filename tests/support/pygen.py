"""Generate the Python target for any IDL into a folder and import it (for tests of every area).

    mod = generate_python_package(Path("idl/godark_settlement.json"), tmp_path)
    mod.json_bridge.encode("type", "BatchV2", value)

The package is rendered by idlgen in this process, written under `dest/<unique name>/` and imported
under that unique name, so several programs (or two renderings of one) can live in one test session.
The generated code itself never imports idlgen.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from idlgen.anchor.load import load_program
from idlgen.anchor.lower import FamilySpec
from idlgen.config import load_config
from idlgen.targets.base import ProgramNames, RenderContext
from idlgen.targets.python import render_package

ROOT = Path(__file__).resolve().parents[2]
SUBMODULES = ("_schema", "types", "accounts", "events", "instructions", "errors", "families", "constants",
              "json_bridge")


def configured_families(idl_path: Path) -> tuple[FamilySpec, ...]:
    """The families pyproject.toml configures for `idl_path` (empty when it is not configured)."""
    config = load_config(ROOT / "pyproject.toml")
    for prog in config.programs:
        if (config.root / prog.idl).resolve() == idl_path.resolve():
            return prog.family_specs
    return ()


def render_python(idl_path: Path, families: Sequence[FamilySpec] | None = None, package: str = "pkg",
                  validate: bool = True) -> dict[str, str]:
    """{file name: text} of the package for `idl_path` (families default to the configured ones)."""
    fams = configured_families(idl_path) if families is None else tuple(families)
    program = load_program(idl_path, families=fams)
    resolved = Path(idl_path).resolve()
    shown = resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else resolved.name
    ctx = RenderContext(names=ProgramNames.of(program, package), idl_path=shown, lock_path="unused.lock")
    return render_package(program, ctx, validate=validate)


def generate_python_package(idl_path: Path, dest: Path, families: Sequence[FamilySpec] | None = (),
                            validate: bool = False) -> ModuleType:
    """Render the Python target for `idl_path` into `dest` and import it under a unique module name.

    `families=None` uses the families configured in pyproject.toml for that IDL. All submodules are
    imported and reachable as attributes (`mod.types`, `mod.json_bridge`, ...). The libcst parse of
    the build is skipped by default (`validate=False`): importing compiles every module anyway.
    """
    idl_path = Path(idl_path)
    files = render_python(idl_path, families, validate=validate)
    digest = hashlib.sha256("".join(f"{k}\0{v}" for k, v in sorted(files.items())).encode()).hexdigest()[:12]
    name = f"_idlgen_{''.join(c if c.isalnum() else '_' for c in idl_path.stem)}_{digest}"
    pkg_dir = Path(dest) / name
    pkg_dir.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (pkg_dir / rel).write_text(text, encoding="utf-8")
    if str(dest) not in sys.path:
        sys.path.insert(0, str(dest))
    importlib.invalidate_caches()
    module = importlib.import_module(name)
    for sub in SUBMODULES:
        importlib.import_module(f"{name}.{sub}")
    return module
