"""The shared value generator (tests/support/values.py): deterministic, in range, edge-covering, finite."""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import struct
import subprocess
import sys
from typing import Any

from idlgen.anchor.load import load_program
from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    EnumBody,
    OptionType,
    Prim,
    PrimType,
    Program,
    StructBody,
    StructKind,
    TypeRef,
    VariantKind,
    VecType,
)
from tests.conformance.plan import FIXTURES, ROOT, items
from tests.support.values import ValueGen, b58decode, b58encode, int_range, samples

BORSH = FIXTURES / "borsh_spec.json"


def check(program: Program, t: TypeRef, v: Any, path: str = "$") -> None:
    """Raise AssertionError unless `v` is a valid canonical value of `t`."""
    match t:
        case PrimType(prim=p):
            if p is Prim.BOOL:
                assert isinstance(v, bool), path
            elif p.is_int:
                lo, hi = int_range(p)
                assert isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi, (path, v)
            elif p.is_float:
                assert isinstance(v, float) and not math.isnan(v), (path, v)
                if p is Prim.F32:
                    assert struct.unpack("<f", struct.pack("<f", v))[0] == v or math.isinf(v), (path, v)
            elif p is Prim.STRING:
                assert isinstance(v, str), path
            elif p is Prim.BYTES:
                assert isinstance(v, str) and bytes.fromhex(v).hex() == v, path
            else:
                assert len(b58decode(v)) == 32 and b58encode(b58decode(v)) == v, (path, v)
        case VecType(inner=inner):
            assert isinstance(v, list), path
            for i, x in enumerate(v):
                check(program, inner, x, f"{path}[{i}]")
        case ArrayType(inner=inner, length=n):
            assert isinstance(v, list) and len(v) == n, path
            for i, x in enumerate(v):
                check(program, inner, x, f"{path}[{i}]")
        case OptionType(inner=inner) | COptionType(inner=inner):
            if v is not None:
                check(program, inner, v, path)
        case DefinedType(name=name):
            body = program.type(name).body
            if isinstance(body, StructBody):
                if body.kind is StructKind.TUPLE:
                    assert isinstance(v, list) and len(v) == len(body.fields), path
                    for f, x in zip(body.fields, v, strict=True):
                        check(program, f.type, x, f"{path}.{f.name}")
                else:
                    assert isinstance(v, dict) and list(v) == [f.name for f in body.fields], (path, v)
                    for f in body.fields:
                        check(program, f.type, v[f.name], f"{path}.{f.name}")
            else:
                assert isinstance(body, EnumBody)
                names = {x.name: x for x in body.variants}
                if isinstance(v, str):
                    assert names[v].kind is VariantKind.UNIT, path
                    return
                ((vn, payload),) = v.items()
                var = names[vn]
                if var.kind is VariantKind.TUPLE:
                    assert isinstance(payload, list) and len(payload) == len(var.fields)
                    for f, x in zip(var.fields, payload, strict=True):
                        check(program, f.type, x, f"{path}.{vn}.{f.name}")
                else:
                    assert var.kind is VariantKind.NAMED and list(payload) == [f.name for f in var.fields]
                    for f in var.fields:
                        check(program, f.type, payload[f.name], f"{path}.{vn}.{f.name}")


def test_every_sample_is_a_valid_canonical_value() -> None:
    for path in (ROOT / "idl" / "godark_settlement.json", BORSH, FIXTURES / "zero_copy_spec.json"):
        program = load_program(path)
        for kind, name in items(program):
            for label, v in samples(program, kind, name, 7):
                if kind == "instruction":
                    ix = next(i for i in program.instructions if i.name == name)
                    assert list(v) == [a.name for a in ix.args]
                    for a in ix.args:
                        check(program, a.type, v[a.name], f"{name}.{a.name} [{label}]")
                else:
                    tname = name if kind == "type" else next(
                        x.type for x in (*program.accounts, *program.events) if x.name == name)
                    check(program, DefinedType(tname), v, f"{name} [{label}]")


def test_edge_profiles_reach_the_extremes() -> None:
    program = load_program(BORSH)
    hi = ValueGen(program, random.Random(1), "max").typedef("AllPrims")
    lo = ValueGen(program, random.Random(1), "min").typedef("AllPrims")
    zero = ValueGen(program, random.Random(1), "zero").typedef("AllPrims")
    assert hi["p_u256"] == 2**256 - 1 and hi["p_i128"] == 2**127 - 1 and hi["p_u8"] == 255
    assert lo["p_i256"] == -(2**255) and lo["p_i64"] == -(2**63) and lo["p_u64"] == 0
    assert zero["p_f64"] == 0 and math.copysign(1, zero["p_f64"]) < 0  # -0.0
    assert zero["p_string"] == "" and zero["p_bytes"] == ""
    assert any(ord(ch) > 0xFFFF for ch in hi["p_string"]) and len(hi["p_string"].encode()) > 256


def test_every_variant_is_sampled_and_recursion_terminates() -> None:
    program = load_program(BORSH)
    labels = [label for label, _ in samples(program, "type", "Shape", 3)]
    assert {f"variant:{v}" for v in ("Empty", "Circle", "Polygon", "Labeled", "Nested")} <= set(labels)
    for seed in range(30):  # Tree is recursive through Vec and Option: depth-limited, always finite
        v = ValueGen(program, random.Random(seed), "max", max_depth=3).typedef("Tree")
        assert len(json.dumps(v)) < 100_000


def test_deterministic_across_processes_and_hash_seeds() -> None:
    def digest(hash_seed: str) -> str:
        out = subprocess.run([sys.executable, "-m", "tests.support.values", str(BORSH), "--seed", "5"],
                             capture_output=True, check=True, cwd=ROOT,
                             env={**os.environ, "PYTHONHASHSEED": hash_seed}).stdout
        return hashlib.sha256(out).hexdigest()

    assert digest("1") == digest("12345")
