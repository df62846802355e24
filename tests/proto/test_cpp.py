"""The engine consumes the schema from C++: Debian's protoc generates C++, g++ compiles and links it against
libprotobuf-dev, and the program exchanges bytes with the Python side (tools: scripts/setup-test-deps.sh)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

from tests.proto.helpers import import_convert, load, need_tool, render, write
from tests.support.values import random_type

HERE = Path(__file__).resolve().parent


def pkg_config_protobuf() -> list[str]:
    need_tool("pkg-config")
    r = subprocess.run(["pkg-config", "--cflags", "--libs", "protobuf"], check=False, capture_output=True, text=True)
    if r.returncode != 0:
        need_tool("no-libprotobuf-dev")  # skips with the setup hint
    return r.stdout.split()


def test_cpp_engine_reads_and_writes_the_relayer_messages(tmp_path: Path) -> None:
    protoc, gxx = need_tool("protoc"), need_tool("g++")
    flags = pkg_config_protobuf()
    program = load()
    files = render(program, targets=("proto",))
    write(files, tmp_path)
    proto_root = tmp_path / "generated" / "proto"
    cpp = tmp_path / "cpp"
    cpp.mkdir()
    subprocess.run([protoc, f"-I{proto_root}", f"--cpp_out={cpp}", "godark/settlement/v1/godark_settlement.proto"],
                   check=True, capture_output=True, text=True)
    exe = tmp_path / "engine"
    r = subprocess.run([gxx, "-std=c++17", "-O0", "-Wall", "-Werror", f"-I{cpp}",
                        str(HERE / "cpp" / "engine_roundtrip.cc"),
                        str(cpp / "godark/settlement/v1/godark_settlement.pb.cc"), "-o", str(exe), *flags],
                       check=False, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]

    conv = import_convert(program, tmp_path / "py")
    value = random_type(program, "BatchV2", random.Random(4), "random")
    value["trades"] = value["trades"][:3] or [random_type(program, "TradeEventV2", random.Random(5), "max")]
    value["trades"][0]["client_order_id"] = (1 << 128) - 1
    msg = conv.envelope_to_proto("Batch", 2, value)
    (tmp_path / "in.bin").write_bytes(msg.SerializeToString())
    r = subprocess.run([str(exe), str(tmp_path / "in.bin"), str(tmp_path / "out.bin"), str(tmp_path / "built.bin")],
                       check=False, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, (r.returncode, r.stderr)
    lines = r.stdout.splitlines()
    assert lines[0] == (f"batch {value['batch_id']} slot {value['sequencer_slot']} trades {len(value['trades'])} "
                        "root_len 32")
    first = lines[1].split()
    assert first[1] == str(value["trades"][0]["trade_id"]) and first[3] == str(value["trades"][0]["price"])
    assert first[5] == str(value["trades"][0]["timestamp"])
    assert first[-1] == str((1 << 128) - 1)
    for line, trade in zip(lines[1:], value["trades"], strict=True):
        want = "none" if trade["client_order_id"] is None else str(trade["client_order_id"])
        assert line.split()[-1] == want
        assert line.split()[7] == f"SIDE_{trade['side'].upper()}"
        assert line.split()[9] == str(trade["maker_rebate_bps"])

    # C++ re-serializes the same message: Python reads back the identical value
    back = type(msg)()
    back.ParseFromString((tmp_path / "out.bin").read_bytes())
    assert conv.envelope_from_proto("Batch", back) == (2, value)

    # a trade built in C++ reads as the canonical value with every edge intact
    built = conv.message_class("type", "TradeEventV2")()
    built.ParseFromString((tmp_path / "built.bin").read_bytes())
    got = conv.value_from_proto("type", "TradeEventV2", built)
    assert got["trade_id"] == (1 << 64) - 1 and got["timestamp"] == -(1 << 63)
    assert got["client_order_id"] == (1 << 127) + 5 and got["maker_rebate_bps"] == -32768
    assert got["order_type"] == {"ImmediateOrCancel": {"max_slippage_bps": 25}} and got["side"] == "Ask"
    assert got["maker"] == "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi"  # 32 x 0x01 in base58
