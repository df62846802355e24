"""`idlgen simtest --producer`: the engine binary's output settled on a compiled program in LiteSVM.

The reference settlement program (build/programs/, built by scripts/build-programs.sh) gives the real
answers; the tests skip with the build command when it is missing. Light's compiled Anchor program
(not a settlement program: every batch is answered with an Anchor error) proves the plumbing on its
own: state from an account dump, the pre-flight, and the program's error named in the report.
"""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result
from solders.pubkey import Pubkey

from idlgen.cli import main
from idlgen.tools.scenario import named_keypair
from tests.conftest import FIXTURES, ROOT, SETTLEMENT
from tests.tools import light
from tests.tools.simtest_support import build_engines, generated_package, program

V1_ONLY = FIXTURES / "settlement" / "v1_only.json"
STORY = ROOT / "examples" / "engine" / "scenario.toml"


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the bundled [tool.idlgen] config supplies the Batch family


@pytest.fixture(scope="module")
def engines() -> dict[str, Path]:
    return build_engines()


def simtest(*args: str) -> Result:
    return CliRunner().invoke(main, ["simtest", *args], catch_exceptions=False)


def scenario(tmp_path: Path, *, mask: int = 3, min_size: int = 1, relayer: str = "@relayer",
             extra: str = "") -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(f'relayer = "relayer"\n\n[[step]]\ninstruction = "initialize_config"\n'
                    f'args = {{ min_batch_size = {min_size}, allowed_batch_versions = {mask}, '
                    f'active_relayer = "{relayer}" }}\n{extra}')
    return path


def run(engine: Path, so: Path, scen: Path, *, deployed: Path = SETTLEMENT, candidate: Path = SETTLEMENT,
        flags: str = "--orders 200", extra: tuple[str, ...] = ()) -> Result:
    return simtest("--deployed", str(deployed), "--candidate", str(candidate), "--program", str(so),
                   "--scenario", str(scen), "--producer", f"{engine} {flags}", *extra)


# ---- against the reference settlement program --------------------------------------------------------

def test_new_engine_settles_on_current(engines: dict[str, Path]) -> None:
    so = program("current")
    t0 = time.perf_counter()
    r = run(engines["current"], so, STORY, flags="--orders 400")
    assert r.exit_code == 0, r.output
    assert time.perf_counter() - t0 < 30
    assert "Phase 1: the engine's output on the program deployed now: PASS" in r.output
    assert "simtest: PASS: every batch settles on the program deployed now (Phase 1)" in r.output
    assert re.search(r"ok    frame 0 -> batch 1 \(v2, \d+ items, \d+ bytes\): settled, \d+ CU", r.output)
    assert "FAIL" not in r.output and "REFUSED" not in r.output


def test_old_engine_settles_on_current_with_mask_1(engines: dict[str, Path], tmp_path: Path) -> None:
    """Phase 1: the new program over the old engine, V2 not yet enabled."""
    r = run(engines["v1_only"], program("current"), scenario(tmp_path, mask=1), candidate=V1_ONLY)
    assert r.exit_code == 0, r.output
    assert "(v1, " in r.output and "(v2, " not in r.output


def test_new_engine_on_v1_only_fails_with_the_programs_error(engines: dict[str, Path], tmp_path: Path) -> None:
    r = run(engines["current"], program("v1_only"), scenario(tmp_path, mask=1), deployed=V1_ONLY)
    assert r.exit_code == 1, r.output
    # the relayer refuses first (its bitmask says v2 is off), the program answers with its version error
    assert "REFUSED  frame 0 -> batch 1 (v2" in r.output and "BatchVersionDisabled (6001)" in r.output
    m = re.search(r"rejected with (InvalidBatchVersion \(6000\)|BatchVersionDisabled \(6001\))", r.output)
    assert m, r.output
    assert re.search(r"simtest: FAIL: frame 0 \(batch 1\): (InvalidBatchVersion|BatchVersionDisabled)", r.output)
    assert "| Program " in r.output  # the program's log lines


def test_staged_program_passes_phase_2(engines: dict[str, Path], tmp_path: Path) -> None:
    r = run(engines["current"], program("v1_only"), scenario(tmp_path, mask=3), deployed=V1_ONLY,
            extra=("--staged", str(program("current"))))
    assert r.exit_code == 0, r.output
    assert "Phase 1: the engine's output on the program deployed now: FAIL" in r.output
    assert "PASS: every batch settles on the staged program (Phase 2): deploy it before this engine" in r.output


@pytest.mark.parametrize(("kind", "error", "why"), [
    ("paused", "Paused (6002)", "GlobalConfig.is_paused is set"),
    ("min_500", "BatchTooSmall (6004)", "GlobalConfig.min_batch_size is 500"),
    ("other_relayer", "UnauthorizedRelayer (6003)", "is not GlobalConfig.active_relayer"),
])
def test_config_the_program_rejects_is_refused_first(engines: dict[str, Path], tmp_path: Path, kind: str,
                                                     error: str, why: str) -> None:
    so = program("current")
    if kind == "paused":
        scen = scenario(tmp_path, extra='\n[[step]]\ninstruction = "pause"\naccounts = { admin = "admin" }\n')
    elif kind == "min_500":
        scen = scenario(tmp_path, min_size=500)
    else:
        scen = scenario(tmp_path, relayer="@someone_else")
    r = run(engines["current"], so, scen, flags="--orders 60 --max-batches 1")
    assert r.exit_code == 1, r.output
    assert "REFUSED  frame 0 -> batch 1 (v2" in r.output and f"relayer pre-flight: {error}" in r.output
    assert why in r.output
    assert f"rejected with {error}" in r.output and "the pre-flight named the same error" in r.output
    assert f"simtest: FAIL: frame 0 (batch 1): {error}" in r.output


