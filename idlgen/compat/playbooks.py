"""The design's playbooks as plan steps: phased (soft), retirement, stop-the-world (hard).

Wording follows what the program has: batch families with a gate get the bitmask, relayer flush and
heartbeat steps; a program without families or a gate gets the generic form (producers, in-flight
transactions, a smoke-test transaction), never steps about things it does not have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from idlgen.compat.align import align
from idlgen.compat.differences import Comparison, Finding, name_key
from idlgen.compat.plan import (
    CHAIN,
    DEVOPS,
    ENGINEERS,
    MULTISIG,
    QA,
    SRE,
    Check,
    ComparisonPlan,
    Gate,
    Section,
    Step,
    gate_bits,
    mask_of,
    show_mask,
    versions_in,
)
from idlgen.compat.plan_encode import Encoder, IxFactory, LiveConfig, OnchainIx
from idlgen.compat.rules import Level, Rollout
from idlgen.compat.wire import max_size
from idlgen.ir.model import Account, DefinedType, Family, Prim, PrimType, Program, StructBody

DISCRIMINATOR = 8


def manual(text: str) -> Check:
    return Check(text, {"manual": text})


@dataclass(frozen=True, slots=True)
class Fam:
    """One versioned family as the plan sees it."""

    stem: str
    old: tuple[int, ...]
    new: tuple[int, ...]
    carrier: str | None
    gate: Gate | None
    disabled_error: str | None
    unknown_error: str | None

    @property
    def added(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.new) - set(self.old)))

    @property
    def removed(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.old) - set(self.new)))

    def emitted(self) -> int | None:
        """The version producers emit today: the highest old version the live mask allows."""
        allowed = [v for v in self.old if self.gate is None or self.gate.live >> (v - 1) & 1]
        return max(allowed, default=None)


@dataclass(frozen=True, slots=True)
class Migration:
    account: str
    old_size: int | None
    new_size: int | None
    fields: tuple[str, ...]  # "`new` <- old `x` (renamed)" lines


class Planner:
    def __init__(self, c: Comparison, live: LiveConfig | None, encode: Encoder | None) -> None:
        self.c = c
        self.live = live
        self.op: Program | None = c.old_program
        self.np: Program | None = c.new_program
        self.fx = IxFactory(self.np, encode, live) if self.np is not None else None
        self.assumptions: list[str] = []
        self.fams = self._families()
        self.batchy = any(f.gate or f.carrier for f in self.fams)
        self.off = "the relayer and engine" if self.batchy else "the off-chain clients"

    # ---- facts --------------------------------------------------------------------------------

    def _family(self, p: Program | None, stem: str) -> Family | None:
        return None if p is None else next((f for f in p.families if f.stem == stem), None)

    def _families(self) -> list[Fam]:
        out: list[Fam] = []
        for ch in self.c.families:
            nf, of = self._family(self.np, ch.stem), self._family(self.op, ch.stem)
            fam = nf or of
            gate = None
            if ch.gate is not None:
                account, _, fld = ch.gate.partition(".")
                bits = gate_bits(self.np, account, fld)
                live, source = self._live_mask(ch.stem, ch.old_versions, ch.gate)
                target = (live & ~mask_of(sorted(set(ch.old_versions) - set(ch.new_versions)))) | mask_of(
                    sorted(set(ch.new_versions) - set(ch.old_versions)))
                gate = Gate(ch.stem, account, fld, bits, live, source, target)
            out.append(Fam(ch.stem, ch.old_versions, ch.new_versions, ch.carrier, gate,
                           fam.disabled_version_error if fam else None, fam.unknown_version_error if fam else None))
        return out

    def _live_mask(self, stem: str, old_versions: tuple[int, ...], where: str) -> tuple[int, str]:
        if self.live is not None and stem in self.live.masks:
            mask = self.live.masks[stem]
            unknown = [v for v in versions_in(mask) if v not in old_versions]
            if unknown:
                self.assumptions.append(f"the live `{where}` {show_mask(mask)} enables "
                                        f"{', '.join(f'V{v}' for v in unknown)}, which the old IDL does not have: "
                                        "is the old IDL the deployed one?")
            return mask, self.live.source
        mask = mask_of(old_versions)
        addr = self.config_address()
        dump = f"`solana account {addr} --output json > config.json`" if addr else \
            f"`solana account <{where.split('.', maxsplit=1)[0]} address> --output json > config.json`"
        self.assumptions.append(
            f"assumed: the live `{where}` is {show_mask(mask)}, every version of the old IDL. Check it before "
            f"the first step: {dump}, then re-run with `--config-account config.json` (or `--live-mask N`); a "
            "version the chain already retired must not be re-enabled.")
        return mask, "assumed"

    def config_address(self) -> str | None:
        ix = self.config_ix()
        if ix is None or self.fx is None:
            return None
        inst = self.fx.find(ix)
        if inst is None:
            return None
        for m in inst.flat_accounts():
            if m.writable and not m.signer and m.pda is not None:
                return self.fx.meta(m).pubkey
        return None

    def account_address(self, account: str) -> str | None:
        """The address of the (singleton) account of this type: a constant-seed PDA some instruction passes
        under the type's snake_case name."""
        if self.fx is None or self.np is None:
            return None
        snake = _snake(account)
        for x in self.np.instructions:
            for m in x.flat_accounts():
                if m.pda is not None and (m.snake == snake or snake.endswith(m.snake)):
                    key = self.fx.meta(m).pubkey
                    if key:
                        return key
        return None

    def ix(self, name: str) -> bool:
        return name in self.c.instructions

    def config_ix(self) -> str | None:
        """The instruction that sets the gate fields (update_config), not the one-time initializer."""
        if self.np is None:
            return None
        fields = {f.gate.partition(".")[2] for f in self.c.families if f.gate}
        for x in self.np.instructions:
            if fields and fields <= {a.snake for a in x.args} and not x.snake.startswith("init"):
                return x.snake
        return None

    def paused_field(self) -> tuple[str, str] | None:
        """(account, field) of the pause switch, when the gate's account has a bool named like it."""
        if self.np is None:
            return None
        accounts = [f.gate.account for f in self.fams if f.gate] + [a.name for a in self.np.accounts]
        for name in accounts:
            acct = next((a for a in self.np.accounts if a.name == name), None)
            body = self.np.type(acct.type).body if acct else None
            if isinstance(body, StructBody):
                for f in body.fields:
                    if "paused" in f.snake and f.type == PrimType(Prim.BOOL):
                        return name, f.snake
        return None

    def findings(self, level: Level) -> list[Finding]:
        return [f for f in self.c.findings if f.effective is level]

    def lowered_limits(self) -> list[tuple[str, int, int]]:
        """Integer constants whose value went down: producers must respect them before the program does."""
        if self.op is None or self.np is None:
            return []
        old = {k.name: k.value for k in self.op.constants}
        out = []
        for k in self.np.constants:
            a, b = _int(old.get(k.name)), _int(k.value)
            if a is not None and b is not None and b < a:
                out.append((k.name, a, b))
        return out

    # ---- checks and instructions ------------------------------------------------------------------------

    def mask_is(self, g: Gate, value: int) -> Check:
        return Check(f"`{g.where}` = {g.show(value)}", {"account": g.account, "field": g.field, "equals": value})

    def settles(self, f: Fam, v: int | None) -> Check:
        return Check(f"a `{f.stem}V{v}` batch settles",
                     {"family": f.stem, "batch_version": v, "settles": True})

    def refused(self, f: Fam, v: int, error: str | None) -> Check:
        err = f" with `{error}`" if error else ""
        data: dict[str, Any] = {"family": f.stem, "batch_version": v, "settles": False}
        if error:
            data["error"] = error
        return Check(f"a `{f.stem}V{v}` batch is refused{err}", data)

    def paused_is(self, value: bool) -> list[Check]:
        pf = self.paused_field()
        if pf is None:
            return []
        return [Check(f"`{pf[0]}.{pf[1]}` = {str(value).lower()}", {"account": pf[0], "field": pf[1],
                                                                      "equals": value})]

    def set_masks(self, masks: Mapping[str, int]) -> OnchainIx | None:
        name = self.config_ix()
        if name is None or self.fx is None:
            return None
        args = {g.field: masks[g.stem] for f in self.fams if (g := f.gate) is not None and g.stem in masks}
        return self.fx.build(name, args)

    def call(self, name: str, args: Mapping[str, Any] | None = None,
             unresolved: Mapping[str, str] | None = None) -> OnchainIx | None:
        return None if self.fx is None else self.fx.build(name, args or {}, unresolved)

    def upgrade_ix(self, build: str) -> OnchainIx | None:
        return None if self.fx is None else self.fx.loader_upgrade(build)

    def mask_step(self, sid: str, title: str, masks: Mapping[str, int], verify: Sequence[Check],
                  note: str = "") -> Step:
        gated = [f for f in self.fams if f.gate and f.stem in masks]
        name = self.config_ix()
        what = "; ".join(f"`{f.gate.where}` = {f.gate.show(masks[f.stem])}" for f in gated if f.gate)
        run = (f"`{name}` with {what} (every other argument None: unchanged)" if name else
               f"set {what}: the IDL has no instruction that writes it, so use the program's admin path",)
        checks = [self.mask_is(f.gate, masks[f.stem]) for f in gated if f.gate]
        return Step(sid, MULTISIG, "onchain", title, run, (*checks, *verify), self.set_masks(masks), note)

    def deploy_step(self, sid: str, title: str, build: str, verify: Sequence[Check], note: str = "") -> Step:
        pid = self.c.new_program.address if self.c.new_program else None
        run = (f"`solana program write-buffer <{build} build .so>`; `solana program set-buffer-authority` to the "
               "multisig; propose the loader's `upgrade` below (multisig approval and timelock)",
               f"after execution: `solana program show {pid or '<program id>'}` shows the new buffer's data hash")
        return Step(sid, MULTISIG, "onchain", title, run,
                    (Check(f"the deployed program is the {build} build", {"program_build": build}), *verify),
                    self.upgrade_ix(build), note)

    # ---- entry ------------------------------------------------------------------------------------------

    def plan(self) -> ComparisonPlan:
        c = self.c
        v = c.verdict
        hard = self.findings(Level.HARD)
        # Only removed family members, and a gated or carried family among them: the retirement playbook
        # (preconditions, then the bitmask, then the program), not a stop-the-world.
        retirement = bool(hard) and all(f.rule == "FAMILY_MEMBER_REMOVED" for f in hard) and any(
            fam.removed and (fam.gate or fam.carrier) for fam in self.fams)
        if v is Level.NONE:
            playbook, sections, why = "none", self.none(), []
        elif v is Level.HARD and not retirement:
            playbook, sections, why = "stop-the-world", self.hard_fork(hard), hard
        else:
            playbook = "retirement" if retirement or (any(f.removed for f in self.fams) and
                                                      not any(f.added for f in self.fams)) else "phased"
            sections, why = self.phased(), [f for f in c.findings if f.effective is not Level.NONE]
        gates = tuple(f.gate for f in self.fams if f.gate)
        return ComparisonPlan(c, playbook, gates, tuple(self.assumptions), tuple(why), tuple(sections))

    def code_updates(self) -> list[Step]:
        renamed = [f for f in self.c.findings if f.rule == "FIELD_RENAMED"]
        if not renamed:
            return []
        names = ", ".join(f"`{f.subject.removeprefix('types.')}`" for f in renamed[:6])
        return [Step("code.renames", ENGINEERS, "offchain", "Update code that uses renamed generated members",
                     (f"renamed: {names}; the generated Python, C++ and proto members follow the IDL names, so "
                      f"rebuild (`idlgen build`) and update the code of {self.off} that uses them "
                      "(`idlgen migrate OLD NEW` for the Python side)",),
                     (manual(f"{self.off} build and pass their tests against the new generated code"),))]

    def none(self) -> list[Section]:
        steps = [*self.code_updates(),
                 Step("deploy.any_order", DEVOPS, "offchain", "Deploy in any order",
                      ("nothing changes on the wire: deploy the program and the off-chain binaries in any order",),
                      ())]
        return [Section("rollout", "Rollout", "", tuple(steps))]

    # ---- soft: the phased rollout ------------------------------------------------------------------------

    def phased(self) -> list[Section]:
        soft = self.findings(Level.SOFT)
        readers = [f for f in soft if f.rollout is Rollout.READERS_FIRST]
        program_first = [f for f in soft if f.rollout is not Rollout.READERS_FIRST and f.rule not in
                         ("FAMILY_MEMBER_ADDED", "FAMILY_MEMBER_REMOVED")]
        adding = [f for f in self.fams if f.added and (f.gate or f.carrier)]
        retiring = [f for f in self.fams if f.removed and (f.gate or f.carrier)]
        prep: list[Step] = [*self.code_updates()]
        steps: list[Step] = []
        what = ", ".join(f"{f.stem}V{v}" for f in adding for v in f.added) or "the change"
        prep.append(Step("phase1.implement", CHAIN, "offchain",
                         f"Implement on-chain support for {what}" if adding else "Implement the program change",
                         ("build the new program from the new IDL; old producers' transactions must keep working"
                          + ("; the new version is routed on the version byte beside the old ones" if adding else ""),
                          "`idlgen simtest --deployed OLD --candidate NEW"
                          + (f" --allowed-versions {adding[0].gate.live}" if adding and adding[0].gate else "")
                          + "` passes"),
                         (manual("the sim-test passes against the staged program"),)))
        for name, a, b in self.lowered_limits():
            steps.append(Step(f"producers.limit.{name.lower()}", ENGINEERS, "offchain",
                              f"Producers respect the lowered `{name}` ({a} -> {b}) first",
                              (f"release builds of {self.off} that never exceed {b} before the program enforces it: "
                               f"the new program refuses what exceeds {b}, which old producers may still send",),
                              (Check(f"no producer emits more than {b} (`{name}`)",
                                     {"producers_respect": {"constant": name, "value": b}}),)))
        if readers:
            steps.append(Step("readers.upgrade", ENGINEERS, "offchain",
                              "Upgrade readers first (indexers, account and event decoders)",
                              tuple(f"`{f.rule}`: {f.message}" for f in readers[:8]),
                              (manual("every reader runs a build from the new IDL"),)))
        for f in retiring:
            steps += self.retire_steps(f, before_deploy=True)
        pre_deploy = {f.stem: (f.gate.live & ~mask_of(f.removed)) for f in self.fams if f.gate}
        keep = [self.mask_is(f.gate, pre_deploy[f.stem]) for f in adding if f.gate]
        steps.append(self.deploy_step("phase1.deploy", "Phase 1: deploy the new program" +
                                      (f" (accepts {', '.join(f'V{v}' for f in adding for v in f.new)}; the new "
                                       "version dormant)" if adding else ""), "new", keep))
        for f in adding:
            old = f.emitted()
            checks = [self.settles(f, old)] if old is not None else []
            if f.gate:
                checks += [self.refused(f, v, f.disabled_error) for v in f.added]
            steps.append(Step(f"phase1.verify.{f.stem.lower()}", QA, "verify",
                              f"Verify Phase 1: version {old} {f.stem} batches still settle"
                              + ("; the new version is still refused" if f.gate else ""),
                              ("watch the relayer logs for the next settled batches; send one test batch of each "
                               "version listed below",), tuple(checks)))
        gated = [f for f in adding if f.gate]
        if gated:
            masks = {f.stem: f.gate.target for f in gated if f.gate}
            steps.append(self.mask_step("phase1.enable", "Enable the new version in the bitmask", masks,
                                        [self.settles(f, f.emitted()) for f in gated if f.emitted() is not None]))
        if adding:
            newest = {f.stem: max(f.added) for f in adding}
            steps.append(Step("phase2.implement", ENGINEERS, "offchain",
                              "Phase 2: build the engine and relayer that emit the new version",
                              tuple(f"emit {f.stem} version {newest[f.stem]} (`emit_version = {newest[f.stem]}`), "
                                    "built from the new IDL's generated code" for f in adding),
                              (manual("the sim-test of the new binaries against the deployed program passes"),)))
            steps.append(Step("phase2.deploy", DEVOPS, "offchain",
                              "Phase 2: rolling restart of Zone A (engine) and Zone B (relayer)",
                              ("roll the new engine and relayer out server by server; each restarted relayer "
                               "starts sending the new version",),
                              tuple(self.settles(f, newest[f.stem]) for f in adding)))
        elif program_first or not retiring:
            steps.append(Step("producers.switch", DEVOPS, "offchain",
                              f"Switch producers ({self.off}) to the new form",
                              tuple(f"`{f.rule}`: {f.message}" for f in program_first[:8]),
                              (manual("the new producers' transactions succeed"),)))
        errors = sorted({e for f in self.fams for e in (f.disabled_error, f.unknown_error) if e})
        monitor = [Check("no settlement errors" + (f" ({', '.join(errors)})" if errors else ""),
                         {"errors": errors, "count": 0})]
        if self.batchy:
            monitor.append(Check("pending trades drain as before (back to 0 after each flush)",
                                 {"pending_trades": 0}))
        steps.append(Step("monitor", SRE, "verify", "Monitor settlement errors and latency",
                          ("watch errors, confirmation latency" + (" and pending trades" if self.batchy else "")
                           + " for a full day",),
                          tuple(monitor)))
        sections = [Section("prepare", "Prepare", "", tuple(prep)),
                    Section("rollout", "Rollout", "", tuple(steps))]
        if adding and any(f.old for f in adding) and not retiring:
            sections.append(self.phase3(adding))
        sections += self.soft_rollbacks(adding, retiring)
        return sections

    def retire_steps(self, f: Fam, *, before_deploy: bool, prefix: str = "retire") -> list[Step]:
        gone = ", ".join(f"V{v}" for v in f.removed)
        keep = [v for v in f.new if f.gate is None or f.gate.live >> (v - 1) & 1]
        steps = [Step(f"{prefix}.precondition.{f.stem.lower()}", SRE, "verify",
                      f"Precondition: no producer emits {f.stem} {gone}",
                      ("relayer logs and metrics show only versions " + ", ".join(map(str, keep)) +
                       " for at least a full day",),
                      (Check(f"producers emit only {f.stem} " + ", ".join(f"V{v}" for v in keep),
                             {"family": f.stem, "producers_emit_only": keep}),))]
        if f.gate is not None and f.gate.live & mask_of(f.removed):
            mask = f.gate.live & ~mask_of(f.removed)
            checks = [*(self.settles(f, v) for v in keep[-1:]), *(self.refused(f, v, f.disabled_error)
                                                                   for v in f.removed)]
            steps.append(self.mask_step(f"{prefix}.disable.{f.stem.lower()}", f"Disable {f.stem} {gone} in the "
                                        "bitmask" + (" before the program that drops it is deployed"
                                                     if before_deploy else ""), {f.stem: mask}, checks))
        return steps

    def phase3(self, adding: Sequence[Fam]) -> Section:
        steps: list[Step] = []
        for f in adding:
            old = [v for v in f.old if f.gate is None or f.gate.live >> (v - 1) & 1]
            retired = Fam(f.stem, f.new, tuple(v for v in f.new if v not in old), f.carrier,
                          None if f.gate is None else Gate(f.stem, f.gate.account, f.gate.field, f.gate.bits,
                                                           f.gate.target, f.gate.source, f.gate.target & ~mask_of(old)),
                          f.disabled_error, f.unknown_error)
            steps += self.retire_steps(retired, before_deploy=False, prefix="phase3")
        steps.append(Step("phase3.cleanup", CHAIN, "offchain", "Later: remove the old version's code from the program",
                          ("a separate IDL change that drops the old member; plan it with `idlgen diff --plan` (a "
                           "retirement) and acknowledge `FAMILY_MEMBER_REMOVED` in `[tool.idlgen.diff]`",), ()))
        return Section("phase3", "Phase 3 (optional): retire the old version",
                       "once no producer emits the old version", tuple(steps))

    def soft_rollbacks(self, adding: Sequence[Fam], retiring: Sequence[Fam]) -> list[Section]:
        gated = [f for f in (*adding, *retiring) if f.gate]
        if not gated:
            steps = [Step("rollback.producers", DEVOPS, "offchain", "Revert the producers to the previous build",
                          (f"Docker tag rollback of {self.off} first",), ()),
                     self.deploy_step("rollback.program", "Revert the program to the previous build", "previous",
                                      (), "multisig approval and timelock apply")]
            state = sorted({s for f in self.findings(Level.SOFT) if f.axis == "state" for s in f.sites})
            cond = "" if not state else (f"accounts written by the new program ({', '.join(state)}) may hold values "
                                         "the old program cannot read: check them before reverting the program")
            return [Section("rollback", "Rollback", cond, tuple(steps))]
        live = {f.stem: f.gate.live for f in gated if f.gate}
        old_logic = ", ".join(f"{f.stem} V{f.emitted()}" for f in gated if f.emitted() is not None)
        cond = (f"valid only while the deployed program still contains the {old_logic} logic (true after Phase 1 of "
                "this plan; false once a program without it is deployed: Phase 3's cleanup or a hard fork)")
        flag_checks = [*(self.settles(f, f.emitted()) for f in gated if f.emitted() is not None),
                       *(self.refused(f, v, f.disabled_error) for f in adding if f.gate for v in f.added)]
        flag = Section("rollback.flag", "Rollback: flag flip (0-latency)",
                       cond + "; and while producers still emit the old version (before Phase 2), else use the "
                       "full rollback", (self.mask_step("rollback.flag", "Restore the live bitmask in one "
                                                        "transaction", live, flag_checks),))
        pause, unpause = self.call("pause"), self.call("unpause")
        full = [Step("rollback.pause", MULTISIG, "onchain", "Pause: settlement stops",
                     ("`pause`" if pause else "stop the relayer (the IDL has no pause instruction)",),
                     tuple(self.paused_is(True)), pause),
                Step("rollback.binaries", DEVOPS, "offchain", "Revert the engine and relayer binaries",
                     ("Docker tag rollback of Zone A and Zone B to the previous build, which emits "
                      + old_logic + "",), (manual("every relayer and engine runs the previous build"),)),
                self.mask_step("rollback.reallow", "Re-allow the old version", live, ()),
                Step("rollback.unpause", MULTISIG, "onchain", "Unpause: the old, stable logic resumes",
                     ("`unpause`" if unpause else "restart the relayer",),
                     (*self.paused_is(False), *(self.settles(f, f.emitted()) for f in gated
                                                if f.emitted() is not None)), unpause)]
        return [flag, Section("rollback.full", "Rollback: full (producers go back too)", cond, tuple(full))]

    # ---- hard: stop the world ----------------------------------------------------------------------------

    def migrations(self, hard: Sequence[Finding]) -> list[Migration]:
        if self.op is None or self.np is None:
            return []
        names = sorted({f.subject.split(".")[1] for f in self.c.findings if f.subject.startswith("accounts.")
                        and f.effective is Level.HARD} |
                       {s.split("`")[1] for f in hard if f.axis == "state" for s in f.sites if "`" in s})
        out = []
        for name in names:
            a = next((x for x in self.op.accounts if x.name == name), None)
            b = next((x for x in self.np.accounts if x.name == name), None)
            if a is None or b is None:
                continue
            out.append(field_map(self.op, self.np, a, b))
        return out

    def hard_fork(self, hard: Sequence[Finding]) -> list[Section]:
        moved = any(f.rule == "PROGRAM_ADDRESS_CHANGED" for f in hard)
        gated = [f for f in self.fams if f.gate]
        pause, unpause = self.call("pause"), self.call("unpause")
        migrations = self.migrations(hard)
        prep = [*self.code_updates(),
                Step("hardfork.build", CHAIN, "offchain", "Build and stage the new program and off-chain binaries",
                     (f"build the program and {self.off} from the new IDL; keep the previous builds "
                      "(program .so, Docker tags) for the rollback",
                      "rehearse this plan on a local validator or LiteSVM with a copy of the live accounts"),
                     (manual("the rehearsal passes every verify line of this plan"),))]
        if self.batchy:
            enter = [Step("hardfork.gateway", DEVOPS, "offchain", "Maintenance mode: gateways return 503",
                          ("API gateways answer `503 Service Unavailable`; websockets send the `System Maintenance` "
                           "alert",),
                          (Check("the gateway answers 503 to new orders", {"gateway_status": 503}),)),
                     Step("hardfork.engine_stop", ENGINEERS, "offchain", "The engine stops matching",
                          ("pause matching and reject new orders; the engine emits its last batch",),
                          (Check("the engine matches nothing and rejects new orders", {"engine_matching": False}),)),
                     Step("hardfork.flush", ENGINEERS, "verify", "The relayer flushes every pending trade",
                          ("relayer in flush mode: it settles every queued trade on-chain *while settlement still "
                           "runs* (the program is not paused yet)",),
                          (Check("pending trades = 0", {"pending_trades": 0}), *self.paused_is(False),
                           Check("the last settled batch id equals the engine's last emitted batch",
                                 {"last_settled_batch": "equals_engine_last_emitted"})))]
        else:
            enter = [Step("hardfork.clients_stop", DEVOPS, "offchain", "Maintenance mode: stop sending transactions",
                          ("announce the maintenance window; front ends and bots stop sending transactions to the "
                           "program",), (manual("no new transaction reaches the program"),)),
                     Step("hardfork.drain", SRE, "verify", "Wait for in-flight transactions",
                          ("wait until every transaction already sent is confirmed or has expired (its blockhash "
                           "is older than 150 slots)",), (manual("no transaction to the program is in flight"),))]
        enter.append(Step("hardfork.pause", MULTISIG, "onchain", "Pause the program",
                          ("`pause`" if pause else "the IDL has no pause instruction: nothing stops callers on-chain, "
                           "so keep the off-chain stop in place until the resume step",),
                          tuple(self.paused_is(True)), pause))
        up: list[Step] = []
        snap = [f"`solana account {self.account_address(m.account) or f'<{m.account} address>'} --output json > "
                f"before/{m.account}.json`" for m in migrations]
        if migrations or gated:
            up.append(Step("hardfork.snapshot", SRE, "offchain", "Snapshot the state accounts",
                           tuple(snap) or ("dump the config account (`solana account ... --output json`)",),
                           (manual("a dump of every account below is stored with the change ticket"),)))
        if moved:
            up.append(Step("hardfork.deploy", MULTISIG, "onchain", "Deploy the new program under its new id",
                           (f"`solana program deploy` of the new build at {self.np.address if self.np else ''} (the "
                            "IDL's new address)", "initialize its state accounts (new PDAs of the new id)"),
                           (Check("the deployed program is the new build", {"program_build": "new"}),)))
        else:
            up.append(self.deploy_step("hardfork.deploy", "Upgrade the program in place", "new", ()))
        for m in migrations:
            up.append(self.migration_step(m, moved))
        if gated and not moved:
            masks = {f.stem: f.gate.target for f in gated if f.gate}
            if any(f.gate and f.gate.target != f.gate.live for f in gated):
                up.append(self.mask_step("hardfork.bitmask", "Set the bitmask to the new program's versions", masks,
                                         ()))
        up.append(Step("hardfork.binaries", DEVOPS, "offchain", "Deploy the new off-chain binaries",
                       ("deploy the C++ engine and the relayer built from the new IDL (matching stays paused)",)
                       if self.batchy else ("deploy every client and reader built from the new IDL",),
                       (manual(f"{self.off} and every reader run the new build"),)))
        flight = [Step("hardfork.unpause", MULTISIG, "onchain", "Unpause the program (gateways still closed)",
                       ("`unpause`" if unpause else "nothing to unpause on-chain",), tuple(self.paused_is(False)),
                       unpause)]
        flight.append(self.heartbeat() if self.batchy else
                      Step("hardfork.smoke", QA, "verify", "Smoke-test transaction",
                           ("send one transaction of each changed instruction from a new client",),
                           (manual("each smoke-test transaction succeeds and its accounts decode with the new IDL"),)))
        resume = [Step("hardfork.gateways", DEVOPS, "offchain", "Enable the gateways",
                       ("gateways answer 200 again; websockets announce the end of maintenance",) if self.batchy else
                       ("front ends and bots resume",),
                       (Check("the gateway accepts orders", {"gateway_status": 200}),) if self.batchy else ())]
        if self.batchy:
            first = [self.settles(f, max(f.new)) for f in self.fams if f.carrier and f.new]
            resume.append(Step("hardfork.resume", ENGINEERS, "offchain", "Resume matching",
                               ("the engine resumes matching; the relayer leaves flush mode",), tuple(first)))
        resume.append(Step("hardfork.monitor", SRE, "verify", "Monitor",
                           ("watch settlement errors, latency and pending trades" if self.batchy else
                            "watch the program's error rate",), (Check("no errors", {"errors": [], "count": 0}),)))
        sections = [Section("prepare", "Prepare", "", tuple(prep)),
                    Section("maintenance", "Enter maintenance mode", "", tuple(enter)),
                    Section("upgrade", "The upgrade", "", tuple(up)),
                    Section("test_flight", "Test flight", "", tuple(flight)),
                    Section("resume", "Resume", "", tuple(resume))]
        sections.append(self.hard_rollback(migrations, pause, unpause))
        return sections

    def heartbeat(self) -> Step:
        state = next((m for m in self.np.accounts if "settle" in m.name.lower()), None) if self.np else None
        fld = None
        if state is not None and self.np is not None:
            body = self.np.type(state.type).body
            if isinstance(body, StructBody):
                fld = next((f.snake for f in body.fields if "batch_id" in f.snake), None)
        checks: list[Check] = [Check("the heartbeat transaction succeeds, signed by the active relayer",
                                     {"heartbeat": "succeeds", "signer": "active_relayer"})]
        ping = None
        if self.ix("ping") and self.np is not None:
            inst = next(x for x in self.np.instructions if x.snake == "ping")
            src = {a.snake: (f"{state.name}.{fld} + 1" if state and fld and "batch_id" in a.snake else
                             "known at run time") for a in inst.args}
            ping = self.call("ping", unresolved=src)
        run = ("`ping`" + (f" with {', '.join(f'{k} = {v}' for k, v in ping.unresolved.items())}" if ping else "")
               if ping else "a heartbeat batch (0-value trades) through the relayer",)
        if state is not None and fld is not None:
            checks.append(Check(f"`{state.name}.{fld}` advanced by 1", {"account": state.name, "field": fld,
                                                                        "increased_by": 1}))
        checks.append(Check("a heartbeat signed by any other key is refused (the signature check runs)",
                            {"heartbeat": "refused", "signer": "other"}))
        if state is not None:
            checks.append(Check(f"`{state.name}` decodes with the new IDL (the state root and batch id updated)",
                                {"account": state.name, "decodes": "new"}))
        return Step("hardfork.heartbeat", ENGINEERS, "onchain", "Heartbeat: the relayer sends a test batch", run,
                    tuple(checks), ping)

    def migration_step(self, m: Migration, moved: bool) -> Step:
        migrate = next((x.snake for x in (self.np.instructions if self.np else ()) if "migrat" in x.snake), None)
        sizes = f"{m.old_size}+8 -> {m.new_size}+8 bytes" if m.old_size and m.new_size else "size changes"
        if migrate:
            method = f"method: the new program's `{migrate}` instruction, once per `{m.account}` account"
        elif moved:
            method = (f"method: create the new program's `{m.account}` accounts (its initializer) filled from the "
                      "snapshot by the field map; the old program's accounts stay behind, paused")
        else:
            method = (f"method: in place ({sizes}). The new IDL has no migration instruction, so the new build must "
                      f"realloc each `{m.account}` and rewrite it by the field map below on upgrade (a one-off "
                      "migration instruction or conversion on first access); prove it on the snapshot in LiteSVM "
                      "before the window")
        checks = [Check(f"`{m.account}` is {m.new_size} + {DISCRIMINATOR} bytes and decodes with the new IDL",
                        {"account": m.account, "size": (m.new_size or 0) + DISCRIMINATOR, "decodes": "new"})]
        checks += [Check(f"`{m.account}.{line.split('`')[1]}` equals the snapshot's `{line.split('`')[3]}`",
                         {"account": m.account, "field": line.split("`")[1], "equals_snapshot": line.split("`")[3]})
                   for line in m.fields if " <- old " in line]
        return Step(f"hardfork.migrate.{m.account.lower()}", CHAIN, "onchain", f"Migrate the `{m.account}` accounts",
                    (method, *(f"field map: {line}" for line in m.fields)), tuple(checks))

    def hard_rollback(self, migrations: Sequence[Migration], pause: OnchainIx | None,
                      unpause: OnchainIx | None) -> Section:
        gated = [f for f in self.fams if f.gate]
        steps = [Step("rollback.stop", DEVOPS, "offchain", "Maintenance mode again",
                      ("gateways 503, matching paused, relayer flushed to 0 pending" if self.batchy
                       else "stop clients sending transactions",),
                      (Check("pending trades = 0", {"pending_trades": 0}),) if self.batchy else ()),
                 Step("rollback.pause", MULTISIG, "onchain", "Pause the program", ("`pause`" if pause else "-",),
                      tuple(self.paused_is(True)), pause),
                 self.deploy_step("rollback.program", "Redeploy the previous program build", "previous", (),
                                  "multisig approval and timelock apply: this is not a 0-latency rollback")]
        for m in migrations:
            back = [ln for ln in m.fields if " <- old " in ln]
            steps.append(Step(f"rollback.restore.{m.account.lower()}", CHAIN, "onchain",
                              f"Restore the `{m.account}` accounts",
                              (f"write back the snapshot `before/{m.account}.json` (old layout, {m.old_size}+8 bytes), "
                               "then replay what settled after the fork: " + "; ".join(
                                   f"old `{ln.split('`')[3]}` <- `{ln.split('`')[1]}`" for ln in back),),
                              (Check(f"`{m.account}` decodes with the old IDL", {"account": m.account,
                                                                                 "decodes": "old"}),)))
        steps.append(Step("rollback.binaries", DEVOPS, "offchain", "Revert the off-chain binaries",
                          (f"Docker tag rollback of {self.off} and every reader",), ()))
        if gated:
            steps.append(self.mask_step("rollback.reallow", "Re-allow the old versions",
                                        {f.stem: f.gate.live for f in gated if f.gate}, ()))
        steps.append(Step("rollback.unpause", MULTISIG, "onchain", "Unpause and resume",
                          ("`unpause`, then gateways and matching" if unpause else "resume clients",),
                          (*self.paused_is(False), *(self.settles(f, f.emitted()) for f in gated
                                                     if f.emitted() is not None)), unpause))
        return Section("rollback", "Rollback", "possible only until the new program has written state the old one "
                       "cannot read beyond what the snapshot restores; the old versions' logic is not in the new "
                       "bytecode, so no flag flip can roll this back", tuple(steps))


