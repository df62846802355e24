"""Render upgrade plans: Markdown (what `--plan` prints) and JSON (schema `idlgen-plan`, docs/plans.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from idlgen.compat.plan import ComparisonPlan, Step
from idlgen.compat.plan_encode import OnchainIx
from idlgen.compat.report import md_escape, verdict_of

JSON_SCHEMA = "idlgen-plan"
JSON_SCHEMA_VERSION = 1

_TITLE = {"none": "nothing to coordinate", "phased": "phased rollout", "retirement": "retirement of a version",
          "stop-the-world": "stop the world"}


def render_markdown(plans: Sequence[ComparisonPlan]) -> str:
    out = [f"# Upgrade plan: **{verdict_of([p.comparison for p in plans]).label}**", ""]
    for p in plans:
        out += _one(p)
    return "\n".join(out).rstrip("\n") + "\n"


def _one(p: ComparisonPlan) -> list[str]:
    c = p.comparison
    out = [f"## `{c.new.file}`: {c.old.name} {c.old.version or '?'} → {c.new.version or '?'} "
           f"(verdict **{c.verdict.label}**: {_TITLE[p.playbook]})", ""]
    for w in c.warnings:
        out += [f"> **warning:** {md_escape(w)}", ""]
    for g in p.gates:
        how = "assumed" if g.source == "assumed" else f"read with {g.source}"
        out.append(f"- Live `{g.where}` ({g.bits}-bit): {g.show(g.live)}, {how}; after this plan: {g.show(g.target)}.")
    for a in p.assumptions:
        out.append(f"- {md_escape(a)}")
    if p.gates or p.assumptions:
        out.append("")
    if p.why:
        out.append("Why:")
        out += [f"- `{f.rule}`: {md_escape(f.message)}" for f in p.why]
        out.append("")
    n = 0
    for sec in p.sections:
        out.append(f"### {sec.title}")
        out.append("")
        if sec.condition:
            out += [f"> Condition: {md_escape(sec.condition)}.", ""]
        for s in sec.steps:
            n += 1
            out += _step(n, s)
        out.append("")
    return out


def _step(n: int, s: Step) -> list[str]:
    out = [f"{n}. **{md_escape(s.title)}** — {s.role} ({s.kind}) `[{s.id}]`"]
    out += [f"   - Run: {md_escape(r)}" for r in s.run]
    if s.instruction is not None:
        out += _ix(s.instruction)
    if s.note:
        out.append(f"   - Note: {md_escape(s.note)}")
    if s.verify:
        out.append("   - Verify before the next step: " + "; ".join(md_escape(v.text) for v in s.verify) + ".")
    return out


def _ix(ix: OnchainIx) -> list[str]:
    args = json.dumps(dict(ix.args), separators=(", ", ": "))
    out = [f"   - Instruction `{ix.instruction}` of `{ix.program}` ({ix.program_id or '<program id>'}), "
           f"args `{args}`:"]
    for k, m in enumerate(ix.accounts):
        flags = ", ".join(x for x, on in (("signer", m.signer), ("writable", m.writable)) if on) or "read-only"
        key = f"`{m.pubkey}` ({m.source})" if m.pubkey else md_escape(m.source)
        out.append(f"     {k}. `{m.name}` [{flags}]: {key}")
    if ix.data is not None:
        out.append(f"     - data (base58): `{ix.data_base58}`")
        out.append(f"     - data (base64): `{ix.data_base64}`")
    else:
        out.append("     - data: encode when known: " + "; ".join(f"`{k}` = {v}" for k, v in ix.unresolved.items()))
    return out


def ix_json(ix: OnchainIx | None) -> dict[str, Any] | None:
    if ix is None:
        return None
    return {
        "program": ix.program,
        "name": ix.instruction,
        "program_id": ix.program_id,
        "args": dict(ix.args),
        "accounts": [{"name": m.name, "pubkey": m.pubkey, "is_signer": m.signer, "is_writable": m.writable,
                      "source": m.source} for m in ix.accounts],
        "data_base58": ix.data_base58,
        "data_base64": ix.data_base64,
        "unresolved": dict(ix.unresolved),
    }


def render_json(plans: Sequence[ComparisonPlan]) -> str:
    doc: dict[str, Any] = {
        "schema": JSON_SCHEMA,
        "schema_version": JSON_SCHEMA_VERSION,
        "verdict": verdict_of([p.comparison for p in plans]).label,
        "plans": [],
    }
    for p in plans:
        c = p.comparison
        doc["plans"].append({
            "old": {"label": c.old.label, "program": c.old.name, "version": c.old.version},
            "new": {"label": c.new.label, "file": c.new.file, "program": c.new.name, "version": c.new.version},
            "verdict": c.verdict.label,
            "playbook": p.playbook,
            "gates": [{"family": g.stem, "account": g.account, "field": g.field, "bits": g.bits, "live": g.live,
                       "live_source": g.source, "target": g.target} for g in p.gates],
            "assumptions": list(p.assumptions),
            "warnings": list(c.warnings),
            "why": [{"rule": f.rule, "class": f.effective.label, "subject": f.subject, "message": f.message}
                    for f in p.why],
            "sections": [{"id": sec.id, "title": sec.title, "condition": sec.condition or None,
                          "steps": [_step_json(s) for s in sec.steps]} for sec in p.sections],
        })
    return json.dumps(doc, indent=2) + "\n"


def _step_json(s: Step) -> dict[str, Any]:
    return {"id": s.id, "role": s.role, "kind": s.kind, "title": s.title, "run": list(s.run),
            "instruction": ix_json(s.instruction), "verify": [dict(v.data) for v in s.verify],
            "verify_text": [v.text for v in s.verify], "note": s.note or None}
