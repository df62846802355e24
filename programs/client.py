"""A relayer/admin client for the settlement program built only from the generated codecs of a stage.

Instructions come from the generated builders (`<stage>.instructions.<name>(args, accounts)`), batches
from the generated types (version byte + Borsh body), state is read back with the generated account
decoders and events with the generated log parser. The Merkle root is computed here, independently
of the program: RFC 6962 over the trades' Borsh encodings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from .ledger import Ledger, Result
from .stages import Stage

HEARTBEAT_TIMESTAMP = 1_700_000_000


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 Merkle tree hash: leaf H(0x00||d), node H(0x01||l||r), split at the largest power of 2 < n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + merkle_root(leaves[:k]) + merkle_root(leaves[k:])).digest()


def pda(seeds: Sequence[bytes], program_id: Pubkey) -> Pubkey:
    return Pubkey.find_program_address(list(seeds), program_id)[0]


@dataclass
class Settlement:
    """The program on a ledger, driven through one stage's generated code (switch with `use`)."""

    ledger: Ledger
    stage: Stage
    admin: Keypair
    relayer: Keypair

    @property
    def config_address(self) -> Pubkey:
        return pda([b"config"], self.ledger.program_id)

    @property
    def state_address(self) -> Pubkey:
        return pda([b"settlement"], self.ledger.program_id)

    def use(self, stage: Stage) -> None:
        """Talk through another stage's generated code (after an upgrade or a rollback)."""
        self.stage = stage

    # ---- reading state ----
    def config(self) -> Any:
        data = self.ledger.data(self.config_address)
        assert data is not None, "config does not exist"
        return self.stage.accounts.decode_global_config(data)

    def state(self) -> Any:
        data = self.ledger.data(self.state_address)
        assert data is not None, "settlement_state does not exist"
        return self.stage.accounts.decode_settlement_state(data)

    def events(self, result: Result) -> list[tuple[str, Any]]:
        return list(self.stage.events.parse_logs(result.logs))

    # ---- admin ----
    def initialize(self, min_batch_size: int, allowed: int) -> Result:
        ix = self.stage.ix
        return self.ledger.send([ix.initialize_config(
            ix.InitializeConfigArgs(min_batch_size, allowed, self.relayer.pubkey()),
            ix.InitializeConfigAccounts(admin=self.admin.pubkey()))], [self.admin])

    def update_config(self, *, min_batch_size: int | None = None, allowed: int | None = None,
                      relayer: Pubkey | None = None, signer: Keypair | None = None) -> Result:
        ix = self.stage.ix
        who = signer or self.admin
        return self.ledger.send([ix.update_config(ix.UpdateConfigArgs(min_batch_size, allowed, relayer),
                                                  ix.UpdateConfigAccounts(admin=who.pubkey()))], [who])

    def pause(self, paused: bool = True, signer: Keypair | None = None) -> Result:
        ix = self.stage.ix
        who = signer or self.admin
        if paused:
            built = ix.pause(ix.PauseArgs(), ix.PauseAccounts(admin=who.pubkey()))
        else:
            built = ix.unpause(ix.UnpauseArgs(), ix.UnpauseAccounts(admin=who.pubkey()))
        return self.ledger.send([built], [who])

    # ---- relayer ----
    def trade(self, version: int, trade_id: int, *, quantity: int = 5) -> Any:
        t = self.stage.types
        maker, taker = self.admin.pubkey(), self.relayer.pubkey()
        if version == 1:
            return t.TradeEventV1(trade_id, maker, taker, 1, t.Side.Bid, t.OrderType.Limit, 100 + trade_id,
                                  quantity, 3, HEARTBEAT_TIMESTAMP + trade_id)
        order_type = t.OrderTypeV2ImmediateOrCancel(25) if trade_id % 2 else t.OrderTypeV2Limit()
        return t.TradeEventV2(trade_id, maker, taker, 2, t.Side.Ask, order_type, 100 + trade_id, quantity, 3,
                              HEARTBEAT_TIMESTAMP + trade_id, trade_id * 7 if trade_id % 3 else None, -2)

    def batch_data(self, version: int, batch_id: int, trades: Sequence[Any], *,
                   root: bytes | None = None, sequencer_slot: int = 0) -> bytes:
        """`settle_batch.data`: the version byte, then the generated Borsh body of BatchV<version>."""
        t = self.stage.types
        if root is None:
            root = merkle_root([x.encode() for x in trades])
        body = (t.BatchV1(batch_id, root, list(trades)) if version == 1
                else t.BatchV2(batch_id, root, sequencer_slot, list(trades)))
        encoded: bytes = body.encode()
        return bytes([version]) + encoded

    def settle_data(self, data: bytes, *, signer: Keypair | None = None,
                    epoch_authority: Pubkey | None = None, compute_units: int | None = None) -> Result:
        ix = self.stage.ix
        who = signer or self.relayer
        fields: dict[str, Any] = {"relayer": who.pubkey()}
        if "epoch_authority" in ix.SettleBatchAccounts.__dataclass_fields__:
            fields["epoch_authority"] = epoch_authority or self.admin.pubkey()
        built = ix.settle_batch(ix.SettleBatchArgs(data), ix.SettleBatchAccounts(**fields))
        return self.ledger.send([built], [who], compute_units=compute_units)

    def settle(self, version: int, batch_id: int, n_trades: int = 2, *, first_trade: int | None = None,
               quantity: int = 5, root: bytes | None = None, signer: Keypair | None = None,
               compute_units: int | None = None) -> Result:
        start = batch_id * 1000 if first_trade is None else first_trade
        trades = [self.trade(version, start + i, quantity=quantity) for i in range(n_trades)]
        return self.settle_data(self.batch_data(version, batch_id, trades, root=root), signer=signer,
                                compute_units=compute_units)

    def ping(self, batch_id: int, signer: Keypair | None = None) -> Result:
        ix = self.stage.ix
        who = signer or self.relayer
        return self.ledger.send([ix.ping(ix.PingArgs(batch_id), ix.PingAccounts(relayer=who.pubkey()))], [who])
