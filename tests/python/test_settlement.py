"""Behaviour of the package generated for the bundled settlement IDL: strictness, messages, families,
errors, events, instruction builders. Expected bytes are built by hand with `struct` here, never by
the code under test."""

from __future__ import annotations

import base64
import hashlib
import struct
from types import ModuleType
from typing import Any

import pytest
from solders.pubkey import Pubkey

A = Pubkey.from_bytes(bytes(range(32)))
B = Pubkey.from_bytes(bytes(range(32, 64)))


def trade(t: Any, i: int, coid: int | None = 2**100, order: Any = None) -> Any:
    return t.TradeEventV2(i, A, B, 7, t.Side.Ask, order or t.OrderTypeV2Limit(), 1000 + i, 5, 3, -9, coid, -2)


def trade_bytes(i: int, coid: int | None = 2**100) -> bytes:
    """TradeEventV2 written field by field from the IDL (Limit order)."""
    out = struct.pack("<Q32s32sHB", i, bytes(A), bytes(B), 7, 1) + b"\x00"
    out += struct.pack("<QQHq", 1000 + i, 5, 3, -9)
    out += b"\x00" if coid is None else b"\x01" + coid.to_bytes(16, "little")
    return out + struct.pack("<h", -2)


def test_batch_v2_bytes_match_the_idl_layout(settlement: ModuleType) -> None:
    t = settlement.types
    batch = t.BatchV2(5, bytes(range(32)), 77, [trade(t, i, coid=None if i % 2 else 2**100) for i in range(3)])
    want = struct.pack("<Q32sQI", 5, bytes(range(32)), 77, 3) + b"".join(
        trade_bytes(i, None if i % 2 else 2**100) for i in range(3))
    assert batch.encode() == want
    assert t.decode_batch_v2(want) == batch


def test_truncation_names_path_and_offset(settlement: ModuleType) -> None:
    t = settlement.types
    data = t.BatchV2(1, bytes(32), 2, [trade(t, i) for i in range(20)]).encode()
    price = 52 + 17 * len(trade_bytes(0)) + 76  # header, 17 trades, run + order tag
    with pytest.raises(settlement.DecodeError) as exc:
        t.decode_batch_v2(data[: price + 3])
    assert str(exc.value) == f"BatchV2.trades[17].price: needs 8 bytes at offset {price}, 3 left"
    assert exc.value.offset == price


@pytest.mark.parametrize(("offset", "byte", "message"), [
    (52 + 74, 2, "BatchV2.trades[0].side: unknown Side variant tag 2 at offset 126"),
    (52 + 75, 9, "BatchV2.trades[0].order_type: unknown OrderTypeV2 variant tag 9 at offset 127"),
    (52 + 102, 2, "BatchV2.trades[0].client_order_id: invalid Option tag 2 at offset 154 (must be 0 or 1)"),
])
def test_bad_byte_names_path_and_offset(settlement: ModuleType, offset: int, byte: int, message: str) -> None:
    t = settlement.types
    data = bytearray(t.BatchV2(1, bytes(32), 2, [trade(t, 0)]).encode())
    data[offset] = byte
    with pytest.raises(settlement.DecodeError) as exc:
        t.decode_batch_v2(bytes(data))
    assert str(exc.value) == message


def test_bool_other_than_0_1_is_rejected(settlement: ModuleType) -> None:
    data = bytearray(settlement.types.GlobalConfig(A, True, 1, 3, B).encode())
    data[32] = 2
    with pytest.raises(settlement.DecodeError, match=r"GlobalConfig.is_paused: invalid bool 2 at offset 32"):
        settlement.types.decode_global_config(bytes(data))


