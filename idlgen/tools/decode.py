"""`idlgen decode`: instruction data, account data or `Program data:` log lines -> canonical JSON.

What the bytes are is read from their discriminator (the longest one of the IDL's instructions,
accounts and events they start with) unless `--as` says. Decoding runs the generated Python codec, so
an error is the codec's own offset-precise one (`BatchV2.trades[1].price: needs 8 bytes at offset 43,
3 left`). A payload carried by a versioned family's instruction (settle_batch.data) is decoded too.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from idlgen.diagnostics import IdlgenError
from idlgen.ir import layout
from idlgen.ir.model import Family, Instruction, Program
from idlgen.tools.codecs import Codec

KINDS = ("instruction", "account", "event")
_HEX = re.compile(r"^(0x)?([0-9a-fA-F]{2})*$")
_B64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


class DecodeFailure(IdlgenError):
    """Bytes that are not what the IDL describes (exit 2)."""


def parse_bytes(text: str, encoding: str = "auto", *, shown: str = "input") -> bytes:
    """Hex (optionally 0x-prefixed, spaces allowed) or base64; `auto` prefers hex when both fit."""
    compact = "".join(text.split())
    if encoding in ("auto", "hex") and _HEX.match(compact):
        return bytes.fromhex(compact.removeprefix("0x"))
    if encoding == "hex":
        bad = next((i for i, ch in enumerate(compact.removeprefix("0x")) if ch not in "0123456789abcdefABCDEF"), None)
        where = f"character {bad}" if bad is not None else "the end (odd number of hex digits)"
        raise IdlgenError(f"not hex: bad digit at {where}", file=shown)
    if _B64.match(compact) and len(compact) % 4 == 0:
        try:
            return base64.b64decode(compact, validate=True)
        except binascii.Error:
            pass
    raise IdlgenError("not hex or base64 data" if encoding == "auto" else "not base64 data", file=shown)


@dataclass(frozen=True, slots=True)
class Match:
    kind: str
    name: str  # the IDL's name
    discriminator: bytes


def candidates(program: Program, data: bytes, kinds: Iterable[str]) -> list[Match]:
    items: list[Match] = []
    for kind in kinds:
        entries: Iterable[Any] = {"instruction": program.instructions, "account": program.accounts,
                                  "event": program.events}[kind]
        for e in entries:
            if e.discriminator and data.startswith(e.discriminator):
                items.append(Match(kind, e.name, e.discriminator))
    items.sort(key=lambda m: -len(m.discriminator))
    return [m for m in items if len(m.discriminator) == len(items[0].discriminator)] if items else []


def identify(program: Program, data: bytes, kind: str | None, shown: str) -> Match:
    kinds = (kind,) if kind else KINDS
    found = candidates(program, data, kinds)
    what = f"{kind} of {program.name}" if kind else f"instruction, account or event of {program.name}"
    if not found:
        width = max((len(e.discriminator) for k in kinds for e in _entries(program, k)), default=8) or 8
        head = data[:width].hex() or "(no bytes)"
        raise DecodeFailure(f"offset 0: unknown discriminator {head}: not an {what}", file=shown)
    if len(found) > 1:
        names = ", ".join(f"{m.kind} {m.name}" for m in found)
        raise DecodeFailure(f"offset 0: discriminator {found[0].discriminator.hex()} is shared by {names}: "
                            "say which with --as", file=shown)
    return found[0]


def _entries(program: Program, kind: str) -> tuple[Any, ...]:
    return {"instruction": program.instructions, "account": program.accounts, "event": program.events}[kind]


def decode_bytes(codec: Codec, data: bytes, *, kind: str | None = None, name: str | None = None,
                 shown: str = "input", strict: bool | None = None) -> dict[str, Any]:
    program = codec.program
    if kind == "type":
        if not name:
            raise IdlgenError("--as type needs --name TYPE")
        if not any(t.name == name for t in program.types):
            known = ", ".join(t.name for t in program.types[:8]) + (", ..." if len(program.types) > 8 else "")
            raise IdlgenError(f"{program.name} has no type named {name!r} (types: {known or 'none'})")
        m = Match("type", name, b"")
    elif name:
        assert kind is not None
        entry = next((e for e in _entries(program, kind) if name in (e.name, getattr(e, "snake", None))), None)
        if entry is None:
            raise IdlgenError(f"{program.name} has no {kind} named {name!r}")
        m = Match(kind, entry.name, entry.discriminator)
    else:
        m = identify(program, data, kind, shown)
    if m.kind != "type" and not data.startswith(m.discriminator):
        raise DecodeFailure(f"offset 0: discriminator {data[:len(m.discriminator)].hex()} is not "
                            f"{m.kind} {m.name}'s ({m.discriminator.hex()})", file=shown)
    try:
        value = codec.decode(m.kind, m.name, data, strict=strict)
    except ValueError as exc:
        raise DecodeFailure(f"{m.kind} {m.name}: {exc}", file=shown) from None
    out: dict[str, Any] = {"kind": m.kind, "name": m.name, "value": value}
    if m.kind == "instruction":
        ix = next(i for i in program.instructions if i.name == m.name)
        fam = next((f for f in program.families if f.carrier and f.carrier.instruction == ix.snake), None)
        if fam is not None:
            out["family"] = decode_family(codec, fam, ix, value, shown)
    return out


def decode_family(codec: Codec, fam: Family, ix: Instruction, args: dict[str, Any], shown: str) -> dict[str, Any]:
    assert fam.carrier is not None
    arg = next(a for a in ix.args if a.snake == fam.carrier.arg)
    raw = args.get(arg.name)
    payload = bytes.fromhex(raw) if isinstance(raw, str) else bytes(raw or [])
    base = _payload_offset(codec.program, ix, arg.name)
    where = f"offset {base}" if base is not None else f"{ix.name}.{arg.name}[0]"
    if not payload:
        raise DecodeFailure(f"{ix.name}.{arg.name}: {where}: empty payload, expected a {fam.stem} version byte",
                            file=shown)
    version = payload[0]
    member = next((m for m in fam.members if m.version == version), None)
    if member is None:
        known = ", ".join(str(v) for v in fam.versions)
        err = f" (the program answers {fam.unknown_version_error})" if fam.unknown_version_error else ""
        raise DecodeFailure(f"{ix.name}.{arg.name}: {where}: version byte {version} is not a {fam.stem} version "
                            f"(known: {known}){err}", file=shown)
    try:
        value = codec.decode("type", member.type, payload[1:])
    except ValueError as exc:
        shift = f" (payload starts at offset {base + 1} of the instruction data)" if base is not None else ""
        raise DecodeFailure(f"{ix.name}.{arg.name}: {member.type}: {exc}{shift}", file=shown) from None
    return {"stem": fam.stem, "version": version, "type": member.type, "value": value}


def _payload_offset(program: Program, ix: Instruction, arg_name: str) -> int | None:
    """Byte offset of the carrier's first payload byte in the instruction data, when fixed."""
    off = len(ix.discriminator)
    sizes = {t.name: t.borsh_size for t in program.types}
    for a in ix.args:
        if a.name == arg_name:
            return off + 4  # the u32 length prefix of bytes / Vec<u8>
        size = layout.borsh_size(a.type, sizes.get)
        if size is None:
            return None
        off += size
    return None


