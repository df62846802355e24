"""Compare two loaded programs (models, never text) and classify every difference.

How it works:
  1. Match the top-level things by their wire identity: instructions by snake_case name (legacy
     camelCase and spec snake_case compare equal), accounts and events by name, then by
     discriminator (a rename that kept a custom discriminator), then by an identical layout (a rename
     that changed the discriminator).
  2. Walk every matched root (an account's layout, an event, each instruction argument, return data,
     every member of a versioned family through its carrier) in both programs at once. Where both
     sides reach a defined type at the same position, that (old type, new type) pair is compared once,
     whatever the two names are: a plain type's name is not on the wire, its layout is.
  3. A type pair remembers every site that reaches it: an account (state), an instruction argument or
     batch (input: program first), an event or return data (output: readers first). A change inside
     the type is reported once per kind of site, so a type used by an account and an argument shows
     on both axes. Types nothing reaches are compared too and reported on the "types" axis.
Borsh is positional, so field lists are aligned by name and by position and every shift is a break;
discriminators are compared as bytes. When a case is not understood the result is hard.
"""

from __future__ import annotations

import enum
import fnmatch
import json
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from idlgen.anchor.lower import type_display
from idlgen.compat.align import align, lis
from idlgen.compat.rules import BY_ID, RETIREMENT_RULES, Level, Rollout
from idlgen.compat.wire import Shapes, fixed_size, max_size, raw_bytes
from idlgen.config import Acknowledgement
from idlgen.ir.model import (
    Account,
    AccountMeta,
    AccountSeed,
    ArgSeed,
    ArrayType,
    ConstSeed,
    COptionType,
    DefinedType,
    EnumBody,
    Event,
    Field,
    IdlFormat,
    Instruction,
    OptionType,
    Pda,
    Prim,
    PrimType,
    Program,
    Seed,
    StructBody,
    TypeDef,
    TypeRef,
    VecType,
)
from idlgen.jsonpos import LineIndex

_Named = Instruction | Account | Event
_RawFn = Callable[..., None]
_ShapeFn = Callable[[_Named, bool], Hashable]


class Flow(enum.Enum):
    """Where a change sits relative to the program: what decides its axis and rollout order."""

    PROGRAM = "program"  # the program itself (address, constants)
    INPUT = "input"  # instruction data, accounts passed in, versioned batches
    OUTPUT = "output"  # events, return data, errors
    STATE = "state"  # account layouts
    UNREFERENCED = "unreferenced"  # a type nothing in the IDL reaches
    DOCS = "docs"


AXIS = {Flow.PROGRAM: "interface", Flow.INPUT: "interface", Flow.OUTPUT: "interface", Flow.STATE: "state",
        Flow.UNREFERENCED: "types", Flow.DOCS: "interface"}
FLOW_ORDER = {Flow.PROGRAM: 0, Flow.STATE: 1, Flow.INPUT: 2, Flow.OUTPUT: 3, Flow.UNREFERENCED: 4, Flow.DOCS: 5}

PARTY_PROGRAM = "on-chain program"
PARTY_PRODUCERS = "off-chain producers (relayer, engine, clients)"
PARTY_READERS = "account and event readers"


@dataclass(frozen=True, slots=True)
class Where:
    file: str
    path: str  # JSON path in that file
    line: int | None


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    level: Level
    axis: str
    flow: Flow
    rollout: Rollout
    breaks: tuple[str, ...]
    message: str
    subject: str  # logical path, what acknowledgements match: "types.BatchV1.fields.trades"
    old: Where | None
    new: Where | None
    sites: tuple[str, ...] = ()
    acknowledged: str | None = None  # the acknowledgement's reason ("" when none given)
    annotate: Where | None = None  # where in the new file to annotate (the parent section when removed)

    @property
    def effective(self) -> Level:
        """The level the verdict counts: an acknowledged retirement is soft (the bitmask phase)."""
        if self.acknowledged is not None and self.rule in RETIREMENT_RULES:
            return Level.SOFT
        return self.level


@dataclass(frozen=True, slots=True)
class SideInfo:
    label: str  # as the user named it: a path or REV:path
    file: str  # the file path annotations point at
    name: str
    version: str
    format: str


@dataclass(frozen=True, slots=True)
class FamilyChange:
    stem: str
    old_versions: tuple[int, ...]
    new_versions: tuple[int, ...]
    carrier: str | None  # "settle_batch.data"
    gate: str | None  # "GlobalConfig.allowed_batch_versions"


@dataclass(frozen=True, slots=True)
class Comparison:
    old: SideInfo
    new: SideInfo
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    families: tuple[FamilyChange, ...]
    instructions: frozenset[str]  # snake names in the new program (the plan names pause/ping/unpause)
    # The two models, for the upgrade plan (instruction encoding, account layouts, live config).
    old_program: Program | None = field(default=None, compare=False, repr=False)
    new_program: Program | None = field(default=None, compare=False, repr=False)

    @property
    def verdict(self) -> Level:
        return max((f.effective for f in self.findings), default=Level.NONE)

    @property
    def axes(self) -> dict[str, Level]:
        """The verdict per axis users care about: interface, state (and types nothing reaches)."""
        out = {"interface": Level.NONE, "state": Level.NONE, "types": Level.NONE}
        for f in self.findings:
            out[f.axis] = max(out[f.axis], f.effective)
        return out

    @property
    def gate(self) -> Level:
        """What `--fail-on` compares: unacknowledged findings only."""
        return max((f.level for f in self.findings if f.acknowledged is None), default=Level.NONE)


@dataclass(frozen=True, slots=True)
class Side:
    program: Program
    text: str
    label: str
    file: str

    @property
    def legacy(self) -> bool:
        return self.program.format is IdlFormat.LEGACY


# ---- type reference comparison -----------------------------------------------------------------------


class Ref(enum.Enum):
    SAME = "same"
    WIRE = "wire"  # different types, same bytes
    STRBYTES = "strbytes"  # string -> bytes: every old value is still valid
    BYTESSTR = "bytesstr"  # bytes -> string: old values that are not UTF-8 are refused
    DIFF = "diff"


_RESERVED = re.compile(r"(^_*pad|padding|reserved|unused|spare|dummy|placeholder)", re.IGNORECASE)


def _is_reserved(f: Field) -> bool:
    if not _RESERVED.search(f.snake):
        return False
    t = f.type
    while isinstance(t, ArrayType):
        t = t.inner
    return isinstance(t, PrimType) and t.prim.is_int


def _describe_retype(o: TypeRef, n: TypeRef) -> str:
    if isinstance(o, PrimType) and isinstance(n, PrimType) and o.prim.is_int and n.prim.is_int:
        if o.prim.is_signed != n.prim.is_signed:
            return " (signedness changed: the same bytes mean another number)"
        if n.prim.bits > o.prim.bits:
            return f" (widened from {o.prim.bits // 8} to {n.prim.bits // 8} bytes)"
        return f" (narrowed from {o.prim.bits // 8} to {n.prim.bits // 8} bytes)"
    if {type(o), type(n)} == {OptionType, COptionType}:
        return " (Option has a 1-byte tag, COption a 4-byte tag and a zero-filled None)"
    if isinstance(o, ArrayType) and isinstance(n, ArrayType) and o.length != n.length:
        return f" (array length {o.length} -> {n.length})"
    return ""


