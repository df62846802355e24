"""The reference C++ engine, its frame stream, and the generated relayer code (packet fit, split,
pre-flight) that turns frames into transactions. No settlement program needed here."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from idlgen.diagnostics import IdlgenError
from idlgen.tools.frames import MAGIC, read_frames, write_frames
from tests.conftest import FIXTURES
from tests.support.pygen import generate_python_package
from tests.tools.simtest_support import build_engines, generated_package

V1_ONLY = FIXTURES / "settlement" / "v1_only.json"


@pytest.fixture(scope="module")
def engines() -> dict[str, Path]:
    return build_engines()


@pytest.fixture(scope="module")
def pkg() -> ModuleType:
    return generated_package()


def frames_of(engine: Path, *args: str) -> list[bytes]:
    out = subprocess.run([str(engine), *args], capture_output=True, check=True).stdout
    return read_frames(out, str(engine))


# ---- the engine -------------------------------------------------------------------------------------

def test_old_and_new_engine_emit_their_idls_batch_version(engines: dict[str, Path], pkg: ModuleType,
                                                         tmp_path: Path) -> None:
    new = frames_of(engines["current"], "--orders", "300", "--batch-trades", "16")
    old = frames_of(engines["v1_only"], "--orders", "300", "--batch-trades", "16")
    assert new and old
    assert {f[0] for f in new} == {2} and {f[0] for f in old} == {1}
    v1 = generate_python_package(V1_ONLY, tmp_path, families=None)
    for frames, versions in ((new, (2,)), (old, (1,))):
        ids = []
        for f in frames:
            value = pkg.families.decode_batch(f)  # strict: the whole frame is one Batch, nothing after it
            assert pkg.families.batch_version(value) in versions
            assert 0 < len(value.trades) <= 16
            # two implementations agree: the engine's C++ SHA-256/RFC 6962 and the relayer's hashlib one
            assert value.merkle_root == pkg.relayer.batch_merkle_root(value)
            ids.append(value.batch_id)
        assert ids == list(range(1, len(frames) + 1))
    # the old engine's bytes are what the v1_only IDL's own codec reads
    assert all(v1.json_bridge.decode("type", "BatchV1", f[1:]) for f in old)
    trade_types = {type(t.order_type).__name__ for f in new for t in pkg.families.decode_batch(f).trades}
    assert "OrderTypeV2ImmediateOrCancel" in trade_types  # V2-only fields are used by the new engine
    clients = [t.client_order_id for f in new for t in pkg.families.decode_batch(f).trades]
    assert None in clients and any(c is not None for c in clients)


def test_engine_is_deterministic_and_seeded(engines: dict[str, Path]) -> None:
    a = frames_of(engines["current"], "--seed", "7")
    assert a == frames_of(engines["current"], "--seed", "7")
    assert a != frames_of(engines["current"], "--seed", "8")
    limited = frames_of(engines["current"], "--seed", "7", "--max-batches", "2", "--first-batch-id", "41")
    assert len(limited) == 2 and limited[0][1:9] == (41).to_bytes(8, "little")


def test_engine_describes_itself_and_refuses_bad_flags(engines: dict[str, Path]) -> None:
    d = subprocess.run([str(engines["v1_only"]), "--describe"], capture_output=True, text=True, check=True)
    assert '"emit_version": 1' in d.stdout and '"versions": [1]' in d.stdout
    bad = subprocess.run([str(engines["current"]), "--orders", "-3"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "not a non-negative integer" in bad.stderr and not bad.stdout


def test_build_script_is_reproducible(engines: dict[str, Path], tmp_path: Path) -> None:
    import os
    import sys

    env = {**os.environ, "IDLGEN": str(Path(sys.executable).with_name("idlgen"))}
    subprocess.run(["bash", "scripts/build-engine.sh", str(tmp_path)], check=True, capture_output=True, env=env,
                   cwd=Path(__file__).resolve().parents[2])
    for stage, path in engines.items():
        assert (tmp_path / f"engine-{stage}").read_bytes() == path.read_bytes(), stage


# ---- frames -----------------------------------------------------------------------------------------

def test_frame_stream_round_trip_and_errors() -> None:
    assert read_frames(write_frames([b"\x01ab", b"", b"\x02"]), "s") == [b"\x01ab", b"", b"\x02"]
    assert read_frames(MAGIC, "s") == []
    with pytest.raises(IdlgenError, match=r"offset 0: not a frame stream"):
        read_frames(b"hello world", "s")
    with pytest.raises(IdlgenError, match=r"offset 8: frame 0: length 5, only 2 bytes left"):
        read_frames(MAGIC + b"\x05\x00\x00\x00ab", "s")
    with pytest.raises(IdlgenError, match=r"offset 12: frame 1: truncated length"):
        read_frames(MAGIC + b"\x00\x00\x00\x00\x01", "s")


# ---- RFC 6962 ---------------------------------------------------------------------------------------

# The certificate-transparency reference vectors (merkle_tree_test): leaves and the root of the first n.
CT_LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
             bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]
CT_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def test_merkle_root_is_rfc_6962(pkg: ModuleType) -> None:
    assert pkg.relayer.merkle_root([]) == hashlib.sha256(b"").digest()
    for n, root in CT_ROOTS.items():
        assert pkg.relayer.merkle_root(CT_LEAVES[:n]).hex() == root, n


# ---- packet fit -------------------------------------------------------------------------------------

def widest_trade(pkg: ModuleType, version: int, i: int) -> Any:
    """A trade at its largest Borsh size (the data-carrying order type, the optional id present)."""
    t = pkg.types
    key = Pubkey(bytes([i % 256]) * 32)
    if version == 1:
        return t.TradeEventV1(i, key, key, 1, t.Side.Ask, t.OrderType.PostOnly, 2**64 - 1, 5, 7, -1)
    return t.TradeEventV2(i, key, key, 1, t.Side.Ask, t.OrderTypeV2ImmediateOrCancel(9), 2**64 - 1, 5, 7, -1,
                          2**128 - 1, -3)


def batch(pkg: ModuleType, version: int, n: int, batch_id: int = 1) -> Any:
    trades = [widest_trade(pkg, version, i) for i in range(n)]
    if version == 1:
        value = pkg.types.BatchV1(batch_id, bytes(32), trades)
    else:
        value = pkg.types.BatchV2(batch_id, bytes(32), 77, trades)
    return pkg.relayer.split_batch(value, batch_id, max_items=max(n, 1))[0]


def signed_size(pkg: ModuleType, value: Any) -> int:
    relayer = Keypair()
    ix = pkg.instructions.settle_batch(pkg.families.batch_args(value),
                                       pkg.instructions.SettleBatchAccounts(relayer=relayer.pubkey()))
    bh = Keypair().pubkey()  # any 32 bytes stand for the blockhash in a size measurement
    from solders.hash import Hash

    h = Hash(bytes(bh))
    return len(bytes(Transaction([relayer], Message.new_with_blockhash([ix], relayer.pubkey(), h), h)))


@pytest.mark.parametrize("version", [1, 2])
def test_largest_batch_that_fits_is_the_packet_limit(pkg: ModuleType, version: int) -> None:
    rel = pkg.relayer
    most = rel.batch_max_items(version)
    assert most == rel.BATCH_MAX_ITEMS[version] and most >= 1
    fits = batch(pkg, version, most)
    size = signed_size(pkg, fits)
    assert size == rel.batch_transaction_size(fits) <= rel.PACKET_DATA_SIZE == 1232
    assert rel.batch_fits(fits)
    over = batch(pkg, version, most + 1)
    assert signed_size(pkg, over) == rel.batch_transaction_size(over) > 1232
    assert not rel.batch_fits(over)


def test_split_keeps_every_trade_numbers_and_roots_each_chunk(pkg: ModuleType) -> None:
    rel = pkg.relayer
    value = pkg.types.BatchV1(5, bytes(32), [widest_trade(pkg, 1, i) for i in range(20)])
    parts = rel.split_batch(value, 100)
    assert [len(p.trades) for p in parts] == [9, 9, 2]
    assert [p.batch_id for p in parts] == [100, 101, 102]
    assert [t for p in parts for t in p.trades] == value.trades
    assert all(p.merkle_root == rel.batch_merkle_root(p) != bytes(32) for p in parts)
    assert all(rel.batch_fits(p) for p in parts)
    assert len(rel.split_batch(pkg.types.BatchV1(5, bytes(32), []), 1)) == 1
    with pytest.raises(ValueError, match="at least 1"):
        rel.split_batch(value, 1, max_items=0)


# ---- pre-flight -------------------------------------------------------------------------------------

def config(pkg: ModuleType, relayer: Pubkey, **over: Any) -> Any:
    base = {"admin": Pubkey.default(), "is_paused": False, "min_batch_size": 1, "allowed_batch_versions": 3,
            "active_relayer": relayer}
    return pkg.types.GlobalConfig(**(base | over))


def test_preflight_refuses_what_the_program_would_reject_in_its_order(pkg: ModuleType) -> None:
    rel = pkg.relayer
    me = Keypair().pubkey()
    other = Keypair().pubkey()
    v2 = batch(pkg, 2, 3, batch_id=8)
    assert rel.preflight_batch(v2, config(pkg, me), me) is None
    cases = [
        ({"allowed_batch_versions": 1}, me, "BatchVersionDisabled", "version 2 is not enabled"),
        ({"is_paused": True}, me, "Paused", "is_paused is set"),
        ({}, other, "UnauthorizedRelayer", f"the signer {other} is not GlobalConfig.active_relayer {me}"),
        ({"min_batch_size": 500}, me, "BatchTooSmall", "3 trades, GlobalConfig.min_batch_size is 500"),
        # several at once: the first in the program's order wins
        ({"is_paused": True, "min_batch_size": 500}, other, "Paused", "is_paused"),
        ({"allowed_batch_versions": 1, "is_paused": True}, me, "BatchVersionDisabled", "not enabled"),
    ]
    for over, signer, error, why in cases:
        r = rel.preflight_batch(v2, config(pkg, me, **over), signer)
        assert r is not None and r.error.name == error and why in r.reason, (over, r)
        assert str(r).startswith(f"{error} ({r.error.code}): ")
    state = pkg.types.SettlementState(bytes(32), 8, 0, 0, 255)
    r = rel.preflight_batch(v2, config(pkg, me), me, state)
    assert r is not None and r.error is pkg.errors.StaleBatchId
    bad_root = pkg.types.BatchV2(9, bytes(32), 77, list(v2.trades))
    r = rel.preflight_batch(bad_root, config(pkg, me), me)
    assert r is not None and r.error is pkg.errors.InvalidMerkleRoot
    empty = pkg.types.BatchV2(9, pkg.relayer.merkle_root([]), 77, [])
    r = rel.preflight_batch(empty, config(pkg, me, min_batch_size=500), me)
    assert r is not None and r.error is pkg.errors.EmptyBatch  # the program checks empty before too small
    assert rel.BATCH_PREFLIGHT_CHECKS == ("disabled version", "paused", "wrong relayer", "empty", "too small",
                                          "stale id", "merkle root")


def test_preflight_is_derived_from_the_idl_not_hard_coded(tmp_path: Path) -> None:
    """Rename the conventional fields away and the checks that need them are not generated."""
    import json

    from tests.conftest import SETTLEMENT

    doc = json.loads(SETTLEMENT.read_text())
    gc = next(t for t in doc["types"] if t["name"] == "GlobalConfig")
    for f in gc["type"]["fields"]:
        f["name"] = {"is_paused": "halted", "active_relayer": "operator"}.get(f["name"], f["name"])
    for ix in doc["instructions"]:
        for a in ix["args"]:
            a["name"] = {"active_relayer": "operator"}.get(a["name"], a["name"])
    idl = tmp_path / "renamed.json"
    idl.write_text(json.dumps(doc))
    from idlgen.anchor.lower import FamilySpec

    mod = generate_python_package(idl, tmp_path / "out", families=(
        FamilySpec("Batch", "settle_batch.data", "GlobalConfig.allowed_batch_versions"),))
    import importlib
    import sys

    sys.path.insert(0, str(Path(mod.__file__).parent.parent))
    try:
        rel = importlib.import_module(mod.__name__ + ".relayer")
    finally:
        sys.path.pop(0)
    assert rel.BATCH_PREFLIGHT_CHECKS == ("disabled version", "empty", "too small", "stale id", "merkle root")
