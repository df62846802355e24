"""`idlgen simtest`: prove a candidate IDL's off-chain build settles on the program deployed now.

Two sides: the *deployed* IDL (the program on chain, its producers) and the *candidate* IDL (the new
program and the new off-chain build). Both are rendered with the Python target into a temporary folder
and exercised through their JSON bridges, so the check runs the code the relayer runs.

A rollout has three moments and each is checked on its own (see docs/tools.md):

    Phase 1   new program, old producers   old payloads must still decode in the new program; the
                                            accounts the old program wrote must read the same
    Phase 2   new program, new producers   the version the new build emits is known and enabled by
                                            allowed_<family>_versions
    Rollback  old program, old producers   the old program must read the accounts the new one wrote

"The same" means the receiving codec decodes the bytes to the value the sender encoded, compared
position by position (renamed fields are fine on the wire; a moved enum variant is not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    EnumBody,
    Family,
    Instruction,
    OptionType,
    Prim,
    PrimType,
    Program,
    StructBody,
    StructKind,
    TypeRef,
    VecType,
)
from idlgen.tools.codecs import Codec
from idlgen.tools.samples import Sampler
from idlgen.tools.svm import ANCHOR_DECODE_ERRORS, Outcome, ProgramVM, Verdict


@dataclass(slots=True)
class Check:
    ok: bool
    text: str


@dataclass(slots=True)
class Phase:
    title: str
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, ok: bool, text: str) -> None:
        self.checks.append(Check(ok, text))


@dataclass(frozen=True, slots=True)
class FamilyPlan:
    stem: str
    deployed: Family | None
    candidate: Family
    old_emit: tuple[int, ...]
    new_emit: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Options:
    allowed: int | None  # the deployed allowed-versions bitmask, None when unknown
    allowed_source: str  # where it came from, for the report
    emit_version: int | None  # what the new producers emit (flag; else config; else the highest)
    old_emit_version: int | None  # what the old producers emit (flag; else the highest allowed)
    samples: int = 5
    seed: int = 0


# ---- comparing values across two IDLs -------------------------------------------------------------

def normalize(program: Program, t: TypeRef, value: Any) -> Any:
    """Canonical JSON with struct field names dropped (Borsh is positional), variant names kept."""
    match t:
        case PrimType():
            return value
        case VecType(inner=i) | ArrayType(inner=i):
            if isinstance(value, list):
                return [normalize(program, i, v) for v in value]
            return value
        case OptionType(inner=i) | COptionType(inner=i):
            return None if value is None else normalize(program, i, value)
        case DefinedType(name=n):
            return normalize_def(program, n, value)
    return value


def normalize_def(program: Program, name: str, value: Any) -> Any:
    body = program.type(name).body
    if isinstance(body, StructBody):
        if body.kind is StructKind.NAMED and isinstance(value, dict):
            return [normalize(program, f.type, value.get(f.name)) for f in body.fields]
        if isinstance(value, list):
            return [normalize(program, f.type, v) for f, v in zip(body.fields, value, strict=False)]
        return value
    assert isinstance(body, EnumBody)
    if isinstance(value, dict) and len(value) == 1:
        vname, inner = next(iter(value.items()))
        variant = next((v for v in body.variants if v.name == vname), None)
        if variant is None:
            return value
        if isinstance(inner, dict):
            return {vname: [normalize(program, f.type, inner.get(f.name)) for f in variant.fields]}
        if isinstance(inner, list):
            return {vname: [normalize(program, f.type, v) for f, v in zip(variant.fields, inner, strict=False)]}
    return value


def args_normalized(program: Program, ix: Instruction, value: dict[str, Any]) -> list[Any]:
    return [normalize(program, a.type, value.get(a.name)) for a in ix.args]


def received(receiver: Codec, kind: str, name: str, data: bytes, *, sent: Any, want: Any,
             norm: Callable[[Any], Any]) -> str | None:
    """None when the receiver decodes `data` to a value whose `norm` is `want`, else why not."""
    try:
        got = receiver.decode(kind, name, data)
    except ValueError as exc:
        return f"rejected: {exc}"
    if norm(got) != want:
        return f"decodes to a different value: sent {_clip(sent)}, read {_clip(got)}"
    return None


def _clip(v: Any, n: int = 120) -> str:
    import json

    s = json.dumps(v, ensure_ascii=False, default=str)
    return s if len(s) <= n else s[: n - 3] + "..."


def mask_text(mask: int) -> str:
    return f"{mask} (0b{mask:b})"


def mask_allows(mask: int, version: int) -> bool:
    return bool(mask >> (version - 1) & 1)


# ---- the codec-level phases -----------------------------------------------------------------------

class SimTest:
    def __init__(self, deployed: Codec, candidate: Codec, opts: Options,
                 candidate_emit_config: dict[str, int] | None = None) -> None:
        self.dep = deployed
        self.cand = candidate
        self.opts = opts
        self.cand_emit_config = candidate_emit_config or {}
        self.plans = self._plans()

    def _plans(self) -> list[FamilyPlan]:
        plans: list[FamilyPlan] = []
        dep_fams = {f.stem: f for f in self.dep.program.families}
        for fam in self.cand.program.families:
            if fam.carrier is None:
                continue  # only families the off-chain side sends to the program have producers
            dep = dep_fams.get(fam.stem)
            new_v = self.opts.emit_version or self.cand_emit_config.get(fam.stem) or max(fam.versions)
            if new_v not in fam.versions:
                raise IdlgenError(f"emit version {new_v} is not a member of family {fam.stem} in the candidate "
                                  f"(it has {', '.join(map(str, fam.versions))})")
            if self.opts.old_emit_version is not None:
                old: tuple[int, ...] = (self.opts.old_emit_version,)
            elif dep is None:
                old = ()
            else:
                allowed = [v for v in dep.versions if self.opts.allowed is None or mask_allows(self.opts.allowed, v)]
                old = (max(allowed or dep.versions),)
            plans.append(FamilyPlan(fam.stem, dep, fam, old, (new_v,)))
        return plans

    # -- building blocks --
    def sampler(self, program: Program, salt: int) -> Sampler:
        return Sampler(program, seed=self.opts.seed * 1_000_003 + salt)

    def family_payload(self, codec: Codec, fam: Family, version: int, salt: int) -> tuple[bytes, Any]:
        member = next(m for m in fam.members if m.version == version)
        value = self.sampler(codec.program, salt).typedef(member.type)
        return bytes([version]) + codec.encode("type", member.type, value), (member.type, value)

    def check_family(self, phase: Phase, plan: FamilyPlan, version: int, *, sender: Codec, receiver: Codec,
                     receiver_fam: Family | None, who: str) -> None:
        label = f"{plan.stem} v{version} from {who}"
        sender_fam = plan.candidate if sender is self.cand else plan.deployed
        if sender_fam is None or version not in sender_fam.versions:
            phase.add(False, f"{label}: the sending IDL has no {plan.stem} v{version}")
            return
        if receiver_fam is None or version not in receiver_fam.versions:
            known = ", ".join(f"v{v}" for v in receiver_fam.versions) if receiver_fam else "no versions"
            err = receiver_fam.unknown_version_error if receiver_fam else None
            phase.add(False, f"{label}: version byte {version} is unknown to the receiving program (it knows "
                      f"{known}){f'; it would fail with {err}' if err else ''}")
            return
        if self.opts.allowed is not None and not mask_allows(self.opts.allowed, version):
            err = receiver_fam.disabled_version_error
            phase.add(False, f"{label}: allowed versions {mask_text(self.opts.allowed)} "
                      f"({self.opts.allowed_source}) does not enable version {version}"
                      f"{f' ({err})' if err else ''}: set it to {mask_text(self.opts.allowed | 1 << (version - 1))} "
                      "first")
            return
        rmember = next(m for m in receiver_fam.members if m.version == version)
        for i in range(self.opts.samples):
            data, (stype, value) = self.family_payload(sender, sender_fam, version, salt=version * 100 + i)
            if data[0] != version:
                phase.add(False, f"{label}: sender wrote version byte {data[0]}")
                return
            want = normalize_def(sender.program, stype, value)
            why = received(receiver, "type", rmember.type, data[1:], sent=value, want=want,
                           norm=partial(normalize_def, receiver.program, rmember.type))
            if why:
                phase.add(False, f"{label}: sample {i}: {why}")
                return
        bitmask = "" if self.opts.allowed is None else f", enabled by {mask_text(self.opts.allowed)}"
        phase.add(True, f"{label}: known to the receiving program{bitmask}, decodes to the same value "
                  f"({self.opts.samples} samples)")

    def check_instructions(self, phase: Phase, sender: Codec, receiver: Codec, who: str) -> None:
        recv = {ix.snake: ix for ix in receiver.program.instructions}
        carriers = {f.carrier.instruction for f in sender.program.families if f.carrier}
        bad = 0
        checked = 0
        for ix in sender.program.instructions:
            rix = recv.get(ix.snake)
            if rix is None:
                phase.add(False, f"instruction {ix.name} ({who}) does not exist in the receiving program")
                bad += 1
                continue
            if rix.discriminator != ix.discriminator:
                phase.add(False, f"instruction {ix.name}: discriminator {ix.discriminator.hex()} became "
                          f"{rix.discriminator.hex()}: every call fails with 101")
                bad += 1
                continue
            for i in range(self.opts.samples):
                value = self.sampler(sender.program, 7919 + i).args(ix.args)
                data = sender.encode("instruction", ix.name, value)
                want = args_normalized(sender.program, ix, value)
                why = received(receiver, "instruction", rix.name, data, sent=value, want=want,
                               norm=partial(args_normalized, receiver.program, rix))
                if why:
                    phase.add(False, f"instruction {ix.name} ({who}): sample {i}: {why}")
                    bad += 1
                    break
            checked += 1
        if not bad:
            extra = f" ({', '.join(sorted(carriers))} with random bytes)" if carriers else ""
            phase.add(True, f"{checked} instruction(s) from {who} decode to the same args{extra}")

    def check_accounts(self, phase: Phase, writer: Codec, reader: Codec, text: str) -> None:
        rd = {a.name: a for a in reader.program.accounts}
        bad = 0
        n = 0
        for acc in writer.program.accounts:
            racc = rd.get(acc.name)
            if racc is None:
                continue
            n += 1
            for i in range(self.opts.samples):
                value = self.sampler(writer.program, 104729 + i).typedef(acc.type)
                data = writer.encode("account", acc.name, value)
                want = normalize_def(writer.program, acc.type, value)
                why = received(reader, "account", racc.name, data, sent=value, want=want,
                               norm=partial(normalize_def, reader.program, racc.type))
                if why:
                    phase.add(False, f"account {acc.name}: {text}: sample {i}: {why}")
                    bad += 1
                    break
        if n and not bad:
            phase.add(True, f"{n} account type(s): {text}")

    # -- the phases --
    def phases(self, config_account: bytes | None = None, gate_account: str | None = None) -> list[Phase]:
        p1 = Phase("Phase 1: new program, old producers")
        p2 = Phase("Phase 2: new program, new producers")
        rb = Phase("Rollback: old program, old producers again")
        for plan in self.plans:
            if not plan.old_emit:
                p1.notes.append(f"the deployed IDL has no {plan.stem} family: old producers send no "
                                f"{plan.stem} payloads")
            for v in plan.old_emit:
                self.check_family(p1, plan, v, sender=self.dep, receiver=self.cand, receiver_fam=plan.candidate,
                                  who="old producers")
            for v in plan.new_emit:
                self.check_family(p2, plan, v, sender=self.cand, receiver=self.cand, receiver_fam=plan.candidate,
                                  who="new producers")
                on_now = plan.deployed is not None and v in plan.deployed.versions
                if on_now:
                    # The program deployed now claims v too: it must read the new build's bytes the same
                    # way, or switching producers before (or without) the upgrade corrupts settlement.
                    self.check_family(p2, plan, v, sender=self.cand, receiver=self.dep, receiver_fam=plan.deployed,
                                      who="new producers, on the program deployed now")
                else:
                    p2.notes.append(f"{plan.stem} v{v} is unknown to the program deployed now: deploy the new "
                                    "program (Phase 1) before switching producers")
                    rb.notes.append(f"pause and flush {plan.stem} v{v} batches before reverting: the old "
                                    "program rejects them")
            for v in plan.old_emit:
                if self.opts.allowed is not None and not mask_allows(self.opts.allowed, v):
                    rb.notes.append(f"re-allow {plan.stem} v{v}: set the allowed versions to "
                                    f"{mask_text(self.opts.allowed | 1 << (v - 1))} before unpausing")
                rb.add(plan.deployed is not None and v in plan.deployed.versions,
                       f"{plan.stem} v{v}: the old program knows the version its producers emit")
        self.check_instructions(p1, self.dep, self.cand, "old producers")
        self.check_accounts(p1, self.dep, self.cand, "accounts the old program wrote read the same in the new one")
        if config_account is not None and gate_account:
            try:
                self.cand.decode("account", gate_account, config_account)
                p1.add(True, f"the saved {gate_account} account decodes with the new program's layout")
            except ValueError as exc:
                p1.add(False, f"the saved {gate_account} account does not decode with the new layout: {exc}")
        self.check_accounts(rb, self.cand, self.dep, "accounts the new program wrote read the same in the old one")
        return [p1, p2, rb]


# ---- the program level ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Sent:
    what: str
    outcome: Outcome
    verdict: Verdict
    expected: Verdict | None  # None when there is no firm expectation
    why: str = ""

    @property
    def ok(self) -> bool:
        return self.expected is None or self.verdict is Verdict.INCONCLUSIVE or self.verdict is self.expected


def error_codes(program: Program, *names: str | None) -> frozenset[int]:
    by_name = {e.name: e.code for e in program.errors}
    return frozenset(by_name[n] for n in names if n and n in by_name)


def program_level(vm: ProgramVM, deployed: Program, candidate: Codec, opts: Options,
                  expect_versions: dict[tuple[str, int], bool]) -> list[Sent]:
    """Send every candidate-encoded instruction (every family version on its carrier) to the binary."""
    dep_discs = {ix.discriminator for ix in deployed.instructions}
    version_errs = frozenset().union(*(error_codes(deployed, f.unknown_version_error, f.disabled_version_error)
                                       for f in deployed.families)) if deployed.families else frozenset()
    carriers = {f.carrier.instruction: f for f in candidate.program.families if f.carrier}
    out: list[Sent] = []
    for n, ix in enumerate(candidate.program.instructions):
        fam = carriers.get(ix.snake)
        known = ix.discriminator in dep_discs
        sampler = Sampler(candidate.program, seed=opts.seed * 31 + n)
        if fam is None or fam.carrier is None:
            value = sampler.args(ix.args)
            data = candidate.encode("instruction", ix.name, value)
            o, verdict, why = vm.classify(ix, data, version_errs)
            out.append(Sent(ix.name, o, verdict, Verdict.ACCEPTED if known else Verdict.REJECTED, why))
            continue
        arg = next(a for a in ix.args if a.snake == fam.carrier.arg)
        for member in fam.members:
            payload = bytes([member.version]) + candidate.encode("type", member.type, sampler.typedef(member.type))
            value = sampler.args(ix.args)
            value[arg.name] = payload.hex() if arg.type == PrimType(Prim.BYTES) else list(payload)
            data = candidate.encode("instruction", ix.name, value)
            o, verdict, why = vm.classify(ix, data, version_errs)
            exp = expect_versions.get((fam.stem, member.version))
            expected = None if exp is None or not known else (Verdict.ACCEPTED if exp else Verdict.REJECTED)
            out.append(Sent(f"{ix.name} {fam.stem} v{member.version}", o, verdict, expected, why))
    return out


def describe_sent(s: Sent, program: Program) -> str:
    names = {e.code: e.name for e in program.errors}
    why = s.outcome.describe(names)
    if s.outcome.code in ANCHOR_DECODE_ERRORS:
        why += ": the program did not read these bytes as the instruction"
    if s.why:
        why += f"; {s.why}"
    return f"{s.what}: {s.verdict.value} ({why})"