def test_trailing_bytes_strict_for_types_lenient_for_accounts_and_instructions(settlement: ModuleType) -> None:
    t, accounts, ix = settlement.types, settlement.accounts, settlement.instructions
    cfg = t.GlobalConfig(A, False, 10, 3, B)
    with pytest.raises(settlement.DecodeError, match="1 trailing byte after the value"):
        t.decode_global_config(cfg.encode() + b"\x00")
    raw = accounts.encode_global_config(cfg)
    assert raw[:8] == hashlib.sha256(b"account:GlobalConfig").digest()[:8]
    assert accounts.decode_global_config(raw + bytes(100)) == cfg  # on-chain accounts are often larger
    with pytest.raises(settlement.DecodeError, match=r"GlobalConfig: 100 trailing bytes"):
        accounts.decode_global_config(raw + bytes(100), strict=True)
    data = ix.encode_ping(ix.PingArgs(9))
    assert data == hashlib.sha256(b"global:ping").digest()[:8] + struct.pack("<Q", 9)
    assert ix.decode_ping(data + b"junk") == ix.PingArgs(9)
    with pytest.raises(settlement.DecodeError, match="ping: 4 trailing bytes"):
        ix.decode_ping(data + b"junk", strict=True)


def test_wrong_discriminator(settlement: ModuleType) -> None:
    raw = settlement.accounts.encode_vault_balance(settlement.types.VaultBalance(A, B, 1, 0, 255))
    with pytest.raises(settlement.DecodeError, match="is not GlobalConfig's"):
        settlement.accounts.decode_global_config(raw)
    assert settlement.accounts.identify(raw) == "VaultBalance"


def test_huge_length_prefix_fails_at_once(settlement: ModuleType) -> None:
    header = struct.pack("<Q32sQ", 1, bytes(32), 2) + b"\xff\xff\xff\xff"
    with pytest.raises(settlement.DecodeError, match=r"BatchV2.trades: length prefix 4294967295 at offset 48"):
        settlement.types.decode_batch_v2(header + bytes(64))
    data = hashlib.sha256(b"global:settle_batch").digest()[:8] + b"\xff\xff\xff\xff" + b"\x02"
    with pytest.raises(settlement.DecodeError, match=r"settle_batch.data: length prefix 4294967295 at offset 8"):
        settlement.instructions.decode_settle_batch(data)


@pytest.mark.parametrize(("change", "message"), [
    ({"market_index": 70000}, "BatchV2.trades[0].market_index: 70000 out of range for u16 (0..65535)"),
    ({"price": -1}, "BatchV2.trades[0].price: -1 out of range for u64 (0..18446744073709551615)"),
    ({"maker": b"\x00" * 32}, "BatchV2.trades[0].maker: expected Pubkey, got bytes"),
    ({"client_order_id": 2**128}, "BatchV2.trades[0].client_order_id: 340282366920938463463374607431768211456 "
                                  "out of range for u128 (0..340282366920938463463374607431768211455)"),
    ({"maker_rebate_bps": 1.5}, "BatchV2.trades[0].maker_rebate_bps: expected int for i16, got float"),
])
def test_encode_range_checks_name_the_field(settlement: ModuleType, change: dict[str, Any], message: str) -> None:
    t = settlement.types
    tr = trade(t, 0)
    for k, v in change.items():
        setattr(tr, k, v)
    with pytest.raises(settlement.EncodeError) as exc:
        t.BatchV2(1, bytes(32), 2, [tr]).encode()
    assert str(exc.value) == message


def test_array_length_is_checked(settlement: ModuleType) -> None:
    with pytest.raises(settlement.EncodeError, match=r"BatchV2.merkle_root: expected 32 bytes, got 31"):
        settlement.types.BatchV2(1, bytes(31), 2, []).encode()


