"""`idlgen diff` and `idlgen rules`, registered on the main CLI group by `idlgen.cli`.

Only click is imported at module level: the differ, loader and git helpers load inside the commands,
so registering them costs nothing for `idlgen check` in a pre-commit hook.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from idlgen.anchor.lower import FamilySpec
    from idlgen.compat.differences import Comparison, Side
    from idlgen.compat.plan_encode import LiveConfig
    from idlgen.config import Config

FORMATS = ("text", "json", "markdown", "github")
LEVELS = ("none", "soft", "hard")


F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Bad input is one line on stderr and exit 2, never a traceback (compat does not import the CLI)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from idlgen.diagnostics import IdlgenError

        try:
            return fn(*args, **kwargs)
        except IdlgenError as exc:
            click.echo(f"idlgen: error: {exc}", err=True)
            sys.exit(int(exc.exit_code))

    return wrapper  # type: ignore[return-value]


def register(main: click.Group) -> None:
    @main.command("diff")
    @click.argument("old", required=False)
    @click.argument("new", required=False)
    @click.option("--base", metavar="REV", help="Compare every configured IDL at git revision REV with the working "
                  "tree (what CI runs on a pull request).")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                  help="text (coloured on a terminal), json (versioned schema), markdown (PR comment), github "
                  "(workflow annotations on the IDL's lines).")
    @click.option("--plan", is_flag=True, help="Print the upgrade plan instead of the report: Markdown (--format "
                  "text or markdown) or JSON (--format json, schema idlgen-plan, docs/plans.md).")
    @click.option("--config-account", type=click.Path(dir_okay=False, exists=True), metavar="FILE",
                  help="With --plan: the live config account (`solana account ADDR --output json`); bitmask steps "
                  "start from its allowed-versions fields and instructions name its keys.")
    @click.option("--live-mask", "live_masks", multiple=True, metavar="[STEM=]N",
                  help="With --plan: the live allowed-versions bitmask (of family STEM when several are gated).")
    @click.option("--fail-on", type=click.Choice(LEVELS), default=None,
                  help="Exit 1 when an unacknowledged change is at or above this class (default: config "
                  "[tool.idlgen.diff] fail_on, else hard). `none` fails on any change.")
    @click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True),
                  help="pyproject.toml or idlgen.toml (default: the nearest one with [tool.idlgen]).")
    @click.option("--color/--no-color", default=None, help="Force colour on or off (default: only on a terminal).")
    @friendly
    def diff(  # noqa: PLR0917
            old: str | None, new: str | None, base: str | None, fmt: str, plan: bool, config_account: str | None,
            live_masks: tuple[str, ...], fail_on: str | None, config_path: str | None, color: bool | None) -> None:
        """Classify every change between two IDLs as none, soft or hard, and say how to roll it out.

        OLD and NEW are IDL files (either format) or REV:path read from git.
        Exit codes: 0 below --fail-on, 1 at or above it, 2 for bad input.

        \b
        Examples:
          idlgen diff HEAD~1:idl/program.json idl/program.json
          idlgen diff --base origin/main --format github
          idlgen diff old.json new.json --plan > UPGRADE.md
          idlgen diff old.json new.json --plan --config-account config.json --format json
        """
        from idlgen.compat import report
        from idlgen.compat.rules import Level

        if not plan and (config_account or live_masks):
            raise click.UsageError("--config-account and --live-mask only apply with --plan")
        if plan and fmt == "github":
            raise click.UsageError("--plan prints --format text, markdown or json")
        if config_account and live_masks:
            raise click.UsageError("give --config-account or --live-mask, not both")
        config = _config(config_path)
        comps = _run(old, new, base, config)
        level = Level.parse(fail_on or config.diff.fail_on)
        if plan:
            click.echo(_plan(comps, fmt, config_account, live_masks), nl=False)
        else:
            text = report.render(fmt, comps, level, color=color)
            click.echo(text, nl=False, color=color if fmt == "text" else False)
        sys.exit(report.exit_code(comps, level))

    @main.command("rules")
    @click.option("--format", "fmt", type=click.Choice(("text", "markdown", "json")), default="text",
                  show_default=True)
    def rules(fmt: str) -> None:
        """List the diff rule catalog: id, class, rollout order and purpose.

        \b
        docs/rules.md is generated with:
          idlgen rules --format markdown > docs/rules.md
        """
        from idlgen.compat import rules as catalog

        text = {"text": catalog.catalog_text, "markdown": catalog.catalog_markdown, "json": catalog.catalog_json}[fmt]()
        click.echo(text, nl=False)


def _plan(comps: list[Comparison], fmt: str, config_account: str | None, live_masks: tuple[str, ...]) -> str:
    """The plan, its instructions encoded by the generated Python codec of each new IDL (rendered here,
    as simtest does), its masks from the live config when given."""
    from idlgen.compat.plan import build_plans
    from idlgen.compat.plan_encode import Encoder
    from idlgen.compat.plan_render import render_json, render_markdown
    from idlgen.tools.codecs import Codec, build_codec, codec_workspace

    def encoder(codec: Codec) -> Encoder:
        return lambda name, args: codec.encode("instruction", name, dict(args))

    with codec_workspace() as ws:
        encoders = {c.new.name: encoder(build_codec(c.new_program, ws, "plan_new"))
                    for c in comps if c.new_program is not None}
        live = _live(comps, config_account, live_masks, ws)
        plans = build_plans(comps, live, encoders)
    return render_json(plans) if fmt == "json" else render_markdown(plans)


def _live(comps: list[Comparison], config_account: str | None, live_masks: tuple[str, ...],
          ws: Path) -> LiveConfig | None:
    from idlgen.compat.plan_encode import LiveConfig
    from idlgen.diagnostics import IdlgenError

    stems = sorted({f.stem for c in comps for f in c.families if f.gate})
    if live_masks:
        masks: dict[str, int] = {}
        for item in live_masks:
            stem, sep, num = item.rpartition("=")
            if not sep:
                if len(stems) != 1:
                    raise click.UsageError(f"--live-mask {item}: give STEM=N (gated families: "
                                           f"{', '.join(stems) or 'none'})")
                stem = stems[0]
            elif stem not in stems:
                raise click.UsageError(f"--live-mask {item}: no gated family {stem!r} (gated: "
                                       f"{', '.join(stems) or 'none'})")
            try:
                masks[stem] = int(num, 0)
            except ValueError:
                raise click.UsageError(f"--live-mask {item}: {num!r} is not an integer") from None
            if masks[stem] < 0:
                raise click.UsageError(f"--live-mask {item}: a bitmask is not negative")
        return LiveConfig(masks, "--live-mask")
    if not config_account:
        return None
    from idlgen.tools.codecs import build_codec
    from idlgen.tools.commands import read_gate_account

    old = next((c.old_program for c in comps if c.old_program is not None and any(
        f.gate for f in c.old_program.families)), None)
    if old is None:
        raise IdlgenError("the old IDL has no family with a gate (Account.field): nothing to read from "
                          "--config-account", file=config_account)
    codec = build_codec(old, ws, "plan_old")
    data, _mask, account = read_gate_account(codec, config_account)
    value = codec.decode("account", account, data)
    td = old.type(next(a.type for a in old.accounts if a.name == account))
    names = {f.name: f.snake for f in getattr(td.body, "fields", ())}
    values: dict[str, Any] = {}
    if isinstance(value, dict):
        values = {str(names.get(k, k)): v for k, v in value.items()}
    masks = {}
    for fam in old.families:
        if fam.gate is not None and fam.gate.account == account and isinstance(values.get(fam.gate.field), int):
            masks[fam.stem] = values[fam.gate.field]
    return LiveConfig(masks, f"--config-account {config_account}", account, values, _dump_address(config_account))


def _dump_address(path: str) -> str | None:
    import json

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    key = doc.get("pubkey") if isinstance(doc, dict) else None
    return key if isinstance(key, str) else None


def _config(config_path: str | None) -> Config:
    from idlgen.config import default_config, find_config, load_config

    if config_path:
        return load_config(Path(config_path))
    found = find_config(Path.cwd())
    return load_config(found) if found else default_config(Path.cwd(), [])


def _specs_for(config: Config, paths: list[str]) -> tuple[FamilySpec, ...]:
    """Family declarations of the configured program whose IDL is one of `paths`."""
    for p in paths:
        target = (Path.cwd() / p).resolve()
        for prog in config.programs:
            if (config.root / prog.idl).resolve() == target:
                return prog.family_specs
    return ()


def _read(arg: str) -> tuple[str, str]:
    """(text, file) of a side: a path, or REV:path read with git."""
    from idlgen import gitio
    from idlgen.diagnostics import IdlError

    rv = gitio.split_rev(arg)
    if rv is not None:
        rev, path = rv
        return gitio.show(rev, path, Path.cwd()), path
    try:
        raw = Path(arg).read_bytes()
    except FileNotFoundError:
        raise IdlError("no such file", file=arg) from None
    except OSError as exc:
        raise IdlError(f"cannot read: {exc.strerror}", file=arg) from None
    try:
        return raw.decode("utf-8"), arg
    except UnicodeDecodeError as exc:
        raise IdlError(f"not UTF-8 text (byte offset {exc.start})", file=arg) from None


def _side(text: str, label: str, file: str, specs: tuple[FamilySpec, ...], *, lenient: bool) -> Side:
    """Load one side. The old side may predate a configured family: then it is loaded without it."""
    from idlgen.anchor.load import load_program
    from idlgen.compat.differences import Side
    from idlgen.diagnostics import IdlError

    text = text.removeprefix("\ufeff")
    try:
        program = load_program(file, text=text, display=label, families=specs)
    except IdlError as exc:
        if not (lenient and specs and exc.message.startswith("family ")):
            raise
        program = load_program(file, text=text, display=label)
    return Side(program, text, label, file)


def _run(old: str | None, new: str | None, base: str | None, config: Config) -> list[Comparison]:
    from idlgen import gitio
    from idlgen.compat.differences import compare
    from idlgen.compat.rules import BY_ID
    from idlgen.diagnostics import ConfigError

    for ack in config.diff.acknowledge:
        if ack.rule != "*" and ack.rule not in BY_ID:
            raise ConfigError(f"acknowledgement names unknown rule {ack.rule!r} (see `idlgen rules`)",
                              file=str(config.source) if config.source else None, path="tool.idlgen.diff.acknowledge")
    acks = config.diff.acknowledge
    if base is not None:
        if old or new:
            raise click.UsageError("give either OLD and NEW, or --base REV, not both")
        if not config.programs:
            raise click.UsageError("--base needs configured programs ([[tool.idlgen.programs]]); none found")
        comps = []
        for prog in config.programs:
            rel = prog.idl.as_posix()
            old_text = gitio.read_at(base, rel, config.root)  # unreadable (not absent) at REV: exit 2
            if old_text is None:
                click.echo(f"idlgen: note: {rel} does not exist at {base}: a new IDL, nothing to compare", err=True)
                continue
            new_file = config.root / prog.idl
            new_text, _ = _read(str(new_file))
            # Annotations name files relative to the repository root, which is what CI reports against.
            shown = _display(new_file, gitio.repo_root(config.root))
            o = _side(old_text, f"{base}:{rel}", shown, prog.family_specs, lenient=True)
            n = _side(new_text, shown, shown, prog.family_specs, lenient=False)
            comps.append(compare(o, n, acks))
        return comps
    if not old or not new:
        raise click.UsageError("give OLD and NEW (paths or REV:path), or --base REV")
    old_text, old_name = _read(old)
    new_text, new_name = _read(new)
    specs = _specs_for(config, [new_name, old_name])
    o = _side(old_text, old, _repo_relative(old_name), specs, lenient=True)
    n = _side(new_text, new, _repo_relative(new_name), specs, lenient=False)
    return [compare(o, n, acks)]


def _repo_relative(name: str) -> str:
    """Annotations name files relative to the repository root (what CI reports against), else as given."""
    from idlgen import gitio
    from idlgen.diagnostics import IdlgenError

    path = Path(name)
    if path.is_absolute():
        return name
    try:
        root = gitio.repo_root(Path.cwd())
    except IdlgenError:
        return name
    return _display(Path.cwd() / path, root)


def _display(p: Path, root: Path) -> str:
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(p)
