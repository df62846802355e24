"""A legacy <-> spec conversion of the same real program is `none` on the wire, both ways.

Every 0.30+ IDL of the corpus that the legacy format can express (no zero-copy serialization, repr or
generics) is rendered as a legacy IDL with `casebook.to_legacy`, then diffed against itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from idlgen.anchor.load import load_program
from idlgen.compat.differences import Side, compare
from idlgen.compat.rules import Level
from tests.compat.casebook import NotLegacy, to_legacy
from tests.conftest import FIXTURES, SETTLEMENT, copied_idls, shared_only_idls


def spec_idls(paths: list[Path]) -> list[Path]:
    out = []
    for p in paths:
        doc = json.loads(p.read_text(encoding="utf-8"))
        if isinstance(doc.get("metadata"), dict) and "spec" in doc["metadata"]:
            out.append(p)
    return out


def side(doc: dict, label: str) -> Side:  # type: ignore[type-arg]
    text = json.dumps(doc, indent=1)
    return Side(load_program(label, text=text), text, label, label)


def check(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    try:
        legacy = to_legacy(doc)
    except NotLegacy as exc:
        pytest.skip(f"the legacy format cannot express it: {exc}")
    spec_side, legacy_side = side(doc, "spec.json"), side(legacy, "legacy.json")
    for a, b in ((spec_side, legacy_side), (legacy_side, spec_side)):
        comp = compare(a, b)
        assert comp.verdict is Level.NONE, [(f.rule, f.message) for f in comp.findings if f.level is not Level.NONE]
        assert "IDL_FORMAT_CHANGED" in {f.rule for f in comp.findings}


@pytest.mark.parametrize("path", spec_idls(copied_idls()), ids=lambda p: p.name)
def test_copied_corpus(path: Path) -> None:
    check(path)


@pytest.mark.parametrize("path", spec_idls(shared_only_idls()), ids=lambda p: p.name)
def test_shared_corpus(path: Path, shared_corpus: Path) -> None:
    check(path)


@pytest.mark.parametrize("path", [SETTLEMENT, FIXTURES / "settlement" / "v1_only.json",
                                  FIXTURES / "settlement" / "v3_hardfork.json"], ids=lambda p: p.name)
def test_bundled_settlement_idls(path: Path) -> None:
    check(path)
