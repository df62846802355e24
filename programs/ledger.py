"""A LiteSVM ledger for the settlement program: deploy (and upgrade in place), send, read back.

Shared by tests/programs, the rollout walk-through (`python -m programs.rollout`) and the benchmark.
Everything goes through solders' LiteSVM, which runs the SBF binary in-process; accounts are read
back as raw bytes and decoded by the caller with the generated codecs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solders.account import Account
from solders.compute_budget import set_compute_unit_limit
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "programs"
STAGES = ("v1_only", "current", "v3_hardfork")
PROGRAM_ID = Pubkey.from_string("J3La7aSgCM8TrXVrLYr5HK6eEGMcsALHb5C4RWvQzbVj")
# Solana's packet limit for one serialized transaction.
PACKET_BYTES = 1232


def program_path(stage: str, build: Path = BUILD) -> Path:
    return build / f"godark_settlement-{stage}.so"


class LoadError(RuntimeError):
    """LiteSVM refused the program (it panics without detail; this names the file)."""


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Rust's panic hook prints a backtrace to fd 2 before the exception reaches Python."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@dataclass(frozen=True, slots=True)
class Result:
    """What the program answered to one transaction."""

    ok: bool
    code: int | None  # InstructionError::Custom(code), None on success or for a non-custom error
    error: str  # "" on success; otherwise the error's name as solders prints it
    logs: tuple[str, ...]
    compute_units: int
    size: int  # serialized transaction bytes

    def anchor_error(self) -> str:
        """The `Error Code: <Name>` of Anchor's error log line, if the program logged one."""
        for line in self.logs:
            if "Error Code: " in line:
                return line.split("Error Code: ", 1)[1].split(".", 1)[0]
        return ""


class Ledger:
    """One LiteSVM with the settlement program deployed at PROGRAM_ID and a funded fee payer."""

    def __init__(self, program: bytes | Path, *, program_id: Pubkey = PROGRAM_ID) -> None:
        self.svm = LiteSVM()
        self.program_id = program_id
        self.payer = Keypair()
        self.svm.airdrop(self.payer.pubkey(), 1_000 * 10**9)
        self.deploy(program)

    def deploy(self, program: bytes | Path) -> None:
        """Load (or replace: an upgrade keeps every account) the program bytes."""
        elf = program.read_bytes() if isinstance(program, Path) else program
        try:
            with _quiet_stderr():
                self.svm.add_program(self.program_id, elf)
        except BaseException as exc:  # pyo3's PanicException derives from BaseException
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise LoadError(f"LiteSVM cannot load the program: {str(exc).splitlines()[0][:200]}") from None

    def funded(self, lamports: int = 10 * 10**9) -> Keypair:
        kp = Keypair()
        self.svm.airdrop(kp.pubkey(), lamports)
        return kp

    def send(self, instructions: Sequence[Instruction], signers: Sequence[Keypair] = (),
             *, compute_units: int | None = None) -> Result:
        """One transaction, paid by the ledger's payer, signed by `signers` too."""
        ixs = list(instructions)
        if compute_units is not None:
            ixs.insert(0, set_compute_unit_limit(compute_units))
        msg = Message.new_with_blockhash(ixs, self.payer.pubkey(), self.svm.latest_blockhash())
        unique: dict[Pubkey, Keypair] = {self.payer.pubkey(): self.payer}
        for kp in signers:
            unique.setdefault(kp.pubkey(), kp)
        tx = VersionedTransaction(msg, list(unique.values()))
        size = len(bytes(tx))
        out: Any = self.svm.send_transaction(tx)
        self.svm.expire_blockhash()  # an identical later transaction must not be AlreadyProcessed
        if isinstance(out, FailedTransactionMetadata):
            err = out.err()
            inner = getattr(err, "err", err)
            code = getattr(inner, "code", None)
            meta = out.meta()
            name = type(inner).__name__ if code is not None else str(inner)
            return Result(False, code, name, tuple(meta.logs()), meta.compute_units_consumed(), size)
        return Result(True, None, "", tuple(out.logs()), out.compute_units_consumed(), size)

    def data(self, address: Pubkey) -> bytes | None:
        acct = self.svm.get_account(address)
        return None if acct is None else bytes(acct.data)

    def account(self, address: Pubkey) -> Account | None:
        acct: Account | None = self.svm.get_account(address)
        return acct

    def transfer(self, to: Pubkey, lamports: int) -> Result:
        from solders.system_program import TransferParams, transfer

        return self.send([transfer(TransferParams(from_pubkey=self.payer.pubkey(), to_pubkey=to,
                                                  lamports=lamports))])

    def warp(self, slots: int = 1) -> None:
        clock = self.svm.get_clock()
        clock.slot = clock.slot + slots
        self.svm.set_clock(clock)