_ID = r"([1-9A-HJ-NP-Za-km-z]{32,44})"
_INVOKE = re.compile(rf"^Program {_ID} invoke \[(\d+)\]")
_DONE = re.compile(rf"^Program {_ID} (success|failed)")
_DATA = re.compile(r"Program data: ([A-Za-z0-9+/]+=*)")  # also inside a JSON array of log messages


def decode_logs(codec: Codec, lines: Iterable[str], shown: str) -> tuple[list[dict[str, Any]], int]:
    """Every `Program data:` line our program logged -> event JSON; returns (events, lines skipped).

    When the IDL has an address, lines logged by other programs (CPI targets) are skipped; without one
    every line must be an event of this IDL."""
    program = codec.program
    stack: list[str] = []
    events: list[dict[str, Any]] = []
    skipped = 0
    numbered = enumerate(lines, 1)
    while True:
        try:
            n, line = next(numbered)
        except StopIteration:
            break
        except UnicodeDecodeError as exc:  # a binary file given as a log: one line, not a traceback
            raise IdlgenError(f"not UTF-8 text ({exc.reason}): --logs reads a transaction log, one line per "
                              "log message", file=shown) from None
        text = line.rstrip("\n")
        body = text.split("Program ", 1)
        logline = "Program " + body[1] if len(body) == 2 else text
        if m := _INVOKE.match(logline):
            stack.append(m.group(1))
            continue
        if m := _DONE.match(logline):
            if stack:
                stack.pop()
            continue
        m = _DATA.search(text)
        if not m:
            continue
        if program.address and stack and stack[-1] != program.address:
            skipped += 1
            continue
        where = f"{shown}:{n}"
        try:
            data = base64.b64decode(m.group(1), validate=True)
        except binascii.Error:
            raise DecodeFailure("`Program data:` is not valid base64", file=where) from None
        event = decode_bytes(codec, data, kind="event", shown=where)
        events.append({"line": n, "event": event["name"], "value": event["value"]})
    return events, skipped