def _ack_matches(ack: Acknowledgement, f: Finding) -> bool:
    return (ack.rule in ("*", f.rule)) and fnmatch.fnmatchcase(f.subject, ack.path)


def _bump_needed(level: Level, old: str, new: str) -> str | None:
    """A warning when metadata.version does not move in step with the verdict (hard -> major)."""
    def parse(v: str) -> tuple[int, int, int] | None:
        m = re.match(r"^\s*v?(\d+)\.(\d+)\.(\d+)", v)
        return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None

    if level is Level.NONE:
        return None
    a, b = parse(old), parse(new)
    if a is None or b is None:
        return (f"metadata.version is not semver ({old!r} -> {new!r}): cannot check it moved with the "
                f"{level.label} verdict")
    if b <= a:
        need = "a major" if level is Level.HARD else "a minor"
        return f"metadata.version did not increase ({old} -> {new}) for a {level.label} change: {need} bump is due"
    if level is Level.HARD:
        major_bumped = b[0] > a[0] or (a[0] == 0 and b[0] == 0 and b[1] > a[1])
        if not major_bumped:
            what = "major (minor while at 0.x)" if a[0] == 0 else "major"
            return f"metadata.version {old} -> {new} is not a {what} bump, but the verdict is hard"
    return None


# ---- the differ ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Raw:
    """A change before it is placed on an axis: what, where, and (for type changes) nothing else."""

    rule: str
    message: str
    subject: str
    old_path: str | None
    new_path: str | None
    flow: Flow | None = None  # fixed flow; None: the sites of the type pair decide


Site = tuple[Flow, str]


@dataclass(slots=True)
class PairDiff:
    raws: list[Raw] = field(default_factory=list)
    children: list[tuple[str, str]] = field(default_factory=list)


