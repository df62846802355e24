"""Seeded random values in the canonical JSON shape of issue 3, for any type of an idlgen Program.

Shared by the conformance tests of every target (Python, C++): the same seed gives the same value on
every machine and under any PYTHONHASHSEED (only `random.Random(seed)` is used, never `hash()`).

Canonical JSON (the JSON bridge's value shape):
  integers of any width -> int; f32/f64 -> float (f32 values are exactly representable in f32);
  bool; string; pubkey -> base58 str; `bytes` -> lowercase hex str; vec / array (also of u8) -> list;
  option / coption -> None or the value; named struct -> dict keyed by the IDL's own field names;
  tuple struct -> list; unit struct (no fields) -> {}; enum -> "Unit" | {"Named": {...}} | {"Tuple": [...]}.
  Instruction values are the dict of args keyed by arg name.

Profiles make the edge values systematic instead of hoping the dice find them:
  "zero"   every int 0, floats -0.0, "" / b"" / empty vecs, None, first variant, zero pubkey;
  "max"    every int at its maximum, float max / +inf, long non-ASCII strings, Some, last variant;
  "min"    every int at its minimum, -float max / -inf / smallest subnormal, Some, first variant;
  "random" a mix: uniform values with edges (0, +-1, min, max, powers of two) mixed in.
Recursion is bounded: past `max_depth` options are None, vecs empty and enums take the variant that
terminates soonest, so self-referential types (via Box / Vec / Option) always give a finite value.
NaN is never produced (Rust's borsh refuses to write it); +-inf is produced unless allow_inf=False.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Iterator
from typing import Any

from idlgen.ir.model import (
    Account,
    ArrayType,
    COptionType,
    DefinedType,
    EnumBody,
    Event,
    Field,
    Instruction,
    OptionType,
    Prim,
    PrimType,
    Program,
    StructBody,
    StructKind,
    TypeDef,
    TypeRef,
    VariantKind,
    VecType,
)

PROFILES = ("zero", "max", "min", "random")

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

# Characters that stress UTF-8 handling: 2-, 3- and 4-byte sequences, NUL, a BOM, combining marks.
_UNICODE = "aZ09 é߷ह€中文🙂𝄞\u0000\ufeff\u0301\u200d\t\n\"\\"
_LONG_STRING = ("Σ≠∞ ünïcødé 🙂 " * 20)[:256]


def b58encode(raw: bytes) -> str:
    n = int.from_bytes(raw, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    pad = len(raw) - len(raw.lstrip(b"\0"))
    return "1" * pad + out


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        n = n * 58 + _B58.index(ch)
    pad = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * pad + body


def int_range(p: Prim) -> tuple[int, int]:
    bits = p.bits
    if p.is_signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def f32(x: float) -> float:
    """Round to the nearest f32 (so the value survives a trip through 4 bytes unchanged)."""
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


F32_MAX = f32(3.4028234663852886e38)
F32_TINY = f32(1.401298464324817e-45)  # smallest subnormal


class ValueGen:
    def __init__(self, program: Program, rng: random.Random, profile: str = "random", *,
                 max_depth: int = 4, max_len: int = 3, allow_inf: bool = True) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; expected one of {PROFILES}")
        self.program = program
        self.rng = rng
        self.profile = profile
        self.max_depth = max_depth
        self.max_len = max_len
        self.allow_inf = allow_inf
        cached = _HEIGHTS.get(id(program))
        if cached is None or cached[0] is not program:
            cached = _HEIGHTS[id(program)] = (program, _heights(program))
            while len(_HEIGHTS) > 32:  # a small LRU: the cache holds the programs alive
                del _HEIGHTS[next(iter(_HEIGHTS))]
        else:
            _HEIGHTS[id(program)] = _HEIGHTS.pop(id(program))
        self._heights = cached[1]

    # --- entry points -------------------------------------------------------------------------
    def typedef(self, name: str, depth: int = 0) -> Any:
        td = self.program.type(name)
        body = td.body
        if isinstance(body, StructBody):
            return self._struct(body.kind, body.fields, depth + 1)
        return self._enum(td, body, depth + 1)

    def fields(self, fields: tuple[Field, ...], depth: int = 0) -> dict[str, Any]:
        return {f.name: self.value(f.type, depth) for f in fields}

    def value(self, t: TypeRef, depth: int = 0) -> Any:
        match t:
            case PrimType(prim=p):
                return self._prim(p)
            case VecType(inner=inner):
                n = self._length(depth)
                return [self.value(inner, depth + 1) for _ in range(n)]
            case ArrayType(inner=inner, length=length):
                return [self.value(inner, depth + 1) for _ in range(length)]
            case OptionType(inner=inner) | COptionType(inner=inner):
                if self._none(depth):
                    return None
                return self.value(inner, depth + 1)
            case DefinedType(name=name):
                return self.typedef(name, depth)
        raise TypeError(f"not a TypeRef: {t!r}")

    # --- helpers ------------------------------------------------------------------------------
    def _struct(self, kind: StructKind, fields: tuple[Field, ...], depth: int) -> Any:
        if kind is StructKind.TUPLE:
            return [self.value(f.type, depth) for f in fields]
        return {f.name: self.value(f.type, depth) for f in fields}

    def _enum(self, td: TypeDef, body: EnumBody, depth: int) -> Any:
        variants = body.variants
        if depth >= self.max_depth:
            idx = min(range(len(variants)), key=lambda i: (self._variant_height(td.name, i), i))
        elif self.profile in ("zero", "min"):
            idx = 0
        elif self.profile == "max":
            idx = len(variants) - 1
        else:
            idx = self.rng.randrange(len(variants))
        return self.variant(td.name, idx, depth)

    def variant(self, type_name: str, idx: int, depth: int = 0) -> Any:
        """The value of variant `idx` of enum `type_name` (for covering every variant on purpose)."""
        body = self.program.type(type_name).body
        assert isinstance(body, EnumBody)
        v = body.variants[idx]
        if v.kind is VariantKind.UNIT:
            return v.name
        if v.kind is VariantKind.TUPLE:
            return {v.name: [self.value(f.type, depth + 1) for f in v.fields]}
        return {v.name: {f.name: self.value(f.type, depth + 1) for f in v.fields}}

    def _variant_height(self, type_name: str, idx: int) -> float:
        body = self.program.type(type_name).body
        assert isinstance(body, EnumBody)
        return max((_ref_height(f.type, self._heights) for f in body.variants[idx].fields), default=0)

    def _length(self, depth: int) -> int:
        if depth >= self.max_depth or self.profile == "zero":
            return 0
        if self.profile in ("max", "min"):
            return self.max_len
        return self.rng.choice((0, 1, 1, 2, self.max_len))

    def _none(self, depth: int) -> bool:
        if depth >= self.max_depth or self.profile == "zero":
            return True
        if self.profile in ("max", "min"):
            return False
        return self.rng.random() < 0.35

    def _prim(self, p: Prim) -> Any:
        rng, profile = self.rng, self.profile
        if p is Prim.BOOL:
            return {"zero": False, "max": True, "min": False}.get(profile, rng.random() < 0.5)
        info = _INT_INFO.get(p)
        if info is not None:
            bits, signed, lo, hi = info
            if profile == "zero":
                return 0
            if profile == "max":
                return hi
            if profile == "min":
                return lo
            r = rng.random()
            if r < 0.3:
                edges = [0, 1, hi, lo, hi - 1, lo + 1, 1 << (bits // 2), (1 << (bits - 1)) - 1]
                if signed:
                    edges += [-1, -(1 << (bits // 2))]
                return rng.choice([e for e in edges if lo <= e <= hi])
            if r < 0.6:
                return rng.randint(0, min(hi, 1000))
            return rng.randint(lo, hi)
        if p.is_float:
            big = F32_MAX if p is Prim.F32 else 1.7976931348623157e308
            tiny = F32_TINY if p is Prim.F32 else 5e-324
            inf = math.inf if self.allow_inf else big
            if profile == "zero":
                return -0.0
            if profile == "max":
                return inf if self.allow_inf and rng.random() < 0.5 else big
            if profile == "min":
                return rng.choice((-inf, -big, tiny, -tiny))
            r = rng.random()
            if r < 0.25:
                x = rng.choice((0.0, -0.0, 1.0, -1.0, 0.5, big, -big, tiny, inf, -inf))
            else:
                x = rng.uniform(-1e6, 1e6)
            return f32(x) if p is Prim.F32 else x
        if p is Prim.STRING:
            if profile == "zero":
                return ""
            if profile in ("max", "min"):
                return _LONG_STRING
            n = rng.choice((0, 1, 5, 17, 40))
            return "".join(rng.choice(_UNICODE) for _ in range(n))
        if p is Prim.BYTES:
            if profile == "zero":
                return ""
            n = 64 if profile in ("max", "min") else rng.choice((0, 1, 3, 32))
            return rng.randbytes(n).hex() if profile == "random" else (b"\xff" * n).hex()
        if p is Prim.PUBKEY:
            if profile == "zero":
                return b58encode(bytes(32))
            if profile == "max":
                return b58encode(b"\xff" * 32)
            if profile == "min":
                return b58encode(bytes(31) + b"\x01")
            return b58encode(rng.randbytes(32))
        raise TypeError(f"unhandled primitive {p}")


_HEIGHTS: dict[int, tuple[Program, dict[str, float]]] = {}
_INT_INFO = {p: (p.bits, p.is_signed, *int_range(p)) for p in Prim if p.is_int}


def _heights(program: Program) -> dict[str, float]:
    """Least nesting depth each type needs before it can stop (inf when it never can)."""
    h: dict[str, float] = {t.name: math.inf for t in program.types}
    changed = True
    while changed:
        changed = False
        for td in program.types:
            body = td.body
            if isinstance(body, StructBody):
                new = 1 + max((_ref_height(f.type, h) for f in body.fields), default=0)
            else:
                new = 1 + min((max((_ref_height(f.type, h) for f in v.fields), default=0)
                               for v in body.variants), default=0)
            if new < h[td.name]:
                h[td.name] = new
                changed = True
    return h


def _ref_height(t: TypeRef, h: dict[str, float]) -> float:
    match t:
        case PrimType() | VecType() | OptionType() | COptionType():
            return 0  # empty / None stops the recursion (coption too: the model keeps it optional)
        case ArrayType(inner=inner, length=length):
            return _ref_height(inner, h) if length else 0
        case DefinedType(name=name):
            return h[name]
    return 0


# --- convenience wrappers (the names the conformance tests and other targets use) -------------

def random_value(program: Program, t: TypeRef, rng: random.Random, profile: str = "random",
                 **kw: Any) -> Any:
    return ValueGen(program, rng, profile, **kw).value(t)


def random_type(program: Program, name: str, rng: random.Random, profile: str = "random", **kw: Any) -> Any:
    return ValueGen(program, rng, profile, **kw).typedef(name)


def random_instruction_args(program: Program, ix: Instruction, rng: random.Random,
                            profile: str = "random", **kw: Any) -> dict[str, Any]:
    return ValueGen(program, rng, profile, **kw).fields(ix.args)


def random_account(program: Program, acct: Account, rng: random.Random, profile: str = "random",
                   **kw: Any) -> Any:
    return ValueGen(program, rng, profile, **kw).typedef(acct.type)


def random_event(program: Program, ev: Event, rng: random.Random, profile: str = "random", **kw: Any) -> Any:
    return ValueGen(program, rng, profile, **kw).typedef(ev.type)


def samples(program: Program, kind: str, name: str, seed: int, n_random: int = 3,
            **kw: Any) -> Iterator[tuple[str, Any]]:
    """(label, value) pairs for one item: the three edge profiles, then `n_random` random values,
    and for an enum type one value per variant. Deterministic for (program, kind, name, seed)."""
    for i, profile in enumerate(PROFILES[:-1] + ("random",) * n_random):
        label = profile if profile != "random" else f"random{i - len(PROFILES) + 1}"
        rng = random.Random(f"{seed}:{kind}:{name}:{i}")
        gen = ValueGen(program, rng, profile, **kw)
        yield label, _item_value(gen, program, kind, name)
    if kind == "type":
        body = program.type(name).body
        if isinstance(body, EnumBody):
            for idx, v in enumerate(body.variants):
                gen = ValueGen(program, random.Random(f"{seed}:variant:{name}:{idx}"), "random", **kw)
                yield f"variant:{v.name}", gen.variant(name, idx, 1)


def _item_value(gen: ValueGen, program: Program, kind: str, name: str) -> Any:
    if kind == "type":
        return gen.typedef(name)
    if kind == "account":
        return gen.typedef(_by_name(program.accounts, name).type)
    if kind == "event":
        return gen.typedef(_by_name(program.events, name).type)
    if kind == "instruction":
        return gen.fields(_by_name(program.instructions, name).args)
    raise ValueError(f"unknown kind {kind!r}")


def _by_name(items: tuple[Any, ...], name: str) -> Any:
    for it in items:
        if it.name == name:
            return it
    raise KeyError(name)


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.support.values IDL [--seed N] [--random N] [--no-inf]`: one JSON line per sample,
    {"kind", "name", "label", "value"}, for every item (for harnesses in other languages). Infinities are
    written as the non-standard JSON tokens Infinity / -Infinity unless --no-inf replaces them by +-max."""
    import argparse
    import json
    import sys

    from idlgen.anchor.load import load_program

    ap = argparse.ArgumentParser(prog="python -m tests.support.values")
    ap.add_argument("idl")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--random", type=int, default=3, help="random values per item besides the edge profiles")
    ap.add_argument("--no-inf", action="store_true")
    args = ap.parse_args(argv)
    program = load_program(args.idl)
    kinds = (("type", program.types), ("account", program.accounts), ("event", program.events),
             ("instruction", program.instructions))
    for kind, its in kinds:
        for it in its:
            for label, value in samples(program, kind, it.name, args.seed, n_random=args.random,
                                        allow_inf=not args.no_inf):
                sys.stdout.write(json.dumps({"kind": kind, "name": it.name, "label": label, "value": value},
                                            ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
