"""Every copied corpus IDL that loads generates a package that is ruff-clean, imports and round-trips.

For each type, account, event and instruction: seeded values (edge profiles zero/max/min plus random
ones, every variant of every enum) go through the JSON bridge, JSON -> bytes -> JSON, and must come
back unchanged; the bytes must also survive typed decode -> encode unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from solders.pubkey import Pubkey

from idlgen.anchor.load import load_program
from idlgen.diagnostics import IdlgenError
from tests.conftest import copied_idls
from tests.support.pygen import generate_python_package
from tests.support.values import samples

IDLS = copied_idls()


def _same(a: Any, b: Any) -> bool:
    # JSON text tells -0.0 from 0.0 and compares every nested value exactly.
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.mark.parametrize("idl", IDLS, ids=[f"{p.parent.name}/{p.stem}" for p in IDLS])
def test_corpus_idl_generates_imports_and_round_trips(idl: Path, pkg_dir: Path) -> None:
    try:
        program = load_program(idl)
    except IdlgenError as exc:
        pytest.skip(f"the loader rejects this IDL (not the Python target's concern): {exc}")
    mod = generate_python_package(idl, pkg_dir)
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), "check", "--isolated", "--no-cache", "--line-length", "120",
         "--target-version", "py311", "--select", "E,F,W,I,UP,B,RUF", str(pkg_dir / mod.__name__)],
        capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout
    bridge = mod.json_bridge
    checked = 0
    for kind, items in (("type", program.types), ("account", program.accounts), ("event", program.events),
                        ("instruction", program.instructions)):
        for item in items:
            for label, value in samples(program, kind, item.name, seed=7, n_random=1):
                data = bridge.encode(kind, item.name, value)
                back = bridge.decode(kind, item.name, data, strict=True)
                assert _same(back, value), f"{kind} {item.name} ({label}) changed in a round trip"
                assert bridge.encode(kind, item.name, back) == data
                checked += 1
    assert checked > 0
    _every_builder_runs(mod, program)


def _every_builder_runs(mod: Any, program: Any) -> None:
    """Each builder, with zero-profile args and fresh keys for the accounts it cannot fill in itself,
    returns an Instruction with the encoded args and one meta per flattened IDL account."""
    ix_mod = mod.instructions
    for ix in program.instructions:
        accounts_cls, build = ix_mod.BUILDERS[ix.name]
        _, args_cls, encode, _ = ix_mod.INSTRUCTIONS[ix.name]
        value = next(v for label, v in samples(program, "instruction", ix.name, seed=1) if label == "zero")
        args = mod.json_bridge._args_from_json(ix.name, args_cls, value)
        required = {f.name: Pubkey.new_unique() for f in dataclasses.fields(accounts_cls)
                    if f.default is dataclasses.MISSING}
        inst = build(args, accounts_cls(**required))
        assert bytes(inst.data) == encode(args)
        assert len(inst.accounts) == len(ix.flat_accounts())
        assert inst.program_id == mod.PROGRAM_ID
