"""The mapping table on an IDL built to stress it: every scalar, nested containers, keyword and colliding
names, a variant that shadows a top-level type. protoc must accept it, buf lint must pass, values must
round-trip."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from idlgen.anchor.load import load_program
from tests.proto.helpers import buf, buf_module, import_convert, need_tool, proto_of, render, write
from tests.proto.test_convert import check_program, roundtrip
from tests.proto.test_cpp import pkg_config_protobuf

D = {"defined": {"name": "Inner"}}
FIELDS: list[tuple[str, Any]] = [
    ("u8", "u8"), ("u16", "u16"), ("u32", "u32"), ("u64", "u64"), ("i8", "i8"), ("i16", "i16"), ("i32", "i32"),
    ("i64", "i64"), ("u128", "u128"), ("i128", "i128"), ("u256", "u256"), ("i256", "i256"), ("f32", "f32"),
    ("f64", "f64"), ("flag", "bool"), ("text", "string"), ("blob", "bytes"), ("key", "pubkey"),
    ("root", {"array": ["u8", 32]}), ("raw", {"vec": "u8"}),
    ("grid", {"vec": {"vec": "u64"}}), ("holes", {"vec": {"option": "u8"}}),
    ("maybe_keys", {"option": {"vec": "pubkey"}}), ("maybe_maybe", {"option": {"option": "u32"}}),
    ("matrix", {"array": [{"array": ["u16", 2]}, 3]}), ("maybe_root", {"option": {"array": ["u8", 4]}}),
    ("roots", {"vec": {"array": ["u8", 32]}}), ("c_opt", {"coption": "u64"}), ("inner", {"option": D}),
    ("inners", {"vec": {"option": D}}), ("big", {"option": "i128"}),
    ("color", {"option": {"defined": {"name": "Color"}}}),
    ("colors", {"vec": {"defined": {"name": "Color"}}}), ("pair", {"defined": {"name": "Pair"}}),
    ("optional", "u8"), ("message", "u8"), ("foo_1", "u8"), ("foo1", "u8"),
    ("vec_u64", {"defined": {"name": "VecU64"}}),
    ("shape", {"defined": {"name": "Shape"}}), ("unit", {"defined": {"name": "Nothing"}}),
    ("swap", {"defined": {"name": "Swap"}}),
]


def idl() -> str:
    types: list[dict[str, Any]] = [
        {"name": "Everything", "type": {"kind": "struct", "fields": [{"name": n, "type": t} for n, t in FIELDS]}},
        {"name": "Inner", "type": {"kind": "struct", "fields": [{"name": "x", "type": "i16"}]}},
        {"name": "Pair", "type": {"kind": "struct", "fields": ["u8", {"vec": "string"}]}},
        {"name": "Nothing", "type": {"kind": "struct"}},
        # C++ would read `void Swap(Swap*)` inside `class Swap` as a constructor; `descriptor()` and
        # `errno` clash with a static member and a libc macro
        {"name": "Swap", "type": {"kind": "struct", "fields": [{"name": "descriptor", "type": "u8"},
                                                               {"name": "errno", "type": "u8"}]}},
        {"name": "VecU64", "type": {"kind": "struct", "fields": [{"name": "n", "type": "u8"}]}},
        {"name": "Color", "type": {"kind": "enum", "variants": [{"name": "Red"}, {"name": "Unspecified"}]}},
        {"name": "Side", "type": {"kind": "enum", "variants": [{"name": "Bid"}, {"name": "Ask"}, {"name": "BidX"}]}},
        # SideBid::X would be SIDE_BID_X too: enum values share the package scope
        {"name": "SideBid", "type": {"kind": "enum", "variants": [{"name": "X"}]}},
        {"name": "Shape", "type": {"kind": "enum", "variants": [
            {"name": "Side", "fields": [{"name": "side", "type": {"defined": {"name": "Side"}}}]},
            {"name": "Variant", "fields": ["u8", "pubkey"]},
            {"name": "Empty"},
            {"name": "Clear"},  # a nested `Clear` class would hide Message.Clear() in Python
        ]}},
    ]
    return json.dumps({"address": "11111111111111111111111111111111",
                       "metadata": {"name": "mapping_test", "version": "0.1.0", "spec": "0.1.0"},
                       "instructions": [{"name": "do_it", "discriminator": [1], "accounts": [],
                                         "args": [{"name": "e", "type": {"defined": {"name": "Everything"}}}]}],
                       "types": types})


@pytest.fixture(scope="module")
def program() -> Any:
    return load_program("mapping_test.json", text=idl())


@pytest.fixture(scope="module")
def proto(program: Any) -> str:
    return proto_of(render(program, targets=("proto", "python")))[1]  # protoc compiles it in render


def message(proto: str, name: str) -> str:
    m = re.search(rf"^message {name} \{{\n(.*?)^\}}", proto, re.M | re.S)
    assert m, name
    return m.group(1)


def test_scalar_and_container_lines(proto: str) -> None:
    body = message(proto, "Everything")
    for line in ["uint32 u8 = 1;", "uint32 u16 = 2;", "uint32 u32 = 3;", "uint64 u64 = 4;", "sint32 i8 = 5;",
                 "sint32 i32 = 7;", "sint64 i64 = 8;", "bytes u128 = 9;", "bytes i256 = 12;", "float f32 = 13;",
                 "double f64 = 14;", "bool flag = 15;", "string text = 16;", "bytes blob = 17;", "bytes key = 18;",
                 "bytes root = 19;", "bytes raw = 20;", "repeated VecU64Wrapper grid = 21;",
                 "repeated OptionU8 holes = 22;", "VecPubkey maybe_keys = 23;", "OptionU32 maybe_maybe = 24;",
                 "repeated Array2U16 matrix = 25;", "optional bytes maybe_root = 26;", "repeated bytes roots = 27;",
                 "optional uint64 c_opt = 28;", "Inner inner = 29;", "repeated OptionInner inners = 30;",
                 "optional bytes big = 31;", "optional Color color = 32;", "repeated Color colors = 33;",
                 "Pair pair = 34;", "uint32 optional_field = 35;", "uint32 message_field = 36;",
                 "uint32 foo_1 = 37;", "uint32 foo1_2 = 38;", "VecU64 vec_u64 = 39;", "Shape shape = 40;",
                 "Nothing unit = 41;"]:
        assert f"  {line}  //" in body, line
    assert "message VecU64Wrapper {\n  repeated uint64 items = 1;" in proto  # the type VecU64 owns the name
    assert "message OptionU32 {\n  optional uint32 value = 1;" in proto
    assert "message Pair {\n  uint32 field_0 = 1;  // u8\n  repeated string field_1 = 2;" in proto
    assert "message Nothing {}" in proto


def test_enum_and_variant_names(proto: str) -> None:
    assert "COLOR_UNSPECIFIED = 0;" in proto and "COLOR_UNSPECIFIED_VARIANT = 2;  // Unspecified" in proto
    assert "SIDE_BID_X = 3;  // BidX" in proto and "SIDE_BID_X_VARIANT = 1;  // X" in proto
    shape = message(proto, "Shape")
    assert "oneof kind {" in shape  # `variant` is taken by the variant named Variant
    # inside Shape, `Side` would mean the nested variant message: the top-level enum is fully qualified
    assert ".godark.settlement.v1.Side side = 1;" in shape


def test_cpp_and_python_names_are_safe(program: Any, proto: str, tmp_path: Path) -> None:
    assert "message SwapType {\n  uint32 descriptor_field = 1;  // u8\n  uint32 errno_field = 2;" in proto
    assert "ClearVariant clear = 4;" in message(proto, "Shape")
    protoc, gxx = need_tool("protoc"), need_tool("g++")
    flags = pkg_config_protobuf()
    files = render(program, targets=("proto",))
    write(files, tmp_path)
    rel = proto_of(files)[0].removeprefix("generated/proto/")
    subprocess.run([protoc, f"-I{tmp_path / 'generated/proto'}", f"--cpp_out={tmp_path}", rel], check=True)
    main = tmp_path / "main.cc"
    main.write_text(f'#include <cassert>\n#include <cerrno>\n#include "{rel[:-6]}.pb.h"\n'
                    "int main() { godark::settlement::v1::Everything e; e.mutable_swap()->set_errno_field(1);\n"
                    "  e.mutable_shape()->mutable_clear(); return e.swap().errno_field() == 1 ? 0 : 1; }\n")
    r = subprocess.run([gxx, "-std=gnu++17", "-Wall", "-Werror", f"-I{tmp_path}", str(main),
                        str(tmp_path / f"{rel[:-6]}.pb.cc"), "-o", str(tmp_path / "m"), *flags],
                       check=False, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert subprocess.run([str(tmp_path / "m")], check=False).returncode == 0


def test_buf_lint_clean(program: Any, tmp_path: Path) -> None:
    r = buf("lint", cwd=buf_module(render(program, targets=("proto",)), tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr


def test_roundtrip_every_shape(program: Any, tmp_path: Path) -> None:
    conv = import_convert(program, tmp_path, "mapping")
    assert check_program(program, conv, n_random=25) > 50
    value = {"Side": {"side": "Ask"}}
    assert roundtrip(conv, "type", "Shape", value) == value
    assert roundtrip(conv, "type", "Shape", "Empty") == "Empty"
    assert roundtrip(conv, "type", "Shape", {"Variant": [255, "11111111111111111111111111111111"]}) == \
        {"Variant": [255, "11111111111111111111111111111111"]}
    # presence at every level: options of options, vec of options, options of messages
    base = _zero(program)
    for case in (None, 0, 7):
        v = dict(base, maybe_maybe=case, holes=[None, 0, None], inners=[None, {"x": -1}],
                 maybe_keys=[] if case else None)
        assert roundtrip(conv, "type", "Everything", v) == v
    msg = conv.value_to_proto("type", "Everything", dict(base, maybe_maybe=0, maybe_keys=[]))
    assert msg.HasField("maybe_maybe") and msg.maybe_maybe.HasField("value") and msg.HasField("maybe_keys")
    # option<option<T>>: canonical JSON (and Python's None) cannot tell Some(None) from None, so the
    # outer wrapper is absent for null; a Some(None) sent by another producer reads back as null too.
    assert not conv.value_to_proto("type", "Everything", dict(base, maybe_maybe=None)).HasField("maybe_maybe")
    msg.maybe_maybe.ClearField("value")
    assert conv.value_from_proto("type", "Everything", msg)["maybe_maybe"] is None


def _zero(program: Any) -> Any:
    from tests.support.values import samples

    return next(v for label, v in samples(program, "type", "Everything", seed=1, n_random=0) if label == "zero")


def test_named_edge_values(program: Any, tmp_path: Path) -> None:
    conv = import_convert(program, tmp_path, "edges")
    base = _zero(program)
    v = dict(base, u64=2**64 - 1, i128=-(2**127), u128=2**128 - 1, u256=2**256 - 1, i256=-(2**255),
             big=-(2**127), f32=-0.0, f64=5e-324, key="11111111111111111111111111111112")
    back = roundtrip(conv, "type", "Everything", v)
    assert back == v and str(back["f32"]) == "-0.0" and back["f64"] == 5e-324
    msg = conv.value_to_proto("type", "Everything", v)
    assert msg.i128 == b"\x00" * 15 + b"\x80" and msg.u256 == b"\xff" * 32 and msg.key == bytes(31) + b"\x01"
    for f32 in (float("inf"), float("-inf"), 3.4028234663852886e38):
        assert roundtrip(conv, "type", "Everything", dict(v, f32=f32))["f32"] == f32
    err = conv.ProtoConversionError
    with pytest.raises(err, match=r"^Everything\.f32: 0\.1 is not exactly representable as f32$"):
        conv.value_to_proto("type", "Everything", dict(v, f32=0.1))
    with pytest.raises(err, match=r"^Everything\.f64: NaN is not a valid f64"):
        conv.value_to_proto("type", "Everything", dict(v, f64=float("nan")))
    msg.f64 = float("nan")
    with pytest.raises(err, match=r"^Everything\.f64: NaN is not a valid f64"):
        conv.value_from_proto("type", "Everything", msg)
    msg.f64 = 1.0
    del msg.matrix[2]
    with pytest.raises(err, match=r"^Everything\.matrix: expected exactly 3 elements, got 2$"):
        conv.value_from_proto("type", "Everything", msg)
    msg.matrix.add().items.extend([1, 2, 3])
    with pytest.raises(err, match=r"^Everything\.matrix\[2\]: expected exactly 2 elements, got 3$"):
        conv.value_from_proto("type", "Everything", msg)
