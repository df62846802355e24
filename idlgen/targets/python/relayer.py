"""`relayer.py` of the Python package: what a relayer needs before it pays for a transaction.

For every versioned family with a carrier instruction:

- packet fit: the exact size of the legacy transaction carrying one carrier instruction, and the
  largest number of items (the member's one `vec` field) of each version that always fits Solana's
  1,232-byte packet, every item counted at its largest Borsh size;
- splitting: a member cut into chunks that fit, each with the next batch id and its own RFC 6962
  Merkle root (when the member has the conventional id / root fields);
- pre-flight: the checks the program makes, in its order, so a batch the program would reject is
  refused before it is sent.

The IDL says nothing about what `is_paused` or `min_batch_size` mean, so the checks are derived from
conventional field and error names (docs/tools.md lists them); a check whose field or error is
missing from the IDL is simply not generated, and the module says which ones exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from idlgen.ir.model import (
    Account,
    ArrayType,
    COptionType,
    DefinedType,
    EnumBody,
    Family,
    Field,
    Instruction,
    OptionType,
    Prim,
    PrimType,
    Program,
    StructBody,
    TypeRef,
    VecType,
)
from idlgen.targets.python import names
from idlgen.targets.python.modules import _error_classes
from idlgen.targets.python.shapes import Shapes

PACKET_DATA_SIZE = 1232  # Solana's largest serialized transaction (IPv6 minimum MTU minus headers)
SIGNATURE = 64
PUBKEY = 32


def max_borsh_size(program: Program, t: TypeRef) -> int | None:
    """The largest Borsh size a value of `t` can have; None when unbounded (vec, string, bytes)."""
    match t:
        case PrimType(prim=p):
            return p.size
        case VecType():
            return None
        case OptionType(inner=inner):
            n = max_borsh_size(program, inner)
            return None if n is None else 1 + n
        case COptionType(inner=inner):
            n = max_borsh_size(program, inner)
            return None if n is None else 4 + n
        case ArrayType(inner=inner, length=length):
            n = max_borsh_size(program, inner)
            return None if n is None else n * length
        case DefinedType(name=name):
            body = program.type(name).body
            if isinstance(body, StructBody):
                return _sum(program, body.fields)
            assert isinstance(body, EnumBody)
            sizes = [_sum(program, v.fields) for v in body.variants]
            if any(s is None for s in sizes):
                return None
            return 1 + max((s for s in sizes if s is not None), default=0)
    return None


def _sum(program: Program, fields: tuple[Field, ...]) -> int | None:
    total = 0
    for f in fields:
        n = max_borsh_size(program, f.type)
        if n is None:
            return None
        total += n
    return total


def compact_u16_len(n: int) -> int:
    """Bytes of Solana's compact-u16 length prefix for `n`."""
    return 1 if n < 0x80 else 2 if n < 0x4000 else 3


@dataclass(frozen=True, slots=True)
class TxShape:
    """A legacy transaction with one instruction: its fixed bytes around the instruction data."""

    signatures: int
    keys: int  # the instruction's accounts, the fee payer if no account signs, the program
    metas: int

    def size(self, data_len: int) -> int:
        return (compact_u16_len(self.signatures) + SIGNATURE * self.signatures + 3
                + compact_u16_len(self.keys) + PUBKEY * self.keys + 32
                + compact_u16_len(1) + 1 + compact_u16_len(self.metas) + self.metas
                + compact_u16_len(data_len) + data_len)


def tx_shape(ix: Instruction) -> TxShape:
    """Every account distinct (an upper bound: a repeated key only makes the transaction smaller)."""
    metas = ix.flat_accounts()
    signers = sum(1 for m in metas if m.signer)
    payer = 0 if signers else 1
    return TxShape(signatures=signers + payer, keys=len(metas) + payer + 1, metas=len(metas))


def _vec_field(fields: tuple[Field, ...]) -> tuple[int, Field] | None:
    vecs = [(i, f) for i, f in enumerate(fields)
            if isinstance(f.type, VecType) and f.type.inner != PrimType(Prim.U8)]
    return vecs[0] if len(vecs) == 1 else None


def _field(fields: tuple[Field, ...], want: TypeRef, *candidates: str) -> int | None:
    for name in candidates:
        for i, f in enumerate(fields):
            if f.snake == name and f.type == want:
                return i
    return None


def _error(program: Program, *candidates: str) -> str | None:
    have = {e.name for e in program.errors}
    return next((c for c in candidates if c in have), None)


def _account_of(program: Program, name: str) -> Account | None:
    return next((a for a in program.accounts if names.func_stem(a.name) == names.func_stem(name)), None)


