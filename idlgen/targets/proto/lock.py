"""The field-number lock: every message's field numbers and every enum's values, committed beside the IDL.

Rules (the wire contract the engine and the relayer share):
- a field keeps its number for as long as it exists with the same proto type (renamed = removed + added);
- a new field takes the next number never used in that message (live or reserved), skipping 19000-19999;
- a removed field becomes `reserved` (number and name); if it comes back with the same proto type it gets
  its old number back, with a different type it gets a new number (the old one stays reserved);
- reordering or inserting fields never renumbers anything;
- entries of messages and enums that disappear stay in the lock, so a type that comes back keeps its numbers.
Enum value 0 is always `<ENUM>_UNSPECIFIED` and is not recorded; variants take 1, 2, ... by the same rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from idlgen.diagnostics import IdlgenError

FORMAT = 1
_FIRST_RESERVED_BY_PROTOBUF, _LAST_RESERVED_BY_PROTOBUF = 19000, 19999


@dataclass(frozen=True, slots=True)
class Slot:
    number: int
    name: str
    type: str = ""  # proto type with label ("optional uint64", "repeated TradeEventV1"); "" for enum values


@dataclass(slots=True)
class Entry:
    """One message (live fields) or one enum (live values), plus what it has retired."""

    live: dict[str, Slot] = field(default_factory=dict)
    reserved: list[Slot] = field(default_factory=list)

    def assign(self, wanted: list[tuple[str, str]]) -> Entry:
        """The entry after the IDL asks for `wanted` (name, type) in declaration order."""
        used = {s.number for s in self.live.values()} | {s.number for s in self.reserved}
        reserved = list(self.reserved)
        live: dict[str, Slot] = {}
        for name, typ in wanted:
            old = self.live.get(name)
            if old is not None and old.type == typ:
                live[name] = old
        for name, typ in wanted:
            if name in live:
                continue
            back = [s for s in reserved if s.name == name and s.type == typ]
            if back:
                slot = max(back, key=lambda s: s.number)
                reserved.remove(slot)
                live[name] = slot
        for name, old in self.live.items():
            if live.get(name) is not old:
                reserved.append(old)
        nxt = max(used, default=0) + 1
        for name, typ in wanted:
            if name in live:
                continue
            if _FIRST_RESERVED_BY_PROTOBUF <= nxt <= _LAST_RESERVED_BY_PROTOBUF:
                nxt = _LAST_RESERVED_BY_PROTOBUF + 1
            live[name] = Slot(nxt, name, typ)
            nxt += 1
        return Entry(dict(sorted(live.items(), key=lambda kv: kv[1].number)),
                     sorted(reserved, key=lambda s: (s.number, s.name)))

    def reserved_numbers(self) -> list[int]:
        live = {s.number for s in self.live.values()}
        return sorted({s.number for s in self.reserved} - live)

    def reserved_names(self) -> list[str]:
        return sorted({s.name for s in self.reserved} - set(self.live))


@dataclass(slots=True)
class Lock:
    package: str = ""
    idl: str = ""
    messages: dict[str, Entry] = field(default_factory=dict)
    enums: dict[str, Entry] = field(default_factory=dict)

    def message(self, name: str, wanted: list[tuple[str, str]]) -> Entry:
        entry = self.messages.get(name, Entry()).assign(wanted)
        self.messages[name] = entry
        return entry

    def enum(self, name: str, wanted: list[str]) -> Entry:
        entry = self.enums.get(name, Entry()).assign([(n, "") for n in wanted])
        self.enums[name] = entry
        return entry

    def dump(self) -> str:
        """Stable JSON, one line per field, so a lock diff in review reads as a list of number changes."""
        out = ["{",
               '  "about": "Protobuf field numbers, maintained by `idlgen build`: commit it, never edit numbers. '
               'Numbers never move; removed fields stay reserved.",',
               f'  "format": {FORMAT},',
               f'  "idl": {json.dumps(self.idl)},',
               f'  "package": {json.dumps(self.package)},']
        for key, entries, is_enum in (("messages", self.messages, False), ("enums", self.enums, True)):
            out.append(f'  "{key}": {{')
            names = sorted(entries)
            for i, name in enumerate(names):
                e = entries[name]
                out.append(f"    {json.dumps(name)}: {{")
                out.append(f'      "{"values" if is_enum else "fields"}": {{')
                live = list(e.live.values())
                for j, s in enumerate(live):
                    val = str(s.number) if is_enum else json.dumps({"number": s.number, "type": s.type})
                    out.append(f"        {json.dumps(s.name)}: {val}{',' if j + 1 < len(live) else ''}")
                out.append("      },")
                out.append('      "reserved": [' + ("" if e.reserved else "]"))
                for j, s in enumerate(e.reserved):
                    res: dict[str, object] = {"number": s.number, "name": s.name}
                    if not is_enum:
                        res["type"] = s.type
                    out.append(f"        {json.dumps(res)}{',' if j + 1 < len(e.reserved) else ''}")
                if e.reserved:
                    out.append("      ]")
                out.append("    }" + ("," if i + 1 < len(names) else ""))
            out.append("  }" + ("," if key == "messages" else ""))
        out.append("}")
        return "\n".join(out) + "\n"


_PROTO_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_FIELD_NUMBER = (1 << 29) - 1


def parse(text: str | None, file: str) -> Lock:
    """The committed lock; a missing lock is an empty one. A damaged lock is an error, never silently reset."""
    if text is None:
        return Lock()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IdlgenError(f"the proto lock is not valid JSON ({exc.msg} at line {exc.lineno}); restore it "
                          "from git, or delete it to renumber from scratch (a wire break)", file=file) from None

    def bad(path: str, msg: str) -> IdlgenError:
        return IdlgenError(f"{msg}; restore the lock from git", file=file, path=path)

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise bad("format", f"unsupported lock format (expected {FORMAT})")
    lock = Lock(package=str(data.get("package", "")), idl=str(data.get("idl", "")))
    for key, target, is_enum in (("messages", lock.messages, False), ("enums", lock.enums, True)):
        section = data.get(key, {})
        if not isinstance(section, dict):
            raise bad(key, "must be an object")
        for name, raw in section.items():
            where = f"{key}.{name}"
            if not isinstance(raw, dict):
                raise bad(where, "must be an object")
            live_raw = raw.get("values" if is_enum else "fields", {})
            res_raw = raw.get("reserved", [])
            if not isinstance(live_raw, dict) or not isinstance(res_raw, list):
                raise bad(where, "needs a fields/values object and a reserved list")
            entry = Entry()
            for fname, v in live_raw.items():
                num, typ = (v, "") if is_enum else ((v.get("number"), v.get("type")) if isinstance(v, dict)
                                                    else (None, None))
                if not isinstance(num, int) or isinstance(num, bool) or num < 1 or not isinstance(typ, str):
                    raise bad(f"{where}.{fname}", "needs a positive number" + ("" if is_enum else " and a type"))
                if not _PROTO_IDENT.fullmatch(fname) or num > _MAX_FIELD_NUMBER:
                    raise bad(f"{where}.{fname}", "needs an identifier name and a number below 2^29")
                entry.live[fname] = Slot(num, fname, typ)
            for j, r in enumerate(res_raw):
                if not isinstance(r, dict) or not isinstance(r.get("number"), int) or \
                        not isinstance(r.get("name"), str):
                    raise bad(f"{where}.reserved[{j}]", "needs a number and a name")
                if not _PROTO_IDENT.fullmatch(r["name"]) or not 1 <= r["number"] <= _MAX_FIELD_NUMBER:
                    # reserved names are written into the .proto as string literals: identifiers only
                    raise bad(f"{where}.reserved[{j}]", "needs a number in 1..2^29-1 and an identifier name")
                entry.reserved.append(Slot(r["number"], r["name"], str(r.get("type", ""))))
            numbers = [s.number for s in (*entry.live.values(), *entry.reserved)]
            if len(numbers) != len(set(numbers)):
                raise bad(where, "uses a number twice")
            target[name] = entry
    return lock
