"""Small helpers the tools share: reading an IDL given as a path or `REV:path`, with its config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from idlgen.config import FamilyConfig, ProgramConfig, find_config, load_config
from idlgen.ir.model import Program


@dataclass(frozen=True, slots=True)
class LoadedIdl:
    program: Program
    shown: str  # how the user named it
    config: ProgramConfig | None  # the [[tool.idlgen.programs]] entry for this IDL path, if any

    def family_config(self, stem: str) -> FamilyConfig | None:
        if self.config is None:
            return None
        return next((f for f in self.config.families if f.spec.stem == stem), None)


def _program_config(path: Path) -> ProgramConfig | None:
    """The configured program whose `idl` is `path` (resolved against the nearest config)."""
    found = find_config(Path.cwd())
    if found is None:
        return None
    config = load_config(found)
    target = path.resolve()
    return next((p for p in config.programs if (config.root / p.idl).resolve() == target), None)


def load_idl(arg: str, fallback: ProgramConfig | None = None) -> LoadedIdl:
    """`idl/x.json` or `REV:idl/x.json` (git, relative to the current folder), families from config.

    `fallback` is used when the path is not configured itself: an old copy of the same program
    (`tests/fixtures/v1.json`, a released file) has the same families as the configured one."""
    from idlgen import gitio
    from idlgen.anchor.load import load_program

    rev = gitio.split_rev(arg)
    path = Path(rev[1] if rev else arg)
    text = gitio.show(rev[0], rev[1], Path.cwd()) if rev else None
    prog_config = _program_config(path)
    if prog_config is None and fallback is not None:
        plain = load_program(path, text=text, display=arg)
        if plain.name != _configured_name(fallback):
            return LoadedIdl(plain, arg, None)
        prog_config = fallback
    families = prog_config.family_specs if prog_config else ()
    program = load_program(path, text=text, display=arg, families=families)
    return LoadedIdl(program, arg, prog_config)


def _configured_name(prog: ProgramConfig) -> str | None:
    """The program name in a configured IDL's JSON (legacy `name` or spec `metadata.name`)."""
    import json

    found = find_config(Path.cwd())
    root = found.parent if found else Path.cwd()
    try:
        doc = json.loads((root / prog.idl).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    meta = doc.get("metadata") if isinstance(doc, dict) else None
    name = meta.get("name") if isinstance(meta, dict) and "name" in meta else doc.get("name")
    return name if isinstance(name, str) else None
