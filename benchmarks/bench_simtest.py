"""Wall time of `idlgen simtest --producer` for the story: the new engine's 400 orders settled on the
`current` program (scenario examples/engine/scenario.toml). Target: under 10 s.

    bash scripts/build-engine.sh && bash scripts/build-programs.sh
    .venv/bin/python benchmarks/bench_simtest.py [RUNS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CMD = [str(ROOT / ".venv" / "bin" / "idlgen"), "simtest", "--deployed", "idl/godark_settlement.json",
       "--candidate", "idl/godark_settlement.json", "--program", "build/programs/godark_settlement-current.so",
       "--scenario", "examples/engine/scenario.toml", "--producer", "build/engine/engine-current --orders 400"]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    times = []
    out = ""
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(CMD, cwd=ROOT, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            sys.exit(f"simtest failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
        out = proc.stdout
    txs = out.count(": settled, ")
    print(f"simtest story (engine-current, 400 orders, {txs} settle_batch transactions on current): "
          f"median {statistics.median(times):.2f} s over {runs} runs (target < 10 s)")


if __name__ == "__main__":
    main()
