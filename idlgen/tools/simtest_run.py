"""`idlgen simtest --producer CMD`: the command's side of idlgen.tools.settle (printing, exit code).

Pass and fail as the design's gatekeeper says: pass when the engine's output settles on the program
deployed now (Phase 1) or, given --staged, on the program about to be deployed (Phase 2); fail, exit
1, naming the program's error, when the program rejects a batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from idlgen.tools.codecs import build_codec, codec_workspace
from idlgen.tools.settle import ProducerFailed, Run, Setup, report, run_producer, settle


def producer_mode(dep: Any, cand: Any, pid: str | None, program_so: Path, producer: str, *, scenario: str | None,
                  accounts: tuple[str, ...], relayer_keypair: str | None, staged: str | None) -> int:
    from idlgen.diagnostics import IdlgenError

    if not pid:
        raise IdlgenError("the deployed IDL has no program address: pass --program-id (the id the binary was "
                          "built with)")
    if scenario is None and not accounts:
        raise IdlgenError("--producer needs state: --scenario FILE or --account DUMP (the settlement program "
                          "rejects every batch without its config account)")
    with codec_workspace() as ws:
        setup = Setup(pid, build_codec(dep.program, ws, "program"), build_codec(cand.program, ws, "relayer"),
                      tuple(Path(a) for a in accounts), Path(scenario) if scenario else None,
                      Path(relayer_keypair) if relayer_keypair else None)
        click.echo(f"program:  {program_so} as {pid} ({dep.shown}: {dep.program.name} {dep.program.version})")
        click.echo(f"relayer:  generated from {cand.shown} ({cand.program.name} {cand.program.version})")
        click.echo(f"producer: {producer}")
        try:
            frames = run_producer(producer)
        except ProducerFailed as exc:
            click.echo(f"simtest: FAIL: {exc}", err=True)
            return 1
        current = settle(program_so, setup, frames, "producer output")
        _print("Phase 1: the engine's output on the program deployed now", current, setup)
        if current.ok:
            click.echo("simtest: PASS: every batch settles on the program deployed now (Phase 1)")
            return 0
        if staged is not None:
            staged_run = settle(Path(staged), setup, frames, "producer output")
            _print(f"Phase 2: the engine's output on the staged program {staged}", staged_run, setup)
            if staged_run.ok:
                click.echo("simtest: PASS: every batch settles on the staged program (Phase 2): deploy it "
                           f"before this engine; on the program deployed now: {current.first_error()}")
                return 0
        click.echo(f"simtest: FAIL: {current.first_error()}", err=True)
        return 1


def _print(title: str, run: Run, setup: Setup) -> None:
    settled = sum(1 for s in run.sent if s.settled)
    click.echo(f"{title}: {'PASS' if run.ok else 'FAIL'} ({settled} of {len(run.sent)} transaction(s) settled)")
    for line in report(run):
        click.echo(line)
