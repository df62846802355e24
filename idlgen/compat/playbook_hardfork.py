"""The stop-the-world playbook: maintenance off-chain first, flush while settlement still runs, pause,
snapshot, upgrade program and state (method and field map), bitmask, binaries, unpause with gateways
closed, heartbeat, resume; and its rollback (redeploy the previous build, restore the snapshot)."""

from __future__ import annotations

from collections.abc import Sequence

from idlgen.compat.align import align
from idlgen.compat.differences import Finding, name_key
from idlgen.compat.plan import (
    CHAIN,
    DEVOPS,
    ENGINEERS,
    MULTISIG,
    QA,
    SRE,
    Check,
    Section,
    Step,
)
from idlgen.compat.plan_base import DISCRIMINATOR, Migration, PlanBase, manual
from idlgen.compat.plan_encode import OnchainIx
from idlgen.compat.rules import Level
from idlgen.compat.wire import max_size
from idlgen.ir.model import Account, DefinedType, Program, StructBody


class HardForkSteps(PlanBase):
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
