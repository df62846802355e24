"""The whole rollout story of the design document, executed against the three SBF builds in LiteSVM.

    .venv/bin/python -m programs.rollout [--build DIR]

Phase 1 (deploy v1_only, upgrade it to `current` over the live state), Phase 2, Phase 3, the
0-latency rollback, the full rollback and the hard fork to `v3_hardfork` (flush, pause, upgrade and
migrate, heartbeat, unpause). Every step is a transaction built with the generated relayer code of
the stage in use; every answer is the program's own, and the state is read back through the
generated codecs. It prints, per step, what was sent and what the program answered, and exits 1 if
any answer differs from what the playbook expects (tests/programs/test_rollout.py runs the same story).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .client import Settlement
from .ledger import BUILD, ROOT, Ledger, Result, program_path
from .stages import Stage, load_stage

OK = "ok"


@dataclass(frozen=True, slots=True)
class Step:
    phase: str
    sent: str
    expected: str  # OK, or the error name the program must answer
    answered: str
    result: Result | None

    @property
    def as_expected(self) -> bool:
        return self.answered.split(" ", 1)[0] == self.expected


def answer(s: Settlement, r: Result) -> str:
    """What the program answered, named through the generated errors module."""
    if r.ok:
        events = s.events(r)
        shown = ", ".join(f"{name}({_brief(ev)})" for name, ev in events)
        return f"{OK} [{r.compute_units:,} CU]" + (f" -> {shown}" if shown else "")
    if r.code is not None:
        err = s.stage.errors.from_code(r.code)
        name = err.name if err is not None else "custom"
        return f"{name} (error {r.code})"
    return f"{r.error} (not a custom error)"


def _brief(ev: Any) -> str:
    if hasattr(ev, "trade_count"):
        return f"batch {ev.batch_id}, v{ev.version}, {ev.trade_count} trades"
    return f"paused={ev.is_paused}, mask={ev.allowed_batch_versions}, min={ev.min_batch_size}"


@dataclass
class Story:
    stages: dict[str, Stage]
    out: Callable[[str], None] = print
    steps: list[Step] = field(default_factory=list)
    batch_id: int = 0
    current_phase: str = ""

    def phase(self, title: str) -> None:
        self.current_phase = title
        self.out(f"\n== {title}")

    def note(self, text: str) -> None:
        self.out(f"   .. {text}")

    def step(self, s: Settlement, sent: str, r: Result, expected: str = OK) -> Result:
        said = answer(s, r)
        step = Step(self.current_phase, sent, expected, said, r)
        self.steps.append(step)
        mark = "ok " if step.as_expected else "!! "
        self.out(f"{mark}sent:     {sent}")
        self.out(f"   answered: {said}" + ("" if step.as_expected else f"   (expected {expected})"))
        return r

    def settle(self, s: Settlement, version: int, expected: str = OK, *, engine: str, trades: int = 3) -> Result:
        batch_id = self.batch_id + 1
        # The batch comes from an engine that knows its version (the program's stage may not);
        # the transaction is the relayer's of the deployed stage.
        maker = s if hasattr(s.stage.types, f"BatchV{version}") else Settlement(
            s.ledger, self.stages["current"], s.admin, s.relayer)
        body = [maker.trade(version, batch_id * 1000 + i) for i in range(trades)]
        r = s.settle_data(maker.batch_data(version, batch_id, body))
        if r.ok:
            self.batch_id = batch_id  # a rejected batch stays pending and keeps its id
        return self.step(s, f"settle_batch V{version} batch {batch_id} ({trades} trades from the {engine} engine, "
                            f"{r.size} B tx)", r, expected)

    def admin(self, s: Settlement, what: str, r: Result, expected: str = OK) -> Result:
        return self.step(s, what, r, expected)

    def state_line(self, s: Settlement) -> str:
        cfg, st = s.config(), s.state()
        root = getattr(st, "batch_root", None) or st.merkle_root
        extra = f", epoch {st.epoch}" if hasattr(st, "epoch") else ""
        return (f"state ({s.stage.name} codec): paused={cfg.is_paused} mask={cfg.allowed_batch_versions} "
                f"last_batch={st.last_settled_batch_id} trades={st.total_trades_settled} root={root.hex()[:16]}{extra}")

    def run(self) -> Settlement:
        st = self.stages
        ledger = Ledger(st["v1_only"].program)
        s = Settlement(ledger, st["v1_only"], ledger.funded(), ledger.funded())

        self.phase("Before: v1_only deployed, the old engine emits BatchV1")
        self.admin(s, "initialize_config(min_batch_size=2, allowed_batch_versions=1, relayer)",
                   s.initialize(2, 0b01))
        self.settle(s, 1, engine="old")
        self.settle(s, 1, engine="old")
        self.settle(s, 2, "InvalidBatchVersion", engine="new")
        self.note(self.state_line(s))

        self.phase("Phase 1: upgrade the program to `current` (V1 + V2) over the live state")
        ledger.deploy(st["current"].program)
        s.use(st["current"])
        self.note(f"program bytes replaced by {st['current'].program.name}; accounts kept")
        self.note(self.state_line(s))
        self.settle(s, 1, engine="old")
        self.settle(s, 2, "BatchVersionDisabled", engine="new")
        self.admin(s, "update_config(allowed_batch_versions=3)", s.update_config(allowed=0b11))

        self.phase("Phase 2: the new engine emits BatchV2")
        self.settle(s, 2, engine="new")
        self.settle(s, 2, engine="new")
        self.note(self.state_line(s))

        self.phase("Phase 3: deprecate V1 (mask 2)")
        self.admin(s, "update_config(allowed_batch_versions=2)", s.update_config(allowed=0b10))
        self.settle(s, 1, "BatchVersionDisabled", engine="old")
        self.settle(s, 2, engine="new")

        self.phase("0-latency rollback: one update_config re-allows V1, no redeploy")
        self.admin(s, "update_config(allowed_batch_versions=3)", s.update_config(allowed=0b11))
        self.settle(s, 1, engine="old")

        self.phase("Full rollback: pause, old binaries, mask, unpause")
        self.admin(s, "pause", s.pause(True))
        self.settle(s, 2, "Paused", engine="new")
        self.note("engine and relayer binaries rolled back to the V1 build")
        self.admin(s, "update_config(allowed_batch_versions=1)", s.update_config(allowed=0b01))
        self.admin(s, "unpause", s.pause(False))
        self.settle(s, 1, engine="old")
        self.settle(s, 2, "BatchVersionDisabled", engine="new")
        self.note(self.state_line(s))

        self.phase("Roll forward again: V2 only")
        self.admin(s, "update_config(allowed_batch_versions=2)", s.update_config(allowed=0b10))
        self.settle(s, 2, engine="new")

        self.phase("Hard fork `current` -> `v3_hardfork` (stop the world)")
        self.note("maintenance mode: gateways 503, matching paused; relayer flushes its 3 pending batches")
        for _ in range(3):
            self.settle(s, 2, engine="new (flush)")
        self.note("pending trades = 0")
        self.admin(s, "pause", s.pause(True))
        self.settle(s, 2, "Paused", engine="new")
        ledger.deploy(st["v3_hardfork"].program)
        s.use(st["v3_hardfork"])
        self.note(f"program bytes replaced by {st['v3_hardfork'].program.name}; new relayer/engine binaries")
        need = ledger.svm.minimum_balance_for_rent_exemption(101)
        have = ledger.account(s.state_address).lamports  # type: ignore[union-attr]
        self.admin(s, f"system transfer {need - have:,} lamports to settlement_state (rent of the 101-byte layout)",
                   ledger.transfer(s.state_address, need - have))
        self.settle(s, 2, "AccountDidNotDeserialize", engine="new")
        self.batch_id += 1
        self.admin(s, f"ping(batch_id={self.batch_id}) heartbeat: migrates SettlementState, verifies settlement",
                   s.ping(self.batch_id))
        self.note(self.state_line(s))
        self.admin(s, "unpause", s.pause(False))
        self.settle(s, 2, engine="v3")
        self.settle(s, 1, "InvalidBatchVersion", engine="old")
        self.note(self.state_line(s))
        return s


def ensure_built(build: Path) -> None:
    if all(program_path(stage, build).exists() for stage in ("v1_only", "current", "v3_hardfork")):
        return
    subprocess.run(["bash", str(ROOT / "scripts" / "build-programs.sh"), str(build)], check=True, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m programs.rollout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=BUILD, help="folder of the three .so files (built if missing)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    ensure_built(args.build)
    with tempfile.TemporaryDirectory(prefix="rollout-codecs-") as work:
        stages = {name: load_stage(name, Path(work), args.build) for name in ("v1_only", "current", "v3_hardfork")}
        story = Story(stages)
        story.run()
    bad = [s for s in story.steps if not s.as_expected]
    print(f"\n{len(story.steps)} steps, {len(story.steps) - len(bad)} answered as the playbook expects, "
          f"{len(bad)} not; {time.perf_counter() - start:.2f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