class Differ:
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

    # -- small helpers ----------------------------------------------------------------------------

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
        if r is Ref.DIFF and _is_reserved(fo) and _is_reserved(fn) and \
                fixed_size(self.op, fo.type) == fixed_size(self.np, fn.type) is not None:
            return Ref.WIRE  # reserved bytes re-expressed with the same size: nobody reads them
        return r

    def docs(self, o: Sequence[str], n: Sequence[str], what: str, subject: str, op: str, np: str) -> None:  # noqa: PLR0917
        if tuple(o) != tuple(n):
            self.add("DOCS_CHANGED", f"the docs of {what} changed", subject, op, np, Flow.DOCS)

    # -- entry ------------------------------------------------------------------------------------

    def run(self) -> None:
        self.program_level()
        self.families()
        self.instructions()
        self.account_types()
        self.events()
        self.errors()
        self.constants()
        self.unreferenced_types()

    def program_level(self) -> None:
        o, n = self.op, self.np
        if o.address and n.address and o.address != n.address:
            self.add("PROGRAM_ADDRESS_CHANGED", f"the program address {o.address} became {n.address}",
                     "program.address", self.addr_path(self.o), self.addr_path(self.n), Flow.PROGRAM)
        elif bool(o.address) != bool(n.address):
            what = f"now records the program address {n.address}" if n.address else \
                f"no longer records the program address {o.address}"
            self.add("PROGRAM_ADDRESS_RECORDED", f"the IDL {what}", "program.address", self.addr_path(self.o),
                     self.addr_path(self.n), Flow.PROGRAM)
        if o.name != n.name:
            self.add("PROGRAM_NAME_CHANGED", f"the program name `{o.name}` became `{n.name}`", "program.name",
                     self.meta_path(self.o, "name"), self.meta_path(self.n, "name"), Flow.PROGRAM)
        if o.format is not n.format:
            self.add("IDL_FORMAT_CHANGED", f"the IDL format changed from {o.format.value} to {n.format.value}",
                     "program", "", "", Flow.PROGRAM)
        self.docs(o.docs, n.docs, "the program", "program.docs", "docs", "docs")

    @staticmethod
    def addr_path(s: Side) -> str:
        return "metadata.address" if s.legacy else "address"

    @staticmethod
    def meta_path(s: Side, key: str) -> str:
        return key if s.legacy else f"metadata.{key}"

    # -- families -------------------------------------------------------------------------------------

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

    def families(self) -> None:
        ofam = {f.stem: f for f in self.op.families}
        nfam = {f.stem: f for f in self.np.families}
        stems = sorted(set(ofam) | set(nfam))
        om, nm = self.members(self.op, stems), self.members(self.np, stems)
        self.family_types = set(om.values()) | set(nm.values())
        for stem in stems:
            fam = nfam.get(stem) or ofam[stem]
            carrier = f"{fam.carrier.instruction}.{fam.carrier.arg}" if fam.carrier else None
            gate = f"{fam.gate.account}.{fam.gate.field}" if fam.gate else None
            ov = tuple(sorted(v for s, v in om if s == stem))
            nv = tuple(sorted(v for s, v in nm if s == stem))
            self.family_changes.append(FamilyChange(stem, ov, nv, carrier, gate))
            via = f", carried by `{carrier}`" if carrier else ""
            for v in sorted(set(ov) | set(nv)):
                key = (stem, v)
                if key in nm and key not in om:
                    t = self.np.type(nm[key])
                    self.add("FAMILY_MEMBER_ADDED", f"`{t.name}` is a new version ({v}) of the versioned family "
                             f"`{stem}`{via}", f"types.{t.name}", None, t.path, self.member_flow(self.np, t.name))
                elif key in om and key not in nm:
                    t = self.op.type(om[key])
                    self.add("FAMILY_MEMBER_REMOVED", f"version {v} (`{t.name}`) of the versioned family "
                             f"`{stem}` was removed{via}", f"types.{t.name}", t.path, None,
                             self.member_flow(self.op, t.name))
                elif carrier is not None:
                    self.root_pair(om[key], nm[key], (Flow.INPUT, f"`{carrier}` version {v}"))

    # -- the type-pair graph ----------------------------------------------------------------------------

    def root_pair(self, a: str, b: str, site: Site) -> None:
        stack = [(a, b)]
        while stack:
            pair = stack.pop()
            sites = self.pair_sites.setdefault(pair, set())
            if site in sites:
                continue
            sites.add(site)
            stack.extend(self.pair_diff(*pair).children)

    def pair_diff(self, a: str, b: str) -> PairDiff:
        key = (a, b)
        if key not in self.pair_diffs:
            self.pair_diffs[key] = PairDiff()  # placeholder breaks recursion
            self.pair_diffs[key] = self.compare_types(self.op.type(a), self.np.type(b))
        return self.pair_diffs[key]

    def compare_types(self, o: TypeDef, n: TypeDef) -> PairDiff:
        out = PairDiff()
        subject = f"types.{n.name}"
        shown = f"`{o.name}`" if o.name == n.name else f"`{o.name}` (now `{n.name}`)"

        def raw(rule: str, message: str, subj: str = subject, op: str | None = o.path,
                np: str | None = n.path) -> None:
            out.raws.append(Raw(rule, message, subj, op, np))

        if o.name != n.name and (o.name, n.name) not in self.suppress_type_rename:
            if o.generic and n.generic and o.generic.base == n.generic.base:
                if self.oshape.of(DefinedType(o.name)) != self.nshape.of(DefinedType(n.name)):
                    raw("TYPE_GENERIC_ARGS_CHANGED", f"generic type `{o.name}` became `{n.name}` where it is "
                        "used")
                    return out
                raw("TYPE_RENAMED", f"`{o.name}` became `{n.name}` with the same bytes")
            else:
                again = " (which still exists)" if any(t.name == o.name for t in self.np.types) else ""
                raw("TYPE_RENAMED", f"type `{o.name}`{again} is now `{n.name}` at the same place; its layout "
                    "is compared below")
        if o.docs != n.docs:
            out.raws.append(Raw("DOCS_CHANGED", f"the docs of type {shown} changed", subject, o.path, n.path,
                                Flow.DOCS))
        if type(o.body) is not type(n.body):
            ok = "struct" if isinstance(o.body, StructBody) else "enum"
            nk = "struct" if isinstance(n.body, StructBody) else "enum"
            raw("TYPE_KIND_CHANGED", f"type {shown} changed from {ok} to {nk}")
            return out
        if o.serialization is not n.serialization or o.repr != n.repr:
            self.serialization(o, n, shown, raw)
        if isinstance(o.body, StructBody) and isinstance(n.body, StructBody):
            mark = (len(out.raws), len(out.children))
            matched = self.fields(o.body.fields, n.body.fields, f"type {shown}", subject, "field",
                                         o.path, n.path, out)
            if o.c_layout and n.c_layout:
                lo, ln = o.c_layout, n.c_layout
                moved = [o.body.fields[i].snake for i, j in matched if lo.offsets[i] != ln.offsets[j]]
                changed = lo.size != ln.size or lo.align != ln.align or moved
                if changed and any(r.rule == "RESERVED_BYTES_CLAIMED" for r in out.raws[mark[0]:]):
                    # A claim promises unchanged offsets and size; repr(C) alignment broke that promise, so
                    # the fields are compared as what they are (added, removed) instead.
                    del out.raws[mark[0]:], out.children[mark[1]:]
                    matched = self.fields(o.body.fields, n.body.fields, f"type {shown}", subject, "field",
                                          o.path, n.path, out, claims=False)
                    moved = [o.body.fields[i].snake for i, j in matched if lo.offsets[i] != ln.offsets[j]]
                if changed:
                    what = []
                    if lo.size != ln.size:
                        what.append(f"size {lo.size} -> {ln.size}")
                    if lo.align != ln.align:
                        what.append(f"alignment {lo.align} -> {ln.align}")
                    if moved:
                        what.append("offset of " + ", ".join(f"`{x}`" for x in moved[:4]) + " moved")
                    raw("ZERO_COPY_LAYOUT_CHANGED", f"the memory layout of zero-copy type {shown} changed: "
                        + "; ".join(what))
        elif isinstance(o.body, EnumBody) and isinstance(n.body, EnumBody):
            self.variants(o, n, shown, subject, out)
        return out

    def serialization(self, o: TypeDef, n: TypeDef, shown: str, raw: _RawFn) -> None:
        def mode(t: TypeDef) -> str:
            s = t.serialization.value
            if t.repr is not None:
                r = t.repr
                s += f", repr({r.kind.value}{', packed' if r.packed else ''}{f', align({r.align})' if r.align else ''})"
            return s

        # repr(C) lays fields out in declaration order like Borsh; the bytes match exactly when the
        # memory layout has no padding anywhere, i.e. its size is the Borsh size.
        def layout_size(t: TypeDef) -> int | None:
            if t.zero_copy:
                if t.c_layout is None or t.c_layout.size != t.borsh_size:
                    return None
                return t.c_layout.size
            return t.borsh_size

        so, sn = layout_size(o), layout_size(n)
        same = so is not None and so == sn
        if not o.zero_copy and not n.zero_copy:
            same = True  # repr does not change Borsh bytes
        elif o.zero_copy and n.zero_copy and o.c_layout and n.c_layout:
            same = o.c_layout == n.c_layout
        what = f"type {shown} changed from ({mode(o)}) to ({mode(n)})"
        if same:
            raw("TYPE_SERIALIZATION_RECORDED", f"{what}; its bytes are the same")
        elif o.serialization is n.serialization:
            raw("TYPE_REPR_CHANGED", f"{what} and its memory layout differs")
        else:
            raw("TYPE_SERIALIZATION_CHANGED", f"{what} and its bytes differ")

    def fields(self, of: tuple[Field, ...], nf: tuple[Field, ...], owner: str, subject: str, kind: str,  # noqa: PLR0917
               opath: str, npath: str, out: PairDiff, *, claims: bool = True) -> list[tuple[int, int]]:
        """Align two positional field lists. kind is "field" (types) or "arg" (instructions)."""
        rule = "FIELD" if kind == "field" else "ARG"
        noun = "field" if kind == "field" else "argument"
        fsub = f"{subject}.fields" if kind == "field" else f"{subject}.args"

        def raw(r: str, msg: str, name: str, op: str | None, np: str | None) -> None:
            out.raws.append(Raw(r, msg, f"{fsub}.{name}", op, np))

        claim = self.claim(of, nf) if kind == "field" and claims else None
        matched: list[tuple[int, int]] = []
        if claim is not None:
            pre, suf = claim
            new_mid = nf[pre:len(nf) - suf]
            old_mid = of[pre:len(of) - suf]
            names = ", ".join(f"`{f.snake}` ({type_display(f.type)})" for f in new_mid if not _is_reserved(f))
            reserved = ", ".join(f"`{f.snake}`" for f in old_mid)
            raw("RESERVED_BYTES_CLAIMED", f"{names} of {owner} took bytes of the reserved {reserved}; every other "
                "offset and the total size are unchanged (old data reads them as zero)",
                new_mid[0].snake, old_mid[0].path, new_mid[0].path)
            pairs = [(i, i) for i in range(pre)] + [(len(of) - suf + k, len(nf) - suf + k) for k in range(suf)]
        else:
            pairs_opt = align([name_key(f.snake) for f in of], [name_key(f.snake) for f in nf],
                               lambda i, j: self.cmp_field(of[i], nf[j], []) is not Ref.DIFF)
            pairs = [(i, j) for i, j in pairs_opt if i is not None and j is not None]
            last_kept = max((j for _, j in pairs), default=-1)
            for i, j in pairs_opt:
                if j is None and i is not None:
                    f = of[i]
                    raw(f"{rule}_REMOVED", f"{noun} `{f.snake}` ({type_display(f.type)}) was removed from {owner}",
                        f.snake, f.path, npath)
                elif i is None and j is not None:
                    f = nf[j]
                    if j > last_kept and kind == "arg":
                        how = (" at the end: the old program silently ignores the trailing bytes (Anchor does not "
                               "check them), so producers that send it to the old program lose it unnoticed")
                    elif j > last_kept:
                        how = " at the end"
                    else:
                        how = f" at position {j}: every later {noun} moves"
                    raw(f"{rule}_ADDED", f"{noun} `{f.snake}` ({type_display(f.type)}) was added to {owner}{how}",
                        f.snake, opath, f.path)
            order = sorted(pairs)
            keep = lis([j for _, j in order])
            for k, (i, j) in enumerate(order):
                if k not in keep:
                    raw(f"{rule}_MOVED", f"{noun} `{nf[j].snake}` of {owner} changed its order relative to the others "
                        f"(position {i} -> {j})",
                        nf[j].snake, of[i].path, nf[j].path)
        for i, j in pairs:
            fo, fn = of[i], nf[j]
            matched.append((i, j))
            if name_key(fo.snake) != name_key(fn.snake):
                who = "" if kind != "field" else (
                    ": the generated Python, C++ and proto members are renamed, so the relayer's and engine's code "
                    "that uses them must be updated (`idlgen migrate`)")
                raw(f"{rule}_RENAMED", f"{noun} `{fo.snake}` of {owner} was renamed to `{fn.snake}`{who}", fn.snake,
                    fo.path, fn.path)
            r = self.cmp_field(fo, fn, out.children)
            told, tnew = type_display(fo.type), type_display(fn.type)
            if r is Ref.DIFF:
                raw(f"{rule}_TYPE_CHANGED", f"{noun} `{fn.snake}` of {owner} ({told}) became {tnew}"
                    f"{_describe_retype(fo.type, fn.type)}", fn.snake, fo.path, fn.path)
            elif r is Ref.WIRE:
                raw(f"{rule}_TYPE_WIRE_EQUAL", f"{noun} `{fn.snake}` of {owner} ({told}) became {tnew}, the same "
                    "bytes", fn.snake, fo.path, fn.path)
            elif r is Ref.STRBYTES:
                raw(f"{rule}_TYPE_STRING_BYTES", f"{noun} `{fn.snake}` of {owner} ({told}) became {tnew}: the same "
                    "bytes, and every old string is valid bytes", fn.snake, fo.path, fn.path)
            elif r is Ref.BYTESSTR:
                raw(f"{rule}_TYPE_BYTES_STRING", f"{noun} `{fn.snake}` of {owner} ({told}) became {tnew}: the same "
                    "bytes, but values that are not UTF-8 are now refused", fn.snake, fo.path, fn.path)
            if fo.docs != fn.docs:
                out.raws.append(Raw("DOCS_CHANGED", f"the docs of {noun} `{fn.snake}` of {owner} changed",
                                    f"{fsub}.{fn.snake}", fo.path, fn.path, Flow.DOCS))
        return matched

    def claim(self, of: tuple[Field, ...], nf: tuple[Field, ...]) -> tuple[int, int] | None:
        """(prefix, suffix) lengths when new fields took exactly the bytes of reserved ones."""
        scratch: list[tuple[str, str]] = []

        def same(a: Field, b: Field) -> bool:
            return name_key(a.snake) == name_key(b.snake) and self.cmp_ref(a.type, b.type, scratch) is not Ref.DIFF

        pre = 0
        while pre < min(len(of), len(nf)) and same(of[pre], nf[pre]):
            pre += 1
        suf = 0
        while suf < min(len(of), len(nf)) - pre and same(of[-1 - suf], nf[-1 - suf]):
            suf += 1
        old_mid, new_mid = of[pre:len(of) - suf], nf[pre:len(nf) - suf]
        if not old_mid or not new_mid or not all(_is_reserved(f) for f in old_mid):
            return None
        if all(_is_reserved(f) for f in new_mid):
            return None
        so = [fixed_size(self.op, f.type) for f in old_mid]
        sn = [fixed_size(self.np, f.type) for f in new_mid]
        if None in so or None in sn or sum(so) != sum(sn):  # type: ignore[arg-type]
            return None
        return pre, suf

    def variants(self, o: TypeDef, n: TypeDef, shown: str, subject: str, out: PairDiff) -> None:
        ov = o.body.variants  # type: ignore[union-attr]
        nv = n.body.variants  # type: ignore[union-attr]

        def raw(r: str, msg: str, name: str, op: str | None, np: str | None) -> None:
            out.raws.append(Raw(r, msg, f"{subject}.variants.{name}", op, np))

        pairs_opt = align([v.name for v in ov], [v.name for v in nv], lambda i, j: self.oshape.of_fields(
            ov[i].fields) == self.nshape.of_fields(nv[j].fields))
        pairs = [(i, j) for i, j in pairs_opt if i is not None and j is not None]
        last_kept = max((j for _, j in pairs), default=-1)
        for i, j in pairs_opt:
            if j is None and i is not None:
                raw("ENUM_VARIANT_REMOVED", f"variant `{ov[i].name}` (tag {i}) was removed from enum {shown}",
                    ov[i].name, ov[i].path, n.path)
            elif i is None and j is not None:
                if j > last_kept and j >= len(ov):
                    raw("ENUM_VARIANT_ADDED", f"variant `{nv[j].name}` (tag {j}) was appended to enum {shown}",
                        nv[j].name, o.path, nv[j].path)
                else:
                    raw("ENUM_VARIANT_INSERTED", f"variant `{nv[j].name}` was inserted at tag {j} of enum {shown}: "
                        "every later tag changes meaning", nv[j].name, o.path, nv[j].path)
        order = sorted(pairs)
        keep = lis([j for _, j in order])
        for k, (i, j) in enumerate(order):
            if k not in keep:
                raw("ENUM_VARIANT_MOVED", f"variant `{nv[j].name}` of enum {shown} moved from tag {i} to {j}",
                    nv[j].name, ov[i].path, nv[j].path)
        for i, j in pairs:
            a, b = ov[i], nv[j]
            if a.name != b.name:
                raw("ENUM_VARIANT_RENAMED", f"variant `{a.name}` (tag {i}) of enum {shown} was renamed to `{b.name}`",
                    b.name, a.path, b.path)
            self.fields(a.fields, b.fields, f"variant `{b.name}` of enum {shown}", f"{subject}.variants.{b.name}",
                        "field", a.path, b.path, out)

    # -- instructions ------------------------------------------------------------------------------------

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

    def ix_shape(self, ix: _Named, old: bool) -> Hashable:
        assert isinstance(ix, Instruction)
        sh = self.oshape if old else self.nshape
        return (tuple(sh.of(a.type) for a in ix.args),
                tuple((m.snake, m.writable, m.signer) for m in ix.flat_accounts()))

    def instructions(self) -> None:
        pairs, removed, added = self.match(self.op.instructions, self.np.instructions, "snake", self.ix_shape)
        for x in removed:
            assert isinstance(x, Instruction)
            self.add("INSTRUCTION_REMOVED", f"instruction `{x.snake}` was removed", f"instructions.{x.snake}",
                     x.path, None, Flow.INPUT)
        for x in added:
            assert isinstance(x, Instruction)
            self.add("INSTRUCTION_ADDED", f"instruction `{x.snake}` was added", f"instructions.{x.snake}",
                     None, x.path, Flow.INPUT)
        oi = {x.snake: k for k, x in enumerate(self.op.instructions)}
        ni = {x.snake: k for k, x in enumerate(self.np.instructions)}
        for a, b in pairs:
            assert isinstance(a, Instruction) and isinstance(b, Instruction)
            if not a.discriminator and not b.discriminator and oi[a.snake] != ni[b.snake]:
                self.add("INSTRUCTION_DISCRIMINATOR_CHANGED", f"instruction `{b.snake}` has no discriminator, so it is "
                         f"routed by its position, which changed from {oi[a.snake]} to {ni[b.snake]}",
                         f"instructions.{b.snake}.discriminator", a.path, b.path, Flow.INPUT)
            self.instruction(a, b)

    def instruction(self, a: Instruction, b: Instruction) -> None:
        subject = f"instructions.{b.snake}"
        if a.snake != b.snake:
            self.add("INSTRUCTION_RENAMED", f"instruction `{a.snake}` was renamed to `{b.snake}`", subject,
                     a.path, b.path, Flow.INPUT)
        if a.discriminator != b.discriminator:
            self.add("INSTRUCTION_DISCRIMINATOR_CHANGED", f"the discriminator of instruction `{b.snake}` changed "
                     f"from {list(a.discriminator)} to {list(b.discriminator)}", f"{subject}.discriminator",
                     a.path, b.path, Flow.INPUT)
        self.docs(a.docs, b.docs, f"instruction `{b.snake}`", subject, a.path, b.path)
        pd = PairDiff()
        self.fields(a.args, b.args, f"instruction `{b.snake}`", subject, "arg", a.path, b.path, pd)
        for r in pd.raws:
            r.flow = r.flow or Flow.INPUT
        self.raws.extend(pd.raws)
        for pair in pd.children:
            self.root_pair(*pair, (Flow.INPUT, f"instruction `{b.snake}`"))
        self.returns(a, b, subject)
        self.ix_accounts(a, b, subject)

    def returns(self, a: Instruction, b: Instruction, subject: str) -> None:
        sub = f"{subject}.returns"
        rp_o, rp_n = f"{a.path}.returns", f"{b.path}.returns"
        if a.returns is None and b.returns is not None:
            self.add("INSTRUCTION_RETURNS_ADDED", f"instruction `{b.snake}` now returns {type_display(b.returns)}",
                     sub, a.path, rp_n, Flow.OUTPUT)
        elif a.returns is not None and b.returns is None:
            self.add("INSTRUCTION_RETURNS_REMOVED", f"instruction `{b.snake}` no longer returns "
                     f"{type_display(a.returns)}", sub, rp_o, b.path, Flow.OUTPUT)
        elif a.returns is not None and b.returns is not None:
            children: list[tuple[str, str]] = []
            r = self.cmp_ref(a.returns, b.returns, children)
            told, tnew = type_display(a.returns), type_display(b.returns)
            if r is Ref.DIFF:
                self.add("FIELD_TYPE_CHANGED", f"the return data of instruction `{b.snake}` ({told}) became {tnew}",
                         sub, rp_o, rp_n, Flow.OUTPUT)
            elif r is Ref.WIRE:
                self.add("FIELD_TYPE_WIRE_EQUAL", f"the return data of instruction `{b.snake}` ({told}) became "
                         f"{tnew}, the same bytes", sub, rp_o, rp_n, Flow.OUTPUT)
            elif r is Ref.STRBYTES:
                self.add("FIELD_TYPE_STRING_BYTES", f"the return data of instruction `{b.snake}` ({told}) became "
                         f"{tnew}", sub, rp_o, rp_n, Flow.OUTPUT)
            elif r is Ref.BYTESSTR:
                self.add("FIELD_TYPE_BYTES_STRING", f"the return data of instruction `{b.snake}` ({told}) became "
                         f"{tnew}: bytes that are not UTF-8 are refused", sub, rp_o, rp_n, Flow.OUTPUT)
            for pair in children:
                self.root_pair(*pair, (Flow.OUTPUT, f"return data of `{b.snake}`"))

    def ix_accounts(self, a: Instruction, b: Instruction, subject: str) -> None:
        oa, na = a.flat_accounts(), b.flat_accounts()
        owner = f"instruction `{b.snake}`"
        old_has_pda = any(m.pda for x in self.op.instructions for m in x.flat_accounts())
        new_has_pda = any(m.pda for x in self.np.instructions for m in x.flat_accounts())
        old_has_rel = any(m.relations for x in self.op.instructions for m in x.flat_accounts())
        new_has_rel = any(m.relations for x in self.np.instructions for m in x.flat_accounts())

        def add(rule: str, msg: str, m: AccountMeta, op: str | None, np: str | None) -> None:
            self.add(rule, msg, f"{subject}.accounts.{m.snake}", op, np, Flow.INPUT)

        pairs_opt = align([name_key(m.snake) for m in oa], [name_key(m.snake) for m in na], lambda i, j: (
            oa[i].writable, oa[i].signer, oa[i].optional) == (na[j].writable, na[j].signer, na[j].optional))
        pairs = [(i, j) for i, j in pairs_opt if i is not None and j is not None]
        last_kept = max((j for _, j in pairs), default=-1)
        for i, j in pairs_opt:
            if j is None and i is not None:
                add("IX_ACCOUNT_REMOVED", f"account `{oa[i].snake}` (position {i}) was removed from {owner}",
                    oa[i], oa[i].path, b.path)
            elif i is None and j is not None:
                m = na[j]
                if m.optional and j > last_kept:
                    add("IX_ACCOUNT_OPTIONAL_APPENDED", f"optional account `{m.snake}` was appended to {owner}: "
                        "old producers omit it, which Anchor accepts only with `allow-missing-optionals`", m, a.path,
                        m.path)
                else:
                    where = "at the end" if j > last_kept else f"at position {j}: every later account shifts"
                    add("IX_ACCOUNT_ADDED", f"account `{m.snake}` was added to {owner} {where}", m, a.path, m.path)
        order = sorted(pairs)
        keep = lis([j for _, j in order])
        for k, (i, j) in enumerate(order):
            if k not in keep:
                add("IX_ACCOUNT_MOVED", f"account `{na[j].snake}` of {owner} changed its order relative to the others "
                    f"(position {i} -> {j})",
                    na[j], oa[i].path, na[j].path)
        for i, j in pairs:
            x, y = oa[i], na[j]
            what = f"account `{y.snake}` of {owner}"
            if name_key(x.snake) != name_key(y.snake):
                add("IX_ACCOUNT_RENAMED", f"account `{x.snake}` of {owner} was renamed to `{y.snake}`", y, x.path,
                    y.path)
            if x.writable != y.writable:
                add("IX_ACCOUNT_WRITABLE_ADDED" if y.writable else "IX_ACCOUNT_WRITABLE_REMOVED",
                    f"{what} is {'now' if y.writable else 'no longer'} writable", y, x.path, y.path)
            if x.signer != y.signer:
                add("IX_ACCOUNT_SIGNER_ADDED" if y.signer else "IX_ACCOUNT_SIGNER_REMOVED",
                    f"{what} {'must now sign' if y.signer else 'no longer needs to sign'}", y, x.path, y.path)
            if x.optional != y.optional:
                add("IX_ACCOUNT_OPTIONAL_ADDED" if y.optional else "IX_ACCOUNT_OPTIONAL_REMOVED",
                    f"{what} is {'now optional' if y.optional else 'now required (it was optional)'}", y, x.path,
                    y.path)
            if x.address != y.address:
                if x.address and y.address:
                    add("IX_ACCOUNT_ADDRESS_CHANGED", f"the fixed address of {what} changed from {x.address} to "
                        f"{y.address}", y, x.path, y.path)
                elif y.address:
                    if self.o.legacy:
                        add("IX_ACCOUNT_CONSTRAINT_RECORDED", f"{what} now records its fixed address {y.address} "
                            "(the legacy format could not)", y, x.path, y.path)
                    else:
                        add("IX_ACCOUNT_ADDRESS_ADDED", f"{what} now has the fixed address {y.address}", y, x.path,
                            y.path)
                elif self.n.legacy:
                    add("IX_ACCOUNT_CONSTRAINT_RECORDED", f"{what} no longer records its fixed address "
                        f"{x.address} (the legacy format cannot)", y, x.path, y.path)
                else:
                    add("IX_ACCOUNT_ADDRESS_REMOVED", f"{what} lost its fixed address {x.address}", y, x.path, y.path)
            if x.pda != y.pda:
                ko, kn = self.pda_key(x.pda), self.pda_key(y.pda)
                if ko != kn:
                    if x.pda and y.pda:
                        add("IX_ACCOUNT_PDA_CHANGED", f"the PDA seeds of {what} changed from {self.pda_text(x.pda)} "
                            f"to {self.pda_text(y.pda)}", y, f"{x.path}.pda", f"{y.path}.pda")
                    elif y.pda:
                        if not old_has_pda:
                            add("IX_ACCOUNT_CONSTRAINT_RECORDED", f"{what} now records its PDA seeds "
                                f"{self.pda_text(y.pda)} (the old IDL records none anywhere)", y, x.path,
                                f"{y.path}.pda")
                        else:
                            add("IX_ACCOUNT_PDA_ADDED", f"{what} is now a PDA with seeds {self.pda_text(y.pda)}", y,
                                x.path, f"{y.path}.pda")
                    elif x.pda:
                        if not new_has_pda:
                            add("IX_ACCOUNT_CONSTRAINT_RECORDED", f"{what} no longer records its PDA seeds (the new "
                                "IDL records none anywhere)", y, f"{x.path}.pda", y.path)
                        else:
                            add("IX_ACCOUNT_PDA_REMOVED", f"{what} lost its PDA seeds {self.pda_text(x.pda)}", y,
                                f"{x.path}.pda", y.path)
            rx = sorted(_snake(r) for r in x.relations)
            ry = sorted(_snake(r) for r in y.relations)
            if rx != ry:
                if (not rx and not old_has_rel) or (not ry and not new_has_rel):
                    add("IX_ACCOUNT_CONSTRAINT_RECORDED", f"the has_one relations of {what} are recorded only on one "
                        f"side ({rx} -> {ry})", y, x.path, y.path)
                else:
                    add("IX_ACCOUNT_RELATIONS_CHANGED", f"the has_one relations of {what} changed from {rx} to {ry}",
                        y, x.path, y.path)
            self.docs(x.docs, y.docs, what, f"{subject}.accounts.{y.snake}", x.path, y.path)

    def pda_key(self, p: Pda | None) -> Hashable:
        if p is None:
            return None
        return (tuple(self.seed_key(s) for s in p.seeds), self.seed_key(p.program) if p.program else None)

    @staticmethod
    def seed_key(s: Seed) -> Hashable:
        if isinstance(s, ConstSeed):
            return ("const", s.value)
        if isinstance(s, ArgSeed):
            return ("arg", _snake_path(s.path_expr))
        assert isinstance(s, AccountSeed)
        return ("account", _snake_path(s.path_expr))

    @staticmethod
    def pda_text(p: Pda) -> str:
        def one(s: Seed) -> str:
            if isinstance(s, ConstSeed):
                try:
                    txt = s.value.decode("ascii")
                    if txt.isprintable():
                        return f'"{txt}"'
                except UnicodeDecodeError:
                    pass
                return "0x" + s.value.hex()
            return s.path_expr
        out = "[" + ", ".join(one(s) for s in p.seeds) + "]"
        if p.program:
            out += f" of program {one(p.program)}"
        return out

    # -- accounts and events ----------------------------------------------------------------------------

    def layout_shape(self, x: _Named, old: bool) -> Hashable:
        assert isinstance(x, Account | Event)
        return (self.oshape if old else self.nshape).of(DefinedType(x.type))

    def account_types(self) -> None:
        pairs, removed, added = self.match(self.op.accounts, self.np.accounts, "name", self.layout_shape)
        for x in removed:
            assert isinstance(x, Account)
            self.add("ACCOUNT_REMOVED", f"account type `{x.name}` was removed", f"accounts.{x.name}", x.path, None,
                     Flow.STATE)
        for x in added:
            assert isinstance(x, Account)
            self.add("ACCOUNT_ADDED", f"account type `{x.name}` was added", f"accounts.{x.name}", None, x.path,
                     Flow.STATE)
        for a, b in pairs:
            assert isinstance(a, Account) and isinstance(b, Account)
            self.renamed_and_disc("ACCOUNT", "account type", a, b, f"accounts.{b.name}", Flow.STATE)
            mo, mn = max_size(self.op, DefinedType(a.type)), max_size(self.np, DefinedType(b.type))
            if mo is not None and mn is not None and mn > mo:
                self.add("ACCOUNT_SPACE_GREW", f"the largest `{b.name}` account grew from {mo} to {mn} bytes (plus "
                         "the discriminator): accounts allocated for the old maximum cannot hold every new value",
                         f"accounts.{b.name}", a.path, b.path, Flow.STATE)
            if a.docs != b.docs and self.op.type(a.type).docs == a.docs:
                pass  # the layout type's docs are the account's docs: reported once, on the type
            self.root_pair(a.type, b.type, (Flow.STATE, f"account `{b.name}`"))

    def events(self) -> None:
        pairs, removed, added = self.match(self.op.events, self.np.events, "name", self.layout_shape)
        for x in removed:
            assert isinstance(x, Event)
            self.add("EVENT_REMOVED", f"event `{x.name}` was removed", f"events.{x.name}", x.path, None, Flow.OUTPUT)
        for x in added:
            assert isinstance(x, Event)
            self.add("EVENT_ADDED", f"event `{x.name}` was added", f"events.{x.name}", None, x.path, Flow.OUTPUT)
        for a, b in pairs:
            assert isinstance(a, Event) and isinstance(b, Event)
            self.renamed_and_disc("EVENT", "event", a, b, f"events.{b.name}", Flow.OUTPUT)
            self.root_pair(a.type, b.type, (Flow.OUTPUT, f"event `{b.name}`"))

    def renamed_and_disc(self, kind: str, noun: str, a: Account | Event, b: Account | Event, subject: str,  # noqa: PLR0917
                         flow: Flow) -> None:
        if a.name != b.name:
            self.add(f"{kind}_RENAMED", f"{noun} `{a.name}` was renamed to `{b.name}`", subject, a.path, b.path, flow)
            self.suppress_type_rename.add((a.type, b.type))
        if a.discriminator != b.discriminator:
            self.add(f"{kind}_DISCRIMINATOR_CHANGED", f"the discriminator of {noun} `{b.name}` changed from "
                     f"{list(a.discriminator)} to {list(b.discriminator)}", f"{subject}.discriminator", a.path,
                     b.path, flow)

    # -- errors, constants ---------------------------------------------------------------------------------

    def errors(self) -> None:
        ob = {e.name: e for e in self.op.errors}
        nb = {e.name: e for e in self.np.errors}
        ncode = {e.code: e for e in self.np.errors}
        renamed_old: set[str] = set()
        renamed_new: set[str] = set()
        for e in self.op.errors:
            if e.name not in nb and e.code in ncode and ncode[e.code].name not in ob:
                f = ncode[e.code]
                renamed_old.add(e.name)
                renamed_new.add(f.name)
                self.add("ERROR_RENAMED", f"error {e.code} `{e.name}` was renamed to `{f.name}`", f"errors.{f.name}",
                         e.path, f.path, Flow.OUTPUT)
                if e.msg != f.msg:
                    self.add("ERROR_MESSAGE_CHANGED", f"the message of error {f.code} `{f.name}` changed",
                             f"errors.{f.name}", e.path, f.path, Flow.OUTPUT)
        for e in self.op.errors:
            if e.name in renamed_old:
                continue
            if e.name not in nb:
                self.add("ERROR_REMOVED", f"error {e.code} `{e.name}` was removed", f"errors.{e.name}", e.path, None,
                         Flow.OUTPUT)
                continue
            f = nb[e.name]
            if e.code != f.code:
                self.add("ERROR_CODE_CHANGED", f"error `{e.name}` was renumbered from {e.code} to {f.code}",
                         f"errors.{e.name}", e.path, f.path, Flow.OUTPUT)
            if e.msg != f.msg:
                self.add("ERROR_MESSAGE_CHANGED", f"the message of error {f.code} `{f.name}` changed",
                         f"errors.{f.name}", e.path, f.path, Flow.OUTPUT)
        for f in self.np.errors:
            if f.name not in ob and f.name not in renamed_new:
                self.add("ERROR_ADDED", f"error {f.code} `{f.name}` was added", f"errors.{f.name}", None, f.path,
                         Flow.OUTPUT)

    def constants(self) -> None:
        ob = {c.name: c for c in self.op.constants}
        nb = {c.name: c for c in self.np.constants}
        seeds = {s.value for x in self.op.instructions for m in x.flat_accounts() if m.pda
                 for s in (*m.pda.seeds, *((m.pda.program,) if m.pda.program else ())) if isinstance(s, ConstSeed)}
        for name in sorted(set(ob) | set(nb)):
            a, b = ob.get(name), nb.get(name)
            if a is None and b is not None:
                self.add("CONSTANT_ADDED", f"constant `{name}` = {b.value} was added", f"constants.{name}", None,
                         b.path, Flow.PROGRAM)
            elif b is None and a is not None:
                self.add("CONSTANT_REMOVED", f"constant `{name}` ({a.value}) was removed", f"constants.{name}",
                         a.path, None, Flow.PROGRAM)
            elif a is not None and b is not None:
                va, vb = _const_bytes(a.value), _const_bytes(b.value)
                same_value = (va == vb) if va is not None and vb is not None else \
                    re.sub(r"\s+", "", a.value) == re.sub(r"\s+", "", b.value)
                same_type = self.oshape.of(a.type) == self.nshape.of(b.type)
                if same_value and same_type:
                    continue
                if va is not None and va in seeds:
                    self.add("CONSTANT_SEED_CHANGED", f"constant `{name}`, used in PDA seeds, changed from {a.value} "
                             f"to {b.value}", f"constants.{name}", a.path, b.path, Flow.PROGRAM)
                else:
                    what = f"value {a.value} became {b.value}" if not same_value else \
                        f"type {type_display(a.type)} became {type_display(b.type)}"
                    self.add("CONSTANT_CHANGED", f"constant `{name}`: {what}", f"constants.{name}", a.path, b.path,
                             Flow.PROGRAM)

    # -- types nothing reaches ------------------------------------------------------------------------------

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

    def member_flow(self, p: Program, type_name: str) -> Flow:
        """A family member flows in (program first) unless only outputs or accounts reach it."""
        if type_name in self.reachable(p, frozenset({Flow.INPUT})):
            return Flow.INPUT
        if type_name in self.reachable(p, frozenset({Flow.OUTPUT})):
            return Flow.OUTPUT
        if type_name in self.reachable(p, frozenset({Flow.STATE})):
            return Flow.STATE
        return Flow.INPUT

    def unreferenced_types(self) -> None:
        reached_old = {a for a, _ in self.pair_sites}
        reached_new = {b for _, b in self.pair_sites}
        real = {p for p, s in self.pair_sites.items() if s}
        onames = {t.name for t in self.op.types}
        nnames = {t.name for t in self.np.types}
        ro, rn = self.reachable(self.op), self.reachable(self.np)
        for t in self.op.types:
            if t.name in nnames and t.name not in reached_old and t.name not in reached_new:
                label = "reached only from added or removed items" if t.name in ro or t.name in rn else \
                    "no instruction, account or event reaches this type"
                site: Site = (Flow.UNREFERENCED, label)
                stack = [(t.name, t.name)]
                while stack:
                    pair = stack.pop()
                    if pair in real or site in self.pair_sites.get(pair, set()):
                        continue
                    self.pair_sites.setdefault(pair, set()).add(site)
                    stack.extend(self.pair_diff(*pair).children)
        reached_old = {a for a, _ in self.pair_sites}
        reached_new = {b for _, b in self.pair_sites}
        for t in self.op.types:
            # A type that removed or added items used is reported through them, not again here.
            if t.name not in nnames and t.name not in reached_old and t.name not in self.family_types \
                    and t.name not in ro:
                why = "nothing in the IDL used it"
                self.add("TYPE_REMOVED", f"type `{t.name}` was removed ({why})", f"types.{t.name}", t.path, None,
                         Flow.UNREFERENCED)
        for t in self.np.types:
            if t.name not in onames and t.name not in reached_new and t.name not in self.family_types \
                    and t.name not in rn:
                why = "nothing in the IDL uses it yet"
                self.add("TYPE_ADDED", f"type `{t.name}` was added ({why})", f"types.{t.name}", None, t.path,
                         Flow.UNREFERENCED)

    # -- findings ----------------------------------------------------------------------------------------------

    def findings(self) -> list[tuple[Raw, Flow, tuple[str, ...]]]:
        out: list[tuple[Raw, Flow, tuple[str, ...]]] = []
        for r in self.raws:
            assert r.flow is not None
            out.append((r, r.flow, ()))
        for pair in sorted(self.pair_sites):
            sites = self.pair_sites[pair]
            if not sites:
                continue
            by_flow: dict[Flow, list[str]] = {}
            for flow, label in sites:
                by_flow.setdefault(flow, []).append(label)
            for r in self.pair_diffs[pair].raws:
                if r.flow is Flow.DOCS:
                    out.append((r, Flow.DOCS, ()))
                    continue
                for flow in sorted(by_flow, key=lambda f: FLOW_ORDER[f]):
                    out.append((r, flow, tuple(sorted(set(by_flow[flow])))))
        return out