def test_families_route_on_version_byte(settlement: ModuleType) -> None:
    t, fam, errors = settlement.types, settlement.families, settlement.errors
    v1 = t.BatchV1(3, bytes(32), [t.TradeEventV1(1, A, B, 2, t.Side.Bid, t.OrderType.Market, 5, 6, 7, 8)])
    v2 = t.BatchV2(4, bytes(32), 9, [trade(t, 1)])
    assert fam.encode_batch(v1) == b"\x01" + v1.encode()
    assert fam.encode_batch(v2) == b"\x02" + v2.encode()
    assert fam.decode_batch(fam.encode_batch(v1)) == v1
    assert fam.decode_batch(fam.encode_batch(v2), allowed_mask=0b10) == v2
    with pytest.raises(errors.InvalidBatchVersion) as unknown:
        fam.decode_batch(b"\x03" + v2.encode())
    assert unknown.value.code == 6000
    with pytest.raises(errors.BatchVersionDisabled) as disabled:
        fam.decode_batch(fam.encode_batch(v1), allowed_mask=0b10)
    assert disabled.value.code == 6001
    assert fam.choose_batch_version(0b11) == 2
    assert fam.choose_batch_version(0b01) == 1
    assert fam.choose_batch_version(0b11, supported=(1,)) == 1
    with pytest.raises(errors.BatchVersionDisabled):
        fam.choose_batch_version(0)
    assert fam.batch_mask(t.GlobalConfig(A, False, 1, 0b10, B)) == 2
    assert fam.batch_allowed_versions(0b11) == (1, 2)
    args = fam.batch_args(v2)
    assert args == settlement.instructions.SettleBatchArgs(fam.encode_batch(v2))
    assert fam.decode_batch(settlement.instructions.decode_settle_batch(
        settlement.instructions.encode_settle_batch(args)).data) == v2
    with pytest.raises(settlement.DecodeError, match=r"BatchV2.trades\[0\]"):
        fam.decode_batch(fam.encode_batch(v2)[:-1])


def test_errors_from_code_and_logs(settlement: ModuleType) -> None:
    errors = settlement.errors
    err = errors.from_code(6002)
    assert isinstance(err, errors.Paused) and err.name == "Paused" and err.msg == "Settlement is paused"
    anchor = errors.from_code(101)
    assert isinstance(anchor, errors.AnchorError) and anchor.name == "InstructionFallbackNotFound"
    assert errors.from_code(2006).name == "ConstraintSeeds"
    assert errors.from_code(3012).name == "AccountNotInitialized"
    assert errors.from_code(424242) is None
    pid = str(settlement.PROGRAM_ID)
    logs = [f"Program {pid} invoke [1]", "Program log: Instruction: SettleBatch",
            f"Program {pid} consumed 5000 of 200000 compute units",
            f"Program {pid} failed: custom program error: 0x1771"]
    assert isinstance(errors.from_logs(logs), errors.BatchVersionDisabled)
    anchor_logs = ["Program log: AnchorError occurred. Error Code: InstructionDidNotDeserialize. "
                   "Error Number: 102. Error Message: The program could not deserialize the given instruction."]
    assert errors.from_logs(anchor_logs).code == 102
    assert errors.from_logs(logs, program_id=str(A)) is None
    from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

    failed = TransactionErrorInstructionError(0, InstructionErrorCustom(6004))
    assert isinstance(errors.from_error(failed), errors.BatchTooSmall)
    assert errors.from_error(TransactionErrorInstructionError(0, InstructionErrorCustom(102))).code == 102
    assert errors.from_error(object()) is None


def test_events_from_bytes_and_logs(settlement: ModuleType) -> None:
    t, events = settlement.types, settlement.events
    ev = t.BatchSettled(1, 2, 3, bytes(32), A, 99)
    raw = events.encode_batch_settled(ev)
    assert raw[:8] == hashlib.sha256(b"event:BatchSettled").digest()[:8]
    assert events.decode_batch_settled(raw) == ev
    logs = ["Program log: hello", f"Program data: {base64.b64encode(raw).decode()}",
            f"Program data: {base64.b64encode(b'other program').decode()}"]
    assert events.parse_logs(logs) == [("BatchSettled", ev)]
    with pytest.raises(settlement.DecodeError):
        events.parse_logs([f"Program data: {base64.b64encode(raw[:-1]).decode()}"])


