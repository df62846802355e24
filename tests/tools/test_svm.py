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


class VersionGateVM:
    """Stands in for the settlement binary (none is published): answers like its handler would, from the
    version byte of settle_batch.data, so program_level's expectations can be checked both ways."""

    def __init__(self, program_errors: dict[str, int], allowed: int, known: tuple[int, ...]) -> None:
        self.errors = program_errors
        self.allowed = allowed
        self.known = known
        self.sent: list[bytes] = []

    def classify(self, ix: object, data: bytes, version_errors: frozenset[int]) -> tuple[Outcome, Verdict, str]:
        self.sent.append(data)
        name = getattr(ix, "snake", "")
        if name != "settle_batch":
            o = Outcome(False, 3012, "", ())
        else:
            version = data[len(getattr(ix, "discriminator", b"")) + 4]
            if version not in self.known:
                o = Outcome(False, self.errors["InvalidBatchVersion"], "", ())
            elif not self.allowed >> (version - 1) & 1:
                o = Outcome(False, self.errors["BatchVersionDisabled"], "", ())
            else:
                o = Outcome(False, 6002, "", ())  # Paused: past the version check
        return o, o.verdict(version_errors), ""


def test_program_level_family_versions_against_expectations(tmp_path: Path) -> None:
    from idlgen.anchor.load import load_program
    from idlgen.anchor.lower import FamilySpec
    from idlgen.tools.codecs import build_codec, codec_workspace
    from idlgen.tools.simtest import Options, program_level
    from tests.conftest import SETTLEMENT

    fams = (FamilySpec("Batch", "settle_batch.data", "GlobalConfig.allowed_batch_versions"),)
    program = load_program(SETTLEMENT, families=fams)
    errors = {e.name: e.code for e in program.errors}
    opts = Options(allowed=1, allowed_source="test", emit_version=None, old_emit_version=None, samples=1)
    with codec_workspace() as ws:
        codec = build_codec(program, ws, "stub")
        # the binary enables only v1, and simtest expected exactly that: every answer as predicted
        vm = VersionGateVM(errors, allowed=1, known=(1, 2))
        sent = program_level(vm, program, codec, opts, {("Batch", 1): True, ("Batch", 2): False})  # type: ignore[arg-type]
        by_what = {s.what: s for s in sent}
        assert by_what["settle_batch Batch v1"].verdict is Verdict.ACCEPTED
        assert by_what["settle_batch Batch v2"].verdict is Verdict.REJECTED
        assert all(s.ok for s in sent)
        assert len(sent) == len(program.instructions) + 1  # settle_batch once per family version
        # the binary disagrees with what the codec level predicted: that is a failure
        vm = VersionGateVM(errors, allowed=1, known=(1,))
        sent = program_level(vm, program, codec, opts, {("Batch", 1): True, ("Batch", 2): True})  # type: ignore[arg-type]
        bad = [s.what for s in sent if not s.ok]
        assert bad == ["settle_batch Batch v2"]
