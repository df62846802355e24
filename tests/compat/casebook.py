"""The hand-written change cases of `idlgen diff`, and a legacy (<=0.29) rendering of any spec IDL.

Each case starts from one small spec-format program (`base()`), applies a hand-written edit to the old
and/or the new copy, and states the verdict and the exact set of rule ids a careful reviewer expects.
`python -m tests.compat.casebook` writes them to tests/compat/cases/<case>/{old,new,expected}.json
(committed); tests/compat/test_cases.py reads those folders, so every case is also a file pair anyone
can run `idlgen diff` on.

`to_legacy(spec)` renders the same program in the legacy format (camelCase names, isMut/isSigner,
inline account and event layouts, derived discriminators dropped) so every case also runs legacy vs
legacy and legacy vs spec. Cases using what the legacy format cannot say (zero-copy serialization,
repr, generics) are marked spec-only; fixed account addresses are dropped, as legacy IDLs do.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from idlgen.anchor.names import account_discriminator, camel_case, event_discriminator, sighash

CASES_DIR = Path(__file__).resolve().parent / "cases"
ADDRESS = "J3La7aSgCM8TrXVrLYr5HK6eEGMcsALHb5C4RWvQzbVj"
OTHER_ADDRESS = "ComputeBudget111111111111111111111111111111"
SYSTEM = "11111111111111111111111111111111"
TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
FAMILY = {"stem": "Batch", "carrier": "settle_batch.data", "gate": "Config.allowed_batch_versions"}

Doc = dict[str, Any]


def _ix(name: str, accounts: list[Doc], args: list[Doc], docs: list[str] | None = None) -> Doc:
    out: Doc = {"name": name, "discriminator": list(sighash("global", name)), "accounts": accounts, "args": args}
    if docs:
        out["docs"] = docs
    return out


def _acct(name: str, **flags: Any) -> Doc:
    return {"name": name, **flags}


def _f(name: str, t: Any) -> Doc:
    return {"name": name, "type": t}


def _struct(name: str, fields: list[Doc], **extra: Any) -> Doc:
    return {"name": name, **extra, "type": {"kind": "struct", "fields": fields}}


def _enum(name: str, variants: list[Doc]) -> Doc:
    return {"name": name, "type": {"kind": "enum", "variants": variants}}


def _seed(text: str) -> Doc:
    return {"kind": "const", "value": list(text.encode())}


def base() -> Doc:
    """The starting program: a pool, a versioned batch family, an event, errors and constants."""
    return {
        "address": ADDRESS,
        "metadata": {"name": "casebook", "version": "0.1.0", "spec": "0.1.0"},
        "docs": ["A small program every change case starts from."],
        "instructions": [
            _ix("initialize",
                [_acct("payer", writable=True, signer=True),
                 _acct("pool", writable=True, pda={"seeds": [_seed("pool")]}),
                 _acct("system_program", address=SYSTEM)],
                [_f("amount", "u64"), _f("label", "string")], docs=["Creates the pool."]),
            _ix("trade",
                [_acct("trader", signer=True), _acct("pool", writable=True), _acct("oracle")],
                [_f("price", "u64"), _f("side", {"defined": {"name": "Side"}}), _f("data", "bytes")]),
            _ix("settle_batch",
                [_acct("relayer", signer=True), _acct("config", pda={"seeds": [_seed("config")]})],
                [_f("data", "bytes")]),
            _ix("pause", [_acct("admin", signer=True), _acct("config", writable=True, relations=["admin"])], []),
        ],
        "accounts": [
            {"name": "Config", "discriminator": list(account_discriminator("Config"))},
            {"name": "Pool", "discriminator": list(account_discriminator("Pool"))},
        ],
        "events": [{"name": "Traded", "discriminator": list(event_discriminator("Traded"))}],
        "errors": [{"code": 6000, "name": "Paused", "msg": "The program is paused"},
                   {"code": 6001, "name": "TooSmall", "msg": "Batch too small"}],
        "types": [
            _struct("BatchV1", [_f("batch_id", "u64"), _f("trades", {"vec": {"defined": {"name": "Fill"}}})]),
            _struct("Config", [_f("admin", "pubkey"), _f("allowed_batch_versions", "u8")]),
            _struct("Fill", [_f("price", "u64"), _f("qty", "u64")]),
            _struct("Pool", [_f("authority", "pubkey"), _f("fee", "u32"), _f("side", {"defined": {"name": "Side"}}),
                             _f("delegate", {"option": "pubkey"}), _f("reserved", {"array": ["u8", 16]})]),
            _enum("Side", [{"name": "Bid"}, {"name": "Ask"}]),
            _struct("Traded", [_f("price", "u64"), _f("qty", "u64"), _f("memo", "string")]),
            _struct("Unused", [_f("value", "u64")]),
        ],
        "constants": [{"name": "MAX_FILLS", "type": "u32", "value": "100"},
                      {"name": "POOL_SEED", "type": "bytes", "value": "[112, 111, 111, 108]"}],
    }


# ---- small edit helpers --------------------------------------------------------------------------------


def ix(doc: Doc, name: str) -> Doc:
    return next(x for x in doc["instructions"] if x["name"] == name)


def ty(doc: Doc, name: str) -> Doc:
    return next(x for x in doc["types"] if x["name"] == name)


def fields(doc: Doc, name: str) -> list[Doc]:
    out: list[Doc] = ty(doc, name)["type"]["fields"]
    return out


def variants(doc: Doc, name: str) -> list[Doc]:
    out: list[Doc] = ty(doc, name)["type"]["variants"]
    return out


def ix_acct(doc: Doc, ix_name: str, acct: str) -> Doc:
    return next(a for a in ix(doc, ix_name)["accounts"] if a["name"] == acct)


def rename_type(doc: Doc, old: str, new: str) -> None:
    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "defined" and isinstance(x, dict) and x.get("name") == old:
                    x["name"] = new
                else:
                    walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(doc["instructions"])
    walk(doc["types"])
    ty(doc, old)["name"] = new


def zero_copy(doc: Doc, name: str, flds: list[Doc], *, serialization: str = "bytemuck",
              repr_: Doc | None = None) -> None:
    """Add an account `name` whose layout is a zero-copy struct."""
    t = _struct(name, flds)
    if serialization != "borsh":
        t["serialization"] = serialization
        t["repr"] = repr_ or {"kind": "c"}
    doc["types"].append(t)
    doc["accounts"].append({"name": name, "discriminator": list(account_discriminator(name))})


# ---- legacy rendering --------------------------------------------------------------------------------------


class NotLegacy(Exception):
    """The spec IDL uses something the legacy format cannot express."""


def _legacy_type(t: Any) -> Any:
    if t == "pubkey":
        return "publicKey"
    if isinstance(t, str):
        return t
    if "defined" in t:
        d = t["defined"]
        if isinstance(d, dict):
            if d.get("generics"):
                raise NotLegacy("generics")
            return {"defined": d["name"]}
        return t
    for k in ("vec", "option", "coption"):
        if k in t:
            return {k: _legacy_type(t[k])}
    if "array" in t:
        return {"array": [_legacy_type(t["array"][0]), t["array"][1]]}
    raise NotLegacy(f"type {t!r}")


def _legacy_fields(fs: list[Doc]) -> list[Doc]:
    out = []
    for f in fs:
        g: Doc = {"name": camel_case(f["name"]), "type": _legacy_type(f["type"])}
        if f.get("docs"):
            g["docs"] = f["docs"]
        out.append(g)
    return out


def _legacy_body(t: Doc) -> Doc:
    if "serialization" in t or "repr" in t or t.get("generics"):
        raise NotLegacy("serialization, repr or generics")
    body = t["type"]
    if body["kind"] == "struct":
        fs = body.get("fields") or []
        if fs and not all(isinstance(f, dict) and "name" in f for f in fs):
            return {"kind": "struct", "fields": [_legacy_type(f) for f in fs]}  # a tuple struct
        return {"kind": "struct", "fields": _legacy_fields(fs)}
    vs = []
    for v in body["variants"]:
        w: Doc = {"name": v["name"]}
        if v.get("fields"):
            if all(isinstance(f, dict) and "name" in f for f in v["fields"]):
                w["fields"] = _legacy_fields(v["fields"])
            else:
                w["fields"] = [_legacy_type(f) for f in v["fields"]]
        vs.append(w)
    return {"kind": "enum", "variants": vs}


def _legacy_seed(s: Doc) -> Doc:
    if s["kind"] == "const":
        return {"kind": "const", "value": s["value"]}
    return {**s, "path": ".".join(camel_case(p) for p in s["path"].split("."))}


def _legacy_accounts(items: list[Doc]) -> list[Doc]:
    out = []
    for a in items:
        if "accounts" in a:  # a composite (nested) accounts struct
            out.append({"name": camel_case(a["name"]), "accounts": _legacy_accounts(a["accounts"])})
            continue
        # A fixed `address` is dropped: the legacy format cannot record it (real legacy IDLs lack it too).
        b: Doc = {"name": camel_case(a["name"]), "isMut": bool(a.get("writable")), "isSigner": bool(a.get("signer"))}
        if a.get("optional"):
            b["isOptional"] = True
        if a.get("docs"):
            b["docs"] = a["docs"]
        if a.get("pda"):
            b["pda"] = {"seeds": [_legacy_seed(s) for s in a["pda"]["seeds"]]}
            if a["pda"].get("program"):
                b["pda"]["program"] = _legacy_seed(a["pda"]["program"])
        if a.get("relations"):
            b["relations"] = [camel_case(r) for r in a["relations"]]
        out.append(b)
    return out


def to_legacy(spec: Doc) -> Doc:
    """The same program in the legacy (<=0.29) format; raises NotLegacy when it cannot be said."""
    types = {t["name"]: t for t in spec["types"]}
    layout_names = {a["name"] for a in spec.get("accounts", [])} | {e["name"] for e in spec.get("events", [])}
    out: Doc = {"version": spec["metadata"]["version"], "name": spec["metadata"]["name"]}
    if spec.get("docs"):
        out["docs"] = spec["docs"]
    ixs = []
    for x in spec["instructions"]:
        accts = _legacy_accounts(x["accounts"])
        y: Doc = {"name": camel_case(x["name"]), "accounts": accts, "args": _legacy_fields(x["args"])}
        if x.get("docs"):
            y["docs"] = x["docs"]
        if x["discriminator"] != list(sighash("global", x["name"])):
            y["discriminator"] = x["discriminator"]
        if x.get("returns") is not None:
            y["returns"] = _legacy_type(x["returns"])
        ixs.append(y)
    out["instructions"] = ixs
    accounts = []
    for a in spec.get("accounts", []):
        t = types[a["name"]]
        acc: Doc = {"name": a["name"], "type": _legacy_body(t)}
        if t.get("docs"):
            acc["docs"] = t["docs"]
        if a["discriminator"] != list(account_discriminator(a["name"])):
            acc["discriminator"] = a["discriminator"]
        accounts.append(acc)
    out["accounts"] = accounts
    out["types"] = []
    for t in spec["types"]:
        if t["name"] in layout_names:
            continue
        lt: Doc = {"name": t["name"], "type": _legacy_body(t)}
        if t.get("docs"):
            lt["docs"] = t["docs"]
        out["types"].append(lt)
    events = []
    for e in spec.get("events", []):
        t = types[e["name"]]
        ev: Doc = {"name": e["name"], "fields": [{**f, "index": False} for f in _legacy_fields(t["type"]["fields"])]}
        if e["discriminator"] != list(event_discriminator(e["name"])):
            ev["discriminator"] = e["discriminator"]
        events.append(ev)
    out["events"] = events
    out["errors"] = spec.get("errors", [])
    if spec.get("constants"):
        out["constants"] = [{**c, "type": _legacy_type(c["type"])} for c in spec["constants"]]
    if spec.get("address"):
        out["metadata"] = {"address": spec["address"]}
    return out


# ---- the cases ---------------------------------------------------------------------------------------------

Edit = Callable[[Doc], None]


class Case:
    def __init__(self, name: str, new: Edit, verdict: str, rules: set[str], *, old: Edit | None = None,
                 formats: str = "both", why: str = "", acknowledge: list[Doc] | None = None,
                 axes: set[str] | None = None, gate: str | None = None) -> None:
        self.name, self.new_edit, self.old_edit = name, new, old
        self.verdict, self.rules, self.formats, self.why = verdict, rules, formats, why
        self.acknowledge = acknowledge or []
        self.axes = axes
        self.gate = gate

    def build(self) -> tuple[Doc, Doc, Doc]:
        old = base()
        if self.old_edit:
            self.old_edit(old)
        new = copy.deepcopy(old)
        self.new_edit(new)
        expected: Doc = {"verdict": self.verdict, "rules": sorted(self.rules), "formats": self.formats,
                         "families": [FAMILY], "why": self.why}
        if self.acknowledge:
            expected["acknowledge"] = self.acknowledge
        if self.axes:
            expected["axes"] = sorted(self.axes)
        if self.gate:
            expected["gate"] = self.gate
        if self.formats == "mixed":
            old = to_legacy(old)
        return old, new, expected


def _set(path: Callable[[Doc], Doc], key: str, value: Any) -> Edit:
    def edit(d: Doc) -> None:
        path(d)[key] = value
    return edit


def _del(path: Callable[[Doc], Doc], key: str) -> Edit:
    def edit(d: Doc) -> None:
        del path(d)[key]
    return edit


def _seq(*edits: Edit) -> Edit:
    def edit(d: Doc) -> None:
        for e in edits:
            e(d)
    return edit


def _pool_fields(f: Callable[[list[Doc]], None]) -> Edit:
    return lambda d: f(fields(d, "Pool"))


def _trade_args(f: Callable[[list[Doc]], None]) -> Edit:
    return lambda d: f(ix(d, "trade")["args"])


def _trade_accts(f: Callable[[list[Doc]], None]) -> Edit:
    return lambda d: f(ix(d, "trade")["accounts"])


def _side(f: Callable[[list[Doc]], None]) -> Edit:
    return lambda d: f(variants(d, "Side"))


def _swap(xs: list[Any], i: int, j: int) -> None:
    xs[i], xs[j] = xs[j], xs[i]


def _rename_ix(d: Doc, old: str, new: str, *, keep_disc: bool) -> None:
    x = ix(d, old)
    x["name"] = new
    if not keep_disc:
        x["discriminator"] = list(sighash("global", new))


def _rename_account(d: Doc, old: str, new: str, *, keep_disc: bool) -> None:
    a = next(a for a in d["accounts"] if a["name"] == old)
    a["name"] = new
    if not keep_disc:
        a["discriminator"] = list(account_discriminator(new))
    rename_type(d, old, new)


def _rename_event(d: Doc, old: str, new: str, *, keep_disc: bool) -> None:
    e = next(e for e in d["events"] if e["name"] == old)
    e["name"] = new
    if not keep_disc:
        e["discriminator"] = list(event_discriminator(new))
    rename_type(d, old, new)


def _batch_v2(d: Doc) -> None:
    d["types"].append(_struct("BatchV2", [_f("batch_id", "u64"), _f("slot", "u64"),
                                          _f("trades", {"vec": {"defined": {"name": "Fill"}}})]))


def _pair_generic(arg: str) -> Edit:
    def edit(d: Doc) -> None:
        pair_fields = [_f("a", {"generic": "T"}), _f("b", {"generic": "T"})]
        d["types"].append({"name": "Pair", "generics": [{"kind": "type", "name": "T"}],
                           "type": {"kind": "struct", "fields": pair_fields}})
        fields(d, "Pool").append(_f("pair", {"defined": {"name": "Pair", "generics": [{"kind": "type", "type": arg}]}}))
    return edit


def _zc(flds: list[Doc], **kw: Any) -> Edit:
    return lambda d: zero_copy(d, "Ledger", copy.deepcopy(flds), **kw)


def _zc_fields(f: Callable[[list[Doc]], None]) -> Edit:
    return lambda d: f(fields(d, "Ledger"))


ZC_BASE = [_f("total", "u64"), _f("count", "u32"), _f("flag", "u8"), _f("padding", {"array": ["u8", 19]})]

CASES: list[Case] = [
    # ---- program ---------------------------------------------------------------------------------------
    Case("docs_only", _seq(_set(lambda d: d, "docs", ["Reworded."]),
                           _set(lambda d: ix(d, "initialize"), "docs", ["Creates the pool (reworded)."])),
         "none", {"DOCS_CHANGED"}, why="docs are not on the wire"),
    Case("definition_order", lambda d: (d["types"].reverse(), d["instructions"].reverse(), d["errors"].reverse(),
                                        d["accounts"].reverse()),
         "none", set(), why="Anchor routes by discriminator and Borsh by field order, not by definition order"),
    Case("program_address_changed", _set(lambda d: d, "address", OTHER_ADDRESS), "hard", {"PROGRAM_ADDRESS_CHANGED"}),
    Case("program_address_recorded", _set(lambda d: d, "address", ADDRESS), "none", {"PROGRAM_ADDRESS_RECORDED"},
         old=_set(lambda d: d, "address", "")),
    Case("program_name_changed", _set(lambda d: d["metadata"], "name", "casebook_v2"), "none",
         {"PROGRAM_NAME_CHANGED"}),
    Case("legacy_to_spec", lambda d: None, "none", {"IDL_FORMAT_CHANGED", "IX_ACCOUNT_CONSTRAINT_RECORDED"},
         formats="mixed", why="the same program converted to the 0.30+ format: nothing changes on the wire"),
    # ---- instructions ----------------------------------------------------------------------------------
    Case("instruction_added", lambda d: d["instructions"].append(_ix("close", [_acct("admin", signer=True)], [])),
         "soft", {"INSTRUCTION_ADDED"}),
    Case("instruction_removed", lambda d: d["instructions"].remove(ix(d, "pause")), "hard", {"INSTRUCTION_REMOVED"}),
    Case("instruction_retired_acknowledged", lambda d: d["instructions"].remove(ix(d, "pause")), "soft",
         {"INSTRUCTION_REMOVED"},
         acknowledge=[{"rule": "INSTRUCTION_REMOVED", "path": "instructions.pause", "reason": "retired"}], gate="none"),
    Case("instruction_renamed_keeps_discriminator", lambda d: _rename_ix(d, "trade", "place_trade", keep_disc=True),
         "none", {"INSTRUCTION_RENAMED"}),
    Case("instruction_renamed", lambda d: _rename_ix(d, "trade", "place_trade", keep_disc=False), "hard",
         {"INSTRUCTION_RENAMED", "INSTRUCTION_DISCRIMINATOR_CHANGED"},
         why="the discriminator is sha256('global:<name>')[..8]"),
    Case("instruction_discriminator_changed", _set(lambda d: ix(d, "pause"), "discriminator", [1, 2, 3, 4, 5, 6, 7, 8]),
         "hard", {"INSTRUCTION_DISCRIMINATOR_CHANGED"}),
    Case("returns_added", _set(lambda d: ix(d, "trade"), "returns", "u64"), "soft", {"INSTRUCTION_RETURNS_ADDED"}),
    Case("returns_removed", _del(lambda d: ix(d, "trade"), "returns"), "hard", {"INSTRUCTION_RETURNS_REMOVED"},
         old=_set(lambda d: ix(d, "trade"), "returns", "u64")),
    Case("returns_retyped", _set(lambda d: ix(d, "trade"), "returns", "u32"), "hard", {"FIELD_TYPE_CHANGED"},
         old=_set(lambda d: ix(d, "trade"), "returns", "u64")),
    Case("arg_appended", _trade_args(lambda a: a.append(_f("slippage", "u16"))), "hard", {"ARG_ADDED"},
         why="the old program silently ignores the trailing bytes"),
    Case("arg_inserted", _trade_args(lambda a: a.insert(1, _f("qty", "u64"))), "hard", {"ARG_ADDED"}),
    Case("arg_removed", _trade_args(lambda a: a.pop(2)), "hard", {"ARG_REMOVED"}),
    Case("arg_reordered", _trade_args(lambda a: _swap(a, 0, 1)), "hard", {"ARG_MOVED"}),
    Case("arg_renamed", _trade_args(lambda a: a[0].update(name="limit_price")), "none", {"ARG_RENAMED"}),
    Case("arg_widened", _trade_args(lambda a: a[0].update(type="u128")), "hard", {"ARG_TYPE_CHANGED"}),
    Case("arg_signedness", _trade_args(lambda a: a[0].update(type="i64")), "hard", {"ARG_TYPE_CHANGED"}),
    Case("arg_bytes_to_vec_u8", _trade_args(lambda a: a[2].update(type={"vec": "u8"})), "none",
         {"ARG_TYPE_WIRE_EQUAL"}),
    Case("arg_bytes_to_string", _trade_args(lambda a: a[2].update(type="string")), "hard", {"ARG_TYPE_BYTES_STRING"},
         why="old producers may send bytes that are not UTF-8"),
    Case("arg_string_to_bytes", lambda d: ix(d, "initialize")["args"][1].update(type="bytes"), "soft",
         {"ARG_TYPE_STRING_BYTES"}),
    # ---- instruction accounts -------------------------------------------------------------------------
    Case("ix_account_inserted", _trade_accts(lambda a: a.insert(1, _acct("market"))), "hard", {"IX_ACCOUNT_ADDED"}),
    Case("ix_account_appended", _trade_accts(lambda a: a.append(_acct("market"))), "hard", {"IX_ACCOUNT_ADDED"}),
    Case("ix_account_optional_appended", _trade_accts(lambda a: a.append(_acct("referrer", optional=True))), "hard",
         {"IX_ACCOUNT_OPTIONAL_APPENDED"},
         why="Anchor rejects a missing optional account unless built with `allow-missing-optionals`"),
    Case("ix_account_optional_appended_acknowledged",
         _trade_accts(lambda a: a.append(_acct("referrer", optional=True))), "hard", {"IX_ACCOUNT_OPTIONAL_APPENDED"},
         acknowledge=[{"rule": "IX_ACCOUNT_OPTIONAL_APPENDED", "path": "instructions.trade.accounts.referrer",
                       "reason": "built with allow-missing-optionals"}], gate="none",
         why="acknowledged: still hard in the verdict, but no longer fails --fail-on"),
    Case("ix_account_removed", _trade_accts(lambda a: a.pop(2)), "hard", {"IX_ACCOUNT_REMOVED"}),
    Case("ix_account_reordered", _trade_accts(lambda a: _swap(a, 1, 2)), "hard", {"IX_ACCOUNT_MOVED"}),
    Case("ix_account_renamed", _trade_accts(lambda a: a[2].update(name="price_feed")), "none", {"IX_ACCOUNT_RENAMED"}),
    Case("ix_account_writable_added", _set(lambda d: ix_acct(d, "trade", "oracle"), "writable", True), "hard",
         {"IX_ACCOUNT_WRITABLE_ADDED"}),
    Case("ix_account_writable_removed", _del(lambda d: ix_acct(d, "trade", "pool"), "writable"), "soft",
         {"IX_ACCOUNT_WRITABLE_REMOVED"}),
    Case("ix_account_signer_added", _set(lambda d: ix_acct(d, "trade", "oracle"), "signer", True), "hard",
         {"IX_ACCOUNT_SIGNER_ADDED"}),
    Case("ix_account_signer_removed", _del(lambda d: ix_acct(d, "trade", "trader"), "signer"), "soft",
         {"IX_ACCOUNT_SIGNER_REMOVED"}),
    Case("ix_account_now_required", _del(lambda d: ix_acct(d, "trade", "oracle"), "optional"), "hard",
         {"IX_ACCOUNT_OPTIONAL_REMOVED"}, old=_set(lambda d: ix_acct(d, "trade", "oracle"), "optional", True)),
    Case("ix_account_now_optional", _set(lambda d: ix_acct(d, "trade", "oracle"), "optional", True), "soft",
         {"IX_ACCOUNT_OPTIONAL_ADDED"}),
    Case("ix_account_pda_changed", _set(lambda d: ix_acct(d, "initialize", "pool"), "pda", {"seeds": [_seed("pool2")]}),
         "hard", {"IX_ACCOUNT_PDA_CHANGED"}),
    Case("ix_account_pda_added", _set(lambda d: ix_acct(d, "trade", "pool"), "pda", {"seeds": [_seed("pool")]}),
         "hard", {"IX_ACCOUNT_PDA_ADDED"}),
    Case("ix_account_pda_removed", _del(lambda d: ix_acct(d, "settle_batch", "config"), "pda"), "soft",
         {"IX_ACCOUNT_PDA_REMOVED"}),
    Case("ix_account_address_changed", _set(lambda d: ix_acct(d, "initialize", "system_program"), "address", TOKEN),
         "hard", {"IX_ACCOUNT_ADDRESS_CHANGED"}, formats="spec", why="the legacy format has no fixed addresses"),
    Case("ix_account_address_added", _set(lambda d: ix_acct(d, "trade", "oracle"), "address", TOKEN), "hard",
         {"IX_ACCOUNT_ADDRESS_ADDED"}, formats="spec"),
    Case("ix_account_address_removed", _del(lambda d: ix_acct(d, "initialize", "system_program"), "address"),
         "soft", {"IX_ACCOUNT_ADDRESS_REMOVED"}, formats="spec"),
    Case("ix_account_relations_changed", _set(lambda d: ix_acct(d, "pause", "config"), "relations", ["payer"]),
         "hard", {"IX_ACCOUNT_RELATIONS_CHANGED"}),
    # ---- account types ---------------------------------------------------------------------------------------
    Case("account_added", lambda d: (d["accounts"].append(
        {"name": "Vault", "discriminator": list(account_discriminator("Vault"))}),
        d["types"].append(_struct("Vault", [_f("amount", "u64")]))), "soft", {"ACCOUNT_ADDED"}),
    Case("account_removed", lambda d: d["accounts"].pop(1), "hard", {"ACCOUNT_REMOVED"}),
    Case("account_renamed_keeps_discriminator", lambda d: _rename_account(d, "Pool", "LiquidityPool", keep_disc=True),
         "none", {"ACCOUNT_RENAMED"}),
    Case("account_renamed", lambda d: _rename_account(d, "Pool", "LiquidityPool", keep_disc=False), "hard",
         {"ACCOUNT_RENAMED", "ACCOUNT_DISCRIMINATOR_CHANGED"}),
    Case("account_field_appended", _pool_fields(lambda f: f.append(_f("bump", "u8"))), "hard",
         {"FIELD_ADDED", "ACCOUNT_SPACE_GREW"}, axes={"state"}),
    Case("account_field_removed", _pool_fields(lambda f: f.pop(1)), "hard", {"FIELD_REMOVED"}),
    Case("account_fields_reordered", _pool_fields(lambda f: _swap(f, 0, 1)), "hard", {"FIELD_MOVED"}),
    Case("account_field_renamed", _pool_fields(lambda f: f[1].update(name="fee_bps")), "none", {"FIELD_RENAMED"}),
    Case("account_field_widened", _pool_fields(lambda f: f[1].update(type="u64")), "hard",
         {"FIELD_TYPE_CHANGED", "ACCOUNT_SPACE_GREW"}),
    Case("account_option_to_coption", _pool_fields(lambda f: f[3].update(type={"coption": "pubkey"})), "hard",
         {"FIELD_TYPE_CHANGED", "ACCOUNT_SPACE_GREW"},
         why="Option has a u8 tag, COption a u32 tag and a zero-filled None"),
    Case("account_array_length", _pool_fields(lambda f: f[4].update(type={"array": ["u8", 32]})), "hard",
         {"FIELD_TYPE_CHANGED", "ACCOUNT_SPACE_GREW"}),
    Case("account_pubkey_to_bytes32", _pool_fields(lambda f: f[0].update(type={"array": ["u8", 32]})), "none",
         {"FIELD_TYPE_WIRE_EQUAL"}),
    Case("reserved_bytes_claimed", _pool_fields(lambda f: f.__setitem__(slice(4, 5), [
        _f("rebate", "u64"), _f("reserved", {"array": ["u8", 8]})])), "soft", {"RESERVED_BYTES_CLAIMED"},
        axes={"state"}),
    Case("reserved_bytes_overclaimed", lambda d: fields(d, "Pool").__setitem__(slice(4, 5), [
        _f("rebate", "u64"), _f("reserved", {"array": ["u8", 16]})]), "hard", {"FIELD_ADDED", "ACCOUNT_SPACE_GREW"}),
    # ---- enums (Side is used by account Pool and by the `trade` argument: both axes) ------------------
    Case("enum_variant_appended", _side(lambda v: v.append({"name": "Cross"})), "soft", {"ENUM_VARIANT_ADDED"},
         axes={"state", "interface"}),
    Case("enum_variant_appended_bigger", _side(lambda v: v.append({"name": "Cross", "fields": [_f("limit", "u64")]})),
         "hard", {"ENUM_VARIANT_ADDED", "ACCOUNT_SPACE_GREW"},
         why="Pool accounts were allocated for the largest old Side; the new variant needs 8 more bytes"),
    Case("enum_variant_inserted", _side(lambda v: v.insert(0, {"name": "Cross"})), "hard", {"ENUM_VARIANT_INSERTED"},
         axes={"state", "interface"}),
    Case("enum_variant_removed", _side(lambda v: v.pop(0)), "hard", {"ENUM_VARIANT_REMOVED"}),
    Case("enum_variants_reordered", _side(lambda v: _swap(v, 0, 1)), "hard", {"ENUM_VARIANT_MOVED"}),
    Case("enum_variant_renamed", _side(lambda v: v[0].update(name="Buy")), "none", {"ENUM_VARIANT_RENAMED"}),
    Case("enum_variant_gains_field", _side(lambda v: v[1].update(fields=[_f("limit", "u64")])), "hard",
         {"FIELD_ADDED", "ACCOUNT_SPACE_GREW"}, axes={"state", "interface"}),
    Case("type_kind_changed", lambda d: ty(d, "Side").update(type={"kind": "struct", "fields": [_f("bid", "bool")]}),
         "hard", {"TYPE_KIND_CHANGED"}),
    Case("type_renamed", lambda d: rename_type(d, "Side", "TradeSide"), "none", {"TYPE_RENAMED"}),
    Case("type_added", lambda d: d["types"].append(_struct("Spare", [_f("x", "u8")])), "none", {"TYPE_ADDED"}),
    Case("type_removed", lambda d: d["types"].remove(ty(d, "Unused")), "hard", {"TYPE_REMOVED"}, formats="spec",
         why="like a change inside it (unreferenced_type_changed): it may be carried in raw bytes"),
    Case("type_removed_acknowledged", lambda d: d["types"].remove(ty(d, "Unused")), "hard", {"TYPE_REMOVED"},
         acknowledge=[{"rule": "TYPE_REMOVED", "path": "types.Unused", "reason": "nothing carries it"}], gate="none",
         formats="spec"),
    Case("type_left_out_by_conversion", lambda d: d["types"].remove(ty(d, "Unused")), "none",
         {"TYPE_LEFT_OUT", "IDL_FORMAT_CHANGED", "IX_ACCOUNT_CONSTRAINT_RECORDED"}, formats="mixed",
         why="Anchor 0.30's IDL generator drops types the interface does not use"),
    Case("unreferenced_type_changed", lambda d: fields(d, "Unused").append(_f("extra", "u8")), "hard",
         {"FIELD_ADDED"}, axes={"types"}, why="it may still be carried in raw bytes: never assume it is unused"),
    Case("generic_args_changed", lambda d: fields(d, "Pool")[-1]["type"]["defined"]["generics"][0].update(type="u64"),
         "hard", {"TYPE_GENERIC_ARGS_CHANGED", "ACCOUNT_SPACE_GREW"},
         old=_pair_generic("u32"), formats="spec"),
    # ---- zero-copy -------------------------------------------------------------------------------------------
    Case("serialization_changed", lambda d: ty(d, "Ledger").update(serialization="bytemuck", repr={"kind": "c"}),
         "hard", {"TYPE_SERIALIZATION_CHANGED", "ACCOUNT_SPACE_GREW"},
         old=_zc([_f("flag", "u8"), _f("total", "u64")], serialization="borsh"), formats="spec",
         why="repr(C) pads `flag` to 8 bytes; Borsh does not"),
    Case("serialization_recorded", lambda d: ty(d, "Ledger").update(serialization="bytemuck", repr={"kind": "c"}),
         "none", {"TYPE_SERIALIZATION_RECORDED"}, old=_zc(ZC_BASE, serialization="borsh"), formats="spec"),
    Case("zero_copy_repr_packed", lambda d: ty(d, "Ledger").update(repr={"kind": "c", "packed": True}), "hard",
         {"TYPE_REPR_CHANGED", "ZERO_COPY_LAYOUT_CHANGED"},
         old=_zc([_f("flag", "u8"), _f("total", "u64")], serialization="bytemuckunsafe"), formats="spec"),
    Case("zero_copy_alignment_changed", _zc_fields(lambda f: f[0].update(type={"array": ["u8", 8]})), "hard",
         {"FIELD_TYPE_WIRE_EQUAL", "ZERO_COPY_LAYOUT_CHANGED"}, old=_zc(ZC_BASE), formats="spec",
         why="same Borsh bytes, but the struct's alignment drops from 8 to 4, which moves it inside any "
             "zero-copy type that embeds it"),
    Case("zero_copy_padding_claimed", _zc_fields(lambda f: f.__setitem__(slice(3, 4), [
        _f("bump", "u8"), _f("padding", {"array": ["u8", 18]})])), "soft", {"RESERVED_BYTES_CLAIMED"},
        old=_zc(ZC_BASE), formats="spec", axes={"state"}),
    Case("zero_copy_claim_misaligned", _zc_fields(lambda f: f.__setitem__(slice(3, 4), [
        _f("seq", "u64"), _f("padding", {"array": ["u8", 11]})])), "hard",
        {"FIELD_ADDED", "FIELD_TYPE_CHANGED", "ZERO_COPY_LAYOUT_CHANGED", "ACCOUNT_SPACE_GREW"}, old=_zc(ZC_BASE),
        formats="spec", why="the u64 must sit at an 8-aligned offset, so the memory layout grows: not a claim"),
    Case("zero_copy_field_added", _zc_fields(lambda f: f.append(_f("extra", "u64"))), "hard",
         {"FIELD_ADDED", "ZERO_COPY_LAYOUT_CHANGED", "ACCOUNT_SPACE_GREW"}, old=_zc(ZC_BASE), formats="spec"),
    # ---- versioned families ---------------------------------------------------------------------------------
    Case("family_member_added", _batch_v2, "soft", {"FAMILY_MEMBER_ADDED"}),
    Case("family_member_removed", lambda d: d["types"].remove(ty(d, "BatchV1")), "hard", {"FAMILY_MEMBER_REMOVED"},
         old=_batch_v2),
    Case("family_member_retired_acknowledged", lambda d: d["types"].remove(ty(d, "BatchV1")), "soft",
         {"FAMILY_MEMBER_REMOVED"}, old=_batch_v2,
         acknowledge=[{"rule": "FAMILY_MEMBER_REMOVED", "path": "types.BatchV1", "reason": "V1 retired"}],
         gate="none"),
    Case("family_member_changed", lambda d: fields(d, "BatchV1").append(_f("slot", "u64")), "hard", {"FIELD_ADDED"},
         axes={"interface"}, why="bytes of a live version must never change: add a new version instead"),
    Case("family_nested_type_changed", lambda d: fields(d, "Fill").insert(0, _f("id", "u64")), "hard",
         {"FIELD_ADDED"}, axes={"interface"}),
    # ---- events ----------------------------------------------------------------------------------------------
    Case("event_added", lambda d: (d["events"].append({"name": "Paused", "discriminator": list(
        event_discriminator("Paused"))}), d["types"].append(_struct("Paused", [_f("slot", "u64")]))), "soft",
         {"EVENT_ADDED"}),
    Case("event_removed", lambda d: d["events"].pop(0), "soft", {"EVENT_REMOVED"}),
    Case("event_renamed_keeps_discriminator", lambda d: _rename_event(d, "Traded", "Filled", keep_disc=True), "none",
         {"EVENT_RENAMED"}),
    Case("event_renamed", lambda d: _rename_event(d, "Traded", "Filled", keep_disc=False), "hard",
         {"EVENT_RENAMED", "EVENT_DISCRIMINATOR_CHANGED"}),
    Case("event_field_appended", lambda d: fields(d, "Traded").append(_f("fee", "u64")), "hard", {"FIELD_ADDED"},
         axes={"interface"}),
    Case("event_vec_u8_to_string", lambda d: fields(d, "Traded")[2].update(type="string"), "hard",
         {"FIELD_TYPE_BYTES_STRING"}, old=lambda d: fields(d, "Traded")[2].update(type={"vec": "u8"}),
         why="logged events whose bytes are not UTF-8 no longer decode"),
    Case("event_string_to_bytes", lambda d: fields(d, "Traded")[2].update(type="bytes"), "soft",
         {"FIELD_TYPE_STRING_BYTES"}),
    # ---- errors and constants ---------------------------------------------------------------------------------
    Case("error_added", lambda d: d["errors"].append({"code": 6002, "name": "Stale"}), "soft", {"ERROR_ADDED"}),
    Case("error_removed", lambda d: d["errors"].pop(1), "soft", {"ERROR_REMOVED"}),
    Case("error_renumbered", lambda d: d["errors"][1].update(code=6005), "soft", {"ERROR_CODE_CHANGED"}),
    Case("error_renamed", lambda d: d["errors"][1].update(name="BatchTooSmall"), "none", {"ERROR_RENAMED"}),
    Case("error_message_changed", lambda d: d["errors"][0].update(msg="Paused by admin"), "none",
         {"ERROR_MESSAGE_CHANGED"}),
    Case("constant_added", lambda d: d["constants"].append({"name": "FEE_BPS", "type": "u16", "value": "30"}),
         "none", {"CONSTANT_ADDED"}),
    Case("constant_removed", lambda d: d["constants"].pop(0), "none", {"CONSTANT_REMOVED"}),
    Case("constant_changed", lambda d: d["constants"][0].update(value="50"), "soft", {"CONSTANT_CHANGED"}),
    Case("constant_seed_changed", _seq(lambda d: d["constants"][1].update(value="[112, 111, 111, 108, 50]"),
                                       _set(lambda d: ix_acct(d, "initialize", "pool"), "pda",
                                            {"seeds": [_seed("pool2")]})),
         "hard", {"CONSTANT_SEED_CHANGED", "IX_ACCOUNT_PDA_CHANGED"}),
]


def write_cases(dest: Path = CASES_DIR) -> None:
    if dest.is_dir():
        shutil.rmtree(dest)
    for case in CASES:
        old, new, expected = case.build()
        folder = dest / case.name
        folder.mkdir(parents=True)
        for name, doc in (("old.json", old), ("new.json", new), ("expected.json", expected)):
            (folder / name).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_cases(Path(sys.argv[1]) if len(sys.argv) > 1 else CASES_DIR)
