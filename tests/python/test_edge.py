"""Behaviour on a hand-written IDL with what the settlement IDL lacks (tests/python/fixtures/edge_spec.json):
zero-copy layouts, floats, strings, u256/i128, COption, tuple/unit structs, data enums, big arrays,
Python keywords and clashing names, optional/composite accounts, 1- and 2-byte discriminators."""

from __future__ import annotations

import math
import struct
from types import ModuleType
from typing import Any

import pytest
from solders.pubkey import Pubkey

from idlgen.anchor.load import load_program

from .conftest import EDGE

K = Pubkey.from_bytes(bytes(range(1, 33)))


def tight(t: Any, i: int) -> Any:
    return t.Tight(i, 100 + i, 0.5 * i)


def padded(t: Any) -> Any:
    return t.Padded(1, 2**64 - 1, 3, b"abc", True, 2**127 + 5, K, tight(t, 9), [tight(t, i) for i in range(12)])


def edge_value(t: Any) -> Any:
    return t.Edge(
        class_=1, encode_=2, name="héllo", flag=True, ratio=1.5, big=-0.0, huge=2**255 + 1, neg=-(2**127),
        tags=["a", ""], blob=b"\x00\xff", raw=b"xyz", ids=b"\x01\x02\x03\x04", pairs=[t.Pair(i, -i) for i in range(10)],
        few=[t.Pair(1, 2), t.Pair(3, 4)], flags=[True, False, True], opt_key=None, nested=[t.Pair(5, 6)],
        shapes=[t.ShapeCircle(2.5), t.ShapeRect(1, 2), t.ShapeEmpty(), t.ShapeLabel("x")], unit=t.Unit(),
        any_=t.Any_.value_, ix=t.Instruction_(b"\x07"), keys=[K], deep=[[1, -2], []],
        tree=t.Tree(1, [t.Tree(2, [], None)], t.Tree(3, [t.Tree(4, [], None)], None)))


def test_zero_copy_account_is_the_repr_c_image(edge: ModuleType) -> None:
    t = edge.types
    layout = load_program(EDGE).type("Padded").c_layout
    assert layout is not None
    value = padded(t)
    data = t.encode_padded(value)
    assert len(data) == layout.size == 200
    for pad in layout.padding:
        assert data[pad.offset:pad.offset + pad.size] == bytes(pad.size)
    off = dict(zip("a b c d flag wide key inner inners".split(), layout.offsets, strict=True))
    assert data[off["b"]:off["b"] + 8] == struct.pack("<Q", 2**64 - 1)
    assert data[off["c"]:off["c"] + 2] == struct.pack("<H", 3)
    assert data[off["d"]:off["d"] + 3] == b"abc"
    assert data[off["wide"]:off["wide"] + 16] == (2**127 + 5).to_bytes(16, "little")
    assert data[off["key"]:off["key"] + 36] == b"\x01\x00\x00\x00" + bytes(K)
    # Tight is repr(C, packed): x u8, y u32, z f32 back to back, 9 bytes each
    assert data[off["inner"]:off["inner"] + 9] == struct.pack("<BIf", 9, 109, 4.5)
    assert data[off["inners"] + 27:off["inners"] + 36] == struct.pack("<BIf", 3, 103, 1.5)
    assert t.decode_padded(data) == value
    # padding is not data: garbage there decodes to the same value (bytemuck reads the image as is)
    noisy = bytearray(data)
    for pad in layout.padding:
        noisy[pad.offset:pad.offset + pad.size] = b"\xee" * pad.size
    assert t.decode_padded(bytes(noisy)) == value
    # account: discriminator then the image; trailing bytes allowed by default
    raw = edge.accounts.encode_padded(value)
    assert raw == bytes([2] * 8) + data
    assert edge.accounts.decode_padded(raw + bytes(5)) == value
    assert edge.accounts.identify(raw) == "Padded"


