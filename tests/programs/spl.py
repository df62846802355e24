"""SPL Token accounts seeded directly into LiteSVM, the way engineers copy them from a cluster."""

from __future__ import annotations

import struct

from solders.account import Account
from solders.pubkey import Pubkey

from programs.ledger import Ledger

TOKEN_PROGRAM = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
MINT_LEN, ACCOUNT_LEN = 82, 165


def mint_data(authority: Pubkey, supply: int = 10**12, decimals: int = 6) -> bytes:
    return struct.pack("<I32sQBBI32s", 1, bytes(authority), supply, decimals, 1, 0, bytes(32))


def token_account_data(mint: Pubkey, owner: Pubkey, amount: int) -> bytes:
    # mint, owner, amount, delegate: None, state: Initialized, is_native: None, delegated 0, close authority: None
    return struct.pack("<32s32sQI32sBIQQI32s", bytes(mint), bytes(owner), amount, 0, bytes(32), 1, 0, 0, 0, 0,
                       bytes(32))


def put(ledger: Ledger, address: Pubkey, data: bytes, owner: Pubkey = TOKEN_PROGRAM) -> None:
    lamports = ledger.svm.minimum_balance_for_rent_exemption(len(data))
    ledger.svm.set_account(address, Account(lamports, data, owner, False, 0))


def token_amount(ledger: Ledger, address: Pubkey) -> int:
    data = ledger.data(address)
    assert data is not None
    (amount,) = struct.unpack_from("<Q", data, 64)
    return int(amount)
