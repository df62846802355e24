"""The design's playbooks as plan steps: phased (soft), retirement, stop-the-world (hard).

Wording follows what the program has: batch families with a gate get the bitmask, relayer flush and
heartbeat steps; a program without families or a gate gets the generic form (producers, in-flight
transactions, a smoke-test transaction), never steps about things it does not have.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    mask_of,
)
from idlgen.compat.plan_base import Fam, PlanBase, manual
from idlgen.compat.playbook_hardfork import HardForkSteps
from idlgen.compat.rules import Level, Rollout


class Planner(HardForkSteps, PlanBase):
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
        gone = ", ".join(f"{f.stem}V{v}" for f in retiring for v in f.removed)
        title = (f"Implement on-chain support for {what}" if adding else
                 f"Implement the program without {gone}" if retiring else "Implement the program change")
        prep.append(Step("phase1.implement", CHAIN, "offchain", title,
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
        keep = [self.mask_is(f.gate, pre_deploy[f.stem]) for f in (*adding, *retiring) if f.gate]
        # Once deployed, a retired version is unknown to the program, no longer merely disabled.
        keep += [self.refused(f, v, f.unknown_error) for f in retiring for v in f.removed]
        keep += [self.settles(f, max(f.new)) for f in retiring if f.new and not adding]
        label = ("Phase 1: deploy the new program" + (f" (accepts {', '.join(f'V{v}' for f in adding for v in f.new)}; "
                                                      "the new version dormant)" if adding else "")
                 if adding or not retiring else f"Deploy the program without {gone}")
        steps.append(self.deploy_step("phase1.deploy", label, "new", tuple({k.text: k for k in keep}.values())))
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
        if retiring and not adding:
            return self.retirement_rollback(retiring)
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

    def retirement_rollback(self, retiring: Sequence[Fam]) -> list[Section]:
        gated = [f for f in retiring if f.gate]
        live = {f.stem: f.gate.live for f in gated if f.gate}
        gone = ", ".join(f"{f.stem} V{v}" for f in retiring for v in f.removed)
        back = [self.settles(f, v) for f in retiring for v in f.removed]
        sections: list[Section] = []
        if gated:
            sections.append(Section(
                "rollback.flag", "Rollback before the deploy: flag flip (0-latency)",
                f"valid only until the program without {gone} is deployed: until then its logic is still in the "
                "bytecode", (self.mask_step("rollback.flag", "Re-allow the retired version in one transaction", live,
                                            back),)))
        # The previous build knows the retired version again, but the bitmask still disables it.
        still_off = [self.refused(f, v, f.disabled_error) for f in gated for v in f.removed]
        steps = [self.deploy_step("rollback.program", "Redeploy the previous program build", "previous",
                                  still_off if gated else back,
                                  "multisig approval and timelock apply: the retired logic is no longer in the "
                                  "deployed bytecode, so no flag flip brings it back")]
        if gated:
            steps.append(self.mask_step("rollback.reallow", "Re-allow the retired version", live, back))
        steps.append(Step("rollback.producers", DEVOPS, "offchain", "Producers may emit the retired version again",
                          (f"only if a producer must: {self.off} on the previous build",), ()))
        sections.append(Section("rollback.full", "Rollback after the deploy",
                                "once the program without the retired version is deployed", tuple(steps)))
        return sections
