"""Legacy-format traps: loaded faithfully, with what was assumed recorded as notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from idlgen.anchor.load import load_program
from idlgen.anchor.names import sighash
from idlgen.ir.model import ArrayType, COptionType, DefinedType, Prim, PrimType, StructBody, VecType


def legacy(tmp_path: Path, **extra: Any) -> Path:
    doc = {"version": "0.1.0", "name": "trap", "instructions": [], **extra}
    f = tmp_path / "legacy.json"
    f.write_text(json.dumps(doc))
    return f


def test_generic_strings_alias_and_inline_layouts(tmp_path: Path) -> None:
    path = legacy(
        tmp_path,
        instructions=[
            {
                "name": "setAuthorityV2",
                "accounts": [{"name": "tokenAccount", "isMut": True, "isSigner": False}],
                "args": [
                    {"name": "newAuthority", "type": {"defined": "COption<Pubkey>"}},
                    {"name": "amounts", "type": {"defined": "Vec<[u64; 2]>"}},
                ],
            }
        ],
        accounts=[
            {
                "name": "Mint",
                "type": {
                    "kind": "struct",
                    "fields": [
                        {"name": "mintAuthority", "type": {"defined": "COption<Pubkey>"}},
                        {"name": "supply", "type": "u64"},
                    ],
                },
            }
        ],
        events=[{"name": "Minted", "fields": [{"name": "amount", "type": "u64", "index": False}]}],
        types=[
            {"name": "Amount", "type": {"kind": "alias", "value": "u64"}},
            {"name": "Holder", "type": {"kind": "struct", "fields": [{"name": "a", "type": {"defined": "Amount"}}]}},
            {"name": "Holder", "type": {"kind": "struct", "fields": [{"name": "a", "type": {"defined": "Amount"}}]}},
        ],
    )
    p = load_program(path)
    ix = p.instructions[0]
    assert ix.snake == "set_authority_v2"
    assert ix.discriminator == sighash("global", "set_authority_v2")
    assert ix.args[0].type == COptionType(PrimType(Prim.PUBKEY))
    assert ix.args[1].type == VecType(ArrayType(PrimType(Prim.U64), 2))
    assert ix.flat_accounts()[0].writable and ix.flat_accounts()[0].snake == "token_account"
    mint = p.type(p.accounts[0].type)
    assert mint.borsh_size == 36 + 8
    assert p.accounts[0].discriminator == sighash("account", "Mint")
    assert p.events[0].discriminator == sighash("event", "Minted")
    holder = p.type("Holder")
    assert isinstance(holder.body, StructBody) and holder.body.fields[0].type == PrimType(Prim.U64)
    assert any("defined twice, identically" in n.message for n in p.notes)
    assert "Amount" not in [t.name for t in p.types], "aliases are expanded, not emitted"


def test_state_and_differing_duplicates(tmp_path: Path) -> None:
    path = legacy(
        tmp_path,
        state={
            "struct": {"name": "Counter", "type": {"kind": "struct", "fields": [{"name": "count", "type": "u64"}]}},
            "methods": [{"name": "increment", "accounts": [], "args": []}],
        },
        types=[
            {"name": "Lanes", "type": {"kind": "enum", "variants": [{"name": "A"}]}},
            {"name": "Lanes", "type": {"kind": "enum", "variants": [{"name": "B"}, {"name": "C"}]}},
        ],
        errors=[{"code": 0, "name": "Native", "msg": "native error"}],
    )
    p = load_program(path)
    assert [a.name for a in p.accounts] == ["Counter"]
    assert p.instructions[0].discriminator == sighash("state", "increment")
    assert {t.name for t in p.types} >= {"Lanes", "Lanes#2"}
    assert len({t.ident for t in p.types}) == len(p.types)
    messages = " ".join(n.message for n in p.notes)
    assert "kept as Lanes#2" in messages and "warning" in messages and "also at types[0]" in messages
    assert "non-Anchor program" in messages
    assert "state" in messages


def test_spec_quirks_empty_address_short_discriminator(tmp_path: Path) -> None:
    doc = {
        "address": "",
        "metadata": {"name": "q", "version": "0.1.0", "spec": "0.1.0"},
        "instructions": [
            {"name": "a", "discriminator": [1], "accounts": [], "args": []},
            {"name": "b", "discriminator": [2], "accounts": [], "args": []},
        ],
        "accounts": [{"name": "Acc", "discriminator": [9]}],
        "types": [
            {
                "name": "Acc",
                "type": {"kind": "struct", "fields": [{"name": "x", "type": {"defined": {"name": "mod::Inner"}}}]},
            },
            {"name": "mod::Inner", "type": {"kind": "struct", "fields": ["u8", "u16"]}},
        ],
    }
    f = tmp_path / "spec.json"
    f.write_text(json.dumps(doc))
    p = load_program(f)
    assert p.address is None and any("address" in n.path for n in p.notes)
    assert [i.discriminator for i in p.instructions] == [b"\x01", b"\x02"]
    inner = p.type("mod::Inner")
    assert inner.ident == "Inner" and inner.borsh_size == 3
    assert p.type("Acc").body.fields[0].type == DefinedType("mod::Inner")  # type: ignore[union-attr]
