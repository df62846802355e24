"""`idlgen simtest`, `idlgen decode`, `idlgen init` (and the pre-commit helper), registered on the CLI.

Imported by idlgen.cli at start-up, so only click is imported at the top: the work happens in
idlgen.tools.* modules imported inside each command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click


def register(main: click.Group) -> None:
    from idlgen.cli import friendly

    main.add_command(click.command("simtest", epilog=SIMTEST_EPILOG)(friendly(simtest_options(simtest))))
    main.add_command(click.command("decode")(friendly(decode_options(decode))))
    main.add_command(click.command("init", epilog=INIT_EPILOG)(friendly(init_options(init))))
    hook = click.command("hook-diff", hidden=True)(friendly(click.argument("files", nargs=-1)(hook_diff)))
    main.add_command(hook)


# ---- simtest ----------------------------------------------------------------------------------------

SIMTEST_EPILOG = """\b
Exit codes: 0 every phase passes, 1 a phase would fail (the first one is named), 2 bad input.
"""


def simtest_options(fn: Any) -> Any:
    for opt in reversed([
        click.option("--deployed", required=True, metavar="REV_OR_PATH",
                     help="IDL of the program deployed now: a path or REV:path (e.g. v1.4.0:idl/x.json)."),
        click.option("--candidate", required=True, type=click.Path(dir_okay=False),
                     help="IDL of the new build (path or REV:path)."),
        click.option("--program", "program_so", type=click.Path(dir_okay=False, exists=True),
                     help="The deployed program binary (.so): also run every candidate instruction in LiteSVM."),
        click.option("--program-id", help="Program id to load --program as (default: the deployed IDL's "
                                          "address, else the candidate's)."),
        click.option("--allowed-versions", type=click.IntRange(0, 255), metavar="BITMASK",
                     help="The deployed allowed-versions bitmask (bit v-1 enables version v), e.g. 3."),
        click.option("--config-account", type=click.Path(dir_okay=False, exists=True), metavar="DUMP",
                     help="A saved gate account (GlobalConfig): raw bytes, hex, base64 or `solana account "
                          "--output json`; its bitmask is read with the deployed IDL."),
        click.option("--emit-version", type=click.IntRange(1, 8),
                     help="Version the new producers emit (default: config emit_version, else the highest)."),
        click.option("--old-emit-version", type=click.IntRange(1, 8),
                     help="Version the old producers emit (default: the highest the deployed side allows)."),
        click.option("--samples", type=click.IntRange(1, 1000), default=5, show_default=True,
                     help="Random values per version, instruction and account."),
        click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random values."),
        click.option("--producer", metavar="CMD",
                     help="The engine binary (a command line) whose frame stream is settled on --program in "
                          "LiteSVM; --candidate is the IDL the engine and relayer were built from."),
        click.option("--scenario", type=click.Path(dir_okay=False, exists=True),
                     help="TOML steps that create the state through the program's own instructions."),
        click.option("--account", "account_dumps", multiple=True, type=click.Path(dir_okay=False, exists=True),
                     metavar="DUMP", help="An account from `solana account ADDR --output json` (repeatable)."),
        click.option("--relayer-keypair", type=click.Path(dir_okay=False, exists=True),
                     help="solana-keygen JSON of the key that signs the batches (default: the scenario's)."),
        click.option("--staged", "staged_so", type=click.Path(dir_okay=False, exists=True),
                     help="The program about to be deployed: when the output does not settle on --program, "
                          "it is tried on this binary over the same state (Phase 2)."),
    ]):
        fn = opt(fn)
    return fn


def simtest(*, deployed: str, candidate: str, program_so: str | None, program_id: str | None,
            allowed_versions: int | None, config_account: str | None, emit_version: int | None,
            old_emit_version: int | None, samples: int, seed: int, producer: str | None = None,
            scenario: str | None = None, account_dumps: tuple[str, ...] = (), relayer_keypair: str | None = None,
            staged_so: str | None = None) -> None:
    """Prove the candidate IDL's off-chain build settles on the program deployed now.

    Builds both IDLs' Python codecs in memory and checks, phase by phase: Phase 1 (new program, old
    producers), Phase 2 (new program, new producers), Rollback (old program, old producers again):
    every family version the producers emit is known to the program, enabled by the allowed-versions
    bitmask, and decodes to the value that was encoded; instructions and accounts decode the same on
    both sides. With --program, every candidate-encoded instruction (every family version on the
    versioned one) is also sent to the deployed binary in LiteSVM and must not be rejected by its
    deserializer (errors 100/101/102) or its version check.

    \b
    Examples:
      idlgen simtest --deployed HEAD~1:idl/godark_settlement.json --candidate idl/godark_settlement.json \\
          --allowed-versions 1
      idlgen simtest --deployed v1.4.0:idl/x.json --candidate idl/x.json --config-account config.json \\
          --program target/deploy/x.so
    """
    from idlgen.diagnostics import IdlgenError
    from idlgen.tools import simtest as st
    from idlgen.tools.codecs import build_codec, codec_workspace
    from idlgen.tools.common import load_idl

    if allowed_versions is not None and config_account is not None:
        raise IdlgenError("give --allowed-versions or --config-account, not both")
    cand = load_idl(candidate, fallback=_single_configured_program())
    dep = load_idl(deployed, fallback=cand.config)
    pid = program_id or dep.program.address or cand.program.address
    if producer is not None:
        if program_so is None:
            raise IdlgenError("--producer needs --program (the deployed binary the output must settle on)")
        from idlgen.tools.simtest_run import producer_mode

        sys.exit(producer_mode(dep, cand, pid, Path(program_so), producer, scenario=scenario,
                               accounts=account_dumps, relayer_keypair=relayer_keypair, staged=staged_so))
    if scenario or account_dumps or relayer_keypair or staged_so:
        raise IdlgenError("--scenario, --account, --relayer-keypair and --staged need --producer")
    vm = load_vm(Path(program_so), pid) if program_so else None
    emit_config = {f.spec.stem: f.emit_version for f in (cand.config.families if cand.config else ())
                   if f.emit_version is not None}
    with codec_workspace() as ws:
        dep_codec = build_codec(dep.program, ws, "deployed")
        cand_codec = build_codec(cand.program, ws, "candidate")
        allowed, source, dump, gate_account = allowed_versions, "--allowed-versions", None, None
        if config_account is not None:
            dump, allowed, gate_account = read_gate_account(dep_codec, config_account)
            source = f"{gate_account} in {config_account}"
        opts = st.Options(allowed, source, emit_version, old_emit_version, samples, seed)
        sim = st.SimTest(dep_codec, cand_codec, opts, emit_config)
        click.echo(f"deployed:  {deployed}: {describe(dep.program)}")
        click.echo(f"candidate: {candidate}: {describe(cand.program)}")
        for plan in sim.plans:
            click.echo(f"producers: {plan.stem}: old emit {', '.join(f'v{v}' for v in plan.old_emit) or 'none'}, "
                       f"new emit {', '.join(f'v{v}' for v in plan.new_emit)}; allowed versions: "
                       + (f"{st.mask_text(allowed)} ({source})" if allowed is not None
                          else "not checked (pass --allowed-versions or --config-account)"))
        if not sim.plans:
            click.echo("producers: the candidate has no versioned family with a carrier instruction "
                       "(configure [[tool.idlgen.programs.families]] carrier); checking instructions and accounts")
        phases = sim.phases(dump, gate_account)
        first_bad = None
        for phase in phases:
            click.echo(f"{phase.title}: {'PASS' if phase.ok else 'FAIL'}")
            for c in phase.checks:
                click.echo(f"  {'ok  ' if c.ok else 'FAIL'}  {c.text}")
            for note in phase.notes:
                click.echo(f"  note  {note}")
            if not phase.ok and first_bad is None:
                first_bad = phase.title.split(":")[0]
        program_bad = False
        if program_so is not None:
            program_bad = run_program_level(sim, dep.program, cand_codec, opts, vm=vm)
    if first_bad or program_bad:
        what = f"{first_bad} would fail" if first_bad else "the deployed program rejects candidate bytes"
        click.echo(f"simtest: {what}", err=True)
        sys.exit(1)
    click.echo("simtest: every phase passes")


def describe(program: Any) -> str:
    fams = "; ".join(f"{f.stem} {', '.join(f'v{v}' for v in f.versions)}" for f in program.families if f.carrier)
    return f"{program.name} {program.version or '(no version)'}" + (f": {fams}" if fams else "")


def read_gate_account(codec: Any, path: str) -> tuple[bytes, int, str]:
    """The dumped gate account's bytes, its allowed-versions bitmask, and the account name."""
    from idlgen.diagnostics import IdlgenError
    from idlgen.tools.decode import parse_bytes

    fams = [f for f in codec.program.families if f.gate is not None]
    if not fams:
        raise IdlgenError("the deployed IDL has no family with a gate (Account.field): cannot read "
                          "--config-account; configure `gate` or use --allowed-versions")
    gate = fams[0].gate
    raw = Path(path).read_bytes()
    data = raw
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        text = None
    if text is not None and text:
        if text.startswith("{"):
            try:
                doc = json.loads(text)
                payload = (doc.get("account") or doc)["data"]
                data = parse_bytes(payload[0], "base64" if payload[1] == "base64" else "auto", shown=path)
            except (ValueError, LookupError, TypeError, AttributeError):
                raise IdlgenError("JSON without account.data [\"<base64>\", \"base64\"] (as `solana account "
                                  "--output json` writes)", file=path) from None
        else:
            try:
                data = parse_bytes(text, shown=path)
            except IdlgenError:
                data = raw
    try:
        value = codec.decode("account", gate.account, data)
    except ValueError as exc:
        raise IdlgenError(f"not a {gate.account} account of the deployed IDL: {exc}", file=path) from None
    td = codec.program.type(next(a.type for a in codec.program.accounts if a.name == gate.account))
    fname = next(f.name for f in td.body.fields if f.snake == gate.field)
    mask = value[fname]
    if not isinstance(mask, int):
        raise IdlgenError(f"{gate.account}.{fname} is not an integer bitmask", file=path)
    return data, mask, gate.account


