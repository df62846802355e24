"""Every hand-written change case (tests/compat/cases), in the spec format, the legacy format and mixed.

A case folder holds old.json, new.json and expected.json (verdict, the exact set of rule ids, the axes
when they matter). The folders are written by `.venv/bin/python -m tests.compat.casebook`; the legacy
renderings are derived here with `casebook.to_legacy`, so each case proves the rule in both formats.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from idlgen.anchor.load import load_program
from idlgen.anchor.lower import FamilySpec
from idlgen.compat.differences import Comparison, Side, compare
from idlgen.compat.rules import RULES, Level
from idlgen.config import Acknowledgement
from tests.compat import casebook

CASES = sorted(p for p in casebook.CASES_DIR.iterdir() if p.is_dir())
# Rules the legacy format cannot express on at least one side, and why.
SPEC_ONLY = {
    "IX_ACCOUNT_ADDRESS_CHANGED": "legacy IDLs have no fixed account addresses",
    "IX_ACCOUNT_ADDRESS_ADDED": "legacy IDLs have no fixed account addresses",
    "IX_ACCOUNT_ADDRESS_REMOVED": "legacy IDLs have no fixed account addresses",
    "TYPE_GENERIC_ARGS_CHANGED": "the legacy renderer here does not write generics",
    "TYPE_SERIALIZATION_CHANGED": "legacy IDLs have no serialization attribute",
    "TYPE_SERIALIZATION_RECORDED": "legacy IDLs have no serialization attribute",
    "TYPE_REPR_CHANGED": "legacy IDLs have no repr attribute",
    "ZERO_COPY_LAYOUT_CHANGED": "legacy IDLs cannot mark zero-copy types",
    "TYPE_REMOVED": "legacy -> spec reports TYPE_LEFT_OUT instead (the 0.30 generator drops unused types)",
}


def side(doc: dict[str, Any], label: str, specs: tuple[FamilySpec, ...]) -> Side:
    text = json.dumps(doc, indent=2)
    return Side(load_program(label, text=text, families=specs), text, label, label)


def run(old: dict[str, Any], new: dict[str, Any], expected: dict[str, Any]) -> Comparison:
    specs = tuple(FamilySpec(f["stem"], f.get("carrier"), f.get("gate")) for f in expected.get("families", []))
    acks = [Acknowledgement(a["rule"], a["path"], a.get("reason", "")) for a in expected.get("acknowledge", [])]
    return compare(side(old, "old.json", specs), side(new, "new.json", specs), acks)


def read(case: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    return tuple(json.loads((case / n).read_text()) for n in ("old.json", "new.json", "expected.json"))  # type: ignore[return-value]


def check(comp: Comparison, expected: dict[str, Any], extra_none: frozenset[str] = frozenset()) -> None:
    rules = {f.rule for f in comp.findings}
    want = set(expected["rules"])
    assert comp.verdict.label == expected["verdict"], [(f.rule, f.level.label, f.message) for f in comp.findings]
    assert want <= rules, f"missing {want - rules}"
    assert rules - want <= extra_none, f"unexpected {rules - want}: " + "; ".join(
        f.message for f in comp.findings if f.rule not in want)
    assert all(f.level is Level.NONE for f in comp.findings if f.rule in rules - want)
    if "gate" in expected:
        assert comp.gate.label == expected["gate"]
        assert all(f.acknowledged is not None for f in comp.findings if f.rule in want)
    if "axes" in expected:
        assert {f.axis for f in comp.findings if f.rule in want} == set(expected["axes"])
    for f in comp.findings:
        assert f.message and "\n" not in f.message and not f.message.endswith(".")
        assert f.new is not None and f.old is not None and f.new.line and f.old.line


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_case_as_written(case: Path) -> None:
    old, new, expected = read(case)
    check(run(old, new, expected), expected)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_case_in_legacy_and_mixed_formats(case: Path) -> None:
    old, new, expected = read(case)
    if expected["formats"] != "both":
        pytest.skip(f"formats: {expected['formats']} ({expected.get('why') or 'see SPEC_ONLY'})")
    conversion = frozenset({"IDL_FORMAT_CHANGED", "IX_ACCOUNT_CONSTRAINT_RECORDED"})
    check(run(casebook.to_legacy(old), casebook.to_legacy(new), expected), expected)
    check(run(casebook.to_legacy(old), new, expected), expected, conversion)
    check(run(old, casebook.to_legacy(new), expected), expected, conversion)


@pytest.mark.parametrize("case", [c for c in CASES if read(c)[2]["formats"] == "both"], ids=lambda p: p.name)
def test_format_conversion_alone_is_none(case: Path) -> None:
    """legacy -> spec of the same program is `none` on the wire (renames and recorded constraints aside)."""
    for doc in read(case)[:2]:
        for a, b in ((doc, casebook.to_legacy(doc)), (casebook.to_legacy(doc), doc)):
            comp = run(a, b, read(case)[2])
            assert comp.verdict is Level.NONE, [f.message for f in comp.findings if f.level is not Level.NONE]


def test_every_rule_has_a_case_in_both_formats() -> None:
    covered: dict[str, set[str]] = {}
    for case in CASES:
        expected = read(case)[2]
        for r in expected["rules"]:
            covered.setdefault(r, set()).add(expected["formats"])
    missing = [r.id for r in RULES if r.id not in covered]
    assert not missing, f"rules without a case: {missing}"
    spec_only = [r.id for r in RULES if not covered[r.id] & {"both", "mixed"} and r.id not in SPEC_ONLY]
    assert not spec_only, f"rules proven in the spec format only: {spec_only}"
    assert len(CASES) >= 50


def test_cases_on_disk_match_the_casebook(tmp_path: Path) -> None:
    casebook.write_cases(tmp_path)
    on_disk = {p.relative_to(casebook.CASES_DIR).as_posix(): p.read_text() for p in casebook.CASES_DIR.rglob("*.json")}
    fresh = {p.relative_to(tmp_path).as_posix(): p.read_text() for p in tmp_path.rglob("*.json")}
    assert on_disk == fresh, "regenerate with: .venv/bin/python -m tests.compat.casebook"
