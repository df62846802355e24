"""Our generated codec against a real compiled Anchor program: Light Protocol's account_compression.

The program (an Anchor 0.29 SBF binary from npm, sha256-pinned, cached in .cache/light/) runs in
solders' LiteSVM. Anchor decodes the args before it looks at any account, so an answer other than
100/101/102 means the program's own deserializer accepted the bytes our codec wrote
(../shared/docs/svm.md). Skips, saying why, only when npm or the registry is unavailable.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from idlgen.anchor.load import load_program
from idlgen.ir.model import Instruction, Program
from idlgen.tools.svm import ProgramVM, Verdict
from tests.support.pygen import generate_python_package
from tests.support.values import PROFILES, ValueGen
from tests.tools import light

VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def so() -> Path:
    try:
        return light.program_so()
    except light.Unavailable as exc:
        pytest.skip(f"Light Protocol program not available: {exc}")


@pytest.fixture(scope="module", params=["legacy", "spec"])
def idl(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed legacy IDL, and the same program converted to the 0.30+ spec format."""
    if request.param == "legacy":
        return light.IDL_FIXTURE
    out = tmp_path_factory.mktemp("spec") / "account_compression.json"
    out.write_text(json.dumps(light.as_spec(json.loads(light.IDL_FIXTURE.read_text())), indent=2))
    return out


@pytest.fixture(scope="module")
def program(idl: Path) -> Program:
    return load_program(idl)


