"""SECURITY.md names the tests that prove each I/O guarantee: every one it names exists."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT


def test_every_test_named_for_the_io_side_exists() -> None:
    text = (ROOT / "SECURITY.md").read_text()
    io_side = text.split("### Generation side")[0]
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`|`::(\w+)`", io_side)
    assert named
    current = ""
    checked = 0
    for path, func, cont in named:
        if path:
            current = path
            assert (ROOT / path).is_file(), path
        name = func or cont
        if not name:
            continue
        tree = ast.parse((ROOT / current).read_text())
        defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert name in defined, f"SECURITY.md names {current}::{name}, which does not exist"
        checked += 1
    assert checked >= 25
