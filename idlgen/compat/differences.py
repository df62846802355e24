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

The checks live by what they compare: `check_program`, `check_instructions`, `check_types`,
`check_accounts`, `check_families` (each lists the rules it emits); this module runs them and turns
their raw changes into classified findings.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import replace

from idlgen.compat.check_accounts import AccountChecks
from idlgen.compat.check_families import FamilyChecks
from idlgen.compat.check_instructions import InstructionChecks
from idlgen.compat.check_program import ProgramChecks
from idlgen.compat.core import (
    AXIS,
    FLOW_ORDER,
    PARTY_PRODUCERS,
    PARTY_PROGRAM,
    PARTY_READERS,
    Comparison,
    FamilyChange,
    Finding,
    Flow,
    Raw,
    Side,
    SideInfo,
    Where,
    name_key,
)
from idlgen.compat.rules import BY_ID, Level, Rollout
from idlgen.config import Acknowledgement
from idlgen.jsonpos import LineIndex

__all__ = ["AXIS", "FLOW_ORDER", "Comparison", "Differ", "FamilyChange", "Finding", "Flow", "Side", "SideInfo", "Where",
           "compare", "name_key"]


class Differ(ProgramChecks, FamilyChecks, InstructionChecks, AccountChecks):
    def run(self) -> None:
        self.program_level()
        self.families()
        self.instructions()
        self.account_types()
        self.events()
        self.errors()
        self.constants()
        self.unreferenced_types()

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
