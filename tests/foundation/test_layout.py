"""repr(C) layouts of zero-copy types against offsets computed by hand (Rust's algorithm)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from idlgen.anchor.load import load_program
from idlgen.ir.model import CLayout, Padding, Program


def program(tmp_path: Path, types: list[dict[str, Any]]) -> Program:
    doc = {
        "address": "11111111111111111111111111111111",
        "metadata": {"name": "p", "version": "0.1.0", "spec": "0.1.0"},
        "instructions": [],
        "accounts": [],
        "types": types,
    }
    f = tmp_path / "idl.json"
    f.write_text(json.dumps(doc))
    return load_program(f)


def zc(
    name: str, fields: list[tuple[str, Any]], repr_: dict[str, Any] | None = None, ser: str = "bytemuck"
) -> dict[str, Any]:
    t: dict[str, Any] = {
        "name": name,
        "serialization": ser,
        "repr": repr_ or {"kind": "c"},
        "type": {"kind": "struct", "fields": [{"name": n, "type": ty} for n, ty in fields]},
    }
    return t


def test_natural_alignment_and_tail_padding(tmp_path: Path) -> None:
    # u8 @0, pad 7, u64 @8, u16 @16, pad 6 -> size 24, align 8
    p = program(tmp_path, [zc("A", [("a", "u8"), ("b", "u64"), ("c", "u16")], ser="bytemuckunsafe")])
    assert p.type("A").c_layout == CLayout(24, 8, (0, 8, 16), (Padding(1, 7), Padding(18, 6)))


def test_packed_has_no_padding(tmp_path: Path) -> None:
    p = program(tmp_path, [zc("A", [("a", "u8"), ("b", "u64"), ("c", "u16")], {"kind": "c", "packed": True})])
    assert p.type("A").c_layout == CLayout(11, 1, (0, 1, 9), ())


def test_align_attribute_raises_alignment_and_size(tmp_path: Path) -> None:
    p = program(tmp_path, [zc("A", [("a", "u32"), ("b", "u8")], {"kind": "c", "align": 16})])
    assert p.type("A").c_layout == CLayout(16, 16, (0, 4), (Padding(5, 11),))


def test_u128_aligns_to_8_on_sbf_and_pubkey_to_1(tmp_path: Path) -> None:
    p = program(
        tmp_path, [zc("A", [("k", "pubkey"), ("b", "bool"), ("x", "u128"), ("f", "f32")], ser="bytemuckunsafe")]
    )
    # pubkey 0..32, bool 32, pad 33..40, u128 40..56 (SBF aligns u128 to 8), f32 56..60, tail pad to 64
    assert p.type("A").c_layout == CLayout(64, 8, (0, 32, 40, 56), (Padding(33, 7), Padding(60, 4)))


def test_nested_struct_and_array_of_structs(tmp_path: Path) -> None:
    inner = zc("Inner", [("a", "u16"), ("b", "u8")])  # size 4, align 2 (1 byte tail padding)
    outer = zc("Outer", [("x", "u8"), ("items", {"array": [{"defined": {"name": "Inner"}}, 3]}), ("y", "u64")])
    p = program(tmp_path, [inner, outer])
    assert p.type("Inner").c_layout == CLayout(4, 2, (0, 2), (Padding(3, 1),))
    # u8 @0, pad 1, [Inner;3] @2..14, pad 2, u64 @16 -> 24, align 8
    assert p.type("Outer").c_layout == CLayout(24, 8, (0, 2, 16), (Padding(1, 1), Padding(14, 2)))


def test_embedded_repr_type_without_serialization_gets_layout(tmp_path: Path) -> None:
    inner = {
        "name": "Inner",
        "repr": {"kind": "c"},
        "type": {"kind": "struct", "fields": [{"name": "a", "type": "u64"}]},
    }
    outer = zc("Outer", [("i", {"defined": {"name": "Inner"}}), ("b", "u8")])
    p = program(tmp_path, [inner, outer])
    assert p.type("Inner").c_layout == CLayout(8, 8, (0,), ())
    assert p.type("Outer").c_layout == CLayout(16, 8, (0, 8), (Padding(9, 7),))
    assert not p.type("Inner").zero_copy
    assert any("repr but no serialization" in n.message for n in p.notes)


def test_borsh_sizes(tmp_path: Path) -> None:
    ts = [
        {
            "name": "Fixed",
            "type": {
                "kind": "struct",
                "fields": [
                    {"name": "a", "type": "u8"},
                    {"name": "b", "type": {"array": ["u64", 4]}},
                    {"name": "c", "type": {"coption": "pubkey"}},
                ],
            },
        },
        {"name": "Var", "type": {"kind": "struct", "fields": [{"name": "a", "type": {"option": "u8"}}]}},
        {"name": "E", "type": {"kind": "enum", "variants": [{"name": "A"}, {"name": "B"}]}},
    ]
    p = program(tmp_path, ts)
    assert p.type("Fixed").borsh_size == 1 + 32 + 36
    assert p.type("Var").borsh_size is None
    assert p.type("E").borsh_size == 1


def test_bundled_settlement_layouts() -> None:
    p = load_program(Path(__file__).resolve().parents[2] / "idl" / "godark_settlement.json")
    # GlobalConfig: admin 32 + is_paused 1 + min_batch_size 4 + allowed 1 + relayer 32
    assert p.type("GlobalConfig").borsh_size == 70
    assert p.type("BatchV2").borsh_size is None
