"""The differ's check modules: each lists the rules it emits, together they emit the whole catalog once,
and every rule a module lists is emitted by that module's code and has a case in tests/compat/cases."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

from idlgen.compat.rules import RULES
from tests.compat import casebook

MODULES = ("check_program", "check_instructions", "check_types", "check_accounts", "check_families")
PREFIXED = ("FIELD", "ARG", "ACCOUNT", "EVENT")  # built as f"{rule}_..." / f"{kind}_..." in the code


def emitted_by(source: str, rule: str) -> bool:
    if f'"{rule}"' in source:
        return True
    for prefix in PREFIXED:
        if rule.startswith(prefix + "_") and re.search(r"\{(rule|kind)\}" + re.escape(rule[len(prefix):]), source):
            return True
    return False


def test_check_modules_partition_the_catalog() -> None:
    owner: dict[str, str] = {}
    for name in MODULES:
        mod = importlib.import_module(f"idlgen.compat.{name}")
        source = Path(mod.__file__ or "").read_text()
        assert len(source.splitlines()) < 600, name
        for rule in mod.RULES:
            assert rule not in owner, f"{rule} listed by {owner[rule]} and {name}"
            owner[rule] = name
            assert emitted_by(source, rule), f"{name} lists {rule} but does not emit it"
    catalog = {r.id for r in RULES}
    assert set(owner) == catalog, f"unowned: {catalog - set(owner)}; unknown: {set(owner) - catalog}"
    cased = {r for case in casebook.CASES_DIR.iterdir() if case.is_dir()
             for r in json.loads((case / "expected.json").read_text())["rules"]}
    assert catalog <= cased, catalog - cased