def load_vm(so: Path, pid: str | None) -> Any:
    """The deployed binary in LiteSVM (checked before any other work, so bad input fails first)."""
    from idlgen.diagnostics import IdlgenError
    from idlgen.tools.svm import ProgramVM

    if not pid:
        raise IdlgenError("the deployed IDL has no program address: pass --program-id (the id the binary was "
                          "built with; Anchor refuses any other with error 4100)")
    return ProgramVM(so, pid, shown=str(so))


def run_program_level(sim: Any, deployed: Any, cand_codec: Any, opts: Any, *, vm: Any) -> bool:
    """Send the candidate's instructions to the binary; returns True when something was wrong."""
    from idlgen.tools import simtest as st
    from idlgen.tools.svm import Verdict

    expect: dict[tuple[str, int], bool] = {}
    for plan in sim.plans:
        dep_versions = plan.deployed.versions if plan.deployed else ()
        for v in plan.candidate.versions:
            expect[(plan.stem, v)] = v in dep_versions and (opts.allowed is None or st.mask_allows(opts.allowed, v))
    sent = st.program_level(vm, deployed, cand_codec, opts, expect)
    bad = [s for s in sent if not s.ok]
    click.echo(f"Program level: {vm.shown} loaded as {vm.program_id} in LiteSVM, {len(sent)} instruction(s) sent: "
               f"{'PASS' if not bad else 'FAIL'}")
    for s in sent:
        mark = "ok  " if s.ok else "FAIL"
        if s.verdict is Verdict.INCONCLUSIVE:
            mark = "??  "
        exp = f"; expected {s.expected.value}" if s.expected and not s.ok else ""
        click.echo(f"  {mark}  {st.describe_sent(s, deployed)}{exp}")
    return bool(bad)


