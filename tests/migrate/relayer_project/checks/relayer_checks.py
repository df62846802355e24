"""The relayer's own tests (run by tests/migrate in a subprocess, against one generated package)."""

from __future__ import annotations

from godark_settlement import instructions as ix
from godark_settlement.types import Side, TradeEventV2, VaultBalance
from relayer import batches, fees, vaults
from solders.pubkey import Pubkey

KEY = Pubkey.from_string("11111111111111111111111111111112")


def test_batch_round_trip() -> None:
    trades = [batches.fill(1, Side.Bid, 100, 2, 5), batches.fill(2, Side.Ask, 101, 3, 7)]
    data = batches.batch(9, trades)
    assert batches.fees_of(data) == [5, 7]
    assert batches.fees_of(batches.discounted(data, 1)) == [1, 1]
    assert batches.is_bid(trades[0]) and not batches.is_bid(trades[1])
    assert batches.side_byte(Side.Ask) == b"\x01"
    assert batches.post_only_code() == 2


def test_fees() -> None:
    t: TradeEventV2 = batches.fill(1, Side.Bid, 100, 2, 5)
    assert fees.total_fee_bps(t, fees.FeeSchedule(fee_bps=3)) == 8
    assert fees.cheapest([t, batches.fill(2, Side.Ask, 1, 1, 2)]) == 2
    assert t.fee_bps == 5


def test_vaults() -> None:
    data = vaults.balance_account(KEY, 1000)
    assert vaults.available(data) == 1000
    assert vaults.as_json(data)["amount"] == 1000
    assert VaultBalance.decode(data[8:]).amount == 1000


def test_instructions() -> None:
    d = vaults.deposit_ix(KEY, KEY, KEY, KEY, 42)
    assert vaults.deposit_amount(bytes(d.data)) == 42
    assert len(d.accounts) == 7
    w = vaults.withdraw_ix(KEY, KEY, KEY, KEY, 5)
    assert ix.decode_withdraw(bytes(w.data)).amount == 5