def test_zero_copy_errors_name_element_and_offset(edge: ModuleType) -> None:
    t = edge.types
    layout = load_program(EDGE).type("Padded").c_layout
    assert layout is not None
    data = bytearray(t.encode_padded(padded(t)))
    at = layout.offsets[8] + 3 * 9 + 5
    data[at:at + 4] = struct.pack("<f", math.nan)
    with pytest.raises(edge.DecodeError) as exc:
        t.decode_padded(bytes(data))
    assert str(exc.value) == f"Padded.inners[3].z: NaN at offset {at} (Rust's borsh rejects NaN floats)"
    clean = t.encode_padded(padded(t))
    with pytest.raises(edge.DecodeError, match=r"Padded.inners\[11\].z: needs 4 bytes at offset 189, 1 left"):
        t.decode_padded(clean[:190])
    data = bytearray(t.encode_padded(padded(t)))
    data[layout.offsets[6]] = 2
    with pytest.raises(edge.DecodeError, match=r"Padded.key: invalid COption tag 2 at offset 40"):
        t.decode_padded(bytes(data))
    bad = padded(t)
    bad.inners = bad.inners[:11]
    with pytest.raises(edge.EncodeError, match=r"Padded.inners: expected 12 elements, got 11"):
        t.encode_padded(bad)


def test_edge_round_trip_and_layout(edge: ModuleType) -> None:
    t = edge.types
    value = edge_value(t)
    data = value.encode()
    assert t.decode_edge(data) == value
    assert math.copysign(1, t.decode_edge(data).big) == -1  # -0.0 survives
    assert data[:3] == b"\x01\x02\x00"  # u8 class, u16 encode
    assert data[3:13] == struct.pack("<I", 6) + "héllo".encode()


def test_float_nan_rejected_both_ways(edge: ModuleType) -> None:
    t = edge.types
    value = edge_value(t)
    value.ratio = math.nan
    with pytest.raises(edge.EncodeError, match=r"Edge.ratio: NaN cannot be encoded"):
        value.encode()
    value.ratio = math.inf
    assert t.decode_edge(value.encode()).ratio == math.inf
    value.ratio = 1e39
    with pytest.raises(edge.EncodeError, match=r"Edge.ratio: 1e\+39 out of range for f32"):
        value.encode()


def test_invalid_utf8_and_bools(edge: ModuleType) -> None:
    t = edge.types
    data = bytearray(edge_value(t).encode())
    data[8] = 0xFF  # inside "héllo" (starts at offset 7)
    with pytest.raises(edge.DecodeError, match=r"^Edge.name: invalid UTF-8 at offset 8$"):
        t.decode_edge(bytes(data))
    value = edge_value(t)
    value.name = ""
    data = bytearray(value.encode())
    flags_at = data.index(bytes([1, 0, 1]) + b"\x00\x00\x00\x00")  # flags then a None COption
    data[flags_at + 1] = 5
    with pytest.raises(edge.DecodeError, match=rf"Edge.flags\[1\]: invalid bool 5 at offset {flags_at + 1}"):
        t.decode_edge(bytes(data))


def test_coption_is_u32_tag_then_zero_filled_value(edge: ModuleType) -> None:
    t = edge.types
    value = edge_value(t)
    value.name, value.tags = "", []
    data = value.encode()
    flags_at = data.index(bytes([1, 0, 1]) + b"\x00\x00\x00\x00")
    assert data[flags_at + 3:flags_at + 3 + 36] == bytes(36)
    value.opt_key = K
    assert value.encode()[flags_at + 3:flags_at + 3 + 36] == b"\x01\x00\x00\x00" + bytes(K)


def test_json_shapes_tuple_unit_enum_and_keywords(edge: ModuleType) -> None:
    jb = edge.json_bridge
    value = jb.decode("type", "Edge", edge_value(edge.types).encode())
    assert value["class"] == 1 and value["encode"] == 2  # IDL names, not the escaped attributes
    assert value["pairs"][3] == [3, -3]  # tuple struct -> array
    assert value["unit"] == {}
    assert value["any"] == "value"
    assert value["shapes"] == [{"Circle": {"radius": 2.5}}, {"Rect": [1, 2]}, "Empty", {"Label": ["x"]}]
    assert value["ids"] == [1, 2, 3, 4] and value["raw"] == [120, 121, 122] and value["blob"] == "00ff"
    assert value["huge"] == 2**255 + 1 and value["opt_key"] is None
    assert jb.decode("type", "Edge", jb.encode("type", "Edge", value)) == value
    with pytest.raises(edge.EncodeError, match=r"Edge.shapes\[1\].Rect: expected a JSON array of 2 elements"):
        jb.encode("type", "Edge", {**value, "shapes": [{"Circle": {"radius": 1.0}}, {"Rect": [1]}]})
    with pytest.raises(edge.EncodeError, match=r"Edge.blob: expected lowercase hex"):
        jb.encode("type", "Edge", {**value, "blob": "0xAB"})
    assert edge.types.Any_.None_.value == 0 and edge.types.Any_.V_hidden.value == 2


