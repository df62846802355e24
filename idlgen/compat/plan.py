"""`idlgen diff --plan`: the upgrade plan, as steps an SRE can follow, built from a comparison.

The plan follows the design's playbooks: a phased rollout for soft changes (Phase 1: deploy a program
accepting both, the new version dormant; verify the old one still settles; enable its bit; Phase 2:
switch the engine and relayer; monitor; optional Phase 3), the retirement of a version (preconditions
first), and the stop-the-world hard fork (maintenance off-chain first, flush while settlement still
runs, then pause, upgrade program and state, heartbeat, resume). Each step says who does it, what to
run (on-chain steps carry the encoded instruction) and what to verify before the next one, as text and
as machine-checkable conditions (`--format json`, docs/plans.md). Bitmask values start from the live
config (`--config-account`, `--live-mask`), else from a stated assumption, and never re-enable a
version the chain has already retired. The steps themselves are built in `playbooks.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from idlgen.compat.differences import Comparison, Finding
from idlgen.compat.plan_encode import Encoder, LiveConfig, OnchainIx
from idlgen.ir.model import PrimType, Program, StructBody

# The design's roles (summary checklist of the upgrade strategy).
ARCHITECT = "Protocol architect"
CHAIN = "Blockchain engineer"
MULTISIG = "DevOps / multisig"
DEVOPS = "DevOps"
QA = "QA"
ENGINEERS = "Engine / relayer engineers"
SRE = "SRE"

KINDS = ("offchain", "onchain", "verify")
PLAYBOOKS = ("none", "phased", "retirement", "stop-the-world")


@dataclass(frozen=True, slots=True)
class Check:
    """One thing to verify: shown as `text`; `data` is the machine-checkable form (docs/plans.md)."""

    text: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Step:
    id: str  # stable: "phase1.enable", "hardfork.flush"
    role: str
    kind: str  # offchain | onchain | verify
    title: str
    run: tuple[str, ...] = ()
    verify: tuple[Check, ...] = ()
    instruction: OnchainIx | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    condition: str  # when the section applies ("" always)
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Gate:
    """A family's allowed-versions bitmask: where it lives, its width, and its value before and after."""

    stem: str
    account: str
    field: str
    bits: int
    live: int
    source: str  # "assumed", "--live-mask", "--config-account FILE"
    target: int

    @property
    def where(self) -> str:
        return f"{self.account}.{self.field}"

    def show(self, mask: int) -> str:
        return show_mask(mask, self.bits)


@dataclass(frozen=True, slots=True)
class ComparisonPlan:
    comparison: Comparison
    playbook: str
    gates: tuple[Gate, ...]
    assumptions: tuple[str, ...]
    why: tuple[Finding, ...]
    sections: tuple[Section, ...]

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(s for sec in self.sections for s in sec.steps)


def mask_of(versions: Sequence[int]) -> int:
    m = 0
    for v in versions:
        m |= 1 << (v - 1)
    return m


def versions_in(mask: int) -> tuple[int, ...]:
    return tuple(v for v in range(1, mask.bit_length() + 1) if mask >> (v - 1) & 1)


def show_mask(mask: int, bits: int = 8) -> str:
    vs = ", ".join(f"V{v}" for v in versions_in(mask)) or "none"
    digits = f"0b{mask:0{bits}b}" if bits <= 16 else f"{mask:#x}"
    return f"`{mask}` (`{digits}`: {vs})"


def gate_bits(program: Program | None, account: str, field: str) -> int:
    """The width in bits of the gate field (u8 .. u128)."""
    if program is None:
        return 8
    acct = next((a for a in program.accounts if a.name == account), None)
    if acct is None:
        return 8
    body = program.type(acct.type).body
    if isinstance(body, StructBody):
        f = next((x for x in body.fields if x.snake == field), None)
        if f is not None and isinstance(f.type, PrimType) and f.type.prim.is_int:
            return f.type.prim.bits
    return 8


def build_plans(comps: Sequence[Comparison], live: LiveConfig | None = None,
                encoders: Mapping[str, Encoder] | None = None) -> list[ComparisonPlan]:
    """One plan per comparison; `encoders` maps a new program's name to its generated codec's encoder."""
    from idlgen.compat.playbooks import Planner

    return [Planner(c, live, (encoders or {}).get(c.new.name)).plan() for c in comps]


def render_plan(comps: Sequence[Comparison], live: LiveConfig | None = None,
                encoders: Mapping[str, Encoder] | None = None) -> str:
    from idlgen.compat.plan_render import render_markdown

    return render_markdown(build_plans(comps, live, encoders))
