"""The rewrite of one module: exactly the renamed names change, every other byte stays; what cannot be
decided is a warning; uses of removed or retyped items are listed with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from idlgen.diagnostics import IdlgenError
from idlgen.migrate.renames import Renames
from idlgen.migrate.rewrite import rewrite
from tests.conftest import SETTLEMENT
from tests.migrate.helpers import modified_idl, plan, rename_field, the_renames

BEFORE = '''\
"""Odd formatting on purpose: migrate must keep it."""
from godark_settlement.types import (Side,   # the side enum
    TradeEventV2 as T2, decode_side)
import godark_settlement.types as gt
from godark_settlement import json_bridge


class Fees:
    fee_bps: int = 3


def f(t: T2, fees: Fees, other) -> int:
    x = gt.TradeEventV2.decode(b"")  # decoded
    y: "int" = 0
    for trade in [x, t]:
        y += trade.fee_bps
    s = decode_side(b"\\x00")
    match t:
        case gt.TradeEventV2(fee_bps=fb, side=gt.Side.Bid):
            y += fb
    fees.fee_bps=  t . fee_bps   +fees.fee_bps  # spacing kept
    return (y + x.fee_bps  # trailing comment
            + other.side)


def g(data: bytes) -> object:
    return json_bridge.decode( "type" ,  'Side', data ) , Side.Ask
'''

AFTER = '''\
"""Odd formatting on purpose: migrate must keep it."""
from godark_settlement.types import (TradeSide,   # the side enum
    TradeEventV2 as T2, decode_trade_side)
import godark_settlement.types as gt
from godark_settlement import json_bridge


class Fees:
    fee_bps: int = 3


def f(t: T2, fees: Fees, other) -> int:
    x = gt.TradeEventV2.decode(b"")  # decoded
    y: "int" = 0
    for trade in [x, t]:
        y += trade.taker_fee_bps
    s = decode_trade_side(b"\\x00")
    match t:
        case gt.TradeEventV2(taker_fee_bps=fb, side=gt.TradeSide.Bid):
            y += fb
    fees.fee_bps=  t . taker_fee_bps   +fees.fee_bps  # spacing kept
    return (y + x.taker_fee_bps  # trailing comment
            + other.side)


def g(data: bytes) -> object:
    return json_bridge.decode( "type" ,  'TradeSide', data ) , TradeSide.Ask
'''


@pytest.fixture(scope="module")
def renames(tmp_path_factory: pytest.TempPathFactory) -> Renames:
    new = modified_idl(tmp_path_factory.mktemp("idl") / "new.json", the_renames)
    return plan(SETTLEMENT, new)


def test_exactly_the_renamed_names_change(renames: Renames) -> None:
    res = rewrite("relayer/odd.py", BEFORE, [renames])
    assert res.after == AFTER
    assert res.notes == []  # `other.side`: `side` was not renamed, so nothing to warn about


def test_other_object_with_the_same_attribute_is_left_alone(renames: Renames) -> None:
    src = ("from dataclasses import dataclass\n\nfrom godark_settlement.types import TradeEventV2\n\n\n"
           "@dataclass\nclass Quote:\n    fee_bps: int\n\n\n"
           "def f(t: TradeEventV2, q: Quote) -> int:\n    local = Quote(fee_bps=1)\n"
           "    return t.fee_bps + q.fee_bps + local.fee_bps\n")
    res = rewrite("q.py", src, [renames])
    assert res.after == src.replace("t.fee_bps", "t.taker_fee_bps")
    assert res.notes == []


def test_untyped_value_is_a_warning_not_a_guess(renames: Renames) -> None:
    src = "import godark_settlement.types\n\n\ndef f(x):\n    return x.fee_bps\n"
    res = rewrite("relayer/untyped.py", src, [renames])
    assert res.after == src
    [note] = res.notes
    assert note.kind == "warning"
    assert str(note).startswith("relayer/untyped.py:5: warning: `x.fee_bps`: the type of `x` is not known")
    assert "TradeEventV2" in str(note) and "taker_fee_bps" in str(note)


def test_aliased_import_keeps_its_local_name(renames: Renames) -> None:
    src = "from godark_settlement.types import Side as S\n\nBID = S.Bid\n"
    res = rewrite("a.py", src, [renames])
    assert res.after == "from godark_settlement.types import TradeSide as S\n\nBID = S.Bid\n"


def test_removed_and_retyped_items_are_listed(tmp_path: Path) -> None:
    def edits(doc: dict[str, object]) -> None:
        types = doc["types"]
        assert isinstance(types, list)
        v2 = next(t for t in types if t["name"] == "TradeEventV2")
        v2["type"]["fields"] = [f for f in v2["type"]["fields"] if f["name"] != "maker_rebate_bps"]
        gc = next(t for t in types if t["name"] == "GlobalConfig")
        next(f for f in gc["type"]["fields"] if f["name"] == "min_batch_size")["type"] = "string"

    r = plan(SETTLEMENT, modified_idl(tmp_path / "new.json", edits))
    assert not r.has_renames
    src = ("from godark_settlement.accounts import decode_global_config\n"
           "from godark_settlement.types import TradeEventV2\n\n\n"
           "def f(t: TradeEventV2, data: bytes) -> int:\n"
           "    cfg = decode_global_config(data)\n"
           "    return t.maker_rebate_bps + cfg.min_batch_size\n")
    res = rewrite("relayer/r.py", src, [r])
    assert res.after == src
    shown = [str(n) for n in res.notes]
    assert any(s.startswith("relayer/r.py:7: use: `t.maker_rebate_bps`") and "was removed" in s for s in shown), shown
    assert any(s.startswith("relayer/r.py:7: use: `cfg.min_batch_size`") and "int -> str" in s for s in shown), shown


def test_removed_names_in_imports_are_listed(tmp_path: Path) -> None:
    def drop_event(doc: dict[str, object]) -> None:
        doc["events"] = [e for e in doc["events"] if e["name"] != "ConfigUpdated"]  # type: ignore[attr-defined]

    r = plan(SETTLEMENT, modified_idl(tmp_path / "new.json", drop_event))
    src = "from godark_settlement.events import decode_config_updated\n"
    res = rewrite("e.py", src, [r])
    [note] = res.notes
    assert str(note).startswith("e.py:1: use: `godark_settlement.events.decode_config_updated`: event `ConfigUpdated`")


def test_unparseable_file_names_file_and_line(renames: Renames) -> None:
    with pytest.raises(IdlgenError) as exc:
        rewrite("relayer/bad.py", "import godark_settlement\n\ndef f(:\n", [renames])
    assert str(exc.value).startswith("relayer/bad.py:3: cannot parse Python")


def test_field_rename_of_a_nested_value(tmp_path: Path) -> None:
    r = plan(SETTLEMENT, modified_idl(tmp_path / "new.json",
                                      lambda d: rename_field(d, "BatchV1", "trades", "fills")))
    src = ("from godark_settlement.families import decode_batch\nfrom godark_settlement.types import BatchV1\n\n\n"
           "def n(b: BatchV1) -> int:\n    return len(b.trades) + b.trades[0].fee_bps\n")
    res = rewrite("n.py", src, [r])
    assert res.after == src.replace("b.trades", "b.fills")


def test_user_classes_holding_or_deriving_from_generated_ones(renames: Renames) -> None:
    src = ('from dataclasses import dataclass\n\nfrom godark_settlement.types import TradeEventV2\n\n\n'
           '@dataclass\nclass Order:\n    trade: TradeEventV2\n    fee_bps: int\n\n'
           '    def total(self) -> int:\n        return self.trade.fee_bps + self.fee_bps\n\n\n'
           'class Mine(TradeEventV2):\n    def own(self) -> int:\n        return self.fee_bps\n\n\n'
           'def f(o: Order, m: Mine) -> int:\n    return o.trade.fee_bps + o.fee_bps + m.fee_bps\n')
    res = rewrite("o.py", src, [renames])
    want = (src.replace("self.trade.fee_bps", "self.trade.taker_fee_bps")
            .replace("return self.fee_bps", "return self.taker_fee_bps")
            .replace("o.trade.fee_bps", "o.trade.taker_fee_bps").replace("m.fee_bps", "m.taker_fee_bps"))
    assert res.after == want
    assert res.notes == []


def test_attribute_of_an_unknown_attribute_is_a_warning(renames: Renames) -> None:
    src = "import godark_settlement\n\n\ndef f(box) -> int:\n    return box.held.fee_bps\n"
    res = rewrite("w.py", src, [renames])
    assert res.after == src
    assert [n.kind for n in res.notes] == ["warning"]


def test_string_annotation_naming_a_renamed_class_is_a_warning(renames: Renames) -> None:
    src = ("from godark_settlement.types import Side\n\n\n"
           "def f(s: \"Side\", n: 'int') -> list[\"Side\"]:\n    return [s]\n")
    res = rewrite("s.py", src, [renames])
    assert res.after == src.replace("import Side", "import TradeSide")
    assert [(n.line, n.kind) for n in res.notes] == [(4, "warning")]  # one per line and text
    assert "`Side`" in res.notes[0].text
