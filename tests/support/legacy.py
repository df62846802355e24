"""Render a spec-format (Anchor 0.30+) IDL as a legacy (<= 0.29) IDL, so that anchorpy - which reads
only the legacy format - can act as a second reference for spec IDLs (the bundled settlement program)
and so that benchmarks can run anchorpy's coder on the same types.

Only what the coders read is rendered: instructions (name, flattened accounts, args), accounts and
events (with their fields inline, as legacy IDLs carry them), types, errors. Names are kept as the spec
spells them: anchorpy derives instruction discriminators from `snake(name)` and account / event ones
from the name, which is how spec discriminators are made too. `to_legacy` raises ValueError for what
the legacy format (or anchorpy) cannot express: custom discriminators, generics, tuple structs, COption,
u256/i256 and module-path names; `convertible_items` says item by item what survives.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

_PRIMS = {"bool", "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "u128", "i128", "f32", "f64", "string",
          "bytes"}


class NotExpressible(ValueError):
    pass


def _sighash(namespace: str, name: str) -> list[int]:
    return list(hashlib.sha256(f"{namespace}:{name}".encode()).digest()[:8])


def _snake(name: str) -> str:
    from idlgen.anchor.names import snake_case

    return snake_case(name)


def ltype(t: Any) -> Any:
    """A spec IdlType as a legacy one."""
    if isinstance(t, str):
        if t == "pubkey":
            return "publicKey"
        if t in _PRIMS:
            return t
        raise NotExpressible(f"type {t!r}")
    if not isinstance(t, dict):
        raise NotExpressible(f"type {t!r}")
    if "option" in t:
        return {"option": ltype(t["option"])}
    if "vec" in t:
        return {"vec": ltype(t["vec"])}
    if "array" in t:
        inner, n = t["array"]
        if not isinstance(n, int):
            raise NotExpressible("generic array length")
        return {"array": [ltype(inner), n]}
    if "defined" in t:
        d = t["defined"]
        name = d if isinstance(d, str) else d.get("name")
        if not isinstance(d, str) and d.get("generics"):
            raise NotExpressible("generic type")
        if "::" in name:
            raise NotExpressible("module-path name")
        return {"defined": name}
    raise NotExpressible(f"type {json.dumps(t)}")


def _fields(fields: Any) -> list[dict[str, Any]]:
    if not fields:
        return []
    if not all(isinstance(f, dict) and "name" in f for f in fields):
        raise NotExpressible("tuple struct")
    return [{"name": f["name"], "type": ltype(f["type"])} for f in fields]


def _typedef(td: dict[str, Any]) -> dict[str, Any]:
    if td.get("generics"):
        raise NotExpressible("generic type")
    body = td["type"]
    if body["kind"] == "struct":
        return {"name": td["name"], "type": {"kind": "struct", "fields": _fields(body.get("fields"))}}
    if body["kind"] == "enum":
        variants = []
        for v in body["variants"]:
            fs = v.get("fields")
            if not fs:
                variants.append({"name": v["name"]})
            elif all(isinstance(f, dict) and "name" in f for f in fs):
                variants.append({"name": v["name"], "fields": _fields(fs)})
            else:
                variants.append({"name": v["name"], "fields": [ltype(f) for f in fs]})
        return {"name": td["name"], "type": {"kind": "enum", "variants": variants}}
    raise NotExpressible(f"type kind {body['kind']!r}")


def _flat_accounts(items: list[Any]) -> list[dict[str, Any]]:
    out = []
    for a in items:
        if "accounts" in a:
            out.extend(_flat_accounts(a["accounts"]))
        else:
            out.append({"name": a["name"], "isMut": bool(a.get("writable")), "isSigner": bool(a.get("signer"))})
    return out


def to_legacy(spec: dict[str, Any]) -> tuple[dict[str, Any], dict[tuple[str, str], str]]:
    """(legacy IDL, {(kind, name): why it was left out}) for a parsed spec IDL."""
    dropped: dict[tuple[str, str], str] = {}
    types_by_name = {t["name"]: t for t in spec.get("types", [])}
    # A type that is left out takes everything that uses it along: iterate to a fixed point.
    bad_types: dict[str, str] = {}
    for name, td in types_by_name.items():
        try:
            _typedef(td)
        except NotExpressible as exc:
            bad_types[name] = str(exc)
    changed = True
    while changed:
        changed = False
        for name, td in types_by_name.items():
            if name in bad_types:
                continue
            used = _defined_names(td["type"])
            hit = next((u for u in used if u in bad_types), None)
            if hit:
                bad_types[name] = f"uses {hit} ({bad_types[hit]})"
                changed = True

    def usable(t: Any) -> str | None:
        for u in _defined_names(t):
            if u in bad_types:
                return f"uses {u} ({bad_types[u]})"
        try:
            ltype(t)
        except NotExpressible as exc:
            return str(exc)
        return None

    instructions = []
    for ix in spec.get("instructions", []):
        why = None
        if list(ix.get("discriminator", [])) != _sighash("global", _snake(ix["name"])):
            why = "custom discriminator (anchorpy recomputes it from the name)"
        for a in ix.get("args", []):
            why = why or usable(a["type"])
        if why:
            dropped[("instruction", ix["name"])] = why
            continue
        instructions.append({"name": ix["name"], "accounts": _flat_accounts(ix.get("accounts", [])),
                             "args": [{"name": a["name"], "type": ltype(a["type"])} for a in ix.get("args", [])]})

    layout_names = set()
    accounts = []
    for acc in spec.get("accounts", []):
        layout_names.add(acc["name"])
        why = bad_types.get(acc["name"])
        if list(acc.get("discriminator", [])) != _sighash("account", acc["name"]):
            why = "custom discriminator (anchorpy recomputes it from the name)"
        if why:
            dropped[("account", acc["name"])] = why
            continue
        accounts.append(_typedef(types_by_name[acc["name"]]))
    events = []
    for ev in spec.get("events", []):
        layout_names.add(ev["name"])
        why = bad_types.get(ev["name"])
        if list(ev.get("discriminator", [])) != _sighash("event", ev["name"]):
            why = "custom discriminator (anchorpy recomputes it from the name)"
        if why:
            dropped[("event", ev["name"])] = why
            continue
        body = types_by_name[ev["name"]]["type"]
        events.append({"name": ev["name"], "fields": [{**f, "index": False} for f in _fields(body.get("fields"))]})
    types = []
    for name, td in types_by_name.items():
        if name in bad_types:
            dropped[("type", name)] = bad_types[name]
        elif name not in layout_names or name in {a["name"] for a in accounts}:
            # legacy IDLs keep account layouts under "accounts"; anchorpy's types coder reads "types",
            # so account layouts appear in both (harmless: the same definition)
            types.append(_typedef(td))
    legacy = {
        "version": spec.get("metadata", {}).get("version", "0.0.0"),
        "name": spec.get("metadata", {}).get("name", "program"),
        "instructions": instructions,
        "accounts": accounts,
        "types": types,
        "events": events,
        "errors": [{"code": e["code"], "name": e["name"], **({"msg": e["msg"]} if "msg" in e else {})}
                   for e in spec.get("errors", [])],
        "metadata": {"address": spec.get("address", "")},
    }
    return legacy, dropped


def _defined_names(t: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(t, dict):
        for k, v in t.items():
            if k == "defined":
                out.add(v if isinstance(v, str) else v.get("name"))
                if isinstance(v, dict):
                    out |= _defined_names(v.get("generics", []))
            else:
                out |= _defined_names(v)
    elif isinstance(t, list):
        for x in t:
            out |= _defined_names(x)
    return out


def write_legacy(spec_path: Path, dest: Path) -> tuple[Path, dict[tuple[str, str], str]]:
    legacy, dropped = to_legacy(json.loads(Path(spec_path).read_text()))
    dest.write_text(json.dumps(legacy, indent=2) + "\n")
    return dest, dropped
