"""Builds BatchV2 bodies from the engine's fills."""

from __future__ import annotations

from dataclasses import replace

from godark_settlement import types as gt
from godark_settlement.types import (
    BatchV2,
    OrderType,
    OrderTypeV2Limit,
    Side,  # bid or ask
    TradeEventV2,
    decode_batch_v2,
    encode_batch_v2,
)
from solders.pubkey import Pubkey


def fill(trade_id: int, side: Side, price: int, quantity: int, fee: int) -> TradeEventV2:
    return TradeEventV2(
        trade_id=trade_id,
        maker=Pubkey.default(),
        taker=Pubkey.default(),
        market_index=0,
        side=side,
        order_type=OrderTypeV2Limit(),
        price=price,
        quantity=quantity,
        fee_bps=fee,   # taker fee
        timestamp=1_700_000_000,
        client_order_id=None,
        maker_rebate_bps=0,
    )


def batch(batch_id: int, trades: list[TradeEventV2]) -> bytes:
    body = BatchV2(batch_id=batch_id, merkle_root=bytes(32), sequencer_slot=7, trades=trades)
    return encode_batch_v2(body)


def fees_of(data: bytes) -> list[int]:
    body = decode_batch_v2(data)
    return [t.fee_bps for t in body.trades]


def discounted(data: bytes, fee: int) -> bytes:
    body = gt.BatchV2.decode(data)
    body.trades = [replace(t, fee_bps=fee) for t in body.trades]
    return body.encode()


def is_bid(t: TradeEventV2) -> bool:
    return t.side == Side.Bid


def post_only_code() -> int:
    return int(OrderType.PostOnly)


def side_byte(side: Side) -> bytes:
    return gt.encode_side(side)
