"""How the LiteSVM runner classifies answers, and how it refuses binaries it cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from idlgen.cli import main
from idlgen.diagnostics import IdlgenError
from idlgen.tools.svm import Outcome, ProgramVM, Verdict
from tests.tools import light


@pytest.mark.parametrize(("outcome", "version_errors", "expected"), [
    (Outcome(True, None, "", ()), frozenset(), Verdict.ACCEPTED),
    (Outcome(False, 100, "x", ()), frozenset(), Verdict.REJECTED),
    (Outcome(False, 101, "x", ()), frozenset(), Verdict.REJECTED),
    (Outcome(False, 102, "x", ()), frozenset(), Verdict.REJECTED),
    (Outcome(False, 3012, "x", ()), frozenset(), Verdict.ACCEPTED),  # account check: args were decoded
    (Outcome(False, 2006, "x", ()), frozenset(), Verdict.ACCEPTED),
    (Outcome(False, 6000, "x", ()), frozenset({6000, 6001}), Verdict.REJECTED),  # the program's version error
    (Outcome(False, 6000, "x", ()), frozenset(), Verdict.ACCEPTED),
    (Outcome(False, 4100, "x", ()), frozenset(), Verdict.INCONCLUSIVE),  # wrong program id: never dispatched
    (Outcome(False, None, "ProgramFailedToComplete", ()), frozenset(), Verdict.INCONCLUSIVE),
])
def test_verdicts(outcome: Outcome, version_errors: frozenset[int], expected: Verdict) -> None:
    assert outcome.verdict(version_errors) is expected


def test_describe_names_anchor_and_idl_errors() -> None:
    assert Outcome(False, 102, "", ()).describe() == "error 102 (InstructionDidNotDeserialize)"
    assert Outcome(False, 6001, "", ()).describe({6001: "BatchVersionDisabled"}) == "error 6001 (BatchVersionDisabled)"
    logs = ("Program log: AnchorError occurred. Error Code: AccountNotInitialized. Error Number: 3012.",)
    assert Outcome(False, 3012, "", logs).describe() == "error 3012 (AccountNotInitialized)"


def test_not_an_elf(tmp_path: Path) -> None:
    bogus = tmp_path / "program.so"
    bogus.write_bytes(b"#!/bin/sh\necho not a program\n")
    with pytest.raises(IdlgenError, match="not an ELF file"):
        ProgramVM(bogus, light.PROGRAM_ID)
    r = CliRunner().invoke(main, ["simtest", "--deployed", str(light.IDL_FIXTURE), "--candidate",
                                  str(light.IDL_FIXTURE), "--program", str(bogus), "--program-id",
                                  light.PROGRAM_ID, "--samples", "1"])
    assert r.exit_code == 2 and "not an ELF file" in r.output


def test_a_broken_elf_is_an_error_not_a_panic(tmp_path: Path) -> None:
    try:
        so = light.program_so()
    except light.Unavailable as exc:
        pytest.skip(f"Light Protocol program not available: {exc}")
    broken = tmp_path / "broken.so"
    broken.write_bytes(so.read_bytes()[:4096])
    with pytest.raises(IdlgenError, match="LiteSVM cannot load this program"):
        ProgramVM(broken, light.PROGRAM_ID)


def test_program_level_needs_a_program_id(tmp_path: Path) -> None:
    so = tmp_path / "x.so"
    so.write_bytes(b"\x7fELF" + bytes(60))
    r = CliRunner().invoke(main, ["simtest", "--deployed", str(light.IDL_FIXTURE), "--candidate",
                                  str(light.IDL_FIXTURE), "--program", str(so), "--samples", "1"])
    assert r.exit_code == 2 and "--program-id" in r.output
