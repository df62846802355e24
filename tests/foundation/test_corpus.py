"""Every real IDL loads faithfully, or fails with the precise error we intend."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from idlgen.anchor.load import load_program
from idlgen.anchor.names import sighash
from idlgen.diagnostics import IdlError
from idlgen.ir.model import IdlFormat, Program
from tests.conftest import CORPUS, SHARED_CORPUS, copied_idls, shared_only_idls

# IDLs that are broken or not Anchor's own layout: the message we must give for each.
INTENDED_ERRORS = {
    "spl_stake_pool.json": "accounts[0].type.fields[13].type.defined: unknown defined type 'Lockup'",
    "spl_token_lending.json": "types[1].type.fields[2].type.defined: unknown defined type 'Decimal'",
    "generics_legacy.json": "types[3].type.fields[8].type.definedWithTypeArgs: unknown defined type 'WrappedU8Array'",
    "spl_token_anchor_style.json": 'instructions[24].args[0].type.defined: unknown defined type "&\'astr"',
    "squads_smart_account_program_legacy.json": "'SmallVec<u8,Pubkey>' is a custom length-prefixed vector",
    "jito_restaking.json": "this is a Shank IDL",
    "jito_vault.json": "this is a Shank IDL",
    "token_metadata.json": "this is a Shank IDL",
}


def check_loads(path: Path) -> Program | None:
    expected = INTENDED_ERRORS.get(path.name)
    if expected is None:
        program = load_program(path)
        assert program.instructions or program.accounts or program.types
        return program
    with pytest.raises(IdlError) as err:
        load_program(path)
    assert expected in str(err.value)
    assert str(err.value).startswith(str(path))
    return None


@pytest.mark.parametrize("path", copied_idls(), ids=lambda p: p.parent.name + "/" + p.name)
def test_copied_corpus_idl(path: Path) -> None:
    check_loads(path)


@pytest.mark.parametrize(
    "path", sorted((CORPUS / "history").glob("*/*.json")), ids=lambda p: p.parent.name + "/" + p.name
)
def test_copied_history_idl(path: Path) -> None:
    check_loads(path)


def shared_paths() -> list[Path]:
    paths = shared_only_idls()
    if SHARED_CORPUS.is_dir():
        paths += sorted((SHARED_CORPUS / "shank").glob("*/*.json"))
        copied_hist = {p.relative_to(CORPUS) for p in (CORPUS / "history").rglob("*.json")}
        paths += sorted(
            p for p in (SHARED_CORPUS / "history").glob("*/*.json") if p.relative_to(SHARED_CORPUS) not in copied_hist
        )
    return paths


@pytest.mark.parametrize(
    "path", shared_paths() or [None], ids=lambda p: "none" if p is None else p.parent.name + "/" + p.name
)
def test_shared_corpus_idl(path: Path | None) -> None:
    if path is None:
        pytest.skip("../shared/corpus is not present beside the repo")
    check_loads(path)


def spec_programs() -> list[Path]:
    out = []
    for p in copied_idls() + shared_only_idls():
        if p.name in INTENDED_ERRORS:
            continue
        if load_program(p).format is IdlFormat.SPEC:
            out.append(p)
    return out


# Programs whose IDL deliberately uses discriminators other than Anchor's hash (corpus feature custom_disc).
CUSTOM_DISCRIMINATORS = {"exponent_core.json", "mpl_token_metadata_declare_program_spec.json", "marginfi_0.1.7.json"}


@pytest.mark.parametrize("path", spec_programs(), ids=lambda p: p.name)
def test_explicit_discriminators_match_anchor_derivation(path: Path) -> None:
    """Recompute sha256("global:<name>") etc. for every spec IDL entry and compare with the explicit bytes."""
    program = load_program(path)
    mismatches = []
    for ix in program.instructions:
        if ix.discriminator != sighash("global", ix.name):
            mismatches.append(ix.name)
    for acct in program.accounts:
        if acct.discriminator != sighash("account", acct.name):
            mismatches.append(acct.name)
    for ev in program.events:
        if ev.discriminator != sighash("event", ev.name):
            mismatches.append(ev.name)
    if path.name in CUSTOM_DISCRIMINATORS:
        assert mismatches, "a program listed as using custom discriminators no longer does"
    else:
        assert mismatches == []


def test_sighash_is_sha256_prefix() -> None:
    assert sighash("global", "settle_batch") == hashlib.sha256(b"global:settle_batch").digest()[:8]