def test_frames_larger_than_a_packet_are_split_and_settle(engines: dict[str, Path]) -> None:
    pkg = generated_package()
    most = pkg.relayer.batch_max_items(2)
    r = run(engines["current"], program("current"), STORY, flags=f"--orders 300 --batch-trades {3 * most + 1}")
    assert r.exit_code == 0, r.output
    sizes = [int(n) for n in re.findall(r"\(v2, (\d+) items", r.output)]
    assert max(sizes) == most and len(sizes) > len(re.findall(r"frame \d+ -> batch \d+ \(v2, \d+ items, \d+ bytes\)"
                                                              r": settled", r.output)) - 1
    bytes_ = [int(n) for n in re.findall(r"items, (\d+) bytes", r.output)]
    assert max(bytes_) <= 1232


# ---- the plumbing, against a compiled Anchor program that is not the settlement program ---------------

@pytest.fixture(scope="module")
def light_so() -> Path:
    try:
        return light.program_so()
    except light.Unavailable as exc:
        pytest.skip(f"Light Protocol program not available: {exc}")


def config_dump(tmp_path: Path, pkg: ModuleType, **over: Any) -> Path:
    fields = {"admin": named_keypair("admin").pubkey(), "is_paused": False, "min_batch_size": 1,
              "allowed_batch_versions": 3, "active_relayer": named_keypair("relayer").pubkey()} | over
    data = pkg.accounts.encode_global_config(pkg.types.GlobalConfig(**fields))
    pid = pkg.constants.PROGRAM_ID
    addr = Pubkey.find_program_address([b"config"], pid)[0]
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"pubkey": str(addr), "account": {
        "lamports": 10**9, "data": [base64.b64encode(data).decode(), "base64"], "owner": str(pid),
        "executable": False, "rentEpoch": 18446744073709551615, "space": len(data)}}))
    return path


def test_plumbing_against_a_real_anchor_binary(engines: dict[str, Path], light_so: Path, tmp_path: Path) -> None:
    pkg = generated_package()
    dump = config_dump(tmp_path, pkg)
    r = simtest("--deployed", str(SETTLEMENT), "--candidate", str(SETTLEMENT), "--program", str(light_so),
                "--account", str(dump), "--producer", f"{engines['current']} --orders 40 --max-batches 1")
    assert r.exit_code == 1, r.output
    assert f"setup  account {Pubkey.find_program_address([b'config'], pkg.constants.PROGRAM_ID)[0]}" in r.output
    # Light's binary declares another id: Anchor's own error, named from the program's log
    assert "rejected with DeclaredProgramIdMismatch (4100)" in r.output
    assert "REFUSED" not in r.output  # the dumped config allows everything this batch needs
    paused = config_dump(tmp_path, pkg, is_paused=True)
    r = simtest("--deployed", str(SETTLEMENT), "--candidate", str(SETTLEMENT), "--program", str(light_so),
                "--account", str(paused), "--producer", f"{engines['current']} --orders 40 --max-batches 1")
    assert r.exit_code == 1
    assert "relayer pre-flight: Paused (6002): GlobalConfig.is_paused is set" in r.output
    assert "the pre-flight named another error" in r.output


def test_producer_errors(engines: dict[str, Path], light_so: Path, tmp_path: Path) -> None:
    dump = config_dump(tmp_path, generated_package())
    base = ["--deployed", str(SETTLEMENT), "--candidate", str(SETTLEMENT), "--program", str(light_so)]
    r = simtest(*base, "--account", str(dump), "--producer", "/nonexistent/engine")
    assert r.exit_code == 2 and "no such program: /nonexistent/engine" in r.output
    r = simtest(*base, "--account", str(dump), "--producer", f"{engines['current']} --orders -1")
    assert r.exit_code == 1 and "the producer exited with 2" in r.output
    r = simtest(*base, "--account", str(dump), "--producer", "echo hello")
    assert r.exit_code == 2 and "producer output: offset 0: not a frame stream" in r.output
    r = simtest(*base, "--producer", str(engines["current"]))
    assert r.exit_code == 2 and "--producer needs state" in r.output
    r = simtest("--deployed", str(SETTLEMENT), "--candidate", str(SETTLEMENT), "--scenario", str(STORY))
    assert r.exit_code == 2 and "need --producer" in r.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[[step]]\ninstruction = "nope"\n')
    r = simtest(*base, "--scenario", str(bad), "--producer", str(engines["current"]))
    assert r.exit_code == 2 and "step[0] nope: the program's IDL has no such instruction" in r.output
