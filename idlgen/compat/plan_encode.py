"""On-chain plan steps as instructions ready to paste into a multisig proposal, and the live config.

An instruction is the program id, its account metas in IDL order (fixed addresses and constant-seed
PDAs resolved, keys read from the live config account where it names them, a placeholder saying what
to put otherwise) and the data, encoded by the generated Python codec of the *new* IDL (the bytes the
new program decodes). Program upgrades are the upgradeable BPF loader's own `Upgrade` instruction.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from idlgen.base58 import b58decode, b58encode
from idlgen.ir.model import AccountMeta, ConstSeed, Instruction, OptionType, Program

BPF_UPGRADEABLE_LOADER = "BPFLoaderUpgradeab1e11111111111111111111111"
SYSVAR_RENT = "SysvarRent111111111111111111111111111111111"
SYSVAR_CLOCK = "SysvarC1ock11111111111111111111111111111111"
# UpgradeableLoaderInstruction::Upgrade, bincode: a u32 little-endian enum tag, no fields.
LOADER_UPGRADE_DATA = (3).to_bytes(4, "little")

Encoder = Callable[[str, Mapping[str, Any]], bytes]  # (instruction name, canonical JSON args) -> data


@dataclass(frozen=True, slots=True)
class Meta:
    name: str
    signer: bool
    writable: bool
    pubkey: str | None  # None: `placeholder` says what to put
    source: str  # how the key was found ("PDA [\"config\"]", "fixed address", "GlobalConfig.admin", ...)


@dataclass(frozen=True, slots=True)
class OnchainIx:
    program: str  # the IDL program name, or "bpf_upgradeable_loader"
    instruction: str
    program_id: str | None
    args: Mapping[str, Any]  # canonical JSON (what the generated json_bridge takes)
    accounts: tuple[Meta, ...]
    data: bytes | None  # None while an argument is only known at run time (see `unresolved`)
    unresolved: Mapping[str, str] = field(default_factory=dict)  # arg -> where its value comes from

    @property
    def data_base58(self) -> str | None:
        return None if self.data is None else b58encode(self.data)

    @property
    def data_base64(self) -> str | None:
        return None if self.data is None else base64.b64encode(self.data).decode("ascii")


@dataclass(frozen=True, slots=True)
class LiveConfig:
    """What the chain says now: gate masks per family stem, and the decoded config account, if read."""

    masks: Mapping[str, int]
    source: str  # "--config-account FILE", "--live-mask"
    account: str | None = None  # the config account type ("GlobalConfig") when a dump was read
    values: Mapping[str, Any] = field(default_factory=dict)  # its fields (canonical JSON), by snake name
    address: str | None = None  # the dumped account's address, when the dump records it


def _pda(program_id: str | None, meta: AccountMeta) -> tuple[str | None, str]:
    """The PDA's address when every seed is a constant (and the program id is known)."""
    pda = meta.pda
    assert pda is not None
    seeds = [s.value for s in pda.seeds if isinstance(s, ConstSeed)]
    shown = "PDA [" + ", ".join(_seed_text(s) for s in seeds) + "]"
    if len(seeds) != len(pda.seeds) or program_id is None:
        return None, shown + (" (seeds known only at run time)" if len(seeds) != len(pda.seeds) else "")
    owner = program_id
    if pda.program is not None:
        if not isinstance(pda.program, ConstSeed) or len(pda.program.value) != 32:
            return None, shown + " of a program known only at run time"
        owner = b58encode(pda.program.value)
    from solders.pubkey import Pubkey

    key, _bump = Pubkey.find_program_address(seeds, Pubkey.from_string(owner))
    return str(key), shown


def _seed_text(raw: bytes) -> str:
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return "0x" + raw.hex()
    return f'"{text}"' if text.isprintable() else "0x" + raw.hex()


