"""The whole flow: load each configured IDL into the model, render every target, hand files to the writer.

    IDL JSON --anchor.load--> ir.Program --targets.<t>.render--> {path: text} --write.Writer--> disk

Nothing here touches disk except through `Writer`; `check` renders in memory and compares.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from idlgen.anchor.load import load_program
from idlgen.config import Config, ProgramConfig
from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import Program
from idlgen.targets.base import ProgramNames, RenderContext, Target
from idlgen.write import Stale, Writer, WriteReport

# Imported lazily so that `idlgen check` on an up-to-date tree pays only for the targets it renders.
TARGET_MODULES = {
    "proto": "idlgen.targets.proto",
    "python": "idlgen.targets.python",
    "cpp": "idlgen.targets.cpp",
}


@dataclass(frozen=True, slots=True)
class Loaded:
    config: ProgramConfig
    program: Program


def load(config: Config, prog: ProgramConfig) -> Program:
    path = config.root / prog.idl
    return load_program(path, display=prog.idl.as_posix(), families=prog.family_specs)


def load_all(config: Config) -> list[Loaded]:
    if not config.programs:
        raise IdlgenError("no IDL to build: pass a path (idlgen build idl/program.json) or configure "
                          "[[tool.idlgen.programs]]")
    return [Loaded(p, load(config, p)) for p in config.programs]


def target(name: str) -> Target:
    module = importlib.import_module(TARGET_MODULES[name])
    t: Target = module.TARGET
    return t


def context(config: Config, prog: ProgramConfig, program: Program) -> RenderContext:
    lock = prog.lock_path()
    try:
        lock_text: str | None = (config.root / lock).read_text(encoding="utf-8")
    except FileNotFoundError:
        lock_text = None
    names = ProgramNames.of(program, prog.python_package, prog.cpp_namespace, prog.proto_package)
    return RenderContext(names=names, idl_path=prog.idl.as_posix(), lock_path=lock.as_posix(),
                         lock_text=lock_text, out=config.out.as_posix(), targets=config.targets,
                         extra={"root": config.root.as_posix()})  # lets the proto target reuse compiled pb2


def render_all(config: Config, loaded: list[Loaded] | None = None) -> dict[str, str]:
    files: dict[str, str] = {}
    for item in loaded if loaded is not None else load_all(config):
        ctx = context(config, item.config, item.program)
        for name in config.targets:
            for path, text in target(name).render(item.program, ctx).items():
                if path in files and files[path] != text:
                    raise IdlgenError(f"two programs generate the same file {path}: give them different names")
                files[path] = text
    return files


def writer(config: Config) -> Writer:
    locks = [p.lock_path().as_posix() for p in config.programs] if "proto" in config.targets else []
    return Writer(config.root, config.out, extra_allowed=locks)


def build(config: Config) -> tuple[list[Loaded], WriteReport]:
    loaded = load_all(config)
    files = render_all(config, loaded)
    return loaded, writer(config).write(files)


def check(config: Config) -> list[Stale]:
    return writer(config).check(render_all(config))


def resolve_idl_arg(root: Path, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else (Path.cwd() / p).resolve().relative_to(root.resolve()) \
        if (Path.cwd() / p).resolve().is_relative_to(root.resolve()) else p.resolve()
