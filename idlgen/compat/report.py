"""Render comparisons: text (coloured only on a terminal), json (versioned schema), markdown, github.

Every renderer prints every finding in the order `compare` sorted them (hard first, then by axis,
subject and rule), acknowledged ones included and marked, so two runs print the same bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import click

from idlgen.compat.differences import Comparison, Finding, Where
from idlgen.compat.rules import Level

JSON_SCHEMA = "idlgen-diff"
JSON_SCHEMA_VERSION = 1
FORMATS = ("text", "json", "markdown", "github")

_COLOUR = {Level.HARD: "red", Level.SOFT: "yellow", Level.NONE: "green"}


def verdict_of(comps: Sequence[Comparison]) -> Level:
    return max((c.verdict for c in comps), default=Level.NONE)


def gate_of(comps: Sequence[Comparison]) -> Level:
    return max((c.gate for c in comps), default=Level.NONE)


def _counts(c: Comparison) -> str:
    n = Counter(f.level for f in c.findings)
    parts = [f"{n[lv]} {lv.label}" for lv in (Level.HARD, Level.SOFT, Level.NONE) if n[lv]]
    acked = sum(1 for f in c.findings if f.acknowledged is not None)
    if acked:
        parts.append(f"{acked} acknowledged")
    return ", ".join(parts) if parts else "no changes"


def _loc(w: Where | None) -> str:
    if w is None:
        return "-"
    return f"{w.file}:{w.line} {w.path or '(top level)'}" if w.line else f"{w.file} {w.path}"


def _side(c: Comparison, old: bool) -> str:
    s = c.old if old else c.new
    return f"{s.label} ({s.name} {s.version or '?'}, {s.format} format)"


# ---- text ---------------------------------------------------------------------------------------------


def render_text(comps: Sequence[Comparison], fail_on: Level, *, color: bool | None = None) -> str:
    lines: list[str] = []

    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if color is not False else text

    for c in comps:
        lines.append(style(f"{_side(c, True)} -> {_side(c, False)}", bold=True))
        for f in c.findings:
            tag = style(f"{f.level.label.upper():<4}", fg=_COLOUR[f.level], bold=True)
            head = f"{tag} {f.rule}  [{f.axis}; {f.rollout.value}]"
            if f.acknowledged is not None:
                head += style(f"  acknowledged{': ' + f.acknowledged if f.acknowledged else ''}", fg="cyan")
            lines.append(head)
            lines.append(f"     {f.message}")
            lines.append(f"     new: {_loc(f.new)}   old: {_loc(f.old)}")
            if f.breaks:
                lines.append(f"     breaks: {'; '.join(f.breaks)}")
        for w in c.warnings:
            lines.append(style(f"warning: {w}", fg="yellow"))
        for n in c.notes:
            lines.append(f"note: {n}")
        v = c.verdict
        axes = ", ".join(f"{k} {lv.label}" for k, lv in c.axes.items() if k != "types" or lv > Level.NONE)
        lines.append(style(f"verdict: {v.label}", fg=_COLOUR[v], bold=True) + f" ({axes}; {_counts(c)})")
        lines.append("")
    gate = gate_of(comps)
    outcome = "fails" if _fails(gate, fail_on, comps) else "passes"
    lines.append(f"--fail-on {fail_on.label}: {outcome} (unacknowledged changes at most {gate.label})")
    return "\n".join(lines) + "\n"


def _fails(gate: Level, fail_on: Level, comps: Sequence[Comparison]) -> bool:
    if fail_on is Level.NONE:
        return any(f.acknowledged is None for c in comps for f in c.findings)
    return gate >= fail_on


def exit_code(comps: Sequence[Comparison], fail_on: Level) -> int:
    return 1 if _fails(gate_of(comps), fail_on, comps) else 0


# ---- json ------------------------------------------------------------------------------------------------


def _where_json(w: Where | None) -> dict[str, Any] | None:
    return None if w is None else {"file": w.file, "path": w.path, "line": w.line}


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "class": f.level.label,
        "effective_class": f.effective.label,
        "axis": f.axis,
        "flow": f.flow.value,
        "rollout": f.rollout.value,
        "breaks": list(f.breaks),
        "subject": f.subject,
        "message": f.message,
        "old": _where_json(f.old),
        "new": _where_json(f.new),
        "sites": list(f.sites),
        "acknowledged": None if f.acknowledged is None else {"reason": f.acknowledged},
    }


def render_json(comps: Sequence[Comparison], fail_on: Level) -> str:
    doc = {
        "schema": JSON_SCHEMA,
        "schema_version": JSON_SCHEMA_VERSION,
        "verdict": verdict_of(comps).label,
        "gate": gate_of(comps).label,
        "fail_on": fail_on.label,
        "exit_code": exit_code(comps, fail_on),
        "comparisons": [
            {
                "old": {"label": c.old.label, "file": c.old.file, "program": c.old.name, "version": c.old.version,
                        "format": c.old.format},
                "new": {"label": c.new.label, "file": c.new.file, "program": c.new.name, "version": c.new.version,
                        "format": c.new.format},
                "verdict": c.verdict.label,
                "axes": {k: lv.label for k, lv in c.axes.items()},
                "gate": c.gate.label,
                "counts": {lv.label: sum(1 for f in c.findings if f.level is lv) for lv in Level},
                "findings": [_finding_json(f) for f in c.findings],
                "warnings": list(c.warnings),
                "notes": list(c.notes),
            }
            for c in comps
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


# ---- markdown -------------------------------------------------------------------------------------------


def md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def render_markdown(comps: Sequence[Comparison], fail_on: Level) -> str:
    v = verdict_of(comps)
    out = [f"## idlgen diff: **{v.label}**", ""]
    for c in comps:
        axes = ", ".join(f"{k} **{lv.label}**" for k, lv in c.axes.items() if k != "types" or lv > Level.NONE)
        out.append(f"### `{c.new.file}`: **{c.verdict.label}** ({axes}; {_counts(c)})")
        out.append("")
        out.append(f"{c.old.label} ({c.old.version or '?'}) → {c.new.label} ({c.new.version or '?'})")
        out.append("")
        if c.findings:
            out.append("| class | rule | axis | where | change | rollout | breaks |")
            out.append("|---|---|---|---|---|---|---|")
            for f in c.findings:
                cls = f"**{f.level.label}**" if f.level is Level.HARD else f.level.label
                if f.acknowledged is not None:
                    cls += " (acknowledged" + (f": {md_escape(f.acknowledged)}" if f.acknowledged else "") + ")"
                where = f"`{f.subject}`"
                if f.annotate and f.annotate.line:
                    where += f" L{f.annotate.line}"
                out.append(f"| {cls} | `{f.rule}` | {f.axis} | {where} | {md_escape(f.message)} | "
                           f"{f.rollout.value} | {md_escape('; '.join(f.breaks)) or '-'} |")
            out.append("")
        for w in c.warnings:
            out.append(f"> **warning:** {md_escape(w)}")
            out.append("")
        for n in c.notes:
            out.append(f"> note: {md_escape(n)}")
            out.append("")
        if any(f.rule.endswith("_RENAMED") for f in c.findings):
            # Renames are free on the wire but rename generated classes and members: say what fixes the code.
            out.append(f"> **renames:** the generated names change; `idlgen migrate {c.old.label} {c.new.label} "
                       "<your code>` carries them into the Python code that uses the generated package.")
            out.append("")
    outcome = "fails" if _fails(gate_of(comps), fail_on, comps) else "passes"
    out.append(f"`--fail-on {fail_on.label}` {outcome}.")
    return "\n".join(out) + "\n"


# ---- github workflow commands -------------------------------------------------------------------------


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


def render_github(comps: Sequence[Comparison], fail_on: Level) -> str:
    out: list[str] = []
    for c in comps:
        for f in c.findings:
            kind = {Level.HARD: "error", Level.SOFT: "warning", Level.NONE: "notice"}[f.level]
            if f.acknowledged is not None:
                kind = "notice"
            props = []
            w = f.annotate
            if w is not None:
                props.append(f"file={_gh_prop(w.file)}")
                if w.line:
                    props.append(f"line={w.line}")
            title = f"{f.rule} ({f.level.label}{', acknowledged' if f.acknowledged is not None else ''})"
            props.append(f"title={_gh_prop(title)}")
            msg = f"{f.message}. Rollout: {f.rollout.value}."
            if f.breaks:
                msg += f" Breaks: {'; '.join(f.breaks)}."
            out.append(f"::{kind} {','.join(props)}::{_gh_data(msg)}")
        for warn in c.warnings:
            out.append(f"::warning file={_gh_prop(c.new.file)},line=1,title=metadata.version::{_gh_data(warn)}")
    v = verdict_of(comps)
    outcome = "fails" if _fails(gate_of(comps), fail_on, comps) else "passes"
    out.append(f"::notice title=idlgen diff::{_gh_data(f'verdict {v.label}; --fail-on {fail_on.label} {outcome}')}")
    return "\n".join(out) + "\n"


def render(fmt: str, comps: Sequence[Comparison], fail_on: Level, *, color: bool | None = None) -> str:
    if fmt == "json":
        return render_json(comps, fail_on)
    if fmt == "markdown":
        return render_markdown(comps, fail_on)
    if fmt == "github":
        return render_github(comps, fail_on)
    return render_text(comps, fail_on, color=color)
