"""Byte-for-byte conformance of the generated Python codecs with the reference coders.

For every type, account, event and instruction of the bundled IDL, the synthetic zero-copy fixture and
every corpus IDL copied into tests/corpus/idls that idlgen loads, seeded values (edge profiles + random,
one per variant for data enums) are encoded by the generated package's JSON bridge and compared with
the reference bytes (see plan.py for which reference speaks for which item); then the generated decoder
must give the value back from the reference's bytes. Items a reference cannot speak for are listed,
with the reason, in known.py and printed by each test (`pytest -rA -s` shows them).

The reference-only tests at the bottom check the references against each other and themselves, so a
broken oracle (or a broken value converter) cannot make the main comparison pass or fail for nothing.
"""

from __future__ import annotations

import importlib
import json
import math
from types import ModuleType
from typing import Any

import pytest

from tests.conformance import plan
from tests.conformance.known import KNOWN, known_reason
from tests.support import ts_ref

IDLS = list(plan.programs())
pytestmark = pytest.mark.filterwarnings("ignore:The `repr_ns` argument is deprecated:DeprecationWarning")


def canon(v: Any) -> str:
    """Order-insensitive, -0.0-sensitive text of a canonical value (tuples count as lists)."""
    return json.dumps(v, sort_keys=True, allow_nan=True, default=list)


