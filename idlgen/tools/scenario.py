"""Real state for `idlgen simtest --producer`: account dumps from a cluster, or a scenario file.

Account dumps are what `solana account ADDR --output json` prints (`{"pubkey", "account": {"lamports",
"data": [base64, "base64"], "owner", "executable", "rentEpoch"}}`), set into LiteSVM as they are.

A scenario (TOML, docs/tools.md) creates the state through the program's own instructions instead:

    relayer = "relayer"                  # the named key that signs the batches
    [keys]                               # optional: a key from a solana-keygen JSON file
    admin = "keys/admin.json"
    [[step]]
    instruction = "initialize_config"
    args = { min_batch_size = 1, allowed_batch_versions = 3, active_relayer = "@relayer" }
    accounts = { admin = "admin" }       # optional: account -> key name or base58 address

Keys not listed in [keys] are derived from their name (seed SHA-256("idlgen-simtest:" + name)), so a
scenario is reproducible. In args, "@name" is that key's public key. Accounts not given are filled
from the IDL: a signer is the key named like the account, a fixed address is used as is, a PDA is
derived from its seeds (constants, other accounts, args).
"""

from __future__ import annotations

import base64
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import AccountMeta, AccountSeed, ArgSeed, ConstSeed, Instruction
from idlgen.tools.codecs import Codec

if TYPE_CHECKING:
    from solders.keypair import Keypair
    from solders.pubkey import Pubkey

    from idlgen.tools.svm import ProgramVM

LAMPORTS = 100 * 10**9  # every named key gets this much to pay fees and rent


def named_keypair(name: str) -> Keypair:
    from solders.keypair import Keypair

    return Keypair.from_seed(hashlib.sha256(b"idlgen-simtest:" + name.encode()).digest())


def read_keypair(path: Path, shown: str) -> Keypair:
    """A solana-keygen keypair file: a JSON array of the 64 secret-key bytes."""
    from solders.keypair import Keypair

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Keypair.from_bytes(bytes(raw))
    except OSError as exc:
        raise IdlgenError(f"cannot read: {exc.strerror}", file=shown) from None
    except (ValueError, TypeError):
        raise IdlgenError("not a solana-keygen keypair file (a JSON array of 64 bytes)", file=shown) from None


def read_account_dump(path: Path) -> tuple[Pubkey, Any]:
    """(address, solders Account) from a `solana account ADDR --output json` file."""
    from solders.account import Account
    from solders.pubkey import Pubkey

    shown = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise IdlgenError(f"cannot read: {exc.strerror}", file=shown) from None
    except ValueError as exc:
        raise IdlgenError(f"not JSON: {exc}", file=shown) from None
    try:
        acc = doc["account"]
        data = base64.b64decode(acc["data"][0], validate=True)
        if acc["data"][1] != "base64":
            raise ValueError
        return Pubkey.from_string(doc["pubkey"]), Account(
            int(acc["lamports"]), data, Pubkey.from_string(acc["owner"]), bool(acc.get("executable", False)),
            int(acc.get("rentEpoch", 0)) % (1 << 64))
    except (KeyError, IndexError, TypeError, ValueError):
        raise IdlgenError('not a `solana account --output json` dump ({"pubkey", "account": {"lamports", "data": '
                          '[base64, "base64"], "owner", ...}})', file=shown) from None


@dataclass(slots=True)
class Keys:
    """Named keypairs of a run (scenario keys, the relayer), each funded once."""

    vm: ProgramVM
    pairs: dict[str, Keypair] = field(default_factory=dict)

    def get(self, name: str) -> Keypair:
        if name not in self.pairs:
            self.add(name, named_keypair(name))
        return self.pairs[name]

    def add(self, name: str, kp: Keypair) -> None:
        self.pairs[name] = kp
        self.vm.svm.airdrop(kp.pubkey(), LAMPORTS)


@dataclass(frozen=True, slots=True)
class Scenario:
    relayer: str
    keys: dict[str, str]  # name -> keypair file
    steps: tuple[dict[str, Any], ...]
    shown: str


