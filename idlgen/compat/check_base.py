"""The differ's shared state and helpers: every check module extends `DifferBase`.

It holds both programs, their wire shapes, the raw changes found so far and the type-pair graph; the
checks live beside it by what they compare (`check_program`, `check_instructions`, `check_types`,
`check_accounts`, `check_families`), each with the rules it emits (`RULES`), whose cases are in
tests/compat/cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence

from idlgen.compat.core import FamilyChange, Flow, PairDiff, Raw, Ref, Side, Site, is_reserved
from idlgen.compat.rules import BY_ID
from idlgen.compat.wire import Shapes, fixed_size, raw_bytes
from idlgen.ir.model import (
    Account,
    ArrayType,
    COptionType,
    DefinedType,
    Event,
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

_Named = Instruction | Account | Event
_ShapeFn = Callable[[_Named, bool], Hashable]


class DifferBase:
    def __init__(self, old: Side, new: Side) -> None:
        self.o = old
        self.n = new
        self.op = old.program
        self.np = new.program
        self.oshape = Shapes(self.op)
        self.nshape = Shapes(self.np)
        self.raws: list[Raw] = []
        self.pair_diffs: dict[tuple[str, str], PairDiff] = {}
        self.pair_sites: dict[tuple[str, str], set[Site]] = {}
        self.suppress_type_rename: set[tuple[str, str]] = set()
        self.family_types: set[str] = set()
        self.family_changes: list[FamilyChange] = []

    def add(self, rule: str, message: str, subject: str, old_path: str | None, new_path: str | None,  # noqa: PLR0917
            flow: Flow | None = None) -> None:
        assert rule in BY_ID, rule
        self.raws.append(Raw(rule, message, subject, old_path, new_path, flow))

    def cmp_ref(self, o: TypeRef, n: TypeRef, pairs: list[tuple[str, str]]) -> Ref:
        if isinstance(o, DefinedType) and isinstance(n, DefinedType):
            pairs.append((o.name, n.name))
            return Ref.SAME
        if type(o) is type(n) and isinstance(o, VecType | OptionType | COptionType):
            return self.cmp_ref(o.inner, n.inner, pairs)  # type: ignore[union-attr]
        if isinstance(o, ArrayType) and isinstance(n, ArrayType) and o.length == n.length:
            return self.cmp_ref(o.inner, n.inner, pairs)
        if o == n:
            return Ref.SAME
        byte_types = (PrimType(Prim.BYTES), VecType(PrimType(Prim.U8)))
        if o == PrimType(Prim.STRING) and n in byte_types:
            return Ref.STRBYTES
        if o in byte_types and n == PrimType(Prim.STRING):
            return Ref.BYTESSTR
        if self.oshape.of(o) == self.nshape.of(n):
            return Ref.WIRE
        if raw_bytes(o, n) or raw_bytes(n, o):
            return Ref.WIRE
        return Ref.DIFF

    def cmp_field(self, fo: Field, fn: Field, pairs: list[tuple[str, str]]) -> Ref:
        r = self.cmp_ref(fo.type, fn.type, pairs)
        if r is Ref.DIFF and is_reserved(fo) and is_reserved(fn) and \
                fixed_size(self.op, fo.type) == fixed_size(self.np, fn.type) is not None:
            return Ref.WIRE  # reserved bytes re-expressed with the same size: nobody reads them
        return r

    def docs(self, o: Sequence[str], n: Sequence[str], what: str, subject: str, op: str, np: str) -> None:  # noqa: PLR0917
        if tuple(o) != tuple(n):
            self.add("DOCS_CHANGED", f"the docs of {what} changed", subject, op, np, Flow.DOCS)

    def members(self, p: Program, stems: Iterable[str]) -> dict[tuple[str, int], str]:
        out: dict[tuple[str, int], str] = {}
        stems = set(stems)
        for t in p.types:
            if t.generic is not None:
                continue
            m = re.fullmatch(r"(.+?)V(\d+)", t.name.rsplit("::", 1)[-1])
            if m and m.group(1) in stems and int(m.group(2)) > 0:
                out[(m.group(1), int(m.group(2)))] = t.name
        return out

    def match(self, old: Sequence[_Named], new: Sequence[_Named], key: str,
              shape_of: _ShapeFn | None) -> tuple[list[tuple[_Named, _Named]], list[_Named], list[_Named]]:
        """Pair by name, then by equal non-empty discriminator, then by one identical layout."""
        nb = {getattr(x, key): x for x in new}
        pairs = [(a, nb[getattr(a, key)]) for a in old if getattr(a, key) in nb]
        left_o = [a for a in old if getattr(a, key) not in nb]
        ob = {getattr(x, key) for x in old}
        left_n = [b for b in new if getattr(b, key) not in ob]
        for a in list(left_o):
            cand = [b for b in left_n if a.discriminator and b.discriminator == a.discriminator]
            if len(cand) == 1:
                pairs.append((a, cand[0]))
                left_o.remove(a)
                left_n.remove(cand[0])
        if shape_of is not None:
            for a in list(left_o):
                sa = shape_of(a, True)
                cand = [b for b in left_n if shape_of(b, False) == sa]
                back = [x for x in left_o if shape_of(x, True) == sa]
                if len(cand) == 1 and len(back) == 1:
                    pairs.append((a, cand[0]))
                    left_o.remove(a)
                    left_n.remove(cand[0])
        return pairs, left_o, left_n

    def reachable(self, p: Program, flows: frozenset[Flow] = frozenset(Flow)) -> set[str]:
        """Types reached from the roots of the given flows: accounts (state), events and return data
        (output), instruction arguments and carried batches (input)."""
        todo: list[TypeRef] = []
        if Flow.STATE in flows:
            todo += [DefinedType(a.type) for a in p.accounts]
        if Flow.OUTPUT in flows:
            todo += [DefinedType(e.type) for e in p.events]
            todo += [ix.returns for ix in p.instructions if ix.returns is not None]
        if Flow.INPUT in flows:
            todo += [a.type for ix in p.instructions for a in ix.args]
            carried = {f.stem for f in p.families if f.carrier}
            todo += [DefinedType(n) for n in self.members(p, carried).values()]
        seen: set[str] = set()
        while todo:
            t = todo.pop()
            if isinstance(t, VecType | OptionType | COptionType | ArrayType):
                todo.append(t.inner)
            elif isinstance(t, DefinedType) and t.name not in seen:
                seen.add(t.name)
                body = p.type(t.name).body
                if isinstance(body, StructBody):
                    todo += [f.type for f in body.fields]
                else:
                    todo += [f.type for v in body.variants for f in v.fields]
        return seen
