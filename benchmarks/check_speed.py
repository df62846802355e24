"""Wall time of `idlgen check` on the bundled IDL: the pre-commit hook's cost on every commit.

    .venv/bin/python benchmarks/check_speed.py [--runs 15] [--budget 0.5]

Runs `idlgen check` as a user's hook does (a fresh process, in the repository root), several times,
and prints the median and spread beside two reference points measured in the same run:

- `python -c pass`: the interpreter's own start-up, the floor no Python tool can go under;
- `idlgen build` + `git diff --exit-code generated/`: what a user would run without `check`.

When the median is over the budget it also prints the slowest imports (`python -X importtime`,
cumulative microseconds), which is where a slow start-up always comes from, and exits 1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
IDLGEN = VENV_BIN / "idlgen"


def timed(cmd: list[str], runs: int, cwd: Path = ROOT) -> tuple[list[float], int]:
    times: list[float] = []
    code = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
        code = proc.returncode
    return times, code


def importtime(cmd: list[str], top: int = 12) -> list[tuple[int, str]]:
    """The modules with the largest cumulative import time in one run of `cmd` (a python -m ...)."""
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    rows: list[tuple[int, str]] = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cum_us, name = (p.strip() for p in line.split(":", 1)[1].split("|"))
        rows.append((int(cum_us), name))
    rows.sort(reverse=True)
    return rows[:top]


BREAKDOWN = r"""
import time
t0 = time.perf_counter()
import idlgen.cli  # noqa: F401  (what every `idlgen` start pays)
t1 = time.perf_counter()
from pathlib import Path
from idlgen import pipeline
from idlgen.config import find_config, load_config
cfg = load_config(find_config(Path.cwd()))
loaded = pipeline.load_all(cfg)
t2 = time.perf_counter()
print(f"  import idlgen.cli                      {1000 * (t1 - t0):7.0f} ms")
print(f"  load config + IDL                      {1000 * (t2 - t1):7.0f} ms")
for name in cfg.targets:
    a = time.perf_counter()
    target = pipeline.target(name)
    b = time.perf_counter()
    for item in loaded:
        files = target.render(item.program, pipeline.context(cfg, item.config, item.program))
    c = time.perf_counter()
    print(f"  target {name:7} import {1000 * (b - a):5.0f} ms, render {1000 * (c - b):5.0f} ms ({len(files)} files)")
    if name == "python":
        import libcst
        d = time.perf_counter()
        for rel, text in files.items():
            if rel.endswith(".py"):
                libcst.parse_module(text)
        print(f"    of which libcst.parse_module of the generated .py files: {1000 * (time.perf_counter() - d):.0f} ms")
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--budget", type=float, default=0.5, help="seconds; the median must stay well under it")
    ap.add_argument("--importtime", action="store_true", help="always list the slowest imports")
    ap.add_argument("--breakdown", action="store_true", help="always show where the time goes, stage by stage")
    args = ap.parse_args()
    if not IDLGEN.exists():
        print(f"{IDLGEN} not found: run with the project's venv python", file=sys.stderr)
        return 2

    check, check_code = timed([str(IDLGEN), "check"], args.runs)
    floor, _ = timed([sys.executable, "-c", "pass"], args.runs)
    rebuild_runs = max(3, args.runs // 5)
    build, _ = timed([str(IDLGEN), "build"], rebuild_runs)
    gitdiff, _ = timed(["git", "diff", "--quiet", "--exit-code", "--", "generated/"], rebuild_runs)

    med = statistics.median(check)
    alt = statistics.median(build) + statistics.median(gitdiff)
    print(f"idlgen check on idl/godark_settlement.json ({args.runs} runs, exit code {check_code})")
    print(f"  {'command':44} {'median':>9} {'min':>9} {'max':>9}")
    for label, ts in (("idlgen check", check), ("python -c pass (interpreter start-up)", floor),
                      ("idlgen build", build), ("git diff --exit-code generated/", gitdiff)):
        print(f"  {label:44} {statistics.median(ts) * 1000:7.0f}ms {min(ts) * 1000:7.0f}ms {max(ts) * 1000:7.0f}ms")
    print(f"  check vs build+git diff: {alt / med:.1f}x faster; check minus interpreter start-up: "
          f"{(med - statistics.median(floor)) * 1000:.0f} ms")
    verdict = "within" if med < args.budget else "OVER"
    print(f"  budget {args.budget * 1000:.0f} ms: {verdict} (median {med * 1000:.0f} ms)")
    if check_code not in (0, 1):
        print(f"  note: idlgen check exited {check_code} (an error, not a stale-file finding): the time "
              "above is not the hook's normal path", file=sys.stderr)
    if med >= args.budget or args.breakdown:
        print("\nwhere one `idlgen check` spends its time (in-process, one run):")
        proc = subprocess.run([sys.executable, "-c", BREAKDOWN], cwd=ROOT, capture_output=True, text=True, check=False)
        print(proc.stdout.rstrip() or proc.stderr.strip()[-500:])
    if med >= args.budget or args.importtime:
        print("\nslowest imports of `idlgen check` (cumulative, python -X importtime):")
        for cum, name in importtime([sys.executable, "-X", "importtime", "-m", "idlgen", "check"]):
            print(f"  {cum / 1000:8.1f} ms  {name}")
    return 0 if med < args.budget else 1


if __name__ == "__main__":
    raise SystemExit(main())