def field_map(op: Program, np: Program, a: Account, b: Account) -> Migration:
    ta, tb = op.type(a.type), np.type(b.type)
    lines: list[str] = []
    if isinstance(ta.body, StructBody) and isinstance(tb.body, StructBody):
        of, nf = ta.body.fields, tb.body.fields
        pairs = align([name_key(f.snake) for f in of], [name_key(f.snake) for f in nf],
                      lambda i, j: of[i].type == nf[j].type)
        for i, j in sorted(pairs, key=lambda p: (p[1] if p[1] is not None else 1 << 30)):
            if j is None and i is not None:
                lines.append(f"dropped: old `{of[i].snake}`")
            elif i is None and j is not None:
                lines.append(f"`{nf[j].snake}` <- zero (new field)")
            elif i is not None and j is not None:
                how = "" if of[i].snake == nf[j].snake else " (renamed)"
                if of[i].type != nf[j].type:
                    how += " (converted)"
                lines.append(f"`{nf[j].snake}` <- old `{of[i].snake}`{how}")
    return Migration(b.name, max_size(op, DefinedType(a.type)), max_size(np, DefinedType(b.type)), tuple(lines))


def _snake(name: str) -> str:
    from idlgen.anchor.names import snake_case

    return snake_case(name)


def _int(v: str | None) -> int | None:
    if v is None:
        return None
    try:
        return int(v.strip().replace("_", ""), 0)
    except ValueError:
        return None
