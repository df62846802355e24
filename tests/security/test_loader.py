"""Loader guarantees of issue 14: duplicate type names, recursion errors that name the culprit, and
near-linear loading."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from idlgen.anchor.load import load_program
from idlgen.diagnostics import IdlError


def _idl(types: list[dict[str, Any]], accounts: tuple[str, ...] = ()) -> str:
    return json.dumps({"address": "Edge111111111111111111111111111111111111111",
                       "metadata": {"name": "p", "version": "1", "spec": "0.1.0"}, "instructions": [],
                       "accounts": [{"name": a, "discriminator": [i + 1]} for i, a in enumerate(accounts)],
                       "types": types})


def _struct(name: str, *fields: tuple[str, Any]) -> dict[str, Any]:
    return {"name": name, "type": {"kind": "struct", "fields": [{"name": n, "type": t} for n, t in fields]}}


A1 = _struct("Dup", ("a", "u8"))
A2 = _struct("Dup", ("a", "u16"))


def test_identical_duplicates_merge_with_a_note() -> None:
    p = load_program("x.json", _idl([A1, A1, _struct("Acct", ("d", {"defined": {"name": "Dup"}}))], ("Acct",)))
    assert [t.name for t in p.types].count("Dup") == 1
    assert any("defined twice, identically" in n.message for n in p.notes)


def test_different_duplicates_that_are_reached_name_both_paths() -> None:
    text = _idl([A1, A2, _struct("Acct", ("d", {"defined": {"name": "Dup"}}))], ("Acct",))
    with pytest.raises(IdlError) as exc:
        load_program("x.json", text)
    msg = str(exc.value)
    assert "types[0]" in msg and "types[1]" in msg and "ambiguous" in msg and "types[2]" in msg


def test_unreachable_different_duplicates_warn() -> None:
    p = load_program("x.json", _idl([A1, A2]))
    notes = [n for n in p.notes if "Dup" in n.message]
    assert notes and notes[0].message.startswith("warning:") and "also at types[0]" in notes[0].message


def test_recursion_error_names_the_type_that_contains_itself() -> None:
    text = _idl([_struct("Outer", ("i", {"defined": {"name": "Inner"}})),
                 _struct("Inner", ("me", {"array": [{"defined": {"name": "Inner"}}, 2]}))])
    with pytest.raises(IdlError) as exc:
        load_program("x.json", text)
    assert "type 'Inner' contains itself" in str(exc.value) and "types[1]" in str(exc.value)


def _seconds(n: int) -> float:
    text = _idl([_struct(f"T{i}", ("x", "u8")) for i in range(n)])
    start = time.perf_counter()
    load_program("x.json", text)
    return time.perf_counter() - start


def test_loading_grows_near_linearly() -> None:
    """10x the types costs well under 100x the time (it was quadratic: 100,000 types never finished)."""
    small = min(_seconds(1_500) for _ in range(2))
    large = _seconds(15_000)
    assert large < 30 * small + 0.5, (small, large)
    assert large < 10, large