@dataclass(frozen=True, slots=True)
class MemberFit:
    version: int
    cls: str
    ident: str
    fixed: int  # carrier data bytes with zero items: discriminator, arg prefix, version byte, body
    item: int | None  # largest Borsh size of one item
    max_items: int | None  # None: the items are unbounded, no count always fits


U64 = PrimType(Prim.U64)
ROOT = ArrayType(PrimType(Prim.U8), 32)


def relayer_view(program: Program, shapes: Shapes) -> dict[str, Any]:
    blocks: list[str] = []
    err_cls = _error_classes(program)
    for fam in program.families:
        if fam.carrier is None:
            continue
        ix = next((i for i in program.instructions if i.snake == fam.carrier.instruction), None)
        if ix is None or len(ix.args) != 1:
            continue
        blocks.append(_family_block(program, shapes, fam, ix, err_cls=err_cls))
    return {"blocks": blocks, "packet": PACKET_DATA_SIZE}


def _family_block(program: Program, shapes: Shapes, fam: Family, ix: Instruction, *,
                  err_cls: dict[str, str]) -> str:
    stem = names.func_stem(fam.stem)
    upper = stem.upper()
    alias = names.class_name(names.pascal(fam.stem))
    shape = tx_shape(ix)
    lines = [f"def {ix.snake}_transaction_size(data_len: int) -> int:",
             f'    """Bytes of a legacy transaction carrying one `{ix.name}` with `data_len` bytes of data.',
             "",
             f"    {shape.signatures} signature(s), {shape.keys} account keys ({shape.metas} accounts"
             f"{', the fee payer' if shape.keys - shape.metas == 2 else ''} and the program), one instruction;",
             "    every account distinct (a repeated key only makes it smaller).",
             '    """',
             f"    return {shape.size(0) - 1} + (1 if data_len < 0x80 else 2 if data_len < 0x4000 else 3) + data_len",
             ]
    fits: list[MemberFit] = []
    for m in fam.members:
        td = program.type(m.type)
        assert isinstance(td.body, StructBody)
        vec = _vec_field(td.body.fields)
        # discriminator + u32 length of the bytes arg + version byte + body with an empty vec
        body_rest = _sum(program, tuple(f for i, f in enumerate(td.body.fields) if vec is None or i != vec[0]))
        item = max_borsh_size(program, vec[1].type.inner) if vec and isinstance(vec[1].type, VecType) else None
        fixed = len(ix.discriminator) + 4 + 1 + (body_rest or 0) + (4 if vec else 0)
        max_items: int | None = None
        if vec is not None and item and body_rest is not None:
            k = 0
            while shape.size(fixed + (k + 1) * item) <= PACKET_DATA_SIZE:
                k += 1
            max_items = k
        fits.append(MemberFit(m.version, shapes[m.type].cls, td.ident, fixed, item, max_items))
    known = {f.version: f.max_items for f in fits if f.max_items is not None}
    items_word = None
    first = program.type(fam.members[0].type).body
    if isinstance(first, StructBody) and (v := _vec_field(first.fields)):
        items_word = v[1].name
    detail = "; ".join(f"v{f.version}: {f.max_items} x {f.item} bytes" for f in fits if f.max_items is not None)
    table = ", ".join(f"{v}: {n}" for v, n in known.items())
    lines += ["", "", f"{upper}_MAX_ITEMS: Final[dict[int, int]] = {{{table}}}",
              f'"""Largest `{items_word or "items"}` count of each {fam.stem} version whose `{ix.name}` '
              f"transaction fits PACKET_DATA_SIZE,",
              f"every item at its largest Borsh size ({detail or 'no version has a bounded item size'}).",
              '"""', "", "",
              f"def {stem}_max_items(version: int) -> int:",
              f'    """The most {items_word or "items"} a {fam.stem} of `version` can carry in one transaction."""',
              f"    if version not in {upper}_MAX_ITEMS:",
              f'        raise ValueError(f"{fam.stem} v{{version}}: no item count always fits one transaction")',
              f"    return {upper}_MAX_ITEMS[version]", "", "",
              f"def {stem}_transaction_size(value: {alias}) -> int:",
              f'    """Exact bytes of the `{ix.name}` transaction carrying `value`."""',
              f"    return {ix.snake}_transaction_size({len(ix.discriminator)} + 4 + len(encode_{stem}(value)))",
              "", "",
              f"def {stem}_fits(value: {alias}) -> bool:",
              f'    """Whether the `{ix.name}` transaction carrying `value` fits one packet."""',
              f"    return {stem}_transaction_size(value) <= PACKET_DATA_SIZE"]
    lines += _split_block(program, shapes, fam, stem, alias)
    lines += _preflight_block(program, shapes, fam, ix, stem=stem, alias=alias, err_cls=err_cls)
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Conventional:
    """Where a member keeps its items, id and Merkle root (attribute names), when it has them."""

    items: str | None
    batch_id: str | None
    root: str | None


