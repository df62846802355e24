"""Versioned families (`BatchV1`, `BatchV2`, ...): members added or removed, and each kept member
compared through its carrier."""

from __future__ import annotations

from idlgen.compat.check_types import TypeChecks
from idlgen.compat.core import FamilyChange, Flow
from idlgen.ir.model import Program

RULES = frozenset({
    "FAMILY_MEMBER_ADDED",
    "FAMILY_MEMBER_REMOVED",
})


class FamilyChecks(TypeChecks):
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

    def member_flow(self, p: Program, type_name: str) -> Flow:
        """A family member flows in (program first) unless only outputs or accounts reach it."""
        if type_name in self.reachable(p, frozenset({Flow.INPUT})):
            return Flow.INPUT
        if type_name in self.reachable(p, frozenset({Flow.OUTPUT})):
            return Flow.OUTPUT
        if type_name in self.reachable(p, frozenset({Flow.STATE})):
            return Flow.STATE
        return Flow.INPUT
