"""The program and the IDLs agree: every instruction, built by the generated builders, succeeds on valid
input; every account it writes and every event it logs decodes with the generated codecs; every error
path answers Anchor's or the IDL's exact code."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from programs.client import Settlement, merkle_root, pda
from programs.ledger import PROGRAM_ID, Ledger
from programs.stages import Stage

from .spl import mint_data, put, token_account_data, token_amount

Deploy = Callable[..., Settlement]
EMPTY_ROOT = hashlib.sha256(b"").digest()


def _versions(stage: str) -> tuple[int, ...]:
    return {"v1_only": (1,), "current": (1, 2), "v3_hardfork": (2,)}[stage]


@pytest.mark.parametrize("stage", ["v1_only", "current", "v3_hardfork"])
def test_admin_and_settlement_instructions(deploy: Deploy, stage: str) -> None:
    s = deploy(stage, min_batch_size=2, allowed=0b11)
    cfg = s.config()
    assert (cfg.admin, cfg.is_paused, cfg.min_batch_size, cfg.allowed_batch_versions, cfg.active_relayer) == (
        s.admin.pubkey(), False, 2, 3, s.relayer.pubkey())
    st = s.state()
    assert st.last_settled_batch_id == 0 and st.bump == Pubkey.find_program_address([b"settlement"], PROGRAM_ID)[1]
    assert s.ledger.account(s.config_address).owner == PROGRAM_ID  # type: ignore[union-attr]

    batch_id = 0
    for version in _versions(stage):
        batch_id += 1
        r = s.settle(version, batch_id, 3)
        assert r.ok, r.logs
        [(name, ev)] = s.events(r)
        trades = [s.trade(version, batch_id * 1000 + i) for i in range(3)]
        root = merkle_root([t.encode() for t in trades])
        assert name == "BatchSettled"
        assert (ev.batch_id, ev.version, ev.trade_count, ev.merkle_root, ev.relayer) == (
            batch_id, version, 3, root, s.relayer.pubkey())
        st = s.state()
        assert (getattr(st, "batch_root", None) or st.merkle_root) == root
        assert st.last_settled_batch_id == batch_id and st.total_trades_settled == 3 * batch_id

    r = s.ping(batch_id + 1)
    assert r.ok, r.logs
    [(name, ev)] = s.events(r)
    assert (name, ev.version, ev.trade_count, ev.merkle_root) == ("BatchSettled", 0, 0, EMPTY_ROOT)
    assert s.state().last_settled_batch_id == batch_id + 1

    other = Keypair()
    r = s.update_config(min_batch_size=7, relayer=other.pubkey())
    assert r.ok, r.logs
    [(name, ev)] = s.events(r)
    cfg = s.config()
    assert name == "ConfigUpdated" and ev == s.stage.types.ConfigUpdated(
        s.admin.pubkey(), False, 7, 3, other.pubkey())
    assert (cfg.min_batch_size, cfg.allowed_batch_versions, cfg.active_relayer) == (7, 3, other.pubkey())
    for paused in (True, False):
        r = s.pause(paused)
        assert r.ok and s.config().is_paused is paused
        assert s.events(r)[0][1].is_paused is paused


def test_v3_state_layout_and_epoch_root(deploy: Deploy) -> None:
    s = deploy("v3_hardfork")
    st = s.state()
    assert (st.epoch, st.epoch_root) == (1, bytes(32))
    assert len(s.ledger.data(s.state_address) or b"") == 101
    r = s.settle(2, 1, 2)
    assert r.ok, r.logs
    root = s.state().batch_root
    assert s.state().epoch_root == hashlib.sha256(b"\x01" + bytes(32) + root).digest()


@dataclass
class Vault:
    owner: Keypair
    mint: Pubkey
    user_ta: Pubkey
    vault_ta: Pubkey

    @property
    def balance(self) -> Pubkey:
        return pda([b"vault", bytes(self.owner.pubkey()), bytes(self.mint)], PROGRAM_ID)


def _vault(ledger: Ledger, funds: int = 1_000) -> Vault:
    owner = ledger.funded()
    mint, user_ta, vault_ta = Pubkey.new_unique(), Pubkey.new_unique(), Pubkey.new_unique()
    put(ledger, mint, mint_data(Pubkey.new_unique()))
    v = Vault(owner, mint, user_ta, vault_ta)
    put(ledger, user_ta, token_account_data(mint, owner.pubkey(), funds))
    put(ledger, vault_ta, token_account_data(mint, v.balance, 0))
    return v


def _vault_ix(stage: Stage, name: str, v: Vault, amount: int, **override: Pubkey) -> Instruction:
    ix = stage.ix
    cls_args = getattr(ix, f"{name.capitalize()}Args")
    cls_accts = getattr(ix, f"{name.capitalize()}Accounts")
    accts = {"owner": v.owner.pubkey(), "mint": v.mint, "user_token_account": v.user_ta,
             "vault_token_account": v.vault_ta, **override}
    built: Instruction = getattr(ix, name)(cls_args(amount), cls_accts(**accts))
    return built


@pytest.mark.parametrize("stage", ["v1_only", "current", "v3_hardfork"])
def test_vault_instructions(deploy: Deploy, stage: str) -> None:
    s = deploy(stage)
    led, v = s.ledger, _vault(s.ledger)
    r = led.send([_vault_ix(s.stage, "deposit", v, 600)], [v.owner])
    assert r.ok, r.logs
    vb = s.stage.accounts.decode_vault_balance(led.data(v.balance))
    assert (vb.owner, vb.mint, vb.amount, vb.locked) == (v.owner.pubkey(), v.mint, 600, 0)
    assert (token_amount(led, v.user_ta), token_amount(led, v.vault_ta)) == (400, 600)
    r = led.send([_vault_ix(s.stage, "deposit", v, 100)], [v.owner])  # the account exists now
    assert r.ok and s.stage.accounts.decode_vault_balance(led.data(v.balance)).amount == 700

    r = led.send([_vault_ix(s.stage, "withdraw", v, 701)], [v.owner])
    assert r.code == 6008, r.logs
    r = led.send([_vault_ix(s.stage, "withdraw", v, 700)], [v.owner])
    assert r.ok, r.logs
    assert (token_amount(led, v.user_ta), token_amount(led, v.vault_ta)) == (1000, 0)

    ix = s.stage.ix
    before = led.account(v.owner.pubkey()).lamports  # type: ignore[union-attr]
    rent = led.account(v.balance).lamports  # type: ignore[union-attr]
    r = led.send([ix.close_vault(ix.CloseVaultArgs(v.mint), ix.CloseVaultAccounts(owner=v.owner.pubkey()))],
                 [v.owner])
    assert r.ok, r.logs
    assert led.account(v.balance) is None or led.account(v.balance).lamports == 0  # type: ignore[union-attr]
    assert led.account(v.owner.pubkey()).lamports == before + rent  # type: ignore[union-attr]


def test_vault_errors(deploy: Deploy) -> None:
    s = deploy()
    led, v = s.ledger, _vault(s.ledger)
    wrong_mint = _vault(led)
    other_owner_ta = Pubkey.new_unique()
    put(led, other_owner_ta, token_account_data(v.mint, Pubkey.new_unique(), 0))
    not_token = Pubkey.new_unique()
    put(led, not_token, token_account_data(v.mint, v.balance, 0), owner=Pubkey.new_unique())
    cases = [
        ({"vault_token_account": wrong_mint.vault_ta}, 2014),
        ({"vault_token_account": other_owner_ta}, 2015),
        ({"vault_token_account": not_token}, 3007),
        ({"vault_balance": Pubkey.new_unique()}, 2006),
        ({"token_program": Pubkey.new_unique()}, 3008),
    ]
    for override, code in cases:
        r = led.send([_vault_ix(s.stage, "deposit", v, 1, **override)], [v.owner])
        assert r.code == code, (override, r.logs)
    r = led.send([_vault_ix(s.stage, "deposit", v, 5)], [v.owner])
    assert r.ok
    ix = s.stage.ix
    r = led.send([ix.close_vault(ix.CloseVaultArgs(v.mint), ix.CloseVaultAccounts(owner=v.owner.pubkey()))],
                 [v.owner])
    assert r.code == 2003 and "ConstraintRaw" in r.anchor_error()  # balance left: not closed


def _raw(ix: Instruction, *, data: bytes | None = None, accounts: list[AccountMeta] | None = None) -> Instruction:
    return Instruction(ix.program_id, ix.data if data is None else data,
                       list(ix.accounts) if accounts is None else accounts)


def _settle_ix(s: Settlement, data: bytes, relayer: Pubkey | None = None) -> Instruction:
    ix = s.stage.ix
    built: Instruction = ix.settle_batch(ix.SettleBatchArgs(data), ix.SettleBatchAccounts(
        relayer=relayer or s.relayer.pubkey()))
    return built


def test_dispatch_and_argument_errors(deploy: Deploy) -> None:
    s = deploy()
    led = s.ledger
    base = _settle_ix(s, s.batch_data(1, 1, [s.trade(1, 1)]))
    assert led.send([_raw(base, data=base.data[:7])], [s.relayer]).code == 100
    assert led.send([_raw(base, data=b"\x00" * 8 + base.data[8:])], [s.relayer]).code == 101
    assert led.send([_raw(base, data=base.data[:8] + b"\xff\x00\x00\x00")], [s.relayer]).code == 102
    ix = s.stage.ix
    upd = ix.update_config(ix.UpdateConfigArgs(None, 1, None), ix.UpdateConfigAccounts(admin=s.admin.pubkey()))
    assert led.send([_raw(upd, data=upd.data[:8] + b"\x02")], [s.admin]).code == 102  # bad Option tag
    # trailing bytes after the arguments are ignored, as Anchor does
    r = led.send([_raw(upd, data=upd.data + b"trailing")], [s.admin])
    assert r.ok and s.config().allowed_batch_versions == 1


def test_account_errors(deploy: Deploy) -> None:
    s = deploy()
    led = s.ledger
    ok = _settle_ix(s, s.batch_data(1, 1, [s.trade(1, 1)]))
    metas = list(ok.accounts)
    assert led.send([_raw(ok, accounts=metas[:2])], [s.relayer]).code == 3005
    unsigned = [AccountMeta(metas[0].pubkey, False, False), *metas[1:]]
    assert led.send([_raw(ok, accounts=unsigned)]).code == 3010
    # a config-shaped account the program does not own
    fake = Pubkey.new_unique()
    put(led, fake, led.data(s.config_address) or b"", owner=Pubkey.new_unique())
    assert led.send([_raw(ok, accounts=[metas[0], AccountMeta(fake, False, False), metas[2]])],
                    [s.relayer]).code == 3007
    # the settlement state passed as the config: discriminator mismatch
    r = led.send([_raw(ok, accounts=[metas[0], AccountMeta(s.state_address, False, False), metas[2]])], [s.relayer])
    assert r.code == 3002 and "caused by account: config" in " ".join(r.logs)
    # a program-owned copy of the config at another address: seeds
    put(led, fake, led.data(s.config_address) or b"", owner=PROGRAM_ID)
    r = led.send([_raw(ok, accounts=[metas[0], AccountMeta(fake, False, False), metas[2]])], [s.relayer])
    assert r.code == 2006 and r.anchor_error() == "ConstraintSeeds"
    assert led.send([_raw(ok, accounts=[*metas[:2], AccountMeta(metas[2].pubkey, False, False)])],
                    [s.relayer]).code == 2000
    missing = Pubkey.new_unique()
    assert led.send([_raw(ok, accounts=[metas[0], AccountMeta(missing, False, False), metas[2]])],
                    [s.relayer]).code == 3012
    # admin instructions: has_one admin
    intruder = led.funded()
    assert s.update_config(allowed=3, signer=intruder).code == 6009
    assert s.pause(True, signer=intruder).code == 6009
    # re-initialising: the System Program refuses to allocate an account in use
    r = s.initialize(1, 1)
    assert not r.ok and r.code == 0


def test_program_id_is_checked(stages: dict[str, Stage]) -> None:
    other = Pubkey.new_unique()
    led = Ledger(stages["current"].program, program_id=other)
    s = Settlement(led, stages["current"], led.funded(), led.funded())
    ix = s.stage.ix
    built = ix.initialize_config(ix.InitializeConfigArgs(1, 1, s.relayer.pubkey()),
                                 ix.InitializeConfigAccounts(admin=s.admin.pubkey()), program_id=other)
    assert led.send([built], [s.admin]).code == 4100


def test_settle_batch_error_paths(deploy: Deploy) -> None:
    s = deploy(min_batch_size=3, allowed=0b01)
    t = [s.trade(1, i) for i in range(3)]
    assert s.settle_data(b"").code == 6000
    assert s.settle_data(s.batch_data(1, 1, t)[:0] + b"\x03" + bytes(60)).code == 6000  # unknown version 3
    assert s.settle(2, 1, 3).code == 6001  # V2 disabled by mask 1
    assert s.settle(1, 1, 3, signer=s.admin).code == 6003
    r = s.settle(1, 1, 2)
    assert r.code == 6004 and r.anchor_error() == "BatchTooSmall"
    assert s.settle(1, 1, 0).code == 6005
    assert s.settle(1, 1, 3, root=bytes(32)).code == 6006
    assert s.settle(1, 5, 3).ok
    assert s.settle(1, 5, 3).code == 6007  # same id
    assert s.settle(1, 4, 3).code == 6007  # lower id
    assert s.ping(5).code == 6007 and s.ping(6, signer=s.admin).code == 6003
    # a heartbeat (every trade 0-quantity) is exempt from min_batch_size, nothing else
    r = s.settle(1, 6, 1, quantity=0)
    assert r.ok, r.logs
    assert s.state().total_trades_settled == 3  # heartbeats settle no trades
    assert s.settle(1, 6, 1, quantity=0).code == 6007
    assert s.settle(1, 7, 1, quantity=0, root=bytes(32)).code == 6006
    # a bad body: BorshIoError, as `BatchV1::try_from_slice(body)?` would answer
    good = s.batch_data(1, 8, t)  # byte 119 = 1 + 8 + 32 + 4 + 74: the first trade's `side`
    for bad in (good + b"\x00", good[:-1], good[:119] + b"\x09" + good[120:]):
        r = s.settle_data(bad)
        assert not r.ok and r.code is None and "BorshIO" in r.error, r.logs
    assert s.pause().ok
    r = s.settle(1, 8, 3)
    assert r.code == 6002 and r.anchor_error() == "Paused"
    assert s.ping(8).ok  # the heartbeat works while paused
    assert s.update_config(allowed=3).ok and s.pause(False).ok
    assert s.settle(2, 9, 3).ok and s.settle(1, 10, 3).ok


def test_events_decode_strictly(deploy: Deploy) -> None:
    s = deploy()
    r = s.settle(2, 1, 4)
    lines = [ln for ln in r.logs if ln.startswith("Program data: ")]
    assert len(lines) == 1
    import base64

    raw = base64.b64decode(lines[0].removeprefix("Program data: "))
    ev = s.stage.events.decode_batch_settled(raw, strict=True)  # no trailing bytes
    assert ev.trade_count == 4 and ev.slot == s.ledger.svm.get_clock().slot


def test_batch_sizes_up_to_the_transaction_limit(deploy: Deploy) -> None:
    s = deploy()
    for version in (1, 2):
        n = 1
        while True:
            r = s.settle(version, 100 * version + n, n)
            if r.size > 1232:
                break
            assert r.ok, (version, n, r.logs)
            n += 1
        assert n > 5


