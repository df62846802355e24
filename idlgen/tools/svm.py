"""Send instruction bytes to a compiled program inside solders' LiteSVM and classify its answer.

An Anchor program treats instruction data in three steps (see docs/tools.md): dispatch on the
discriminator (unknown -> 101, shorter than it -> 100), Borsh-decode the args (failure -> 102), and only
then validate accounts (2000s/3000s) and run the handler (6000+). So any answer other than 100/101/102
proves the program read the bytes as that instruction's args, whatever accounts we passed; that is what
`accepted` means here. No validator and no network: LiteSVM runs the SBF binary in-process.

solders is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import AccountMeta, Instruction

if TYPE_CHECKING:
    from solders.keypair import Keypair
    from solders.pubkey import Pubkey

# Anchor framework codes that mean "these bytes are not this program's instruction".
ANCHOR_DECODE_ERRORS = {
    100: "InstructionMissing",
    101: "InstructionFallbackNotFound",
    102: "InstructionDidNotDeserialize",
}
DECLARED_PROGRAM_ID_MISMATCH = 4100
# Legacy IDLs name well-known programs and sysvars without their address; Anchor checks them (3008).
WELL_KNOWN = {
    "system_program": "11111111111111111111111111111111",
    "token_program": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
    "associated_token_program": "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL",
    "rent": "SysvarRent111111111111111111111111111111111",
    "clock": "SysvarC1ock11111111111111111111111111111111",
    "instructions": "Sysvar1nstructions1111111111111111111111111",
    "instructions_sysvar": "Sysvar1nstructions1111111111111111111111111",
}
COMPUTE_UNITS = 1_400_000  # the per-transaction maximum: decoding a big vec must not run out first


class Verdict(enum.Enum):
    ACCEPTED = "accepted"  # success, or an error raised after the args were decoded
    REJECTED = "rejected"  # 100/101/102, or one of the program's own version errors
    INCONCLUSIVE = "inconclusive"  # a runtime error that says nothing about the bytes


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    code: int | None  # the custom program error code, when there is one
    error: str  # "" on success; otherwise the runtime's error, shortened
    logs: tuple[str, ...]
    units: int = 0  # compute units the transaction consumed

    def verdict(self, version_errors: frozenset[int] = frozenset()) -> Verdict:
        if self.ok:
            return Verdict.ACCEPTED
        if self.code is None:
            return Verdict.INCONCLUSIVE
        if self.code in ANCHOR_DECODE_ERRORS or self.code in version_errors:
            return Verdict.REJECTED
        if self.code == DECLARED_PROGRAM_ID_MISMATCH:
            return Verdict.INCONCLUSIVE
        return Verdict.ACCEPTED

    def describe(self, error_names: dict[int, str] | None = None) -> str:
        if self.ok:
            return "success"
        if self.code is None:
            return self.error
        name = ANCHOR_DECODE_ERRORS.get(self.code) or (error_names or {}).get(self.code) or _anchor_name(self)
        return f"error {self.code}" + (f" ({name})" if name else "")


def _anchor_name(o: Outcome) -> str:
    for line in o.logs:
        if "Error Code: " in line:
            return line.split("Error Code: ", 1)[1].split(".", 1)[0]
    return ""


class ProgramVM:
    """One LiteSVM with one program loaded and a funded payer."""

    def __init__(self, program: Path | bytes, program_id: str, *, shown: str | None = None) -> None:
        from solders.keypair import Keypair
        from solders.litesvm import LiteSVM
        from solders.pubkey import Pubkey

        shown = shown or (str(program) if isinstance(program, Path) else "program")
        self.shown = shown
        try:
            self.program_id = Pubkey.from_string(program_id)
        except ValueError:
            raise IdlgenError(f"not a base58 program id: {program_id!r}") from None
        if isinstance(program, Path):
            try:
                elf = program.read_bytes()
            except OSError as exc:
                raise IdlgenError(f"cannot read: {exc.strerror}", file=shown) from None
        else:
            elf = program
        if elf[:4] != b"\x7fELF":
            raise IdlgenError("not an ELF file (a compiled Solana program is an SBF ELF .so)", file=shown)
        self.svm = LiteSVM()
        try:
            with _quiet_stderr():  # Rust's panic hook would print a backtrace before our one-line error
                self.svm.add_program(self.program_id, elf)
        except BaseException as exc:  # a malformed ELF panics (pyo3 PanicException derives BaseException)
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise IdlgenError(f"LiteSVM cannot load this program: {str(exc).splitlines()[0][:200]}",
                              file=shown) from None
        self.payer = Keypair()
        self.svm.airdrop(self.payer.pubkey(), 1_000 * 10**9)

    def send(self, data: bytes, metas: list[tuple[Pubkey, bool, bool]], signers: list[Keypair]) -> Outcome:
        """One transaction: a compute-budget instruction, then `data` to the program with `metas`."""
        from solders.compute_budget import set_compute_unit_limit
        from solders.instruction import AccountMeta as SolMeta
        from solders.instruction import Instruction as SolInstruction
        from solders.message import Message
        from solders.transaction import VersionedTransaction

        ix = SolInstruction(self.program_id, data, [SolMeta(k, s, w) for k, s, w in metas])
        msg = Message.new_with_blockhash([set_compute_unit_limit(COMPUTE_UNITS), ix], self.payer.pubkey(),
                                         self.svm.latest_blockhash())
        unique: dict[str, Keypair] = {str(self.payer.pubkey()): self.payer}
        for kp in signers:
            unique.setdefault(str(kp.pubkey()), kp)
        tx = VersionedTransaction(msg, list(unique.values()))
        return self.send_tx(tx)

    def send_tx(self, tx: Any) -> Outcome:
        """Send a signed transaction as it is and classify the answer."""
        from solders.transaction_metadata import FailedTransactionMetadata

        result: Any = self.svm.send_transaction(tx)
        self.svm.expire_blockhash()  # an identical transaction would otherwise be AlreadyProcessed
        if isinstance(result, FailedTransactionMetadata):
            err = result.err()
            inner = getattr(err, "err", None)
            code = getattr(inner, "code", None)
            text = str(inner if inner is not None else err)
            return Outcome(False, code if isinstance(code, int) else None, _short(text),
                           tuple(result.meta().logs()), int(result.meta().compute_units_consumed()))
        return Outcome(True, None, "", tuple(result.logs()), int(result.compute_units_consumed()))

    def call(self, ix: Instruction, data: bytes, accounts: dict[str, Pubkey] | None = None,
             signers: dict[str, Keypair] | None = None) -> Outcome:
        """Send `data` with the instruction's accounts in IDL order.

        Accounts not given get placeholders: a fresh signing keypair for signers, the fixed address when
        the IDL has one, the program id for optional accounts (Anchor's "None"), a fresh key otherwise.
        Placeholders are enough to classify the args; a successful handler needs the real accounts."""
        from solders.keypair import Keypair
        from solders.pubkey import Pubkey

        accounts = dict(accounts or {})
        signers = dict(signers or {})
        metas: list[tuple[Pubkey, bool, bool]] = []
        sign: list[Keypair] = []
        for meta in ix.flat_accounts():
            key = self._placeholder(meta, accounts, signers, Keypair, Pubkey)
            if meta.signer:
                sign.append(signers[meta.name])
            metas.append((key, meta.signer, meta.writable))
        return self.send(data, metas, sign)

    def _placeholder(self, meta: AccountMeta, accounts: dict[str, Pubkey], signers: dict[str, Keypair],
                     keypair: type[Keypair], pubkey: type[Pubkey]) -> Pubkey:
        if meta.signer:
            if meta.name not in signers:
                signers[meta.name] = keypair()
            return signers[meta.name].pubkey()
        if meta.name in accounts:
            return accounts[meta.name]
        if meta.address:
            return pubkey.from_string(meta.address)
        if meta.snake in WELL_KNOWN:
            return pubkey.from_string(WELL_KNOWN[meta.snake])
        if meta.optional:
            return self.program_id
        return keypair().pubkey()

    def classify(self, ix: Instruction, data: bytes, version_errors: frozenset[int] = frozenset()
                 ) -> tuple[Outcome, Verdict, str]:
        """Send `data`; when the answer says nothing about the bytes (a panic, a runtime error), ask again
        with the body one byte short: Anchor decodes the args before it touches any account, so if that
        probe is refused with 102 and the full body was not, the full body got past the decoder."""
        outcome = self.call(ix, data)
        verdict = outcome.verdict(version_errors)
        if verdict is not Verdict.INCONCLUSIVE or len(data) <= len(ix.discriminator):
            return outcome, verdict, ""
        if any("memory allocation" in line or "out of memory" in line for line in outcome.logs):
            return outcome, verdict, "ran out of memory, possibly while decoding the args"
        probe = self.call(ix, data[:-1])
        if probe.code == 102:
            return outcome, Verdict.ACCEPTED, "past the decoder: the same call one byte short gives 102"
        return outcome, verdict, f"the one-byte-short probe gave {probe.describe()}"

    def account_data(self, key: Pubkey) -> bytes | None:
        acc = self.svm.get_account(key)
        return None if acc is None else bytes(acc.data)


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (native code writes there directly, past sys.stderr)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
