"""`idlgen simtest --producer`: the engine's real output, settled by the real program in LiteSVM.

What the design's CI gatekeeper does, with LiteSVM in place of solana-test-validator:

1. the deployed binary is loaded at the program id, with real state: account dumps from the cluster,
   or a scenario run through the program's own instructions (idlgen.tools.scenario);
2. the producer command (the new engine binary) runs and its frame stream is read (idlgen.tools.frames);
3. each frame becomes transactions with the generated relayer code of the off-chain build: decoded
   with its families module, split by `split_<family>` so every transaction fits the packet, ids
   continued from the program's last settled id, checked by `preflight_<family>`, built with the
   generated instruction builder, signed by the relayer and sent;
4. per transaction: settled, or rejected with the program's error name, code and log lines. A batch the
   pre-flight refuses is still sent, to prove the program answers the same (a disagreement is reported).

Pass when every batch settles. Fail (exit 1) on any rejection, naming the error.
"""

from __future__ import annotations

import dataclasses
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import Family, Instruction
from idlgen.targets.python import names
from idlgen.tools.codecs import Codec
from idlgen.tools.frames import read_frames
from idlgen.tools.scenario import Keys, load_scenario, read_account_dump, read_keypair, run_scenario
from idlgen.tools.svm import ANCHOR_DECODE_ERRORS, Outcome, ProgramVM

if TYPE_CHECKING:
    from solders.keypair import Keypair
    from solders.pubkey import Pubkey

PRODUCER_TIMEOUT = 120  # seconds; an engine that has not finished by then is reported as hanging


@dataclass(frozen=True, slots=True)
class Setup:
    """Everything one settlement run needs except the binary (so --staged can repeat it)."""

    program_id: str
    program: Codec  # the deployed program's IDL: scenario instructions, error names
    relayer: Codec  # the off-chain build's IDL: frames, pre-flight, builders
    accounts: tuple[Path, ...] = ()
    scenario: Path | None = None
    relayer_keypair: Path | None = None
    send_refused: bool = True


@dataclass(slots=True)
class Sent:
    frame: int
    batch_id: int
    version: int
    items: int
    size: int
    refusal: str | None
    outcome: Outcome | None  # None: not sent (too large for a packet)
    error: str = ""  # "Name (code)" of the program's error

    @property
    def settled(self) -> bool:
        return self.outcome is not None and self.outcome.ok


@dataclass(slots=True)
class Run:
    shown: str
    setup_lines: list[str] = field(default_factory=list)
    frames: int = 0
    sent: list[Sent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # failures not tied to one transaction

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.sent) and all(s.settled for s in self.sent)

    def first_error(self) -> str:
        if self.problems:
            return self.problems[0]
        bad = next((s for s in self.sent if not s.settled), None)
        if bad is None:
            return "the producer wrote no frame" if not self.sent else ""
        return f"frame {bad.frame} (batch {bad.batch_id}): " + (bad.error or "not sent: larger than a packet")


