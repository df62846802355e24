"""The `idlgen` command: parse flags, call the pipeline, map errors to exit codes.

Heavy modules (targets, the diff checker, solders) are imported inside the commands that need them,
so `idlgen check` stays fast enough for a pre-commit hook.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from idlgen import __version__
from idlgen.compat import command as compat_command
from idlgen.config import Config, ProgramConfig, default_config, find_config, load_config
from idlgen.diagnostics import Exit, IdlgenError
from idlgen.migrate import command as migrate_command
from idlgen.tools import commands as tools_commands

F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Turn IdlgenError into one line on stderr and its exit code; never a traceback for bad input."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except IdlgenError as exc:
            click.echo(f"idlgen: error: {exc}", err=True)
            sys.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            click.echo("idlgen: interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def resolve_config(idls: tuple[str, ...], config_path: str | None, out: str | None,
                   targets: tuple[str, ...]) -> Config:
    cwd = Path.cwd()
    if config_path:
        config = load_config(Path(config_path))
    else:
        found = find_config(cwd)
        config = load_config(found) if found else default_config(cwd, [])
    if idls:
        chosen: list[ProgramConfig] = []
        for arg in idls:
            p = (cwd / arg).resolve()
            try:
                rel = p.relative_to(config.root.resolve())
            except ValueError:
                rel = p
            match = next((c for c in config.programs if (config.root / c.idl).resolve() == p), None)
            chosen.append(match or ProgramConfig(idl=rel))
        config = dataclasses.replace(config, programs=tuple(chosen))
    if out is not None:
        config = dataclasses.replace(config, out=Path(out))
    if targets:
        config = dataclasses.replace(config, targets=targets)
    return config


common_options = [
    click.argument("idls", nargs=-1, type=click.Path(dir_okay=False)),
    click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True),
                 help="pyproject.toml or idlgen.toml to read (default: the nearest one with [tool.idlgen])."),
    click.option("--out", default=None, help="Output folder (default: config `out`, else generated/)."),
    click.option("--target", "targets", multiple=True, type=click.Choice(["python", "proto", "cpp"]),
                 help="Only this target (repeatable)."),
]


def with_common(fn: F) -> F:
    for opt in reversed(common_options):
        fn = opt(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="idlgen")
def main() -> None:
    """Make an Anchor IDL the single source of truth: protobuf schemas, Python Borsh codecs,
    C++ headers, and a diff that classifies IDL changes as none, soft or hard fork.

    \b
    Examples:
      idlgen build                      # everything configured in [tool.idlgen]
      idlgen build idl/program.json     # one IDL, default settings
      idlgen check                      # exit 1 if generated/ is stale (pre-commit, CI)
      idlgen diff HEAD~1:idl/program.json idl/program.json
    """


@main.command()
@with_common
@click.option("-v", "--verbose", is_flag=True, help="Also list what the loader assumed about the IDL.")
@friendly
def build(idls: tuple[str, ...], config_path: str | None, out: str | None, targets: tuple[str, ...],
          verbose: bool) -> None:
    """Load, validate and generate every configured target.

    \b
    Example:
      idlgen build idl/godark_settlement.json --target python
    """
    from idlgen import pipeline

    config = resolve_config(idls, config_path, out, targets)
    loaded, report = pipeline.build(config, scope=targets or None, full=not idls)
    for item in loaded:
        p = item.program
        click.echo(f"{item.config.idl.as_posix()}: {p.name} {p.version} ({p.format.value} format): "
                   f"{len(p.instructions)} instructions, {len(p.accounts)} accounts, {len(p.events)} events, "
                   f"{len(p.types)} types, {len(p.families)} versioned families")
        for note in p.notes if verbose else ():
            click.echo(f"  note: {note.path}: {note.message}")
        if p.notes and not verbose:
            click.echo(f"  {len(p.notes)} assumption(s) about this IDL; see them with --verbose")
    for rel in report.removed:
        click.echo(f"removed: {rel}")
    for rel in report.kept:
        click.echo(f"kept: {rel} (no longer generated, but changed since idlgen wrote it: remove it by hand)")
    for rel in report.replaced:
        click.echo(f"replaced a symlink: {rel} (now the generated file; the link's target is untouched)")
    for rel in report.cleaned:
        click.echo(f"removed an interrupted build's temp file: {rel}")
    click.echo(f"{config.out.as_posix()}/: {len(report.written)} written, {len(report.unchanged)} unchanged, "
               f"{len(report.removed)} removed")


@main.command()
@with_common
@friendly
def check(idls: tuple[str, ...], config_path: str | None, out: str | None, targets: tuple[str, ...]) -> None:
    """Exit 1 listing every stale, missing or extra generated file; 0 when up to date. Never writes.

    \b
    Example (pre-commit, CI):
      idlgen check && echo up to date
    """
    from idlgen import pipeline

    config = resolve_config(idls, config_path, out, targets)
    problems = pipeline.check(config, scope=targets or None, full=not idls)
    if not problems:
        click.echo("generated files are up to date")
        return
    for prob in problems:
        click.echo(f"{prob.kind}: {prob.path}")
        if prob.diff:
            click.echo(prob.diff.rstrip("\n"))
    click.echo(f"{len(problems)} generated file(s) out of date: run `idlgen build` and commit the result",
               err=True)
    sys.exit(int(Exit.FINDINGS))


# `diff`/`rules` and `simtest`/`decode`/`init`/`hook-diff` live beside the code they drive; each module
# imports only click at load time, so registering them costs the pre-commit hook nothing.
compat_command.register(main)
tools_commands.register(main)
migrate_command.register(main)

if __name__ == "__main__":  # pragma: no cover
    main()