def _first_diff(a: str, b: str) -> str:
    n = next((i for i in range(min(len(a), len(b)) // 2) if a[2 * i:2 * i + 2] != b[2 * i:2 * i + 2]),
             min(len(a), len(b)) // 2)
    return (f"first difference at byte {n} (ours {len(a) // 2} bytes, reference {len(b) // 2}): "
            f"ours ...{a[2 * n:2 * n + 32]}, reference ...{b[2 * n:2 * n + 32]}")


@pytest.fixture(scope="session")
def cases() -> tuple[plan.Case, ...]:
    return plan.cases()


@pytest.fixture(scope="session")
def bridge_for(tmp_path_factory: pytest.TempPathFactory) -> Any:
    try:
        pygen = importlib.import_module("tests.support.pygen")
    except ImportError as exc:
        pytest.skip(f"the Python target's test helper tests/support/pygen.py is not available: {exc}")
    dest = tmp_path_factory.mktemp("conformance_pkgs")
    made: dict[str, ModuleType] = {}

    def get(idl: str) -> ModuleType:
        if idl not in made:
            mod = pygen.generate_python_package(plan.path_of(idl), dest, families=())
            made[idl] = importlib.import_module(mod.__name__ + ".json_bridge")
        return made[idl]

    return get


def _report(idl: str, skipped: list[str]) -> None:
    if skipped:
        print(f"\n{idl}: {len(skipped)} value(s) not compared, the reference cannot speak for them:")
        for line in sorted(set(skipped)):
            print("  " + line)


@pytest.mark.parametrize("idl", IDLS)
def test_generated_codec_matches_reference(idl: str, cases: tuple[plan.Case, ...], bridge_for: Any) -> None:
    mine = [c for c in cases if c.idl == idl]
    unavailable = {c.ref_error for c in mine if c.ref_error and c.ref_error.startswith("unavailable")}
    if unavailable:
        pytest.skip("; ".join(sorted(unavailable)))
    bridge = bridge_for(idl)
    failures: list[str] = []
    skipped: list[str] = []
    compared = 0
    for c in mine:
        where = f"{c.kind} {c.name} [{c.label}]"
        if c.skip:
            skipped.append(f"{c.kind} {c.name}: {c.skip}")
            continue
        if c.ref_error:
            reason = known_reason(c.idl, c.kind, c.name, c.ref, c.ref_error)
            if reason:
                skipped.append(f"{c.kind} {c.name} ({c.ref}): {reason}")
            else:
                failures.append(f"{where}: reference {c.ref} failed and the item is not in known.py: "
                                f"{c.ref_error}")
            continue
        assert c.ref_hex is not None
        try:
            ours = bridge.encode(c.kind, c.name, c.value).hex()
        except Exception as exc:
            failures.append(f"{where}: encode raised {type(exc).__name__}: {exc}")
            continue
        compared += 1
        if ours != c.ref_hex:
            failures.append(f"{where} vs {c.ref}: {_first_diff(ours, c.ref_hex)}\n    value: "
                            f"{canon(c.value)[:400]}")
            continue
        try:
            back = bridge.decode(c.kind, c.name, bytes.fromhex(c.ref_hex))
        except Exception as exc:
            failures.append(f"{where}: decode of the reference bytes raised {type(exc).__name__}: {exc}")
            continue
        if canon(back) != canon(c.value):
            failures.append(f"{where}: decode(reference bytes) != value\n    got:  {canon(back)[:300]}\n"
                            f"    want: {canon(c.value)[:300]}")
            continue
        if c.dirty_hex is not None and c.dirty_hex != c.ref_hex:
            # zero-copy: the program never reads padding (nor a None COption's bytes); neither may we
            try:
                dirty = bridge.decode(c.kind, c.name, bytes.fromhex(c.dirty_hex))
            except Exception as exc:
                failures.append(f"{where}: decode with 0xAA padding raised {type(exc).__name__}: {exc}")
                continue
            if canon(dirty) != canon(c.value):
                failures.append(f"{where}: decode with 0xAA padding != value")
    _report(idl, skipped)
    assert not failures, f"{idl}: {len(failures)} of {compared} compared values differ:\n" + "\n".join(
        failures[:40])
    assert compared or not mine, f"{idl}: nothing was compared"


# --- the references themselves ------------------------------------------------------------------

def test_known_list_is_current(cases: tuple[plan.Case, ...]) -> None:
    """Every listed reference failure still happens (otherwise the list hides nothing and must shrink)."""
    failing = {(c.idl, c.kind, c.name) for c in cases if c.ref_error and not c.ref_error.startswith("unavail")}
    in_scope = {(c.idl, c.kind, c.name) for c in cases}
    stale = [k for k in KNOWN if k in in_scope and k not in failing]
    missing = [k for k in KNOWN if k not in in_scope]
    assert not stale, f"known.py lists items the reference now handles: {stale}"
    assert not missing, f"known.py lists items that are no longer tested: {missing}"


def test_scope_covers_every_kind(cases: tuple[plan.Case, ...]) -> None:
    by_ref = {r: sum(1 for c in cases if c.ref == r and c.ref_hex) for r in ("ts", "anchorpy", "c")}
    by_kind = {k: sum(1 for c in cases if c.kind == k and c.ref_hex) for k in ("type", "account", "event",
                                                                                   "instruction")}
    assert len(IDLS) >= 30, IDLS
    assert all(n >= 50 for n in by_ref.values()), by_ref
    assert all(n >= 100 for n in by_kind.values()), by_kind
    # encode.cjs's per-item layout path agreed with the stock BorshCoder.encode() on these:
    assert sum(c.stock for c in cases) >= 1000


def test_ts_reference_decodes_its_own_bytes(cases: tuple[plan.Case, ...]) -> None:
    """The TS coder decodes what it encoded back to the same canonical value (checks the value
    converters in tests/support/ts_ref.py and the oracle, independently of the generated code)."""
    reason = ts_ref.unavailable_reason()
    if reason:
        pytest.skip(reason)
    todo = [c for c in cases if c.ref == "ts" and c.ref_hex]
    progs = plan.programs()
    results = ts_ref.run([ts_ref.decode_request(plan.path_of(c.idl), c.kind, c.name, bytes.fromhex(c.ref_hex or ""))
                          for c in todo])
    bad = []
    for c, r in zip(todo, results, strict=True):
        if not r.ok:
            bad.append(f"{c.idl} {c.kind} {c.name} [{c.label}]: decode failed: {r.error}")
            continue
        got = ts_ref.item_from_tagged(progs[c.idl], c.kind, c.name, r.value)
        if canon(got) != canon(c.value) or r.used != len(c.ref_hex or "") // 2:
            bad.append(f"{c.idl} {c.kind} {c.name} [{c.label}]: round trip differs (used {r.used})")
    assert not bad, "\n".join(bad[:30])


def test_anchorpy_reference_decodes_its_own_bytes(cases: tuple[plan.Case, ...]) -> None:
    from tests.support.anchorpy_ref import AnchorpyRef

    refs: dict[str, AnchorpyRef] = {}
    bad = []
    todo = [c for c in cases if c.ref == "anchorpy" and c.ref_hex]
    for c in todo[::3]:  # a third is plenty for the converter; anchorpy is slow
        ref = refs.get(c.idl) or refs.setdefault(c.idl, AnchorpyRef(plan.path_of(c.idl), plan.programs()[c.idl]))
        try:
            got = ref.decode(c.kind, c.name, bytes.fromhex(c.ref_hex or ""))
        except Exception as exc:
            bad.append(f"{c.idl} {c.kind} {c.name} [{c.label}]: {type(exc).__name__}: {exc}")
            continue
        if canon(got) != canon(c.value):
            bad.append(f"{c.idl} {c.kind} {c.name} [{c.label}]: round trip differs")
    assert not bad, "\n".join(bad[:30])


def test_ts_coder_vs_c_compiler_on_zero_copy(cases: tuple[plan.Case, ...]) -> None:
    """Zero-copy items of spec IDLs: where the repr(C) layout has no padding (bytemuck's Pod case) the
    TS coder's packed bytes must equal the C image; where it has padding or `align`, they must differ
    (the TS coder ignores repr: this pins that documented disagreement down)."""
    reason = ts_ref.unavailable_reason()
    if reason:
        pytest.skip(reason)
    progs = plan.programs()
    todo = [c for c in cases if c.ref == "c" and c.ref_hex and progs[c.idl].format.value == "spec"]
    results = ts_ref.run([ts_ref.encode_request(plan.path_of(c.idl), progs[c.idl], c.kind, c.name, c.value)
                          for c in todo])
    agree = differ = 0
    bad = []
    for c, r in zip(todo, results, strict=True):
        program = progs[c.idl]
        tname = plan.zero_copy_type(program, c.kind, c.name)
        assert tname is not None
        padded = _has_padding(program, tname)
        if not r.ok and "coption" in (r.error or ""):
            continue  # the TS coder has no COption at all (README: "coption is not implemented")
        if not r.ok:
            bad.append(f"{c.idl} {c.kind} {c.name}: TS coder failed: {r.error}")
        elif not padded and r.hex != c.ref_hex:
            diff = _first_diff(r.hex or "", c.ref_hex or "")
            bad.append(f"{c.idl} {c.kind} {c.name} [{c.label}]: no padding, yet TS {diff}")
        elif padded and r.hex == c.ref_hex:
            bad.append(f"{c.idl} {c.kind} {c.name} [{c.label}]: padded layout, yet TS bytes equal the C image")
        else:
            agree += not padded
            differ += padded
    assert not bad, "\n".join(bad[:30])
    assert agree and differ, (agree, differ)


def _has_padding(program: Any, tname: str) -> bool:
    from idlgen.ir.model import ArrayType, COptionType, DefinedType, StructBody

    td = program.type(tname)
    if td.c_layout is None or not isinstance(td.body, StructBody):
        return False
    if td.c_layout.padding:
        return True

    def inner(t: Any) -> bool:
        if isinstance(t, ArrayType):
            return inner(t.inner)
        if isinstance(t, COptionType):
            return True  # COption's None is zero-filled, and its tag is 4 bytes: never Borsh-like
        if isinstance(t, DefinedType):
            return _has_padding(program, t.name)
        return False

    return any(inner(f.type) for f in td.body.fields)


def test_float_edge_values_are_generated(cases: tuple[plan.Case, ...]) -> None:
    """The edge profiles really reach -0.0 and infinities (guards the generator against regressions)."""
    text = " ".join(canon(c.value) for c in cases if c.idl.endswith("zero_copy_spec.json"))
    assert "-0.0" in text and "Infinity" in text
    assert not any(isinstance(x, float) and math.isnan(x) for x in _leaves([c.value for c in cases[:500]]))


def _leaves(v: Any) -> list[Any]:
    if isinstance(v, dict):
        return [x for y in v.values() for x in _leaves(y)]
    if isinstance(v, list):
        return [x for y in v for x in _leaves(y)]
    return [v]



def test_coption_pack_layout(bridge_for: Any) -> None:
    """COption outside zero-copy: no reference coder has it (TS: not implemented; anchorpy: no coption
    type), so the bytes are spelled out from solana-program's Pack layout (spl-token `pack_coption_u64`
    / `pack_coption_key`): a u32 little-endian tag 0/1, then the value, zero-filled when None."""
    bridge = bridge_for("tests/conformance/fixtures/borsh_spec.json")
    key = "4PDVYdLCZRVa759gw9UAgPsto41bMuaWib3Cuogc2NGw"
    key_raw = bytes.fromhex("3243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c8")
    from tests.support.values import b58encode

    assert b58encode(key_raw) == key
    cases = [
        ({"amount": None, "delegate": None, "tail": 7}, b"\0" * 12 + b"\0" * 36 + b"\x07"),
        ({"amount": 5, "delegate": key, "tail": 0},
         b"\x01\0\0\0" + (5).to_bytes(8, "little") + b"\x01\0\0\0" + key_raw + b"\0"),
        ({"amount": 2**64 - 1, "delegate": None, "tail": 255},
         b"\x01\0\0\0" + b"\xff" * 8 + b"\0" * 36 + b"\xff"),
    ]
    for value, want in cases:
        assert bridge.encode("type", "PackOptions", value) == want, value
        assert canon(bridge.decode("type", "PackOptions", want)) == canon(value)


def test_stock_decoders_read_the_generated_bytes(cases: tuple[plan.Case, ...], bridge_for: Any) -> None:
    """The other direction with the unmodified TS coder: its own BorshEventCoder.decode (base64, as in
    `Program data:` logs), instruction.decode (routing by discriminator) and accounts.decode (checking
    the discriminator) read what the generated code wrote, back to the same value and name."""
    reason = ts_ref.unavailable_reason()
    if reason:
        pytest.skip(reason)
    progs = plan.programs()
    todo = [c for c in cases if c.ref == "ts" and c.ref_hex and c.kind in ("event", "instruction", "account")
            and c.label in ("max", "random1")]
    reqs, ours = [], []
    for c in todo:
        data = bridge_for(c.idl).encode(c.kind, c.name, c.value)
        ours.append(data)
        reqs.append({"op": "stock_decode", "idl": str(plan.path_of(c.idl)), "kind": c.kind, "name": c.name,
                     "hex": data.hex()})
    bad = []
    coder_missing = 0
    for c, r in zip(todo, ts_ref.run(reqs), strict=True):
        if not r.ok and (r.error or "").startswith("no stock coder"):
            coder_missing += 1  # `new BorshCoder(idl)` throws for this IDL (a coption or a recursive type)
            continue
        if not r.ok or r.value is None:
            bad.append(f"{c.idl} {c.kind} {c.name} [{c.label}]: stock decode gave {r}")
            continue
        got = ts_ref.item_from_tagged(progs[c.idl], c.kind, c.name, r.value["data"])
        if r.value["name"] != c.name or canon(got) != canon(c.value):
            bad.append(f"{c.idl} {c.kind} {c.name} [{c.label}]: stock decode read {r.value['name']}, "
                       f"{canon(got)[:200]}")
    assert not bad, "\n".join(bad[:30])
    assert len(todo) - coder_missing >= 300, (len(todo), coder_missing)


def test_bundled_package_with_its_configured_families(cases: tuple[plan.Case, ...],
                                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    """The package the relayer really imports is built with the families pyproject.toml configures
    (Batch carried by settle_batch.data): its JSON bridge must give the same reference bytes."""
    from tests.support.pygen import generate_python_package

    idl = "idl/godark_settlement.json"
    pkg = generate_python_package(plan.path_of(idl), tmp_path_factory.mktemp("families"), families=None)
    mine = [c for c in cases if c.idl == idl and c.ref_hex]
    assert len(mine) >= 100
    bad = [f"{c.kind} {c.name} [{c.label}]" for c in mine
           if pkg.json_bridge.encode(c.kind, c.name, c.value).hex() != c.ref_hex]
    assert not bad, bad[:20]