# ---- decode -----------------------------------------------------------------------------------------

def decode_options(fn: Any) -> Any:
    for opt in reversed([
        click.argument("idl"),
        click.argument("data", required=False),
        click.option("--as", "kind", type=click.Choice(["instruction", "account", "event", "type"]),
                     help="What the bytes are (default: found from the discriminator)."),
        click.option("--name", help="Instruction / account / event / type name (with --as)."),
        click.option("--encoding", type=click.Choice(["auto", "hex", "base64"]), default="auto", show_default=True,
                     help="How DATA is written; auto reads hex when it is hex, else base64."),
        click.option("--file", "data_file", type=click.Path(dir_okay=False, exists=True, allow_dash=True),
                     help="Read raw bytes from this file instead of DATA (account dumps)."),
        click.option("--logs", "logs_file", type=click.Path(dir_okay=False, exists=True, allow_dash=True),
                     help="Decode every `Program data:` event line of this transaction log file."),
        click.option("--strict", is_flag=True,
                     help="Refuse trailing bytes after instruction args or an account body (the program "
                          "itself ignores them, so by default they are ignored here too)."),
    ]):
        fn = opt(fn)
    return fn


def decode(*, idl: str, data: str | None, kind: str | None, name: str | None, encoding: str,
           data_file: str | None, logs_file: str | None, strict: bool) -> None:
    """Turn instruction data, account data or transaction logs into canonical JSON.

    IDL is a path or REV:path, so old transactions decode with the IDL of their time. DATA is hex or
    base64 (`-` reads it from stdin). Unknown discriminators and corrupt bytes are an error naming the
    byte offset (exit 2). A versioned family's payload (settle_batch.data) is decoded as well.

    \b
    Examples:
      idlgen decode idl/godark_settlement.json 0x160215dfe17aa3d6...   # instruction data (hex)
      idlgen decode v1.4.0:idl/godark_settlement.json --file config.bin --as account
      idlgen decode idl/godark_settlement.json --logs tx.log     # every `Program data:` event
    """
    from idlgen.diagnostics import IdlgenError
    from idlgen.tools import decode as dec
    from idlgen.tools.codecs import build_codec, codec_workspace
    from idlgen.tools.common import load_idl

    given = sum(x is not None for x in (data, data_file, logs_file))
    if given != 1:
        raise IdlgenError("give exactly one of DATA, --file or --logs")
    if name and not kind:
        raise IdlgenError("--name needs --as (instruction, account, event or type)")
    loaded = load_idl(idl, fallback=_single_configured_program())
    with codec_workspace() as ws:
        codec = build_codec(loaded.program, ws, "decode")
        if logs_file is not None:
            shown = "stdin" if logs_file == "-" else logs_file
            with click.open_file(logs_file, encoding="utf-8") as fh:
                events, skipped = dec.decode_logs(codec, fh, shown)
            out: Any = {"events": events}
            if skipped:
                out["skipped_other_programs"] = skipped
        else:
            if data_file is not None:
                shown = "stdin" if data_file == "-" else data_file
                with click.open_file(data_file, "rb") as fh:
                    raw: bytes = fh.read()
            else:
                assert data is not None
                shown = "DATA"
                text = sys.stdin.read() if data == "-" else data
                raw = dec.parse_bytes(text, encoding, shown=shown)
            out = dec.decode_bytes(codec, raw, kind=kind, name=name, shown=shown, strict=True if strict else None)
    click.echo(json.dumps(out, indent=2, ensure_ascii=False))