@pytest.fixture(scope="module")
def codec(idl: Path, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_python_package(idl, tmp_path_factory.mktemp("lightpkg"))


@pytest.fixture
def vm(so: Path) -> ProgramVM:
    return ProgramVM(so, light.PROGRAM_ID)


def encode(codec: ModuleType, ix: Instruction, value: dict[str, Any]) -> bytes:
    data: bytes = codec.json_bridge.encode("instruction", ix.name, value)
    return data


def args_for(program: Program, ix: Instruction, profile: str, seed: int) -> dict[str, Any]:
    return ValueGen(program, random.Random(f"light:{ix.name}:{profile}:{seed}"), profile).fields(ix.args)


def test_the_idl_has_what_the_program_has() -> None:
    program = load_program(light.IDL_FIXTURE)
    assert len(program.instructions) == 13
    assert {a.name for a in program.accounts} >= {"GroupAuthority", "RegisteredProgram"}
    # appendLeavesToMerkleTrees(leaves: Vec<(u8, [u8; 32])>): the legacy IDL writes the Rust tuple as a
    # type name; the loader reads it as a tuple struct of a u8 then 32 bytes (Borsh: elements in order)
    tup = next(t for t in program.types if t.name == "(u8,[u8;32])")
    assert tup.ident.isidentifier() and tup.borsh_size == 33
    assert [f.name for f in tup.body.fields] == ["0", "1"]  # type: ignore[union-attr]
    assert any("(u8,[u8;32])" in n.message for n in program.notes)


@pytest.mark.parametrize(("profile", "seed"), [(p, 0) for p in PROFILES] + [("random", 1), ("random", 2)])
def test_every_instruction_is_accepted_by_the_programs_deserializer(
        vm: ProgramVM, program: Program, codec: ModuleType, profile: str, seed: int) -> None:
    answers = {}
    for ix in program.instructions:
        data = encode(codec, ix, args_for(program, ix, profile, seed))
        assert data.startswith(ix.discriminator)
        outcome, verdict, why = vm.classify(ix, data)
        answers[ix.name] = f"{verdict.value}: {outcome.describe()} {why}".strip()
        assert verdict is Verdict.ACCEPTED, f"{ix.name} ({profile}): {answers[ix.name]}\n" + "\n".join(outcome.logs)
    # The placeholders get past decoding into account checks or the handler: different answers, not one
    # generic failure (which would mean we never reached the program's instruction at all).
    assert len(set(answers.values())) > 3, answers


def test_a_truncated_body_is_rejected_with_102(vm: ProgramVM, program: Program, codec: ModuleType) -> None:
    tried = 0
    for ix in program.instructions:
        if not ix.args:
            continue
        data = encode(codec, ix, args_for(program, ix, "random", 1))
        for cut in sorted({1, (len(data) - len(ix.discriminator)) // 2 or 1}):
            outcome = vm.call(ix, data[:-cut])
            assert outcome.code == 102, f"{ix.name} minus {cut} byte(s): {outcome.describe()}"
            tried += 1
    assert tried >= 9


def test_unknown_discriminator_101_and_short_data_100(vm: ProgramVM, program: Program, codec: ModuleType) -> None:
    ix = next(i for i in program.instructions if i.snake == "initialize_group_authority")
    known = {i.discriminator for i in program.instructions}
    body = encode(codec, ix, args_for(program, ix, "random", 2))[len(ix.discriminator):]
    for disc in (bytes(8), b"\xff" * 8, bytes(reversed(ix.discriminator))):
        assert disc not in known
        assert vm.call(ix, disc + body).code == 101
    assert vm.call(ix, ix.discriminator[:4]).code == 100


def test_initialize_group_authority_succeeds_and_the_account_decodes(
        vm: ProgramVM, program: Program, codec: ModuleType) -> None:
    from solders.keypair import Keypair
    from solders.pubkey import Pubkey

    ix = next(i for i in program.instructions if i.snake == "initialize_group_authority")
    pda_name = next(a.name for a in ix.flat_accounts() if a.snake == "group_authority")
    const = next(c for c in program.constants if c.name == "GROUP_AUTHORITY_SEED")
    seed_bytes = bytes(json.loads(const.value))
    seed_signer, payer = Keypair(), Keypair()
    vm.svm.airdrop(payer.pubkey(), 10**10)
    new_authority = Keypair().pubkey()
    pid = Pubkey.from_string(light.PROGRAM_ID)
    pda, _bump = Pubkey.find_program_address([seed_bytes, bytes(seed_signer.pubkey())], pid)

    data = encode(codec, ix, {"authority": str(new_authority)})
    outcome = vm.call(ix, data, accounts={pda_name: pda},
                      signers={"authority": payer, "seed": seed_signer})
    assert outcome.ok, outcome.describe() + "\n" + "\n".join(outcome.logs)

    raw = vm.account_data(pda)
    assert raw is not None
    account = next(a for a in program.accounts if a.name == "GroupAuthority")
    assert raw.startswith(account.discriminator)
    value = codec.json_bridge.decode("account", "GroupAuthority", raw)
    assert value == {"authority": str(new_authority), "seed": str(seed_signer.pubkey())}

    # and the same instruction again is refused by the program (the PDA exists): the call is real
    again = vm.call(ix, data, accounts={pda_name: pda}, signers={"authority": payer, "seed": seed_signer})
    assert not again.ok


def test_simtest_program_level_on_the_real_binary(so: Path, tmp_path: Path) -> None:
    proc = subprocess.run([str(VENV_BIN / "idlgen"), "simtest", "--deployed", str(light.IDL_FIXTURE),
                           "--candidate", str(light.IDL_FIXTURE), "--program", str(so),
                           "--program-id", light.PROGRAM_ID, "--samples", "2"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("  ok    ") and ": accepted (" in ln]
    assert len(lines) == 13, proc.stdout

    # The same program in the spec format as the candidate: a format change alone settles everywhere.
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(light.as_spec(json.loads(light.IDL_FIXTURE.read_text())), indent=2))
    proc = subprocess.run([str(VENV_BIN / "idlgen"), "simtest", "--deployed", str(light.IDL_FIXTURE),
                           "--candidate", str(spec), "--program", str(so), "--samples", "2"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "13 instruction(s) from old producers decode to the same args" in proc.stdout

    # A candidate whose initializeGroupAuthority takes a u8 instead of a pubkey: the deployed binary's
    # deserializer refuses the shorter body (102), and simtest says so and fails.
    doc = json.loads(light.IDL_FIXTURE.read_text())
    ix = next(i for i in doc["instructions"] if i["name"] == "initializeGroupAuthority")
    ix["args"][0]["type"] = "u8"
    bad = tmp_path / "candidate.json"
    bad.write_text(json.dumps(doc, indent=2))
    proc = subprocess.run([str(VENV_BIN / "idlgen"), "simtest", "--deployed", str(light.IDL_FIXTURE),
                           "--candidate", str(bad), "--program", str(so), "--program-id", light.PROGRAM_ID,
                           "--samples", "2"], capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if "initializeGroupAuthority:" in ln and "Program" not in ln
                and ("rejected" in ln or "accepted" in ln))
    assert line.lstrip().startswith("FAIL") and "error 102" in line, proc.stdout


def test_without_npm_the_fetch_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(light, "CACHE", tmp_path / "empty-cache")
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm on it
    with pytest.raises(light.Unavailable, match="npm is not installed"):
        light.program_so()


def test_a_tampered_cache_is_not_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, so: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    tampered = bytearray(so.read_bytes())
    tampered[1000] ^= 0xFF  # same size, different hash
    (cache / "account_compression.so").write_bytes(bytes(tampered))
    monkeypatch.setattr(light, "CACHE", cache)
    monkeypatch.setenv("PATH", str(tmp_path))  # so it cannot silently re-fetch either
    with pytest.raises(light.Unavailable):
        light.program_so()
    assert not (cache / "account_compression.so").exists(), "the bad copy is thrown away"


def test_committed_idl_is_the_upstream_one() -> None:
    try:
        upstream = light.upstream_idl()
    except light.Unavailable as exc:
        pytest.skip(f"cannot re-read the IDL from npm: {exc}")
    assert light.as_anchor_json(upstream) == json.loads(light.IDL_FIXTURE.read_text())
    # the only change is the account names' case
    assert [a["name"] for a in upstream["accounts"]] != [a["name"] for a in json.loads(
        light.IDL_FIXTURE.read_text())["accounts"]]
