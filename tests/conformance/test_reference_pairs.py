"""The two references against each other: the TS coder (spec IDL) vs anchorpy (legacy IDL of the same
program). Catches a broken oracle or value converter independently of any generated code.

Several programs of the corpus ship both renderings. For every item present in both with the same
Borsh shape (same primitives, same field / variant order; names may differ in case), one seeded value
is generated from the spec model, renamed into the legacy model's spelling, and both references must
produce the same bytes (discriminators included: the spec IDL's stored ones vs anchorpy's recomputed
ones). Items whose shapes differ between the two files (other program versions) are counted, not
compared.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from idlgen.anchor.load import load_program
from idlgen.anchor.names import snake_case
from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    EnumBody,
    Field,
    OptionType,
    PrimType,
    Program,
    StructBody,
    TypeRef,
    VecType,
)
from tests.conformance.plan import FIXTURES, zero_copy_type
from tests.conftest import CORPUS, ROOT
from tests.support import ts_ref
from tests.support.anchorpy_ref import AnchorpyRef
from tests.support.legacy import write_legacy
from tests.support.values import PROFILES, ValueGen

pytestmark = pytest.mark.filterwarnings("ignore:The `repr_ns` argument is deprecated:DeprecationWarning")

A = CORPUS / "idls"
PAIRS = [
    (A / "anchor_tests/amm_v3_declare_program_spec.json", A / "anchor_tests/amm_v3_declare_program_legacy.json"),
    (A / "anchor_tests/external_spec.json", A / "anchor_tests/external_legacy.json"),
    (A / "anchor_tests/idl_new_spec.json", A / "anchor_tests/idl_old_legacy.json"),
    (A / "pyth_push_oracle/pyth_push_oracle_spec.json", A / "pyth_push_oracle/pyth_push_oracle_legacy.json"),
    (A / "pyth_receiver/pyth_solana_receiver_spec.json", A / "pyth_receiver/pyth_solana_receiver_legacy.json"),
    (A / "drift/drift_v2_spec_copy_in_marginfi.json", A / "drift/drift_v2.json"),
    # spec IDLs without a legacy twin: rendered by tests/support/legacy.py, so that anchorpy reads them too
    (ROOT / "idl" / "godark_settlement.json", None),
    (FIXTURES / "borsh_spec.json", None),
]


class Mismatch(Exception):
    pass


class Renamer:
    """Rewrites a canonical value of the spec model into the legacy model's spelling, checking on the
    way that the two models give the item the same Borsh shape."""

    def __init__(self, spec: Program, legacy: Program) -> None:
        self.spec, self.legacy = spec, legacy

    def value(self, a: TypeRef, b: TypeRef, v: Any) -> Any:
        match a, b:
            case PrimType(prim=pa), PrimType(prim=pb):
                if pa is not pb:
                    raise Mismatch(f"{pa.value} vs {pb.value}")
                return v
            case (VecType(inner=ia), VecType(inner=ib)) | (OptionType(inner=ia), OptionType(inner=ib)) | (
                    COptionType(inner=ia), COptionType(inner=ib)):
                if v is None:
                    self.value_shape(ia, ib)
                    return None
                return [self.value(ia, ib, x) for x in v] if isinstance(a, VecType) else self.value(ia, ib, v)
            case ArrayType(inner=ia, length=la), ArrayType(inner=ib, length=lb):
                if la != lb:
                    raise Mismatch("array length")
                return [self.value(ia, ib, x) for x in v]
            case DefinedType(name=na), DefinedType(name=nb):
                return self.typedef(na, nb, v)
        raise Mismatch(f"{a} vs {b}")

    def value_shape(self, a: TypeRef, b: TypeRef) -> None:
        """Shape check without a value (for None / empty parts)."""
        if type(a) is not type(b):
            raise Mismatch(f"{a} vs {b}")
        if isinstance(a, PrimType) and isinstance(b, PrimType) and a.prim is not b.prim:
            raise Mismatch(f"{a} vs {b}")

    def fields(self, fa: tuple[Field, ...], fb: tuple[Field, ...], v: Any) -> dict[str, Any]:
        if len(fa) != len(fb) or any(snake_case(x.name) != snake_case(y.name) for x, y in zip(fa, fb, strict=True)):
            raise Mismatch("fields differ")
        return {y.name: self.value(x.type, y.type, v[x.name]) for x, y in zip(fa, fb, strict=True)}

    def typedef(self, na: str, nb: str, v: Any) -> Any:
        ta, tb = self.spec.type(na).body, self.legacy.type(nb).body
        if isinstance(ta, StructBody) and isinstance(tb, StructBody):
            if isinstance(v, list):
                return [self.value(x.type, y.type, e) for x, y, e in zip(ta.fields, tb.fields, v, strict=True)]
            return self.fields(ta.fields, tb.fields, v)
        if isinstance(ta, EnumBody) and isinstance(tb, EnumBody):
            if [x.name for x in ta.variants] != [y.name for y in tb.variants]:
                raise Mismatch("variants differ")
            if isinstance(v, str):
                return v
            ((vname, payload),) = v.items()
            va = next(x for x in ta.variants if x.name == vname)
            vb = next(y for y in tb.variants if y.name == vname)
            if isinstance(payload, list):
                return {vname: [self.value(x.type, y.type, e) for x, y, e in zip(va.fields, vb.fields, payload,
                                                                                  strict=True)]}
            return {vname: self.fields(va.fields, vb.fields, payload)}
        raise Mismatch("struct vs enum")


def _pair_items(spec: Program, legacy: Program) -> list[tuple[str, str, str, Any, Any]]:
    """(kind, spec name, legacy name, spec-side TypeRef-ish, legacy-side) for items in both."""
    out: list[tuple[str, str, str, Any, Any]] = []
    leg_types = {snake_case(t.name): t for t in legacy.types}
    acc_layouts = {a.type for a in spec.accounts} | {e.type for e in spec.events}
    for t in spec.types:
        if t.name not in acc_layouts and t.generic is None and snake_case(t.name) in leg_types:
            out.append(("type", t.name, leg_types[snake_case(t.name)].name, t, None))
    for kind, sa, la in (("account", spec.accounts, legacy.accounts), ("event", spec.events, legacy.events)):
        other = {snake_case(x.name): x for x in la}
        for x in sa:
            if snake_case(x.name) in other:
                out.append((kind, x.name, other[snake_case(x.name)].name, x, other[snake_case(x.name)]))
    other_ix = {snake_case(x.name): x for x in legacy.instructions}
    for ix in spec.instructions:
        if snake_case(ix.name) in other_ix:
            out.append(("instruction", ix.name, other_ix[snake_case(ix.name)].name, ix, other_ix[snake_case(ix.name)]))
    return out


@pytest.mark.parametrize(("spec_path", "legacy_path"), PAIRS, ids=[p.parent.name + "/" + p.stem for p, _ in PAIRS])
def test_ts_coder_and_anchorpy_agree(spec_path: Any, legacy_path: Any, tmp_path: Path) -> None:
    reason = ts_ref.unavailable_reason()
    if reason:
        pytest.skip(reason)
    if legacy_path is None:
        legacy_path, dropped = write_legacy(spec_path, tmp_path / f"{spec_path.stem}_legacy.json")
        print(f"\nleft out of the legacy rendering: {dropped}")
    spec, legacy = load_program(spec_path), load_program(legacy_path)
    ren = Renamer(spec, legacy)
    ap = AnchorpyRef(legacy_path, legacy)
    jobs: list[tuple[str, str, str, str, Any, Any]] = []
    differ = 0
    for kind, sname, lname, sitem, litem in _pair_items(spec, legacy):
        if zero_copy_type(spec, kind, sname):
            continue  # the legacy file does not know about zero-copy; the C compiler is the reference there
        for i, profile in enumerate(PROFILES):
            gen = ValueGen(spec, random.Random(f"pair:{kind}:{sname}:{i}"), profile)
            try:
                if kind == "instruction":
                    v = gen.fields(sitem.args)
                    lv = ren.fields(sitem.args, litem.args, v)
                else:
                    stype = sname if kind == "type" else sitem.type
                    ltype = lname if kind == "type" else litem.type
                    v = gen.typedef(stype)
                    lv = ren.typedef(stype, ltype, v)
            except Mismatch:
                differ += 1
                break
            jobs.append((kind, sname, lname, profile, v, lv))
    results = ts_ref.run([ts_ref.encode_request(spec_path, spec, k, s, v) for k, s, _, _, v, _ in jobs])
    bad, compared, ap_failed = [], 0, 0
    for (kind, sname, lname, profile, _v, lv), r in zip(jobs, results, strict=True):
        try:
            theirs = ap.encode(kind, lname, lv).hex()
        except Exception:  # anchorpy's own gaps are known.py's business, not this test's
            ap_failed += 1
            continue
        if not r.ok:
            bad.append(f"{kind} {sname} [{profile}]: TS coder failed: {r.error}")
        elif r.hex != theirs:
            bad.append(f"{kind} {sname} [{profile}]: TS {r.hex[:80]}... vs anchorpy {theirs[:80]}...")
        else:
            compared += 1
    print(f"\n{spec_path.name} vs {legacy_path.name}: {compared} values agree, {differ} items differ in "
          f"shape between the files, anchorpy failed on {ap_failed}")
    assert not bad, "\n".join(bad[:30])
    assert compared > 0


def test_pairs_exist() -> None:
    for a, b in PAIRS:
        assert a.is_file() and (b is None or b.is_file()), (a, b)
    assert ROOT.is_dir()