def _snake(s: str) -> str:
    from idlgen.anchor.names import snake_case

    return snake_case(s)


def _snake_path(s: str) -> str:
    return ".".join(name_key(_snake(x)) for x in s.split("."))


def name_key(snake: str) -> str:
    """What two spellings of one Rust name share: Anchor's legacy camelCase of `token_2022_program` is
    `token2022Program`, whose snake_case is `token2022_program`; both become `token2022program`."""
    return snake.replace("_", "")


def _const_bytes(v: str) -> bytes | None:
    v = v.strip()
    if v.startswith("[") and v.endswith("]"):
        try:
            items = json.loads(v)
        except ValueError:
            return None
        if isinstance(items, list) and all(isinstance(x, int) and 0 <= x <= 255 for x in items):
            return bytes(items)
        return None
    if v.startswith('b"') and v.endswith('"'):
        return v[2:-1].encode()
    if v.startswith('"') and v.endswith('"'):
        try:
            s = json.loads(v)
        except ValueError:
            return None
        return s.encode() if isinstance(s, str) else None
    return None


# ---- classification and the public entry point ---------------------------------------------------------------


def _classify(rule_id: str, flow: Flow) -> tuple[Level, Rollout, tuple[str, ...]]:
    r = BY_ID[rule_id]
    level = r.level
    if level is Level.NONE:
        return level, Rollout.NOTHING, ()
    if level is Level.HARD:
        breaks = {
            Flow.INPUT: (PARTY_PROGRAM, PARTY_PRODUCERS),
            Flow.OUTPUT: (PARTY_READERS,),
            Flow.STATE: (PARTY_PROGRAM, PARTY_READERS),
            Flow.PROGRAM: (PARTY_PROGRAM, PARTY_PRODUCERS, PARTY_READERS),
            Flow.UNREFERENCED: (PARTY_PRODUCERS, PARTY_READERS),
        }.get(flow, (PARTY_PROGRAM, PARTY_PRODUCERS, PARTY_READERS))
        return level, Rollout.STOP_THE_WORLD, breaks
    rollout = r.rollout
    if rollout is Rollout.DIRECTION:
        if flow in (Flow.INPUT, Flow.PROGRAM):
            rollout = Rollout.PROGRAM_FIRST
        elif flow in (Flow.OUTPUT, Flow.STATE):
            rollout = Rollout.READERS_FIRST
    if rollout is Rollout.PROGRAM_FIRST:
        return level, rollout, (PARTY_PRODUCERS,)
    if rollout is Rollout.READERS_FIRST:
        return level, rollout, (PARTY_READERS,)
    return level, rollout, (PARTY_PRODUCERS, PARTY_READERS)