def _conventional(program: Program, shapes: Shapes, fam: Family, member_type: str) -> Conventional:
    td = program.type(member_type)
    assert isinstance(td.body, StructBody)
    attrs = shapes[member_type].fields
    vec = _vec_field(td.body.fields)
    sid = names.func_stem(fam.stem)
    bid = _field(td.body.fields, U64, f"{sid}_id", "id")
    root = _field(td.body.fields, ROOT, "merkle_root", "root")
    return Conventional(attrs[vec[0]] if vec else None, None if bid is None else attrs[bid],
                        None if root is None else attrs[root])


def _split_block(program: Program, shapes: Shapes, fam: Family, stem: str, alias: str) -> list[str]:
    convs = {m.version: _conventional(program, shapes, fam, m.type) for m in fam.members}
    # One code path for every version: the conventional fields must be spelled the same in all of them.
    if not all(c.items and c.root for c in convs.values()) or len(set(convs.values())) != 1:
        return []
    trade_enc = {m.version: _item_encoder(program, m.type) for m in fam.members}
    lines = ["", "", f"def {stem}_leaves(value: {alias}) -> list[bytes]:",
             '    """The Borsh encoding of every item: the leaves of the Merkle tree."""',
             "    out: list[bytes] = []"]
    for k, m in enumerate(fam.members):
        cls = shapes[m.type].cls
        lines += [f"    {'if' if k == 0 else 'elif'} isinstance(value, {cls}):",
                  f"        for item{m.version} in value.{convs[m.version].items}:",
                  "            buf = bytearray()",
                  f"            {trade_enc[m.version]}(item{m.version}, buf)",
                  "            out.append(bytes(buf))"]
    lines += ["    return out", "", "",
              f"def {stem}_merkle_root(value: {alias}) -> bytes:",
              '    """RFC 6962 Merkle tree hash over the items\' Borsh encodings (what the program recomputes)."""',
              f"    return merkle_root({stem}_leaves(value))"]
    if not all(c.batch_id for c in convs.values()):
        return lines
    lines += ["", "",
              f"def split_{stem}(value: {alias}, first_id: int, max_items: int | None = None) -> list[{alias}]:",
              f'    """`value` cut into {fam.stem}es that each fit one transaction (at most `max_items`, default',
              f"    {stem}_max_items), numbered first_id, first_id + 1, ..., each with its own Merkle root.",
              f"    A {fam.stem} with no items stays one (empty) {fam.stem}.",
              '    """',
              f"    version = {stem}_version(value)",
              f"    limit = max_items if max_items is not None else {stem}_max_items(version)",
              "    if limit < 1:",
              '        raise ValueError(f"max_items must be at least 1, not {limit}")']
    c0 = convs[fam.members[0].version]
    lines += [f"    out: list[{alias}] = []",
              f"    for k, start in enumerate(range(0, max(len(value.{c0.items}), 1), limit)):"]
    for k, m in enumerate(fam.members):
        cls = shapes[m.type].cls
        lines += [f"        {'if' if k == 0 else 'elif'} isinstance(value, {cls}):",
                  f"            part{m.version} = dataclasses.replace(value, {c0.batch_id}=first_id + k, "
                  f"{c0.items}=value.{c0.items}[start:start + limit])",
                  f"            out.append(dataclasses.replace(part{m.version}, "
                  f"{c0.root}={stem}_merkle_root(part{m.version})))"]
    lines += ["    return out"]
    return lines


def _item_encoder(program: Program, member_type: str) -> str:
    td = program.type(member_type)
    assert isinstance(td.body, StructBody)
    vec = _vec_field(td.body.fields)
    assert vec is not None and isinstance(vec[1].type, VecType)
    inner = vec[1].type.inner
    assert isinstance(inner, DefinedType)
    return f"_e_{program.type(inner.name).ident}"


