"""Vault balances and the deposit/withdraw instructions."""

from __future__ import annotations

from typing import Any

from godark_settlement import instructions as ix
from godark_settlement import json_bridge
from godark_settlement.accounts import decode_vault_balance, encode_vault_balance
from godark_settlement.instructions import DepositAccounts, DepositArgs, deposit
from godark_settlement.types import VaultBalance
from solders.instruction import Instruction
from solders.pubkey import Pubkey


def balance_account(owner: Pubkey, amount: int) -> bytes:
    v = VaultBalance(owner=owner, mint=Pubkey.default(), amount=amount, locked=0, bump=255)
    return encode_vault_balance(v)


def available(data: bytes) -> int:
    vault = decode_vault_balance(data)
    return vault.amount - vault.locked


def as_json(data: bytes) -> Any:
    return json_bridge.decode("account", "VaultBalance", data)


def deposit_ix(owner: Pubkey, mint: Pubkey, source: Pubkey, vault_tokens: Pubkey, amount: int) -> Instruction:
    args = DepositArgs(amount=amount)
    accounts = DepositAccounts(owner=owner, mint=mint, user_token_account=source,
                               vault_token_account=vault_tokens)
    return deposit(args, accounts)


def deposit_amount(data: bytes) -> int:
    return ix.decode_deposit(data).amount


def withdraw_ix(owner: Pubkey, mint: Pubkey, dest: Pubkey, vault_tokens: Pubkey, amount: int) -> Instruction:
    return ix.withdraw(ix.WithdrawArgs(amount=amount),
                       ix.WithdrawAccounts(owner=owner, mint=mint, user_token_account=dest,
                                           vault_token_account=vault_tokens))
