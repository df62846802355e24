"""The settlement program's compute units per settle_batch, and the wall time of the whole rollout story.

    .venv/bin/python benchmarks/bench_programs.py [--repeat 5] [--build build/programs]

For BatchV1 and BatchV2 (the `current` build, through the generated relayer code): compute units of a
settle_batch of 1 trade, 64 trades, and of the largest batch whose transaction fits Solana's 1,232-byte
packet (found by growing the batch until it does not fit). A 64-trade batch does not fit one packet
(LiteSVM does not enforce the packet size, so it is still measured: it is the cost a larger
transaction format would pay). Then the whole rollout story of programs/rollout.py, `--repeat` times,
wall time including LiteSVM start-up and the program loads (target: under 10 s).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from programs.client import Settlement
from programs.ledger import BUILD, PACKET_BYTES, ROOT, Ledger
from programs.rollout import Story, ensure_built
from programs.stages import Stage, load_stage


def settle_cost(stage: Stage, version: int, n: int) -> tuple[int, int]:
    """(compute units, transaction bytes) of one settle_batch of n trades on a fresh ledger."""
    ledger = Ledger(stage.program)
    s = Settlement(ledger, stage, ledger.funded(), ledger.funded())
    assert s.initialize(1, 0b11).ok
    r = s.settle(version, 1, n)  # no compute-budget instruction: the default 200k CU is enough
    assert r.ok, r.logs
    return r.compute_units, r.size


def largest_fitting(stage: Stage, version: int) -> int:
    n = 1
    while settle_cost(stage, version, n + 1)[1] <= PACKET_BYTES:
        n += 1
    return n


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--build", type=Path, default=BUILD)
    args = parser.parse_args()
    ensure_built(args.build)
    with tempfile.TemporaryDirectory() as work:
        stages = {name: load_stage(name, Path(work), args.build) for name in ("v1_only", "current", "v3_hardfork")}
        print("settle_batch on the `current` build (compute units; transaction bytes, limit 1,232)")
        print(f"{'batch':>8} {'trades':>7} {'CU':>8} {'tx bytes':>9}  note")
        for version in (1, 2):
            fit = largest_fitting(stages["current"], version)
            for n, note in ((1, ""), (fit, "largest that fits one packet"), (64, "exceeds one packet")):
                cu, size = settle_cost(stages["current"], version, n)
                print(f"{'V' + str(version):>8} {n:>7} {cu:>8,} {size:>9,}  {note}")
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            ledger_story = Story(stages, out=lambda _line: None)
            ledger_story.run()
            times.append(time.perf_counter() - start)
            assert all(st.as_expected for st in ledger_story.steps)
        print(f"\nwhole rollout story ({len(ledger_story.steps)} steps, 3 programs), in process: "
              f"median {statistics.median(times):.3f} s, best {min(times):.3f} s over {args.repeat} runs")
    walls = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "programs.rollout", "--build", str(args.build)], check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
    print(f"`python -m programs.rollout` end to end (interpreter start, codec rendering, LiteSVM, 33 steps): "
          f"median {statistics.median(walls):.2f} s, best {min(walls):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