def _preflight_block(program: Program, shapes: Shapes, fam: Family, ix: Instruction, *, stem: str, alias: str,
                     err_cls: dict[str, str]) -> list[str]:
    if fam.gate is None:
        return []
    gate_acc = next((a for a in program.accounts if a.name == fam.gate.account), None)
    if gate_acc is None:
        return []
    gtd = program.type(gate_acc.type)
    assert isinstance(gtd.body, StructBody)
    gattrs = shapes[gtd.name].fields
    gcls = shapes[gtd.name].cls
    gf = gtd.body.fields
    sname = names.func_stem(fam.stem)
    pname = fam.stem
    paused = _field(gf, PrimType(Prim.BOOL), "is_paused", "paused")
    relayer = _field(gf, PrimType(Prim.PUBKEY), "active_relayer", "relayer")
    min_size = next((i for i, f in enumerate(gf) if f.snake == f"min_{sname}_size"
                     and isinstance(f.type, PrimType) and f.type.prim.is_int), None)
    e_disabled = fam.disabled_version_error
    e_paused = _error(program, "Paused", "ProgramPaused", "IsPaused")
    e_relayer = _error(program, "UnauthorizedRelayer", "InvalidRelayer", "WrongRelayer")
    e_small = _error(program, f"{pname}TooSmall")
    e_stale = _error(program, f"Stale{pname}Id")
    e_root = _error(program, "InvalidMerkleRoot", "MerkleRootMismatch")
    # The progress account: a writable account of the carrier whose type has last_settled_<stem>_id.
    state: tuple[str, str, str] | None = None
    for meta in ix.flat_accounts():
        acc = _account_of(program, meta.name)
        if acc is None or not meta.writable:
            continue
        std = program.type(acc.type)
        if isinstance(std.body, StructBody):
            i = _field(std.body.fields, U64, f"last_settled_{sname}_id", f"last_{sname}_id")
            if i is not None:
                state = (shapes[std.name].cls, shapes[std.name].fields[i], acc.name)
                break
    convs = {m.version: _conventional(program, shapes, fam, m.type) for m in fam.members}
    if len(set(convs.values())) != 1:
        convs = {m.version: Conventional(None, None, None) for m in fam.members}
    checks: list[tuple[str, list[str]]] = []

    def refuse(err: str, reason: str) -> str:
        return f"return Refusal({err_cls[err]}, {reason})"

    if e_disabled:
        checks.append(("disabled version", [
            f"    version = {stem}_version(value)",
            f"    if not {stem}_mask(config) >> (version - 1) & 1:",
            "        " + refuse(e_disabled, f'f"version {{version}} is not enabled by {fam.gate.account}.'
                                f'{fam.gate.field} = {{{stem}_mask(config)}}"')]))
    if paused is not None and e_paused:
        checks.append(("paused", [f"    if config.{gattrs[paused]}:",
                                  "        " + refuse(e_paused, f'"{gate_acc.name}.{gf[paused].snake} is set"')]))
    if relayer is not None and e_relayer:
        checks.append(("wrong relayer", [
            f"    if signer != config.{gattrs[relayer]}:",
            "        " + refuse(e_relayer, f'f"the signer {{signer}} is not {gate_acc.name}.{gf[relayer].snake} '
                                f'{{config.{gattrs[relayer]}}}"')]))
    items = convs[fam.members[0].version].items
    e_empty = _error(program, f"Empty{pname}")
    if e_empty and items:
        checks.append(("empty", [
            f"    if not value.{items}:",
            "        " + refuse(e_empty, f'"no {items}"')]))
    if min_size is not None and e_small and items:
        checks.append(("too small", [
            f"    if len(value.{items}) < config.{gattrs[min_size]}:",
            "        " + refuse(e_small, f'f"{{len(value.{items})}} {items}, {gate_acc.name}.{gf[min_size].snake} '
                                f'is {{config.{gattrs[min_size]}}}"')]))
    bid = convs[fam.members[0].version].batch_id
    if state is not None and e_stale and bid:
        checks.append(("stale id", [
            f"    if state is not None and value.{bid} <= state.{state[1]}:",
            "        " + refuse(e_stale, f'f"{bid} {{value.{bid}}} is not above {state[2]}.{state[1]} '
                                f'{{state.{state[1]}}}"')]))
    root = convs[fam.members[0].version].root
    if e_root and root and items:
        checks.append(("merkle root", [
            f"    if value.{root} != {stem}_merkle_root(value):",
            "        " + refuse(e_root, f'"{root} is not the RFC 6962 root of the {items}"')]))
    state_param = f", state: {state[0]} | None = None" if state else ""
    listed = ", ".join(name for name, _ in checks) or "none"
    lines = ["", "", f"{upper_checks(stem)}: Final[tuple[str, ...]] = ({', '.join(repr(n) for n, _ in checks)}"
             f"{',' if len(checks) == 1 else ''})",
             f'"""The pre-flight checks generated for {fam.stem}, in the order `preflight_{stem}` makes them."""',
             "", "",
             f"def preflight_{stem}(value: {alias}, config: {gcls}, signer: Pubkey{state_param}) -> Refusal | None:",
             f'    """Why `{ix.name}` would reject `value`, or None: the program\'s checks, in its order ({listed}).',
             "",
             f"    `config` is the {gate_acc.name} account as read now, `signer` the key that will sign."
             + (f" With `state` ({state[2]}), the id is checked against the last settled one." if state else ""),
             '    """']
    for _, body in checks:
        lines += body
    lines.append("    return None")
    return lines


def upper_checks(stem: str) -> str:
    return f"{stem.upper()}_PREFLIGHT_CHECKS"