def run_producer(cmd: str, timeout: float = PRODUCER_TIMEOUT) -> bytes:
    """The producer's stdout; IdlgenError (exit 2) when it cannot start, a failure note when it fails."""
    try:
        argv = shlex.split(cmd)
    except ValueError as exc:
        raise IdlgenError(f"--producer: {exc}") from None
    if not argv:
        raise IdlgenError("--producer: empty command")
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise IdlgenError(f"--producer: no such program: {argv[0]}") from None
    except PermissionError:
        raise IdlgenError(f"--producer: not executable: {argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise ProducerFailed(f"the producer did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ProducerFailed(f"the producer exited with {proc.returncode}" + (f": {err[-1]}" if err else ""))
    return proc.stdout


class ProducerFailed(Exception):
    """The engine itself failed: the gate fails (exit 1), it is not bad input."""


def carrier_family(codec: Codec) -> tuple[Family, Instruction]:
    for fam in codec.program.families:
        if fam.carrier is None:
            continue
        ix = next((i for i in codec.program.instructions if i.snake == fam.carrier.instruction), None)
        if ix is not None:
            return fam, ix
    raise IdlgenError(f"{codec.program.name}: no versioned family with a carrier instruction: configure "
                      "[[tool.idlgen.programs.families]] carrier (the frames are that instruction's argument)")


class Chain:
    """One LiteSVM with the binary, the state and the relayer's key."""

    def __init__(self, so: Path, setup: Setup) -> None:
        self.setup = setup
        self.vm = ProgramVM(so, setup.program_id, shown=str(so))
        self.keys = Keys(self.vm)
        self.lines: list[str] = []
        for path in setup.accounts:
            key, account = read_account_dump(path)
            self.vm.svm.set_account(key, account)
            self.lines.append(f"account {key} from {path} ({len(account.data)} bytes, owner {account.owner})")
        relayer_name = "relayer"
        if setup.scenario is not None:
            sc = load_scenario(setup.scenario)
            relayer_name = sc.relayer
            if setup.relayer_keypair is not None:
                self.keys.add(relayer_name, read_keypair(setup.relayer_keypair, str(setup.relayer_keypair)))
            self.lines += run_scenario(sc, self.vm, setup.program, self.keys)
        elif setup.relayer_keypair is not None:
            self.keys.add(relayer_name, read_keypair(setup.relayer_keypair, str(setup.relayer_keypair)))
        self.relayer: Keypair = self.keys.get(relayer_name)
        self.lines.append(f"relayer {self.relayer.pubkey()}")

    def read(self, key: Pubkey) -> tuple[str, Any] | None:
        """(account type, value decoded with the relayer's codec) of an account, or None."""
        data = self.vm.account_data(key)
        if not data:
            return None
        accounts = self.setup.relayer.module("accounts")
        name = accounts.identify(data)
        if name is None:
            return None
        try:
            return name, accounts.ACCOUNTS[name][2](data)
        except ValueError as exc:
            raise RelayerCannotRead(f"{name} at {key} does not decode with the relayer's layout: {exc}") from None


class RelayerCannotRead(Exception):
    pass


class Relayer:
    """The generated relayer code of the off-chain build, for one family: decode, split, check, build."""

    def __init__(self, codec: Codec) -> None:
        self.family, self.ix = carrier_family(codec)
        stem = names.func_stem(self.family.stem)
        fams = codec.module("families")
        rel = codec.module("relayer")
        self.decode = getattr(fams, f"decode_{stem}")
        self.version = getattr(fams, f"{stem}_version")
        self.args = getattr(fams, f"{stem}_args")
        self.root = getattr(rel, f"{stem}_merkle_root")
        self.leaves = getattr(rel, f"{stem}_leaves")
        self.split = getattr(rel, f"split_{stem}")
        self.preflight = getattr(rel, f"preflight_{stem}")
        self.packet: int = rel.PACKET_DATA_SIZE
        self.accounts_cls, self.builder = codec.module("instructions").BUILDERS[self.ix.name]
        # The one account the caller must give: the signer (PDAs and fixed addresses are derived).
        self.signer_field = next(f.name for f in dataclasses.fields(self.accounts_cls)
                                 if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)

    def transaction(self, part: Any, relayer: Keypair, pid: Pubkey, blockhash: Any) -> Any:
        from solders.message import Message
        from solders.transaction import Transaction

        inst = self.builder(self.args(part), self.accounts_cls(**{self.signer_field: relayer.pubkey()}),
                            program_id=pid)
        return Transaction([relayer], Message.new_with_blockhash([inst], relayer.pubkey(), blockhash), blockhash)


def settle(so: Path, setup: Setup, frames_data: bytes, shown: str) -> Run:
    """Seed the chain, then settle every frame; the run's report."""
    from idlgen.tools.scenario import const_pda

    run = Run(shown)
    chain = Chain(so, setup)
    run.setup_lines = chain.lines
    rel = Relayer(setup.relayer)
    pid = chain.vm.program_id
    frames = read_frames(frames_data, shown)
    run.frames = len(frames)
    program_errors = {e.code: e.name for e in setup.program.program.errors} | ANCHOR_DECODE_ERRORS
    # The carrier's PDAs of constant seeds: the gate account (GlobalConfig) and the progress state.
    watched = [k for m in rel.ix.flat_accounts() if (k := const_pda(rel.ix, m.snake, pid)) is not None]
    gate = rel.family.gate.account if rel.family.gate else None
    for n, payload in enumerate(frames):
        try:
            value = rel.decode(payload)
        except Exception as exc:  # the generated codec's DecodeError or the family's version error
            run.problems.append(f"frame {n}: the relayer cannot read it as a {rel.family.stem}: {exc}")
            break
        try:
            state = {name: v for key in watched if (got := chain.read(key)) for name, v in [got]}
        except RelayerCannotRead as exc:
            run.problems.append(f"frame {n}: {exc}")
            break
        config = state.get(gate) if gate else None
        progress = next((v for name, v in state.items() if name != gate), None)
        parts = rel.split(value, _last_id(progress) + 1)
        if rel.root(value) != value.merkle_root:
            # The engine's own root is wrong: keep it, so the pre-flight and the program both see the bug.
            parts = [dataclasses.replace(p, merkle_root=value.merkle_root) for p in parts]
        for part in parts:
            refusal = None
            if config is not None:
                r = rel.preflight(part, config, chain.relayer.pubkey(), progress)
                refusal = None if r is None else str(r)
            elif gate:
                refusal = f"no {gate} account at its address: the pre-flight cannot run"
            tx = rel.transaction(part, chain.relayer, pid, chain.vm.svm.latest_blockhash())
            size = len(bytes(tx))
            sent = Sent(n, part.batch_id, rel.version(part), len(rel.leaves(part)), size, refusal, None)
            run.sent.append(sent)
            if size > rel.packet or (refusal is not None and not setup.send_refused):
                continue
            o = chain.vm.send_tx(tx)
            sent.outcome = o
            if not o.ok:
                name = program_errors.get(o.code or -1) or _anchor_name(o)
                sent.error = f"{name} ({o.code})" if o.code is not None else o.error
            else:
                progress = _refresh(chain, watched, gate) or progress
    return run


def _last_id(progress: Any) -> int:
    if progress is None:
        return 0
    for f in dataclasses.fields(progress):
        if f.name.startswith("last_") and f.name.endswith("_id"):
            value = getattr(progress, f.name)
            return int(value)
    return 0


def _refresh(chain: Chain, watched: list[Pubkey], gate: str | None) -> Any:
    for key in watched:
        got = chain.read(key)
        if got is not None and got[0] != gate:
            return got[1]
    return None


def _anchor_name(o: Outcome) -> str:
    for line in o.logs:
        if "Error Code: " in line:
            return line.split("Error Code: ", 1)[1].split(".", 1)[0]
    return "error"


def report(run: Run) -> list[str]:
    """Human lines: one per transaction, the program's logs for a rejected one."""
    lines = [f"  setup  {line}" for line in run.setup_lines]
    lines.append(f"  frames {run.frames} from the producer -> {len(run.sent)} transaction(s)")
    logged: set[str] = set()  # the program's logs once per distinct error, not once per transaction
    for s in run.sent:
        head = f"frame {s.frame} -> batch {s.batch_id} (v{s.version}, {s.items} items, {s.size} bytes)"
        if s.refusal:
            lines.append(f"  REFUSED  {head}: relayer pre-flight: {s.refusal}")
        if s.outcome is None:
            lines.append(f"  FAIL  {head}: not sent" + (": larger than a packet" if not s.refusal else ""))
            continue
        cu = f", {s.outcome.units} CU"
        if s.settled:
            lines.append(f"  {'FAIL' if s.refusal else 'ok  '}  {head}: settled{cu}"
                         + (" although the pre-flight refused it: the pre-flight disagrees with the program"
                            if s.refusal else ""))
            continue
        agree = ""
        if s.refusal:
            agree = ("; the pre-flight named the same error" if s.refusal.split(" ", 1)[0] == s.error.split(" ", 1)[0]
                     else "; the pre-flight named another error")
        lines.append(f"  FAIL  {head}: rejected with {s.error}{cu}{agree}")
        if s.error not in logged:
            logged.add(s.error)
            lines += [f"          | {log}" for log in s.outcome.logs]
    lines += [f"  FAIL  {p}" for p in run.problems]
    return lines
