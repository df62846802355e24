"""Client for tests/reference/encode.cjs: the official Anchor TypeScript coder as a batch oracle.

Canonical values (tests/support/values.py) are turned into the coder's own value shapes, type-directed
by the idlgen model, as "tagged" JSON that node turns into BN / PublicKey / Buffer; the reverse walk
turns the coder's decoded objects back into canonical values. One node process serves a whole batch
(all IDLs, thousands of requests), so the oracle costs one start-up per test session, not per value.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    EnumBody,
    Field,
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

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
RUNNER = REFERENCE_DIR / "encode.cjs"


def unavailable_reason() -> str | None:
    """Why the TS reference cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed (run scripts/setup-test-deps.sh)"
    if not (REFERENCE_DIR / "node_modules" / "@coral-xyz" / "anchor").is_dir():
        return "tests/reference/node_modules is missing (run scripts/setup-test-deps.sh)"
    return None


@dataclass(frozen=True)
class Result:
    ok: bool
    hex: str | None = None
    value: Any = None
    used: int | None = None
    error: str | None = None
    stock: bool = False  # encode only: the stock BorshCoder.encode() was called too and agreed


def run(requests: list[dict[str, Any]], timeout: float = 600) -> list[Result]:
    """Send a batch of requests to one node process; one Result per request, in order."""
    if not requests:
        return []
    payload = "".join(json.dumps(r, allow_nan=False, separators=(",", ":")) + "\n" for r in requests)
    proc = subprocess.run(["node", str(RUNNER)], input=payload, capture_output=True, text=True,
                          cwd=REFERENCE_DIR, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"reference runner failed ({proc.returncode}): {proc.stderr[-2000:]}")
    lines = proc.stdout.splitlines()
    if len(lines) != len(requests):
        raise RuntimeError(f"reference runner answered {len(lines)} lines for {len(requests)} requests")
    out = []
    for line in lines:
        r = json.loads(line)
        out.append(Result(ok=r["ok"], hex=r.get("hex"), value=r.get("value"), used=r.get("used"),
                          error=r.get("error"), stock=bool(r.get("stock"))))
    return out


# --- canonical -> tagged ---------------------------------------------------------------------------

def to_tagged(program: Program, t: TypeRef, v: Any) -> Any:
    match t:
        case PrimType(prim=p):
            return _prim_to_tagged(p, v)
        case VecType(inner=inner) | ArrayType(inner=inner):
            return [to_tagged(program, inner, x) for x in v]
        case OptionType(inner=inner) | COptionType(inner=inner):
            return None if v is None else to_tagged(program, inner, v)
        case DefinedType(name=name):
            return typedef_to_tagged(program, name, v)
    raise TypeError(t)


def fields_to_tagged(program: Program, fields: tuple[Field, ...], v: Any, tuple_kind: bool = False) -> Any:
    if tuple_kind:
        if len(v) != len(fields):
            raise ValueError(f"tuple of {len(fields)} expected, got {len(v)}")
        return {str(i): to_tagged(program, f.type, x) for i, (f, x) in enumerate(zip(fields, v, strict=True))}
    return {f.name: to_tagged(program, f.type, v[f.name]) for f in fields}


def typedef_to_tagged(program: Program, name: str, v: Any) -> Any:
    body = program.type(name).body
    if isinstance(body, StructBody):
        return fields_to_tagged(program, body.fields, v, body.kind is StructKind.TUPLE)
    assert isinstance(body, EnumBody)
    if isinstance(v, str):
        vname, payload = v, None
    else:
        ((vname, payload),) = v.items()
    variant = next(x for x in body.variants if x.name == vname)
    if variant.kind is VariantKind.UNIT:
        return {vname: {}}
    return {vname: fields_to_tagged(program, variant.fields, payload, variant.kind is VariantKind.TUPLE)}


def _prim_to_tagged(p: Prim, v: Any) -> Any:
    if p.is_int:
        return v if p.bits <= 32 else {"$bn": str(v)}
    if p.is_float:
        if math.isinf(v):
            return {"$f": "Infinity" if v > 0 else "-Infinity"}
        if v == 0 and math.copysign(1.0, v) < 0:
            return {"$f": "-0"}
        return float(v)
    if p is Prim.PUBKEY:
        return {"$pk": v}
    if p is Prim.BYTES:
        return {"$buf": v}
    return v


# --- tagged (decoded by the TS coder) -> canonical -------------------------------------------------

def from_tagged(program: Program, t: TypeRef, v: Any) -> Any:
    match t:
        case PrimType(prim=p):
            return _prim_from_tagged(p, v)
        case VecType(inner=inner) | ArrayType(inner=inner):
            return [from_tagged(program, inner, x) for x in v]
        case OptionType(inner=inner) | COptionType(inner=inner):
            return None if v is None else from_tagged(program, inner, v)
        case DefinedType(name=name):
            return typedef_from_tagged(program, name, v)
    raise TypeError(t)


def fields_from_tagged(program: Program, fields: tuple[Field, ...], v: Any, tuple_kind: bool = False) -> Any:
    if tuple_kind:
        return [from_tagged(program, f.type, v[str(i)]) for i, f in enumerate(fields)]
    return {f.name: from_tagged(program, f.type, v[f.name]) for f in fields}


def typedef_from_tagged(program: Program, name: str, v: Any) -> Any:
    body = program.type(name).body
    if isinstance(body, StructBody):
        return fields_from_tagged(program, body.fields, v, body.kind is StructKind.TUPLE)
    assert isinstance(body, EnumBody)
    ((vname, payload),) = v.items()
    variant = next(x for x in body.variants if x.name == vname)
    if variant.kind is VariantKind.UNIT:
        return vname
    return {vname: fields_from_tagged(program, variant.fields, payload, variant.kind is VariantKind.TUPLE)}


def _prim_from_tagged(p: Prim, v: Any) -> Any:
    if p.is_int:
        return int(v["$bn"]) if isinstance(v, dict) else int(v)
    if p.is_float:
        if isinstance(v, dict):
            return -0.0 if v["$f"] == "-0" else float(v["$f"].replace("Infinity", "inf"))
        return float(v)
    if p is Prim.PUBKEY:
        return v["$pk"]
    if p is Prim.BYTES:
        return v["$buf"]
    return v


# --- requests for one item ------------------------------------------------------------------------

def item_to_tagged(program: Program, kind: str, name: str, value: Any) -> Any:
    if kind == "instruction":
        ix = next(i for i in program.instructions if i.name == name)
        return fields_to_tagged(program, ix.args, value)
    return typedef_to_tagged(program, item_type(program, kind, name), value)


def item_from_tagged(program: Program, kind: str, name: str, value: Any) -> Any:
    if kind == "instruction":
        ix = next(i for i in program.instructions if i.name == name)
        return fields_from_tagged(program, ix.args, value)
    return typedef_from_tagged(program, item_type(program, kind, name), value)


def item_type(program: Program, kind: str, name: str) -> str:
    if kind == "account":
        return next(a.type for a in program.accounts if a.name == name)
    if kind == "event":
        return next(e.type for e in program.events if e.name == name)
    return name


def encode_request(idl: Path, program: Program, kind: str, name: str, value: Any) -> dict[str, Any]:
    return {"op": "encode", "idl": str(idl), "kind": kind, "name": name,
            "value": item_to_tagged(program, kind, name, value)}


def decode_request(idl: Path, kind: str, name: str, data: bytes) -> dict[str, Any]:
    return {"op": "decode", "idl": str(idl), "kind": kind, "name": name, "hex": data.hex()}