def _single_configured_program() -> Any:
    """The one configured program, when there is exactly one (its families apply to old copies)."""
    from idlgen.config import find_config, load_config

    found = find_config(Path.cwd())
    if found is None:
        return None
    programs = load_config(found).programs
    return programs[0] if len(programs) == 1 else None


# ---- init -------------------------------------------------------------------------------------------

INIT_EPILOG = """\b
Shell completion (click's own), e.g. for bash in ~/.bashrc:
  eval "$(_IDLGEN_COMPLETE=bash_source idlgen)"
zsh: _IDLGEN_COMPLETE=zsh_source; fish: _IDLGEN_COMPLETE=fish_source idlgen | source
"""


def init_options(fn: Any) -> Any:
    fn = click.option("--stdout", "to_stdout", is_flag=True, help="Print the config instead of writing it.")(fn)
    return click.argument("idl", required=False)(fn)


def init(idl: str | None, to_stdout: bool) -> None:
    """Write a commented starter [tool.idlgen] config for the project's IDL.

    Into pyproject.toml when there is one (appended; nothing before it changes), else into a new
    idlgen.toml. Never overwrites an existing idlgen config. Without IDL, looks in idl/, idls/,
    target/idl/ and the current folder and needs exactly one Anchor IDL there.

    \b
    Examples:
      idlgen init                              # finds target/idl/my_program.json
      idlgen init idl/godark_settlement.json --stdout
    """
    from idlgen.tools import init as init_mod

    root = Path.cwd()
    if to_stdout:
        from idlgen.anchor.load import load_program

        if idl:
            found = init_mod.Found(Path(idl), load_program(Path(idl), display=idl))
        else:
            all_found = init_mod.find_idls(root)
            if len(all_found) != 1:
                from idlgen.diagnostics import IdlgenError

                raise IdlgenError("pass the IDL to configure" if all_found else "no Anchor IDL found: pass one")
            found = all_found[0]
        table = "tool.idlgen" if (root / "pyproject.toml").is_file() else ""
        click.echo(init_mod.starter(found, table=table), nl=False)
        return
    dest, used = init_mod.init(root, idl)
    click.echo(f"{dest.name}: starter config for {used} written; next: idlgen build")


