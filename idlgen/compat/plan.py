"""`idlgen diff --plan`: the upgrade plan in Markdown, built from the findings.

Soft changes get the phased checklist (deploy on-chain support, verify the old version still settles,
enable and switch producers, monitor, optional retirement) with the `allowed_batch_versions` bitmask
at every step; hard changes get the stop-the-world playbook (maintenance mode, flush, upgrade,
heartbeat batch, resume). Both end with the rollback steps.
"""

from __future__ import annotations

from collections.abc import Sequence

from idlgen.compat.differences import Comparison, FamilyChange, Finding
from idlgen.compat.report import md_escape, verdict_of
from idlgen.compat.rules import Level, Rollout


def mask(versions: Sequence[int]) -> str:
    m = 0
    for v in versions:
        m |= 1 << (v - 1)
    return f"`{m}` (`0b{m:08b}`)"


def _ix(c: Comparison, name: str, fallback: str) -> str:
    return f"`{name}`" if name in c.instructions else fallback


def _gate(f: FamilyChange) -> str:
    return f"`{f.gate}`" if f.gate else "the allowed-versions bitmask"


def _list(findings: Sequence[Finding]) -> list[str]:
    return [f"   - `{f.rule}`: {md_escape(f.message)}" for f in findings]


def render_plan(comps: Sequence[Comparison]) -> str:
    out = [f"# Upgrade plan: **{verdict_of(comps).label}**", ""]
    for c in comps:
        out += _plan_one(c)
    return "\n".join(out).rstrip("\n") + "\n"


def _plan_one(c: Comparison) -> list[str]:
    v = c.verdict
    out = [f"## `{c.new.file}`: {c.old.name} {c.old.version or '?'} → {c.new.version or '?'} "
           f"(verdict **{v.label}**)", ""]
    for w in c.warnings:
        out += [f"> **warning:** {md_escape(w)}", ""]
    if v is Level.NONE:
        out += ["Nothing changes on the wire: deploy in any order; no coordination is needed.", ""]
        return out
    hard = [f for f in c.findings if f.effective is Level.HARD]
    if v is Level.HARD:
        return out + _hard(c, hard)
    return out + _soft(c)


