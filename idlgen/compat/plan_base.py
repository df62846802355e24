"""What the plan builder knows about a comparison, and the small steps every playbook shares.

`PlanBase` holds the families as the plan sees them (gate, live mask, target mask), finds the config,
pause and heartbeat instructions, and builds checks (`mask_is`, `settles`, `refused`) and the on-chain
steps (`mask_step`: one config update; `deploy_step`: the loader's Upgrade). The playbooks themselves
are in `playbooks.py` (phased, retirement) and `playbook_hardfork.py` (stop the world).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from idlgen.compat.differences import Comparison, Finding
from idlgen.compat.plan import (
    ENGINEERS,
    MULTISIG,
    Check,
    Gate,
    Step,
    gate_bits,
    mask_of,
    show_mask,
    versions_in,
)
from idlgen.compat.plan_encode import Encoder, IxFactory, LiveConfig, OnchainIx
from idlgen.compat.rules import Level
from idlgen.ir.model import Family, Prim, PrimType, Program, StructBody

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


class PlanBase:
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
