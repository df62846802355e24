"""The build is reproducible, and the tests catch a program that regresses (a mutated C source)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from programs.client import Settlement
from programs.ledger import Ledger
from programs.stages import Stage

from .conftest import build_programs

GATE = "if ((allowed >> (version - 1) & 1) == 0) /* version gate */"


def test_two_builds_are_byte_identical(build_dir: Path, tmp_path: Path) -> None:
    build_programs(tmp_path)
    for stage in ("v1_only", "current", "v3_hardfork"):
        name = f"godark_settlement-{stage}.so"
        assert (tmp_path / name).read_bytes() == (build_dir / name).read_bytes(), name


def test_the_three_builds_differ(build_dir: Path) -> None:
    blobs = {p.read_bytes() for p in build_dir.glob("*.so")}
    assert len(blobs) == 3


def gate_holds(stage: Stage, program: Path) -> bool:
    """The version-gate check of the rollout tests: mask 1 settles V1 and rejects V2 with 6001."""
    ledger = Ledger(program)
    s = Settlement(ledger, stage, ledger.funded(), ledger.funded())
    assert s.initialize(1, 0b01).ok
    return s.settle(1, 1, 2).ok and s.settle(2, 2, 2).code == 6001


def test_a_flipped_bitmask_check_fails_the_gate_test(stages: dict[str, Stage], build_dir: Path, tmp_path: Path,
                                                     mutant_build: Callable[[str, str, Path], Path]) -> None:
    assert gate_holds(stages["current"], build_dir / "godark_settlement-current.so")
    out = mutant_build(GATE, GATE.replace("== 0)", "!= 0)"), tmp_path)
    assert not gate_holds(stages["current"], out / "godark_settlement-current.so")


@pytest.mark.parametrize(("needle", "code"), [
    ("if (cfg[CFG_PAUSED]) return fail(E_PAUSED, 0);", 6002),
    ("if (!eq32(root, b.root)) return fail(E_INVALID_MERKLE_ROOT, 0);", 6006),
])
def test_other_mutants_are_caught(stages: dict[str, Stage], tmp_path: Path, needle: str, code: int,
                                  mutant_build: Callable[[str, str, Path], Path]) -> None:
    """Dropping the pause or the Merkle check makes the program settle what it must reject."""
    ledger = Ledger(mutant_build(needle, "", tmp_path) / "godark_settlement-current.so")
    s = Settlement(ledger, stages["current"], ledger.funded(), ledger.funded())
    assert s.initialize(1, 0b11).ok
    if code == 6002:
        assert s.pause().ok
        r = s.settle(1, 1, 2)
    else:
        r = s.settle(1, 1, 2, root=bytes(32))
    assert r.ok  # the mutant settles it; the real program answers `code` (test_program.py)