def test_instruction_builder_metas_pdas_and_fixed_addresses(settlement: ModuleType) -> None:
    ix, pid = settlement.instructions, settlement.PROGRAM_ID
    owner, mint, user_ata, vault_ata = (Pubkey.new_unique() for _ in range(4))
    inst = ix.deposit(ix.DepositArgs(500), ix.DepositAccounts(owner=owner, mint=mint, user_token_account=user_ata,
                                                               vault_token_account=vault_ata))
    assert inst.program_id == pid
    assert inst.data == hashlib.sha256(b"global:deposit").digest()[:8] + struct.pack("<Q", 500)
    vault = Pubkey.find_program_address([b"vault", bytes(owner), bytes(mint)], pid)[0]
    want = [(owner, True, True), (vault, False, True), (mint, False, False), (user_ata, False, True),
            (vault_ata, False, True), (Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"), False, False),
            (Pubkey.from_string("11111111111111111111111111111111"), False, False)]
    assert [(m.pubkey, m.is_signer, m.is_writable) for m in inst.accounts] == want
    # arg seed: close_vault derives [b"vault", owner, args.mint]
    inst = ix.close_vault(ix.CloseVaultArgs(mint), ix.CloseVaultAccounts(owner=owner))
    assert inst.accounts[1].pubkey == vault
    # an explicit account wins over derivation; remaining accounts are appended
    extra = settlement.instructions.AccountMeta(A, False, False)
    inst = ix.ping(ix.PingArgs(1), ix.PingAccounts(relayer=owner, config=B), remaining_accounts=[extra])
    assert [m.pubkey for m in inst.accounts] == [
        owner, B, Pubkey.find_program_address([b"settlement"], pid)[0], A]


def test_json_bridge_canonical_shapes(settlement: ModuleType) -> None:
    jb = settlement.json_bridge
    value = {"batch_id": 1, "merkle_root": list(range(32)), "sequencer_slot": 2, "trades": [
        {"trade_id": 3, "maker": str(A), "taker": str(B), "market_index": 4, "side": "Bid",
         "order_type": {"ImmediateOrCancel": {"max_slippage_bps": 5}}, "price": 6, "quantity": 7, "fee_bps": 8,
         "timestamp": -9, "client_order_id": None, "maker_rebate_bps": -10}]}
    data = jb.encode("type", "BatchV2", value)
    assert jb.decode("type", "BatchV2", data) == value
    assert jb.decode("instruction", "settle_batch", jb.encode("instruction", "settle_batch", {"data": "0aff"})) \
        == {"data": "0aff"}
    account = {"admin": str(A), "is_paused": True, "min_batch_size": 1, "allowed_batch_versions": 3,
               "active_relayer": str(B)}
    raw = jb.encode("account", "GlobalConfig", account)
    assert jb.decode("account", "GlobalConfig", raw + b"\x00") == account
    with pytest.raises(settlement.DecodeError):
        jb.decode("account", "GlobalConfig", raw + b"\x00", strict=True)
    with pytest.raises(settlement.EncodeError, match=r"BatchV2.trades\[0\].side: expected one of"):
        jb.encode("type", "BatchV2", {**value, "trades": [{**value["trades"][0], "side": "Up"}]})
    with pytest.raises(settlement.EncodeError, match=r"GlobalConfig.is_paused: expected true or false, got 1"):
        jb.encode("account", "GlobalConfig", {**account, "is_paused": 1})
    with pytest.raises(settlement.EncodeError, match="unknown field 'extra'"):
        jb.encode("account", "GlobalConfig", {**account, "extra": 1})
    with pytest.raises(KeyError, match="no type named 'Nope'"):
        jb.encode("type", "Nope", {})


def test_unit_enum_out_of_range_is_an_encode_error(settlement: ModuleType) -> None:
    t = settlement.types
    tr = trade(t, 0)
    tr.side = 7
    with pytest.raises(settlement.EncodeError, match=r"BatchV2.trades\[0\].side: not a Side variant: 7"):
        t.BatchV2(1, bytes(32), 2, [tr]).encode()
    v1 = t.TradeEventV1(1, A, B, 2, t.Side.Bid, 3, 5, 6, 7, 8)
    with pytest.raises(settlement.EncodeError, match=r"TradeEventV1.order_type: not a OrderType variant: 3"):
        v1.encode()
