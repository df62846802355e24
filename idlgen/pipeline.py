"""The whole flow: load each configured IDL into the model, render every target, hand files to the writer.

    IDL JSON --anchor.load--> ir.Program --targets.<t>.render--> {path: text} --write.Writer--> disk

Nothing here touches disk except through `Writer`; `check` renders in memory and compares.

`check` runs in a pre-commit hook, so it may skip rendering, but only on evidence it made itself: after
every render, the sha256 of each file it produced is stored in the per-user cache (idlgen.cache), under
a fingerprint of every input that can change the output (this idlgen's own source and templates, the
versions of the packages that shape output, the config, each IDL and proto lock). When the cache has an
entry for the current fingerprint and every file on disk has exactly those hashes, the tree is fresh
without importing a target. The manifest in the tree is never evidence: whoever edits a generated file
can edit the manifest too. Without a cache entry, `check` renders in full.

Which files a build may remove (`Scope`): a full build (every configured program and target) prunes
anything idlgen wrote that is no longer produced; a build of some programs (`idlgen build one.json`,
any build without a config) or of some targets prunes only the stale files of those programs and targets,
never another program's.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from idlgen import cache
from idlgen.anchor.load import load_program
from idlgen.config import Config, ProgramConfig
from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import Program
from idlgen.targets.base import ProgramNames, RenderContext, Target
from idlgen.write import FULL, MANIFEST, Scope, Stale, Writer, WriteReport

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


def require_programs(config: Config) -> None:
    if not config.programs:
        raise IdlgenError("no IDL to build: pass a path (idlgen build idl/program.json) or configure "
                          "[[tool.idlgen.programs]]")


def load_all(config: Config) -> list[Loaded]:
    require_programs(config)
    return [Loaded(p, load(config, p)) for p in config.programs]


def target(name: str) -> Target:
    module = importlib.import_module(TARGET_MODULES[name])
    t: Target = module.TARGET
    return t


def context(config: Config, prog: ProgramConfig, program: Program, for_write: bool = True) -> RenderContext:
    lock = prog.lock_path()
    try:
        lock_text: str | None = (config.root / lock).read_text(encoding="utf-8")
    except FileNotFoundError:
        lock_text = None
    names = ProgramNames.of(program, prog.python_package, prog.cpp_namespace, prog.proto_package)
    return RenderContext(names=names, idl_path=prog.idl.as_posix(), lock_path=lock.as_posix(),
                         lock_text=lock_text, out=config.out.as_posix(), targets=config.targets,
                         extra={"root": config.root.as_posix()},  # lets the proto target reuse compiled pb2
                         for_write=for_write)


@dataclass(frozen=True, slots=True)
class Rendered:
    files: dict[str, str]  # path (relative to the project root) -> text
    owners: dict[str, str]  # path -> the target that rendered it
    programs: dict[str, tuple[str, ...]]  # path -> the programs (IDL paths) that produce it


def program_key(prog: ProgramConfig) -> str:
    return prog.idl.as_posix()


def render_all(config: Config, loaded: list[Loaded] | None = None, for_write: bool = True) -> Rendered:
    files: dict[str, str] = {}
    owners: dict[str, str] = {}
    programs: dict[str, tuple[str, ...]] = {}
    for item in loaded if loaded is not None else load_all(config):
        ctx = context(config, item.config, item.program, for_write)
        for name in config.targets:
            for path, text in target(name).render(item.program, ctx).items():
                if path in files and files[path] != text:
                    raise IdlgenError(f"two programs generate the same file {path}: give them different names")
                files[path] = text
                owners[path] = name
                programs[path] = (*programs.get(path, ()), program_key(item.config))
    return Rendered(files, owners, programs)


def writer(config: Config) -> Writer:
    locks = [p.lock_path().as_posix() for p in config.programs] if "proto" in config.targets else []
    inputs = [config.root / p.idl for p in config.programs]
    if config.source is not None:
        inputs.append(config.source)
    return Writer(config.root, config.out, extra_allowed=locks, protected=inputs)


def guard_out(config: Config) -> None:
    """The output folder is idlgen's to prune: it must not hold the config or an IDL (`out = "."` would
    let a tampered manifest, or a program's stale files, take them with it), nor be inside .git; the
    config (which a pull request can change too) cannot point a lock file into .git either."""
    if ".git" in config.out.parts:
        raise IdlgenError(f"the output folder {config.out.as_posix()}/ is inside .git: give it one of its own")
    for prog in config.programs if "proto" in config.targets else ():
        lock = prog.lock_path()
        if lock.suffix != ".json" or ".git" in lock.parts:
            raise IdlgenError(f"the proto lock {lock.as_posix()} (of {prog.idl.as_posix()}) must be a .json file "
                              "outside .git: idlgen writes it")
    out = (config.root / config.out).resolve()
    inputs = [(f"the config {config.source.name}", config.source)] if config.source is not None else []
    inputs += [(f"the IDL {p.idl.as_posix()}", config.root / p.idl) for p in config.programs]
    for what, path in inputs:
        if path.resolve().is_relative_to(out):
            raise IdlgenError(f"the output folder {config.out.as_posix()}/ contains {what}: idlgen prunes that "
                              "folder, so give it one of its own (out = \"generated\")")


def scope_of(config: Config, targets: tuple[str, ...] | None, full: bool) -> Scope:
    return Scope(targets=frozenset(targets) if targets else None,
                 programs=None if full else frozenset(program_key(p) for p in config.programs))


def expected_hashes(config: Config, out: Rendered, scope: Scope) -> dict[str, str]:
    """sha256 of every file a build of `out` leaves in the tree (the manifest too, for a full build)."""
    hashes = {rel: hashlib.sha256(text.encode("utf-8")).hexdigest() for rel, text in out.files.items()}
    if scope.full:
        manifest = Writer.manifest_text(Writer.entries_for(out.files, out.owners, out.programs))
        hashes[manifest_rel(config)] = hashlib.sha256(manifest.encode()).hexdigest()
    return hashes


def manifest_rel(config: Config) -> str:
    return (config.out / MANIFEST).as_posix()


def build(config: Config, scope: tuple[str, ...] | None = None, *,
          full: bool = True) -> tuple[list[Loaded], WriteReport]:
    """Render and write. `scope` (from `--target`) and `full` (False: only these programs were named) limit
    what may be removed to the files of those targets and programs."""
    guard_out(config)
    loaded = load_all(config)
    out = render_all(config, loaded)
    sc = scope_of(config, scope, full and config.source is not None)
    report = writer(config).write(out.files, out.owners, out.programs, sc)
    if scope is None:
        cache.put("outputs", fingerprint(config, sc), {"files": expected_hashes(config, out, sc)})
    return loaded, report


def check(config: Config, scope: tuple[str, ...] | None = None, *, full: bool = True) -> list[Stale]:
    guard_out(config)
    w = writer(config)
    sc = scope_of(config, scope, full and config.source is not None)
    key = fingerprint(config, sc) if scope is None else ""
    hit = cache.get("outputs", key) if key else None
    files = hit.get("files") if hit else None
    if isinstance(files, dict) and w.fresh({str(k): str(v) for k, v in files.items()}, sc):
        return []
    out = render_all(config, for_write=False)
    if key:
        cache.put("outputs", key, {"files": expected_hashes(config, out, sc)})
    expected = dict(out.files)
    if sc.full:
        expected[manifest_rel(config)] = Writer.manifest_text(Writer.entries_for(out.files, out.owners, out.programs))
    return w.check(expected, sc)


# Packages whose version can change generated bytes (protoc's pb2 output, template rendering).
OUTPUT_PACKAGES = ("jinja2", "grpcio-tools", "protobuf")


def fingerprint(config: Config, scope: Scope = FULL) -> str:
    """sha256 over everything that determines the generated files; see the module docstring."""
    from idlgen.targets.render import templates_dir

    h = hashlib.sha256(b"idlgen-fingerprint-v2\0")
    pkg = Path(__file__).resolve().parent
    tdir = templates_dir()
    # Relative names, so a committed manifest stays fresh on every machine with the same idlgen.
    sources = [(p.relative_to(pkg).as_posix(), p) for p in sorted(pkg.rglob("*.py"))]
    sources += [("templates/" + p.relative_to(tdir).as_posix(), p) for p in sorted(tdir.rglob("*")) if p.is_file()]
    for name, p in sources:
        h.update(name.encode() + b"\0" + p.read_bytes() + b"\0")
    for name in OUTPUT_PACKAGES:
        try:
            h.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=none\0".encode())
    h.update(f"python={sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    h.update(repr((str(config.root.resolve()), config.out.as_posix(), config.targets, config.programs,
                   scope.full)).encode())
    require_programs(config)
    for prog in config.programs:
        for path in (config.root / prog.idl, config.root / prog.lock_path()):
            try:
                h.update(b"\0" + path.read_bytes())
            except OSError:
                h.update(b"\0missing")
    return h.hexdigest()