def _soft(c: Comparison) -> list[str]:
    soft = [f for f in c.findings if f.effective is Level.SOFT]
    readers = [f for f in soft if f.rollout is Rollout.READERS_FIRST]
    program = [f for f in soft if f.rollout is not Rollout.READERS_FIRST]
    fams = [f for f in c.families if set(f.new_versions) - set(f.old_versions) and f.carrier]
    retired = [f for f in c.families if set(f.old_versions) - set(f.new_versions) and f.carrier]
    update = _ix(c, "update_config", "the config instruction")
    out = ["Soft change: old and new coexist, so a phased rollout works. Keep the order below.", ""]
    step = 1
    if readers:
        out.append(f"{step}. **Upgrade readers first** (indexers, account and event decoders): the program will "
                   "start producing data they do not know yet.")
        out += _list(readers)
        step += 1
    if fams:
        for f in fams:
            added = sorted(set(f.new_versions) - set(f.old_versions))
            both = sorted(set(f.new_versions) | set(f.old_versions))
            old_only = sorted(f.old_versions)
            names = ", ".join(f"{f.stem}V{x}" for x in added)
            out += [
                f"{step}. **Implement and deploy on-chain support** for {names} (`{f.carrier}` accepts versions "
                f"{', '.join(map(str, both))}). {_gate(f)} stays {mask(old_only)}: nothing new is accepted yet.",
                f"{step + 1}. **Verify the old version still settles**: send a version "
                f"{old_only[-1] if old_only else '?'} batch to the new program and confirm it settles. Bitmask "
                f"still {mask(old_only)}.",
                f"{step + 2}. **Enable the new version**: {update} with {_gate(f)} = {mask(both)}.",
                f"{step + 3}. **Switch producers** (relayer, matching engine) to emit version {added[-1]} "
                f"(`emit_version = {added[-1]}`). Bitmask {mask(both)}.",
                f"{step + 4}. **Monitor**: batches of version {added[-1]} settle, no version errors, pending trades "
                "drain as before.",
                f"{step + 5}. **Optional retirement** of the old version(s) once nothing emits them: {update} with "
                f"{_gate(f)} = {mask(added)}; later remove the old member from the IDL and acknowledge "
                "`FAMILY_MEMBER_REMOVED` for it in `[tool.idlgen.diff]`.",
            ]
            step += 6
    elif program:
        out.append(f"{step}. **Deploy the program first**; producers keep sending the old form meanwhile.")
        out += _list(program)
        out.append(f"{step + 1}. **Verify** the old producers' transactions still succeed on the new program.")
        out.append(f"{step + 2}. **Switch producers** (relayer, engine, clients) to the new form.")
        out.append(f"{step + 3}. **Monitor** errors and settlement until the old form is gone.")
        step += 4
    if retired:
        for f in retired:
            gone = sorted(set(f.old_versions) - set(f.new_versions))
            out.append(f"{step}. **Retirement (acknowledged)** of {', '.join(f'{f.stem}V{x}' for x in gone)}: "
                       f"before deploying, {update} with {_gate(f)} = {mask(f.new_versions)} and confirm "
                       "no producer emits the retired version.")
            step += 1
    out += ["", "### Rollback", ""]
    pause, unpause = _ix(c, "pause", "pause the program"), _ix(c, "unpause", "unpause")
    gated = [f for f in (fams or retired) if f.gate]
    re_allow = "; ".join(f"{_gate(f)} = {mask(f.old_versions)}" for f in gated)
    out += [f"1. {pause} (maintenance mode).",
            "2. Revert the binaries: producers first, then the program to the previous build.",
            f"3. Re-allow the old version in the bitmask: {update} with {re_allow}." if gated else
            "3. Restore the previous configuration, if the rollout changed it.",
            f"4. {unpause} and watch the old version settle.", ""]
    state = sorted({s for f in soft if f.axis == "state" for s in f.sites})
    if state:
        out += [f"> Accounts written by the new program ({', '.join(state)}) may hold values the old program cannot "
                "read (a new variant, claimed reserved bytes): check them before rolling the program back.", ""]
    return out


def _hard(c: Comparison, hard: Sequence[Finding]) -> list[str]:
    pause, unpause = _ix(c, "pause", "pause the program"), _ix(c, "unpause", "unpause the program")
    ping = _ix(c, "ping", "a heartbeat batch")
    state = [f for f in hard if f.axis == "state"]
    fams = [f for f in c.families if f.carrier]
    out = ["Hard fork: existing bytes can no longer be read or produced compatibly. Stop the world:", ""]
    out.append("Why:")
    out += [ln.replace("   - ", "- ", 1) for ln in _list(hard)]
    out += ["",
            f"1. **Maintenance mode**: {pause}; settlement, deposits and withdrawals stop.",
            "2. **Flush**: let the relayer drain until pending trades = 0 and the last settled batch id equals the "
            "engine's last emitted batch.",
            "3. **Upgrade** both sides together: deploy the program, then the relayer and matching engine built "
            "from the new IDL (and every account/event reader)."]
    if state:
        accts = sorted({s for f in state for s in (f.sites or (f"account `{f.subject.split('.')[1]}`",))})
        out.append("   - Migrate existing accounts whose layout changed: " + ", ".join(accts) + ".")
    for f in fams:
        out.append(f"   - Set {_gate(f)} = {mask(f.new_versions)} (versions {', '.join(map(str, f.new_versions))}).")
    out += [f"4. **Heartbeat batch**: send {ping} and confirm it advances the settled batch id.",
            f"5. **Resume**: {unpause}; watch the first real batches settle.",
            "", "### Rollback", "",
            f"1. {pause}.",
            "2. Revert the binaries (program and off-chain) to the previous build"
            + (" and reverse the account migration" if state else "") + ".",
            "3. Re-allow the old version in the bitmask: "
            + ("; ".join(f"{_gate(f)} = {mask(f.old_versions)}" for f in fams) or "restore the previous config")
            + ".",
            f"4. {unpause}.", ""]
    return out
