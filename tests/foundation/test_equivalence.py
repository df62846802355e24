"""Legacy and spec IDLs of the same program lower to the same wire model.

The legacy format stores camelCase names that Anchor hashes as snake_case; these tests prove that our
camelCase -> snake_case conversion (digits and acronyms included) derives exactly the discriminators the
spec format states explicitly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from idlgen.anchor.load import load_program
from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    OptionType,
    PrimType,
    Program,
    StructBody,
    TypeRef,
    VecType,
)
from tests.conftest import CORPUS, SHARED_CORPUS

PAIRS = [
    ("anchor_tests/amm_v3_declare_program_legacy.json", "anchor_tests/amm_v3_declare_program_spec.json"),
    ("anchor_tests/external_legacy.json", "anchor_tests/external_spec.json"),
    ("anchor_tests/idl_old_legacy.json", "anchor_tests/idl_new_spec.json"),
    ("pyth_push_oracle/pyth_push_oracle_legacy.json", "pyth_push_oracle/pyth_push_oracle_spec.json"),
    ("pyth_receiver/pyth_solana_receiver_legacy.json", "pyth_receiver/pyth_solana_receiver_spec.json"),
    ("kamino_klend/kamino_lending.json", "kamino_klend/kamino_lending_spec_original_in_marginfi.json"),
    ("kamino_kvault/kamino_vault_legacy.json", "kamino_kvault/kamino_vault_spec_copy_in_exponent.json"),
    ("drift/drift_v2.json", "drift/drift_v2_spec_copy_in_marginfi.json"),
]
# Same program, same revision: every instruction, account, arg and type must agree.
IDENTICAL = {"pyth_push_oracle", "pyth_receiver"}


def find(rel: str) -> Path:
    for base in (CORPUS, SHARED_CORPUS):
        p = base / "idls" / rel
        if p.is_file():
            return p
    pytest.skip(f"{rel} needs ../shared/corpus")


def key(name: str) -> str:
    # heck's lowerCamelCase drops the underscore before a digit (amount_0 -> amount0): compare without them.
    return name.replace("_", "").lower()


def shape(t: TypeRef, program: Program) -> str:
    match t:
        case PrimType(prim=p):
            return p.value
        case VecType(inner=i):
            return f"vec<{shape(i, program)}>"
        case OptionType(inner=i):
            return f"option<{shape(i, program)}>"
        case COptionType(inner=i):
            return f"coption<{shape(i, program)}>"
        case ArrayType(inner=i, length=n):
            return f"[{shape(i, program)};{n}]"
        case DefinedType(name=n):
            return "defined:" + n.rsplit("::", 1)[-1]


@pytest.mark.parametrize("legacy,spec", PAIRS, ids=lambda s: s.split("/")[0] if "/" in s else s)
def test_discriminators_agree(legacy: str, spec: str) -> None:
    lp, sp = load_program(find(legacy)), load_program(find(spec))
    assert lp.format.value == "legacy" and sp.format.value == "spec"
    li = {i.snake: i for i in lp.instructions}
    si = {i.snake: i for i in sp.instructions}
    common = set(li) & set(si)
    assert len(common) >= min(len(li), len(si)) * 0.7, "the pair shares too little to be the same program"
    for name in sorted(common):
        assert li[name].discriminator == si[name].discriminator, name
    la = {a.name: a.discriminator for a in lp.accounts}
    sa = {a.name: a.discriminator for a in sp.accounts}
    for name in sorted(set(la) & set(sa)):
        assert la[name] == sa[name], name
    le = {e.name: e.discriminator for e in lp.events}
    se = {e.name: e.discriminator for e in sp.events}
    for name in sorted(set(le) & set(se)):
        assert le[name] == se[name], name


@pytest.mark.parametrize(
    "legacy,spec", [p for p in PAIRS if p[0].split("/")[0] in IDENTICAL], ids=lambda s: s.split("/")[0]
)
def test_identical_programs_lower_identically(legacy: str, spec: str) -> None:
    lp, sp = load_program(find(legacy)), load_program(find(spec))

    def ix_sig(p: Program) -> list[object]:
        return [
            (
                key(i.snake),
                i.discriminator,
                [(key(a.snake), shape(a.type, p)) for a in i.args],
                [(key(m.snake), m.writable, m.signer, m.optional) for m in i.flat_accounts()],
            )
            for i in p.instructions
        ]

    def type_sig(p: Program) -> dict[str, object]:
        out: dict[str, object] = {}
        for t in p.types:
            if isinstance(t.body, StructBody):
                out[t.name] = [(key(f.name), shape(f.type, p)) for f in t.body.fields]
            else:
                out[t.name] = [(v.name, [shape(f.type, p) for f in v.fields]) for v in t.body.variants]
        return out

    assert ix_sig(lp) == ix_sig(sp)
    assert type_sig(lp) == type_sig(sp)
    assert [(a.name, a.discriminator) for a in lp.accounts] == [(a.name, a.discriminator) for a in sp.accounts]
    assert [(e.code, e.name) for e in lp.errors] == [(e.code, e.name) for e in sp.errors]
