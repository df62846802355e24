"""Real IDL histories: every successive pair classified, compared with a hand-reviewed verdict and golden.

tests/corpus/history holds the MIT/Apache-2.0 histories copied into the repo; the others are read from
../shared/corpus/history and skipped when it is absent. history_review.tsv holds the verdict a person
checked for every pair, with the reason for each hard one; tests/golden/compat/history/<program>/
holds every finding. Refresh the goldens (never the review) with:
  IDLGEN_REFRESH_GOLDEN=1 .venv/bin/pytest tests/compat/test_history.py
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from pathlib import Path

import pytest

from idlgen.anchor.load import load_program
from idlgen.compat.differences import Comparison, Side, compare
from tests.conftest import CORPUS, ROOT, SHARED_CORPUS
from tests.support.golden import check_golden

GOLDEN = ROOT / "tests" / "golden" / "compat" / "history"
REFRESH = "IDLGEN_REFRESH_GOLDEN=1 .venv/bin/pytest tests/compat/test_history.py"
REVIEW = Path(__file__).with_name("history_review.tsv")

COPIED = sorted(p.name for p in (CORPUS / "history").iterdir() if p.is_dir())
SHARED = ["drift", "jito_tip_distribution", "mango_v4", "marginfi", "meteora_damm_v2", "openbook_v2",
          "orca_whirlpool", "pump", "raydium_clmm", "squads_v4"]
PROGRAMS = sorted(set(COPIED) | set(SHARED))


def review() -> dict[tuple[str, str], tuple[str, str]]:
    lines = [ln for ln in REVIEW.read_text().splitlines() if ln and not ln.startswith("#")]
    return {(r["program"], r["pair"]): (r["verdict"], r["reason"])
            for r in csv.DictReader(lines, delimiter="\t")}


def history_dir(program: str) -> Path:
    if program in COPIED:
        return CORPUS / "history" / program
    if not (SHARED_CORPUS / "history" / program).is_dir():
        pytest.skip("../shared/corpus/history is not present beside the repo")
    return SHARED_CORPUS / "history" / program


def side(path: Path) -> Side:
    text = path.read_text(encoding="utf-8")
    label = path.name
    return Side(load_program(label, text=text), text, label, label)


def render(program: str, pairs: list[tuple[str, str, Comparison]]) -> str:
    out = [f"# idlgen diff of every successive pair of the {program} history", f"# refresh: {REFRESH}", ""]
    for a, b, c in pairs:
        out.append(f"{a} -> {b}: {c.verdict.label}")
        docs = Counter(f.level for f in c.findings if f.rule == "DOCS_CHANGED")
        for f in c.findings:
            if f.rule == "DOCS_CHANGED":
                continue
            line = f" L{f.annotate.line}" if f.annotate and f.annotate.line else ""
            out.append(f"  {f.level.label} {f.rule} [{f.axis}; {f.rollout.value}] {f.subject}{line}: {f.message}")
        if docs:
            out.append(f"  none DOCS_CHANGED x{sum(docs.values())}")
        for w in c.warnings:
            out.append(f"  warning: {w}")
        if not c.findings:
            out.append("  (no changes)")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("program", PROGRAMS)
def test_history(program: str) -> None:
    folder = history_dir(program)
    files = sorted(folder.glob("*.json"))
    sides = [side(p) for p in files]
    pairs = [(a.label, b.label, compare(a, b)) for a, b in itertools.pairwise(sides)]
    reviewed = review()
    wrong = []
    for a, b, c in pairs:
        key = (program, f"{a[:2]}->{b[:2]}")
        assert key in reviewed, f"{key} has no reviewed verdict in {REVIEW.name}"
        verdict, reason = reviewed[key]
        if verdict == "hard":
            assert reason.strip(), f"{key}: a hard verdict needs a reason"
        if c.verdict.label != verdict:
            wrong.append(f"{key}: idlgen says {c.verdict.label}, reviewed {verdict} ({reason})")
    assert not wrong, "\n".join(wrong)
    check_golden({"diff.txt": render(program, pairs)}, GOLDEN / program, REFRESH)


def test_review_covers_only_real_pairs() -> None:
    for program, pair in review():
        assert program in PROGRAMS, program
        a, b = pair.split("->")
        assert int(b) == int(a) + 1