def test_discriminators_of_any_length(edge: ModuleType) -> None:
    ix, t = edge.instructions, edge.types
    assert ix.encode_instruction(ix.InstructionArgs()) == b"\x08\x01"
    assert edge.accounts.encode_edge(edge_value(t))[:1] == b"\x01"
    assert ix.identify(b"\x08\x01") == "instruction" and ix.identify(b"\x07\x00") == "do_it"
    pair = t.Pair(1, 2)
    assert edge.events.decode_event(edge.events.encode_pair(pair)) == ("Pair", pair)


def test_optional_composite_accounts_and_arg_seeds(edge: ModuleType) -> None:
    ix, pid = edge.instructions, edge.PROGRAM_ID
    auth, frm = Pubkey.new_unique(), Pubkey.new_unique()
    args = ix.DoItArgs(class_=2**40, label="main", shape=edge.types.ShapeEmpty())
    inst = ix.do_it(args, ix.DoItAccounts(authority=auth, from_=frm))
    state = Pubkey.find_program_address([b"pool", b"main", (2**40).to_bytes(8, "little"), bytes(auth)], pid)[0]
    assert [(m.pubkey, m.is_signer, m.is_writable) for m in inst.accounts] == [
        (auth, True, True), (pid, False, False), (state, False, True),
        (Pubkey.from_string("11111111111111111111111111111111"), False, False), (frm, False, False)]
    assert inst.data == b"\x07" + (2**40).to_bytes(8, "little") + struct.pack("<I", 4) + b"main" + b"\x02"
    maybe = Pubkey.new_unique()
    inst = ix.do_it(args, ix.DoItAccounts(authority=auth, from_=frm, maybe=maybe))
    assert (inst.accounts[1].pubkey, inst.accounts[1].is_writable) == (maybe, True)
    assert edge.json_bridge.decode("instruction", "do_it", inst.data) == {"class": 2**40, "label": "main",
                                                                          "shape": "Empty"}


def test_error_names_escaped(edge: ModuleType) -> None:
    err = edge.errors.from_code(6001)
    assert type(err).__name__ == "class_" and err.name == "class"


def test_return_data_and_event_cpi(edge: ModuleType) -> None:
    ix, t = edge.instructions, edge.types
    assert ix.decode_instruction_return(b"\x01" + struct.pack("<Hq", 5, -6)) == t.Pair(5, -6)
    assert ix.decode_instruction_return(b"\x00") is None
    with pytest.raises(edge.DecodeError, match=r"instruction return: 1 trailing byte"):
        ix.decode_instruction_return(b"\x00\x00")
    raw = edge.events.encode_pair(t.Pair(1, 2))
    # anchor-lang EVENT_IX_TAG (0x1d9acb512ea545e4) little-endian, then the event
    assert edge.events.decode_event_cpi(bytes.fromhex("e445a52e51cb9a1d") + raw) == ("Pair", t.Pair(1, 2))
    assert edge.events.decode_event_cpi(raw) is None


def test_deep_nesting_is_a_decode_error_not_a_crash(edge: ModuleType) -> None:
    t = edge.types
    level = b"\x07" + b"\x00\x00\x00\x00" + b"\x01"  # value, no kids, Some(next)
    data = level * 20000 + b"\x07\x00\x00\x00\x00\x00"
    with pytest.raises(edge.DecodeError, match="Tree: nested too deeply to decode"):
        t.decode_tree(data)
    tree = t.Tree(1, [], None)
    for _ in range(20000):
        tree = t.Tree(1, [], tree)
    with pytest.raises(edge.EncodeError, match="Tree: nested too deeply to encode"):
        t.encode_tree(tree)
    shallow = level * 50 + b"\x07\x00\x00\x00\x00\x00"
    assert t.encode_tree(t.decode_tree(shallow)) == shallow
