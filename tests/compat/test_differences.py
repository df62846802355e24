"""Unit checks of the differ's building blocks and of cases the casebook does not shape."""

from __future__ import annotations

import copy
import json
from typing import Any

from idlgen.anchor.load import load_program
from idlgen.compat.align import align as _align
from idlgen.compat.align import lis as _lis
from idlgen.compat.differences import Side, compare
from idlgen.compat.wire import max_size
from idlgen.ir.model import DefinedType
from tests.compat import casebook


def side(doc: dict[str, Any]) -> Side:
    text = json.dumps(doc, indent=2)
    return Side(load_program("x.json", text=text), text, "x.json", "x.json")


def test_lis_and_align() -> None:
    assert sorted(_lis([0, 2, 1, 3])) in ([0, 1, 3], [0, 2, 3])
    assert _lis([]) == set()
    # a rename pairs only inside the gap between two name matches, never across them
    pairs = _align(["a", "x", "b"], ["a", "y", "b"], lambda i, j: True)
    assert (1, 1) in pairs
    pairs = _align(["a", "x", "b"], ["a", "y", "b"], lambda i, j: False)
    assert (1, None) in pairs and (None, 1) in pairs
    # repeated names are numbered, so each pairs with its own counterpart
    assert _align(["s", "s"], ["s", "s"], lambda i, j: True) == [(0, 0), (1, 1)]


def test_repeated_account_names_in_nested_groups() -> None:
    doc = casebook.base()
    doc["instructions"][1]["accounts"] = [
        {"name": "left", "accounts": [{"name": "vault", "writable": True}, {"name": "system_program"}]},
        {"name": "right", "accounts": [{"name": "vault"}, {"name": "system_program"}]},
    ]
    new = copy.deepcopy(doc)
    new["instructions"][1]["accounts"][1]["accounts"][0]["writable"] = True
    comp = compare(side(doc), side(new))
    assert [(f.rule, f.new.path if f.new else None) for f in comp.findings] == [
        ("IX_ACCOUNT_WRITABLE_ADDED", "instructions[1].accounts[1].accounts[0]")]


def test_max_size() -> None:
    p = side(casebook.base()).program
    # Pool: pubkey 32 + u32 4 + Side 1 + Option<pubkey> 33 + [u8; 16]
    assert max_size(p, DefinedType("Pool")) == 32 + 4 + 1 + 33 + 16
    assert max_size(p, DefinedType("Traded")) is None  # a string is unbounded


def test_identical_programs_have_no_findings() -> None:
    doc = casebook.base()
    comp = compare(side(doc), side(copy.deepcopy(doc)))
    assert comp.findings == () and comp.verdict.label == "none" and comp.warnings == ()


def test_a_type_used_by_an_account_and_an_argument_is_reported_on_both_axes() -> None:
    doc = casebook.base()
    new = copy.deepcopy(doc)
    casebook.variants(new, "Side").insert(1, {"name": "Cross"})
    comp = compare(side(doc), side(new))
    got = {(f.rule, f.axis, f.rollout.value) for f in comp.findings}
    assert got == {("ENUM_VARIANT_INSERTED", "state", "stop the world"),
                   ("ENUM_VARIANT_INSERTED", "interface", "stop the world")}
    by_axis = {f.axis: f for f in comp.findings}
    assert "account `Pool`" in by_axis["state"].message and "instruction `trade`" in by_axis["interface"].message
    assert set(by_axis["state"].breaks) != set(by_axis["interface"].breaks)


def test_a_claim_never_contradicts_a_zero_copy_layout_change() -> None:
    """RESERVED_BYTES_CLAIMED says every other offset and the size are unchanged: never beside
    ZERO_COPY_LAYOUT_CHANGED for the same type."""
    from tests.compat.test_cases import CASES, read, run

    for case in CASES:
        comp = run(*read(case))
        claimed = {f.subject.split(".fields")[0] for f in comp.findings if f.rule == "RESERVED_BYTES_CLAIMED"}
        moved = {f.subject for f in comp.findings if f.rule == "ZERO_COPY_LAYOUT_CHANGED"}
        assert not claimed & moved, case.name
    comp = run(*read(casebook.CASES_DIR / "zero_copy_claim_misaligned"))
    assert {"FIELD_ADDED", "ZERO_COPY_LAYOUT_CHANGED"} <= {f.rule for f in comp.findings}


def test_field_renamed_says_who_updates_code() -> None:
    old = casebook.base()
    new = copy.deepcopy(old)
    next(t for t in new["types"] if t["name"] == "Pool")["type"]["fields"][1]["name"] = "fee_bps"
    (f,) = [f for f in compare(side(old), side(new)).findings if f.rule == "FIELD_RENAMED"]
    assert f.level.label == "none"
    assert "generated Python, C++ and proto members are renamed" in f.message and "must be updated" in f.message


def test_unreached_enum_reordered_and_removed_agree() -> None:
    old = casebook.base()
    old["types"].append(casebook._enum("Mode", [{"name": "On"}, {"name": "Off"}]))
    reordered, removed = copy.deepcopy(old), copy.deepcopy(old)
    next(t for t in reordered["types"] if t["name"] == "Mode")["type"]["variants"].reverse()
    removed["types"] = [t for t in removed["types"] if t["name"] != "Mode"]
    a, b = compare(side(old), side(reordered)), compare(side(old), side(removed))
    assert {f.rule for f in a.findings} == {"ENUM_VARIANT_MOVED"} and {f.rule for f in b.findings} == {"TYPE_REMOVED"}
    assert a.verdict == b.verdict and a.verdict.label == "hard"
    # Converting a legacy IDL to the 0.30+ format drops unused types: that alone is no change.
    legacy = compare(side(casebook.to_legacy(old)), side(removed))
    assert "TYPE_REMOVED" not in {f.rule for f in legacy.findings} and legacy.verdict.label == "none"