class IxFactory:
    """Builds the plan's instructions for one program (the new side of a comparison)."""

    def __init__(self, program: Program, encode: Encoder | None, live: LiveConfig | None) -> None:
        self.program = program
        self.encode = encode
        self.live = live

    @property
    def program_id(self) -> str | None:
        return self.program.address

    def find(self, name: str) -> Instruction | None:
        return next((x for x in self.program.instructions if x.snake == name), None)

    def config_value(self, name: str) -> Any:
        return None if self.live is None else self.live.values.get(name)

    def meta(self, m: AccountMeta) -> Meta:
        if m.address:
            return Meta(m.snake, m.signer, m.writable, m.address, "fixed address")
        if m.pda is not None:
            key, how = _pda(self.program_id, m)
            if key is not None:
                return Meta(m.snake, m.signer, m.writable, key, how)
        live = self.live
        if live is not None and live.account is not None:
            # The config account names the keys that may act on it: `admin` signs config changes,
            # `active_relayer` signs batches.
            for fld in (m.snake, f"active_{m.snake}"):
                value = live.values.get(fld)
                if isinstance(value, str) and b58decode(value) is not None and len(b58decode(value) or b"") == 32:
                    return Meta(m.snake, m.signer, m.writable, value, f"{live.account}.{fld}")
        what = "the signing key" if m.signer else "the account"
        if m.snake == "admin" or "authority" in m.snake:
            what = "the config authority (the multisig vault that signs the proposal)"
        elif "relayer" in m.snake:
            what = "the relayer's signing key (the config's active relayer)"
        return Meta(m.snake, m.signer, m.writable, None, f"<{m.snake}: {what}>")

    def build(self, name: str, args: Mapping[str, Any], unresolved: Mapping[str, str] | None = None
              ) -> OnchainIx | None:
        """`name(args)`; Option arguments not given are None ("leave unchanged"). None when the IDL
        has no such instruction or a required argument is missing."""
        ix = self.find(name)
        if ix is None:
            return None
        full: dict[str, Any] = {}
        for a in ix.args:
            if a.snake in args:
                full[a.name] = args[a.snake]
            elif unresolved and a.snake in unresolved:
                full[a.name] = None
            elif isinstance(a.type, OptionType):
                full[a.name] = None
            else:
                value = self.config_value(a.snake)
                if value is None:
                    return None
                full[a.name] = value
        data = None
        if self.encode is not None and not unresolved:
            try:
                data = self.encode(ix.name, full)
            except ValueError as exc:  # the codec's EncodeError: the IDL cannot carry the plan's value
                from idlgen.diagnostics import IdlgenError

                raise IdlgenError(f"cannot encode `{ix.snake}` for the plan: {exc}",
                                  file=self.program.source or None) from None
        metas = tuple(self.meta(m) for m in ix.flat_accounts())
        return OnchainIx(self.program.name, ix.snake, self.program_id, full, metas, data, dict(unresolved or {}))

    def loader_upgrade(self, build: str) -> OnchainIx:
        """The upgradeable loader's Upgrade: what a multisig proposal to deploy `build` executes."""
        pid = self.program_id
        programdata: str | None = None
        if pid is not None:
            from solders.pubkey import Pubkey

            key, _ = Pubkey.find_program_address([bytes(Pubkey.from_string(pid))],
                                                 Pubkey.from_string(BPF_UPGRADEABLE_LOADER))
            programdata = str(key)
        metas = (
            Meta("program_data", False, True, programdata, "PDA [program id] of the loader"),
            Meta("program", False, True, pid, "the program id"),
            Meta("buffer", False, True, None, f"<buffer: `solana program write-buffer` of the {build} build>"),
            Meta("spill", False, True, None, "<spill: receives the buffer's lamports>"),
            Meta("rent", False, False, SYSVAR_RENT, "sysvar"),
            Meta("clock", False, False, SYSVAR_CLOCK, "sysvar"),
            Meta("upgrade_authority", True, False, None, "<upgrade_authority: the multisig vault>"),
        )
        return OnchainIx("bpf_upgradeable_loader", "upgrade", BPF_UPGRADEABLE_LOADER, {}, metas,
                         LOADER_UPGRADE_DATA)
