"""The design's whole rollout, executed against the three SBF builds in LiteSVM (programs/rollout.py)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from programs.client import Settlement
from programs.ledger import Ledger
from programs.rollout import OK, Story, main
from programs.stages import Stage

EMPTY_ROOT = hashlib.sha256(b"").digest()


def test_every_step_answers_as_the_playbook_says(stages: dict[str, Stage]) -> None:
    lines: list[str] = []
    story = Story(stages, out=lines.append)
    s = story.run()
    wrong = [(st.phase, st.sent, st.answered, st.expected) for st in story.steps if not st.as_expected]
    assert not wrong, "\n".join(lines)
    assert Counter(st.expected for st in story.steps) == {
        OK: 25, "BatchVersionDisabled": 3, "InvalidBatchVersion": 2, "Paused": 2, "AccountDidNotDeserialize": 1}
    phases = [st.phase.split(":")[0] for st in story.steps]
    for phase in ("Phase 1", "Phase 2", "Phase 3", "0-latency rollback", "Full rollback",
                  "Hard fork `current` -> `v3_hardfork` (stop the world)"):
        assert phase in phases

    # The end state, read through the 1.0.0 codec: migrated, the ping's root then one V2 batch folded in.
    st = s.state()
    assert len(s.ledger.data(s.state_address) or b"") == 101
    assert (st.epoch, st.last_settled_batch_id, st.total_trades_settled) == (1, 14, 39)
    ping_fold = hashlib.sha256(b"\x01" + bytes(32) + EMPTY_ROOT).digest()
    assert st.epoch_root == hashlib.sha256(b"\x01" + ping_fold + st.batch_root).digest()
    cfg = s.config()
    assert (cfg.is_paused, cfg.allowed_batch_versions, cfg.admin) == (False, 0b10, s.admin.pubkey())


def test_upgrade_keeps_state_and_migration_needs_rent(stages: dict[str, Stage]) -> None:
    ledger = Ledger(stages["v1_only"].program)
    s = Settlement(ledger, stages["v1_only"], ledger.funded(), ledger.funded())
    assert s.initialize(1, 0b01).ok and s.settle(1, 1, 4).ok
    before = (s.config(), s.state())
    raw = ledger.data(s.state_address)
    ledger.deploy(stages["current"].program)
    s.use(stages["current"])
    assert ledger.data(s.state_address) == raw
    assert (repr(s.config()), repr(s.state())) == tuple(map(repr, before))

    ledger.deploy(stages["v3_hardfork"].program)
    s.use(stages["v3_hardfork"])
    r = s.ping(2)  # no rent top-up for the grown layout
    assert r.code == 2005 and r.anchor_error() == "ConstraintRentExempt", r.logs
    assert ledger.data(s.state_address) == raw  # nothing half-migrated
    need = ledger.svm.minimum_balance_for_rent_exemption(101)
    assert ledger.transfer(s.state_address, need - ledger.account(s.state_address).lamports).ok  # type: ignore[union-attr]
    assert s.ping(1).code == 6007  # the migrated state still knows batch 1
    r = s.ping(2)
    assert r.ok, r.logs
    st = s.state()
    assert (st.batch_root, st.epoch_root, st.last_settled_batch_id, st.total_trades_settled, st.epoch) == (
        EMPTY_ROOT, hashlib.sha256(b"\x01" + bytes(32) + EMPTY_ROOT).digest(), 2, 4, 1)
    assert st.bump == before[1].bump


def test_the_story_catches_a_mutated_program(stages: dict[str, Stage], tmp_path: Path,
                                             mutant_build: Callable[[str, str, Path], Path]) -> None:
    """With the version gate flipped in the C source, the rollout no longer answers as the playbook says."""
    from .test_build import GATE

    out = mutant_build(GATE, GATE.replace("== 0)", "!= 0)"), tmp_path)
    mutated = {**stages, "current": replace(stages["current"], program=out / "godark_settlement-current.so")}
    story = Story(mutated, out=lambda _line: None)
    story.run()
    assert any(not st.as_expected for st in story.steps)


def test_the_documented_command(build_dir: Path, capsys: object) -> None:
    assert main(["--build", str(build_dir)]) == 0
    text = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "== Phase 1" in text and "answered: BatchVersionDisabled (error 6001)" in text
    assert "0 not;" in text