# ---- pre-commit: idlgen-diff ------------------------------------------------------------------------

def hook_diff(files: tuple[str, ...]) -> None:
    """Diff each staged IDL against its HEAD version (the `idlgen-diff` pre-commit hook's entry).

    pre-commit passes the staged .json files and has stashed unstaged changes, so the file on disk is
    the staged version. With a config, the staged files that are configured IDLs are checked; without
    one, every staged file that is an IDL: its HEAD version is one, it lies in an `idl/` folder (Anchor's
    `target/idl/` too), or its bytes name `"instructions"`. Such a file that cannot be loaded (malformed
    JSON, not UTF-8, no `instructions`) is an error naming it, never skipped; so is an IDL git cannot read
    at HEAD. An IDL new in this commit has nothing to compare with, but must still load. Exit code: the
    worst of `idlgen diff HEAD:FILE FILE`, and 2 for any IDL that could not be read.

    \b
    Example (what the hook runs):
      idlgen hook-diff idl/godark_settlement.json
    """
    import subprocess

    from idlgen import gitio
    from idlgen.anchor.load import load_program
    from idlgen.config import find_config, load_config
    from idlgen.diagnostics import Exit, IdlgenError

    found = find_config(Path.cwd())
    configured: dict[Path, Any] = {}
    if found is not None:
        config = load_config(found)
        configured = {(config.root / p.idl).resolve(): p for p in config.programs}
    has_head = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD^{commit}"], capture_output=True,
                              check=False).returncode == 0
    targets: list[str] = []
    broken = 0
    for f in files:
        path = Path(f)
        prog = configured.get(path.resolve())
        if configured and prog is None:
            continue
        try:
            old = gitio.read_at("HEAD", f, Path.cwd()) if has_head else None
        except IdlgenError as exc:
            click.echo(f"idlgen: error: {f}: {exc}", err=True)
            broken += 1
            continue
        if not configured and not _is_staged_idl(path, old):
            continue
        lost = _lost_instructions(path)
        if lost:
            click.echo(f"idlgen: error: {f}: {lost}", err=True)
            broken += 1
            continue
        if old is not None:
            targets.append(f)  # the diff loads both sides and names the file if either cannot be loaded
            continue
        try:
            load_program(path, display=f, families=prog.family_specs if prog is not None else ())
        except IdlgenError as exc:
            click.echo(f"idlgen: error: {exc}", err=True)
            broken += 1
            continue
        click.echo(f"{f}: new IDL, nothing to compare with")
    worst = int(Exit.USAGE) if broken else 0
    main = click.get_current_context().find_root().command
    for f in targets:
        click.echo(f"idlgen diff HEAD:{f} {f}")
        code = _run_in_process(main, ["diff", f"HEAD:{f}", f])
        worst = max(worst, code)
    if worst:
        sys.exit(min(worst, int(Exit.USAGE)))


def _is_staged_idl(path: Path, head_text: str | None) -> bool:
    """Without a config: is this staged .json meant to be an Anchor IDL? Judged so that a broken IDL
    (malformed, not UTF-8, its `instructions` lost) still counts, while package.json does not."""
    if head_text is not None and _idl_doc(head_text):
        return True
    if "idl" in path.parent.parts:
        return True
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    return b'"instructions"' in raw


def _lost_instructions(path: Path) -> str:
    """Every Anchor IDL, in either format, has an `instructions` list (maybe empty); a JSON object without
    one is a broken IDL, which the loader would otherwise read as a program with no instructions."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return ""  # unreadable or malformed: the loader names the exact problem
    if isinstance(doc, dict) and "instructions" not in doc:
        return 'not an Anchor IDL: it has no "instructions" key'
    return ""


def _idl_doc(text: str) -> bool:
    try:
        doc = json.loads(text)
    except ValueError:
        return False
    return isinstance(doc, dict) and "instructions" in doc


def _run_in_process(group: Any, args: list[str]) -> int:
    """Run another idlgen command in this process and return its exit code (it may sys.exit)."""
    try:
        group.main(args=args, prog_name="idlgen", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except click.ClickException as exc:
        exc.show()
        return 2
    return 0
