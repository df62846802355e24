"""Malformed IDLs: one line naming the file, the JSON path (and line), exit code 2, nothing written."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from idlgen.cli import main
from tests.conftest import SETTLEMENT

Doc = dict[str, Any]


def base() -> Doc:
    doc: Doc = json.loads(SETTLEMENT.read_text())
    return doc


def ty(doc: Doc, name: str) -> Doc:
    return next(t for t in doc["types"] if t["name"] == name)


def idx(doc: Doc, section: str, name: str) -> int:
    return next(i for i, t in enumerate(doc[section]) if t["name"] == name)


def mutate(fn: Callable[[Doc], None]) -> Callable[[], str]:
    def make() -> str:
        doc = copy.deepcopy(base())
        fn(doc)
        return json.dumps(doc, indent=2)

    return make


def raw(text: str) -> Callable[[], str]:
    return lambda: text


def set_field_type(type_name: str, field: str, new: Any) -> Callable[[Doc], None]:
    def fn(doc: Doc) -> None:
        f = next(f for f in ty(doc, type_name)["type"]["fields"] if f["name"] == field)
        f["type"] = new

    return fn


def _dup_type(doc: Doc) -> None:
    t = copy.deepcopy(ty(doc, "Side"))
    t["type"]["variants"].append({"name": "Cross"})
    doc["types"].append(t)
    ty(doc, "TradeEventV1")["type"]["fields"][0]["type"] = {"defined": {"name": "Side"}}


def _many_variants(doc: Doc) -> None:
    ty(doc, "Side")["type"]["variants"] = [{"name": f"V{i}"} for i in range(257)]


def _recursive(doc: Doc) -> None:
    ty(doc, "BatchV1")["type"]["fields"].append({"name": "next", "type": {"defined": {"name": "BatchV1"}}})


def _recursive_via_array(doc: Doc) -> None:
    ty(doc, "BatchV1")["type"]["fields"].append(
        {"name": "children", "type": {"array": [{"defined": {"name": "BatchV1"}}, 2]}}
    )


def _generic_arity(doc: Doc) -> None:
    doc["types"].append(
        {
            "name": "Wrapper",
            "generics": [{"kind": "type", "name": "T"}],
            "type": {"kind": "struct", "fields": [{"name": "inner", "type": {"generic": "T"}}]},
        }
    )
    ty(doc, "BatchV1")["type"]["fields"].append(
        {
            "name": "w",
            "type": {
                "defined": {
                    "name": "Wrapper",
                    "generics": [{"kind": "type", "type": "u8"}, {"kind": "type", "type": "u16"}],
                }
            },
        }
    )


def _generic_kind(doc: Doc) -> None:
    doc["types"].append(
        {
            "name": "Buf",
            "generics": [{"kind": "const", "name": "N", "type": "usize"}],
            "type": {"kind": "struct", "fields": [{"name": "b", "type": {"array": ["u8", {"generic": "N"}]}}]},
        }
    )
    ty(doc, "BatchV1")["type"]["fields"].append(
        {"name": "b", "type": {"defined": {"name": "Buf", "generics": [{"kind": "type", "type": "u8"}]}}}
    )


def _ix_disc_collision(doc: Doc) -> None:
    doc["instructions"][idx(doc, "instructions", "unpause")]["discriminator"] = doc["instructions"][
        idx(doc, "instructions", "pause")
    ]["discriminator"]


def _acct_disc_collision(doc: Doc) -> None:
    doc["accounts"][1]["discriminator"] = doc["accounts"][0]["discriminator"]


def _event_disc_prefix(doc: Doc) -> None:
    doc["events"][1]["discriminator"] = doc["events"][0]["discriminator"][:1]


def _dup_error_code(doc: Doc) -> None:
    doc["errors"][1]["code"] = doc["errors"][0]["code"]


def _dup_instruction(doc: Doc) -> None:
    doc["instructions"].append(copy.deepcopy(doc["instructions"][0]))


def _dup_variant(doc: Doc) -> None:
    ty(doc, "Side")["type"]["variants"].append({"name": "Bid"})


def _bad_pubkey(doc: Doc) -> None:
    doc["address"] = "not-a-base58-key!"


def _account_without_type(doc: Doc) -> None:
    doc["types"] = [t for t in doc["types"] if t["name"] != "VaultBalance"]


def _bad_seed_arg(doc: Doc) -> None:
    for ix in doc["instructions"]:
        for a in ix["accounts"]:
            for s in a.get("pda", {}).get("seeds", []):
                if s["kind"] == "arg":
                    s["path"] = "no_such_arg"
                    return
    raise AssertionError("the bundled IDL has no arg seed")


def _shank(doc: Doc) -> None:
    doc["metadata"]["origin"] = "shank"


def _bad_disc_byte(doc: Doc) -> None:
    doc["instructions"][0]["discriminator"][3] = 256


def _bad_serialization(doc: Doc) -> None:
    ty(doc, "VaultBalance")["serialization"] = "json"


def _unknown_kind(doc: Doc) -> None:
    ty(doc, "Side")["type"]["kind"] = "union"


def _no_address(doc: Doc) -> None:
    del doc["address"]


def _legacy_generic_bad(doc: Doc) -> None:
    ty(doc, "BatchV1")["type"]["fields"].append({"name": "x", "type": {"defined": "COption<Pubkey"}})


CASES: list[tuple[str, Callable[[], str], str]] = [
    ("malformed-json", raw('{"address": "x",\n  "metadata": {\n}'), "malformed JSON at line 3, column 2"),
    ("trailing-comma", raw('{\n  "a": 1,\n}\n'), "malformed JSON at line 3, column 1"),
    ("empty-file", raw(""), "malformed JSON at line 1, column 1"),
    ("top-level-array", raw("[1, 2]"), "not an Anchor IDL: the top level is a JSON array"),
    ("no-instructions", raw('{"name": "x"}'), 'not an Anchor IDL: no "instructions" array'),
    ("shank", mutate(_shank), "metadata.origin: this is a Shank IDL"),
    ("spec-without-address", mutate(_no_address), 'the 0.30+ format needs a top-level "address"'),
    ("bad-address", mutate(_bad_pubkey), "address: not a base58 public key: 'not-a-base58-key!'"),
    (
        "unknown-primitive",
        mutate(set_field_type("TradeEventV1", "price", "u7")),
        "type.fields[6].type: unknown type 'u7'",
    ),
    (
        "capitalised-primitive",
        mutate(set_field_type("TradeEventV1", "price", "U64")),
        "unknown type 'U64' (did you mean 'u64'?)",
    ),
    (
        "usize-field",
        mutate(set_field_type("TradeEventV1", "price", "usize")),
        "unknown type 'usize' (Borsh has no pointer-sized integers",
    ),
    (
        "unknown-defined",
        mutate(set_field_type("TradeEventV1", "side", {"defined": {"name": "Sied"}})),
        "type.fields[4].type.defined: unknown defined type 'Sied' (did you mean 'Side'?)",
    ),
    (
        "type-not-object",
        mutate(set_field_type("TradeEventV1", "price", 7)),
        "a type must be a string or an object, found a number",
    ),
    (
        "array-bad-length",
        mutate(set_field_type("BatchV1", "merkle_root", {"array": ["u8", -1]})),
        "array length must not be negative",
    ),
    (
        "array-wrong-arity",
        mutate(set_field_type("BatchV1", "merkle_root", {"array": ["u8"]})),
        "array must be [type, length], found 1 items",
    ),
    ("duplicate-type", mutate(_dup_type), "type 'Side' is defined more than once with different layouts"),
    ("too-many-variants", mutate(_many_variants), "has 257 variants; Borsh's u8 tag allows at most 256"),
    ("infinite-recursion", mutate(_recursive), "contains itself with no Vec or Option in between"),
    ("infinite-recursion-array", mutate(_recursive_via_array), "contains itself with no Vec or Option"),
    ("generic-arity", mutate(_generic_arity), "type 'Wrapper' takes 1 generic argument(s), 2 given"),
    ("generic-kind", mutate(_generic_kind), "generic parameter 'N' of 'Buf' is a constant, given a type"),
    (
        "instruction-discriminator-collision",
        mutate(_ix_disc_collision),
        "instruction 'unpause' and instruction 'pause' have the same discriminator",
    ),
    ("account-discriminator-collision", mutate(_acct_disc_collision), "have the same discriminator"),
    ("event-discriminator-prefix", mutate(_event_disc_prefix), "a prefix of the other's discriminator"),
    ("duplicate-error-code", mutate(_dup_error_code), "error code 6000 is used by"),
    ("duplicate-instruction", mutate(_dup_instruction), "duplicate instruction 'initialize_config'"),
    ("duplicate-variant", mutate(_dup_variant), "duplicate variant 'Bid' in enum 'Side'"),
    ("account-without-layout", mutate(_account_without_type), "unknown defined type 'VaultBalance'"),
    ("seed-unknown-arg", mutate(_bad_seed_arg), "seed refers to argument 'no_such_arg'"),
    (
        "discriminator-not-bytes",
        mutate(_bad_disc_byte),
        "instructions[0].discriminator: discriminator must be an array of bytes (0-255)",
    ),
    ("bad-serialization", mutate(_bad_serialization), "unknown serialization 'json'"),
    ("unknown-type-kind", mutate(_unknown_kind), "unknown type kind 'union'"),
    ("legacy-generic-string", mutate(_legacy_generic_bad), "cannot parse type 'COption<Pubkey'"),
]


@pytest.mark.parametrize("name,make,message", CASES, ids=[c[0] for c in CASES])
def test_bad_idl(tmp_path: Path, name: str, make: Callable[[], str], message: str) -> None:
    idl = tmp_path / "bad.json"
    idl.write_text(make())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(idl), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"idlgen: error: {idl}"), lines[0]
    assert message in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert not out.exists(), "nothing may be written when the IDL is bad"


def test_error_names_line_of_json_path(tmp_path: Path) -> None:
    idl = tmp_path / "bad.json"
    idl.write_text(mutate(set_field_type("TradeEventV1", "price", "u7"))())
    text = idl.read_text().splitlines()
    result = CliRunner().invoke(main, ["build", str(idl), "--out", str(tmp_path / "o")])
    line = int(result.output.split(f"{idl}:", 1)[1].split(":", 1)[0])
    assert '"u7"' in text[line - 1]


def test_at_least_25_distinct_cases() -> None:
    assert len({c[2] for c in CASES}) >= 25


def test_real_process_prints_no_traceback(tmp_path: Path) -> None:
    idl = tmp_path / "bad.json"
    idl.write_text("{ nope")
    proc = subprocess.run(
        [sys.executable, "-m", "idlgen", "build", str(idl)], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    # run from the file's folder, so the file is named relative to it
    assert proc.stderr.startswith("idlgen: error: bad.json:1: malformed JSON at line 1, column 3")
    assert "Traceback" not in proc.stderr


def test_missing_file_and_bad_flag(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["build", str(tmp_path / "nope.json")])
    assert r.exit_code == 2 and "no such file" in r.output
    r = CliRunner().invoke(main, ["build", "--target", "rust"])
    assert r.exit_code == 2