def load_scenario(path: Path) -> Scenario:
    shown = str(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise IdlgenError(f"cannot read: {exc.strerror}", file=shown) from None
    except tomllib.TOMLDecodeError as exc:
        raise IdlgenError(f"not TOML: {exc}", file=shown) from None
    relayer = doc.get("relayer", "relayer")
    keys = doc.get("keys", {})
    steps = doc.get("step", [])
    if not isinstance(relayer, str) or not isinstance(keys, dict) or not isinstance(steps, list):
        raise IdlgenError("expected `relayer = NAME`, a [keys] table and [[step]] tables", file=shown)
    for i, st in enumerate(steps):
        if not isinstance(st, dict) or not isinstance(st.get("instruction"), str):
            raise IdlgenError(f"step[{i}]: needs `instruction = NAME`", file=shown)
        unknown = set(st) - {"instruction", "args", "accounts", "signers"}
        if unknown:
            raise IdlgenError(f"step[{i}]: unknown key(s) {', '.join(sorted(unknown))}", file=shown)
    base = path.parent
    return Scenario(relayer, {k: str(base / v) for k, v in keys.items()}, tuple(steps), shown)


def run_scenario(sc: Scenario, vm: ProgramVM, codec: Codec, keys: Keys) -> list[str]:
    """Send every step through the program; the report lines. A failing step is an input error."""
    for name, file in sc.keys.items():
        keys.add(name, read_keypair(Path(file), file))
    by_name = {ix.name: ix for ix in codec.program.instructions} | {ix.snake: ix for ix in codec.program.instructions}
    lines: list[str] = []
    for i, st in enumerate(sc.steps):
        where = f"step[{i}] {st['instruction']}"
        ix = by_name.get(st["instruction"])
        if ix is None:
            raise IdlgenError(f"{where}: the program's IDL has no such instruction", file=sc.shown)
        args = _substitute(st.get("args", {}), keys, where, sc.shown)
        try:
            data = codec.encode("instruction", ix.name, args)
        except ValueError as exc:
            raise IdlgenError(f"{where}: args: {exc}", file=sc.shown) from None
        metas, signers = resolve_accounts(ix, st.get("accounts", {}), args, keys, vm.program_id,
                                          where=where, shown=sc.shown)
        outcome = vm.send(data, metas, signers)
        if not outcome.ok:
            names = {e.code: e.name for e in codec.program.errors}
            tail = "; ".join(outcome.logs[-3:])
            raise IdlgenError(f"{where}: the program rejected it: {outcome.describe(names)}; {tail}", file=sc.shown)
        lines.append(f"{where}: ok")
    return lines


def _substitute(value: Any, keys: Keys, where: str, shown: str) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return str(keys.get(value[1:]).pubkey())
    if isinstance(value, dict):
        return {k: _substitute(v, keys, where, shown) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, keys, where, shown) for v in value]
    return value


def resolve_accounts(ix: Instruction, given: dict[str, str], args: dict[str, Any], keys: Keys, program_id: Pubkey,
                     *, where: str, shown: str) -> tuple[list[tuple[Pubkey, bool, bool]], list[Keypair]]:
    from solders.pubkey import Pubkey

    from idlgen.tools.svm import WELL_KNOWN

    resolved: dict[str, Pubkey] = {}
    signers: list[Keypair] = []
    metas = ix.flat_accounts()

    def key_for(meta: AccountMeta) -> Pubkey:
        if meta.snake in resolved:
            return resolved[meta.snake]
        name = given.get(meta.name, given.get(meta.snake))
        if name is not None:
            try:
                pk = Pubkey.from_string(name)
            except ValueError:
                kp = keys.get(name)
                pk = kp.pubkey()
                if meta.signer:
                    signers.append(kp)
        elif meta.signer:
            kp = keys.get(meta.snake)
            signers.append(kp)
            pk = kp.pubkey()
        elif meta.address:
            pk = Pubkey.from_string(meta.address)
        elif meta.snake in WELL_KNOWN:
            pk = Pubkey.from_string(WELL_KNOWN[meta.snake])
        elif meta.pda is not None and meta.pda.program is None:
            seeds: list[bytes] = []
            for seed in meta.pda.seeds:
                if isinstance(seed, ConstSeed):
                    seeds.append(seed.value)
                elif isinstance(seed, AccountSeed) and "." not in seed.path_expr:
                    other = next((m for m in metas if seed.path_expr in (m.name, m.snake)), None)
                    if other is None:
                        raise IdlgenError(f"{where}: account {meta.name}: seed account {seed.path_expr} "
                                          "is not an account of the instruction", file=shown)
                    seeds.append(bytes(key_for(other)))
                elif isinstance(seed, ArgSeed) and seed.path_expr in args and isinstance(args[seed.path_expr], str):
                    seeds.append(bytes(Pubkey.from_string(args[seed.path_expr])))
                else:
                    raise IdlgenError(f"{where}: account {meta.name}: cannot derive the PDA seed "
                                      f"{getattr(seed, 'path_expr', '?')}; give it in `accounts`", file=shown)
            pk = Pubkey.find_program_address(seeds, program_id)[0]
        else:
            raise IdlgenError(f"{where}: account {meta.name} needs a value in `accounts`", file=shown)
        resolved[meta.snake] = pk
        return pk

    out = [(key_for(m), m.signer, m.writable) for m in metas]
    return out, signers


def const_pda(ix: Instruction, account: str, program_id: Pubkey) -> Pubkey | None:
    """The address of `account` of `ix` when it is a PDA of constant seeds (GlobalConfig, state)."""
    from solders.pubkey import Pubkey

    for meta in ix.flat_accounts():
        if meta.snake == account and meta.pda is not None and meta.pda.program is None \
                and all(isinstance(s, ConstSeed) for s in meta.pda.seeds):
            seeds = [s.value for s in meta.pda.seeds if isinstance(s, ConstSeed)]
            return Pubkey.find_program_address(seeds, program_id)[0]
    return None
