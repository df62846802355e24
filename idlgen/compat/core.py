"""What `idlgen diff` produces and what its checks share: findings, comparisons, sides, raw changes.

The checks (`check_*.py`, one module per kind of thing compared) emit `Raw` changes; `differences.compare`
places each on an axis, classifies it by the rule catalog and returns a `Comparison`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from idlgen.compat.rules import RETIREMENT_RULES, Level, Rollout
from idlgen.ir.model import ArrayType, COptionType, Field, IdlFormat, OptionType, PrimType, Program, TypeRef


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


class Ref(enum.Enum):
    SAME = "same"
    WIRE = "wire"  # different types, same bytes
    STRBYTES = "strbytes"  # string -> bytes: every old value is still valid
    BYTESSTR = "bytesstr"  # bytes -> string: old values that are not UTF-8 are refused
    DIFF = "diff"


_RESERVED = re.compile(r"(^_*pad|padding|reserved|unused|spare|dummy|placeholder)", re.IGNORECASE)


def is_reserved(f: Field) -> bool:
    if not _RESERVED.search(f.snake):
        return False
    t = f.type
    while isinstance(t, ArrayType):
        t = t.inner
    return isinstance(t, PrimType) and t.prim.is_int


def describe_retype(o: TypeRef, n: TypeRef) -> str:
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


def snake(s: str) -> str:
    from idlgen.anchor.names import snake_case

    return snake_case(s)


def snake_path(s: str) -> str:
    return ".".join(name_key(snake(x)) for x in s.split("."))


def name_key(snake: str) -> str:
    """What two spellings of one Rust name share: Anchor's legacy camelCase of `token_2022_program` is
    `token2022Program`, whose snake_case is `token2022_program`; both become `token2022program`."""
    return snake.replace("_", "")