def _where(side: Side, lines: LineIndex, path: str | None) -> Where | None:
    if path is None:
        return None
    real = path
    if side.legacy:
        real = re.sub(r"^(events\[\d+\])\.type\.fields", r"\1.fields", real)
    # An object's line is its "{"; its "name" line is what a reader looks for (same object, when present).
    return Where(side.file, real, lines.line_of(f"{real}.name" if real else real))


def _section(path: str) -> str:
    """`instructions[3].args[1]` -> `instructions`: where a removed item used to be listed."""
    m = re.match(r"[A-Za-z_]+", path)
    return m.group(0) if m else ""


def _sites_suffix(sites: tuple[str, ...]) -> str:
    if not sites:
        return ""
    shown = ", ".join(sites[:3]) + (f" and {len(sites) - 3} more" if len(sites) > 3 else "")
    return f" (reached from {shown})"


def compare(old: Side, new: Side, acknowledgements: Sequence[Acknowledgement] = ()) -> Comparison:
    d = Differ(old, new)
    d.run()
    olines, nlines = LineIndex(old.text), LineIndex(new.text)
    findings: list[Finding] = []
    seen: set[tuple[object, ...]] = set()
    for raw, flow, sites in d.findings():
        level, rollout, breaks = _classify(raw.rule, flow)
        eff_flow = Flow.PROGRAM if flow is Flow.DOCS else flow
        f = Finding(rule=raw.rule, level=level, axis=AXIS[eff_flow], flow=eff_flow, rollout=rollout, breaks=breaks,
                    message=raw.message + (_sites_suffix(sites) if flow is not Flow.UNREFERENCED else
                                           "".join(f" ({s})" for s in sites)),
                    subject=raw.subject,
                    # Both files always get a place: an added item points at where it would be listed in the
                    # old file, a removed one at where it was listed in the new file.
                    old=_where(old, olines, raw.old_path if raw.old_path is not None else _section(raw.new_path or "")),
                    new=_where(new, nlines, raw.new_path if raw.new_path is not None else _section(raw.old_path or "")),
                    sites=sites)
        f = replace(f, annotate=f.new)
        key = (f.rule, f.flow, f.subject, f.message)
        if key in seen:
            continue
        seen.add(key)
        findings.append(f)
    used: set[int] = set()
    acked: list[Finding] = []
    for f in findings:
        for k, ack in enumerate(acknowledgements):
            if _ack_matches(ack, f):
                used.add(k)
                f = replace(f, acknowledged=ack.reason)
                break
        acked.append(f)
    acked.sort(key=lambda f: (-int(f.level), FLOW_ORDER[f.flow], f.subject, f.rule, f.message))
    notes = [f"acknowledgement {a.rule} at {a.path} matched no change" for k, a in enumerate(acknowledgements)
             if k not in used]
    comp = Comparison(
        old=SideInfo(old.label, old.file, old.program.name, old.program.version, old.program.format.value),
        new=SideInfo(new.label, new.file, new.program.name, new.program.version, new.program.format.value),
        findings=tuple(acked), warnings=(), notes=tuple(notes), families=tuple(d.family_changes),
        instructions=frozenset(x.snake for x in new.program.instructions),
        old_program=old.program, new_program=new.program)
    warn = _bump_needed(comp.verdict, old.program.version, new.program.version)
    return replace(comp, warnings=(warn,) if warn else ())
