"""Fees: the relayer's own schedule has a `fee_bps` too, which no IDL change may touch."""

from __future__ import annotations

from dataclasses import dataclass

from godark_settlement.types import TradeEventV2


@dataclass
class FeeSchedule:
    fee_bps: int  # the relayer's own fee, on top of the trade's
    rebate_bps: int = 0


def total_fee_bps(trade: TradeEventV2, schedule: FeeSchedule) -> int:
    # Both objects have a `fee_bps`; only the trade's is the program's field.
    return trade.fee_bps + schedule.fee_bps


def cheapest(trades: list[TradeEventV2]) -> int:
    return min(t.fee_bps for t in trades)
