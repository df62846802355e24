"""Property tests (hypothesis) of the generated Python codecs, through the JSON bridge.

For every item of the bundled IDL and the two synthetic fixtures:
  * decode(encode(x)) == x (floats bit-exact, -0.0 kept);
  * every strict prefix of an encoding fails with the package's DecodeError (Borsh is self-delimiting,
    so a prefix can never be a complete value);
  * mutated encodings either decode or raise DecodeError - never IndexError, struct.error, UnicodeError,
    OverflowError, MemoryError...; for plain Borsh items (no zero-copy padding, no COption filler) a
    mutated encoding that decodes strictly re-encodes to exactly the same bytes (Borsh is canonical);
  * trailing bytes: rejected by default for types and events, ignored by default for accounts and
    instructions (what the on-chain program does), rejected for those too with strict=True;
and a 4 GiB length prefix fails at once, without allocating.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idlgen.anchor.load import load_program
from idlgen.ir.model import ArrayType, COptionType, DefinedType, OptionType, Program, TypeRef, VecType
from tests.conformance.plan import FIXTURES, SETTLEMENT, items, label_of
from tests.conformance.strategies import Strategies, same

PATHS = [SETTLEMENT, FIXTURES / "borsh_spec.json", FIXTURES / "zero_copy_spec.json"]
PROGRAMS = {label_of(p): load_program(p) for p in PATHS}
ITEMS = [(idl, kind, name) for idl, prog in PROGRAMS.items() for kind, name in items(prog)]
# Derandomized so CI is reproducible; IDLGEN_HYPOTHESIS_RANDOM=1 (and more examples) explores further.
_EXPLORE = os.environ.get("IDLGEN_HYPOTHESIS_RANDOM") == "1"
SETTINGS = settings(max_examples=200 if _EXPLORE else 20, deadline=None, derandomize=not _EXPLORE,
                    suppress_health_check=list(HealthCheck), database=None)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ModuleType]:
    from tests.support.pygen import generate_python_package

    dest = tmp_path_factory.mktemp("property_pkgs")
    return {idl: generate_python_package(p, dest, families=()) for idl, p in zip(PROGRAMS, PATHS, strict=True)}


def strategy(program: Program, kind: str, name: str) -> st.SearchStrategy[Any]:
    s = Strategies(program)
    if kind == "instruction":
        return s.fields(next(i for i in program.instructions if i.name == name).args, 0)
    tname = name if kind == "type" else next(x.type for x in (*program.accounts, *program.events) if x.name == name)
    return s.typedef(tname)


def plain_borsh(program: Program, kind: str, name: str) -> bool:
    """No zero-copy memory image and no COption in reach: every accepted encoding is canonical."""
    seen: set[str] = set()

    def ok_ref(t: TypeRef) -> bool:
        if isinstance(t, COptionType):
            return False
        if isinstance(t, (VecType, OptionType, ArrayType)):
            return ok_ref(t.inner)
        if isinstance(t, DefinedType):
            return ok_def(t.name)
        return True

    def ok_def(tname: str) -> bool:
        if tname in seen:
            return True
        seen.add(tname)
        td = program.type(tname)
        if td.zero_copy:
            return False
        body = td.body
        fields = body.fields if hasattr(body, "fields") else [f for v in body.variants for f in v.fields]
        return all(ok_ref(f.type) for f in fields)

    if kind == "instruction":
        return all(ok_ref(a.type) for a in next(i for i in program.instructions if i.name == name).args)
    tname = name if kind == "type" else next(x.type for x in (*program.accounts, *program.events) if x.name == name)
    return ok_def(tname)


@pytest.mark.parametrize(("idl", "kind", "name"), ITEMS, ids=[f"{i.split('/')[-1]}:{k}:{n}" for i, k, n in ITEMS])
def test_round_trip_truncation_mutation(idl: str, kind: str, name: str, packages: dict[str, ModuleType]) -> None:
    program = PROGRAMS[idl]
    pkg = packages[idl]
    bridge, decode_error = pkg.json_bridge, pkg.DecodeError
    canonical = plain_borsh(program, kind, name)
    lenient = kind in ("account", "instruction")

    @SETTINGS
    @given(value=strategy(program, kind, name), data=st.data())
    def check(value: Any, data: st.DataObject) -> None:
        raw = bridge.encode(kind, name, value)
        assert same(bridge.decode(kind, name, raw), value)
        # truncation: every strict prefix is an error (a few cut points per example)
        for cut in {0, len(raw) - 1, data.draw(st.integers(0, max(len(raw) - 1, 0)))}:
            if 0 <= cut < len(raw):
                with pytest.raises(decode_error):
                    bridge.decode(kind, name, raw[:cut])
        # trailing bytes
        extra = raw + b"\x00\x01"
        if lenient:
            assert same(bridge.decode(kind, name, extra), value)
        else:
            with pytest.raises(decode_error):
                bridge.decode(kind, name, extra)
        with pytest.raises(decode_error):
            bridge.decode(kind, name, extra, strict=True)
        # mutation: flip one to three bytes
        if raw:
            buf = bytearray(raw)
            for _ in range(data.draw(st.integers(1, 3))):
                buf[data.draw(st.integers(0, len(buf) - 1))] ^= data.draw(st.integers(1, 255))
            try:
                got = bridge.decode(kind, name, bytes(buf), strict=True)
            except decode_error:
                return
            if canonical:
                assert bridge.encode(kind, name, got) == bytes(buf)

    check()


def _huge_prefix_cases() -> list[tuple[str, str, bytes, str]]:
    """(idl, type, bytes, field path the error must name): a 0xFFFFFFFF length prefix, nothing after."""
    ff = b"\xff\xff\xff\xff"
    fx = "tests/conformance/fixtures/borsh_spec.json"
    return [
        (fx, "Containers", ff, "vec_u8"),  # Vec<u8>
        (fx, "Pair", b"\x01" + ff, "Pair.1"),  # String in a tuple struct
        (fx, "Tree", b"\x00\x00\x00\x00" + ff, "children"),  # Vec<Tree>: 4 GiB * element size
        (fx, "Containers", _containers_prefix_until_opt_bytes() + b"\x01" + ff, "opt_bytes"),  # Option<bytes>
    ]


def _containers_prefix_until_opt_bytes() -> bytes:
    # vec_u8 [] | arr_u8 [0;5] | opt_opt None | vec_opt_enum [] | arr_str ["","",""] | vec_vec [] |
    # tuple (0, "") | unit | colors [Red, Red] | keys []
    z4 = b"\x00" * 4
    return z4 + b"\x00" * 5 + b"\x00" + z4 + z4 * 3 + z4 + b"\x00" + z4 + b"" + b"\x00\x00" + z4


@pytest.mark.parametrize(("idl", "tname", "data", "where"), _huge_prefix_cases())
def test_4gib_length_prefix_fails_at_once(idl: str, tname: str, data: bytes, where: str,
                                          packages: dict[str, ModuleType]) -> None:
    pkg = packages[idl]
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(pkg.DecodeError) as info:
            pkg.json_bridge.decode("type", tname, data)
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 0.5, elapsed
    assert peak < 1 << 20, f"peak allocation {peak} bytes"
    assert where in str(info.value) and "offset" in str(info.value), str(info.value)
