"""The program itself: address, name, format and docs; its errors and constants."""

from __future__ import annotations

import json
import re

from idlgen.anchor.lower import type_display
from idlgen.compat.check_base import DifferBase
from idlgen.compat.core import Flow, Side
from idlgen.ir.model import ConstSeed

RULES = frozenset({
    "CONSTANT_ADDED",
    "CONSTANT_CHANGED",
    "CONSTANT_REMOVED",
    "CONSTANT_SEED_CHANGED",
    "ERROR_ADDED",
    "ERROR_CODE_CHANGED",
    "ERROR_MESSAGE_CHANGED",
    "ERROR_REMOVED",
    "ERROR_RENAMED",
    "IDL_FORMAT_CHANGED",
    "PROGRAM_ADDRESS_CHANGED",
    "PROGRAM_ADDRESS_RECORDED",
    "PROGRAM_NAME_CHANGED",
})


class ProgramChecks(DifferBase):
    def program_level(self) -> None:
        o, n = self.op, self.np
        if o.address and n.address and o.address != n.address:
            self.add("PROGRAM_ADDRESS_CHANGED", f"the program address {o.address} became {n.address}",
                     "program.address", self.addr_path(self.o), self.addr_path(self.n), Flow.PROGRAM)
        elif bool(o.address) != bool(n.address):
            what = f"now records the program address {n.address}" if n.address else \
                f"no longer records the program address {o.address}"
            self.add("PROGRAM_ADDRESS_RECORDED", f"the IDL {what}", "program.address", self.addr_path(self.o),
                     self.addr_path(self.n), Flow.PROGRAM)
        if o.name != n.name:
            self.add("PROGRAM_NAME_CHANGED", f"the program name `{o.name}` became `{n.name}`", "program.name",
                     self.meta_path(self.o, "name"), self.meta_path(self.n, "name"), Flow.PROGRAM)
        if o.format is not n.format:
            self.add("IDL_FORMAT_CHANGED", f"the IDL format changed from {o.format.value} to {n.format.value}",
                     "program", "", "", Flow.PROGRAM)
        self.docs(o.docs, n.docs, "the program", "program.docs", "docs", "docs")

    @staticmethod
    def addr_path(s: Side) -> str:
        return "metadata.address" if s.legacy else "address"

    @staticmethod
    def meta_path(s: Side, key: str) -> str:
        return key if s.legacy else f"metadata.{key}"

    def errors(self) -> None:
        ob = {e.name: e for e in self.op.errors}
        nb = {e.name: e for e in self.np.errors}
        ncode = {e.code: e for e in self.np.errors}
        renamed_old: set[str] = set()
        renamed_new: set[str] = set()
        for e in self.op.errors:
            if e.name not in nb and e.code in ncode and ncode[e.code].name not in ob:
                f = ncode[e.code]
                renamed_old.add(e.name)
                renamed_new.add(f.name)
                self.add("ERROR_RENAMED", f"error {e.code} `{e.name}` was renamed to `{f.name}`", f"errors.{f.name}",
                         e.path, f.path, Flow.OUTPUT)
                if e.msg != f.msg:
                    self.add("ERROR_MESSAGE_CHANGED", f"the message of error {f.code} `{f.name}` changed",
                             f"errors.{f.name}", e.path, f.path, Flow.OUTPUT)
        for e in self.op.errors:
            if e.name in renamed_old:
                continue
            if e.name not in nb:
                self.add("ERROR_REMOVED", f"error {e.code} `{e.name}` was removed", f"errors.{e.name}", e.path, None,
                         Flow.OUTPUT)
                continue
            f = nb[e.name]
            if e.code != f.code:
                self.add("ERROR_CODE_CHANGED", f"error `{e.name}` was renumbered from {e.code} to {f.code}",
                         f"errors.{e.name}", e.path, f.path, Flow.OUTPUT)
            if e.msg != f.msg:
                self.add("ERROR_MESSAGE_CHANGED", f"the message of error {f.code} `{f.name}` changed",
                         f"errors.{f.name}", e.path, f.path, Flow.OUTPUT)
        for f in self.np.errors:
            if f.name not in ob and f.name not in renamed_new:
                self.add("ERROR_ADDED", f"error {f.code} `{f.name}` was added", f"errors.{f.name}", None, f.path,
                         Flow.OUTPUT)

    def constants(self) -> None:
        ob = {c.name: c for c in self.op.constants}
        nb = {c.name: c for c in self.np.constants}
        seeds = {s.value for x in self.op.instructions for m in x.flat_accounts() if m.pda
                 for s in (*m.pda.seeds, *((m.pda.program,) if m.pda.program else ())) if isinstance(s, ConstSeed)}
        for name in sorted(set(ob) | set(nb)):
            a, b = ob.get(name), nb.get(name)
            if a is None and b is not None:
                self.add("CONSTANT_ADDED", f"constant `{name}` = {b.value} was added", f"constants.{name}", None,
                         b.path, Flow.PROGRAM)
            elif b is None and a is not None:
                self.add("CONSTANT_REMOVED", f"constant `{name}` ({a.value}) was removed", f"constants.{name}",
                         a.path, None, Flow.PROGRAM)
            elif a is not None and b is not None:
                va, vb = const_bytes(a.value), const_bytes(b.value)
                same_value = (va == vb) if va is not None and vb is not None else \
                    re.sub(r"\s+", "", a.value) == re.sub(r"\s+", "", b.value)
                same_type = self.oshape.of(a.type) == self.nshape.of(b.type)
                if same_value and same_type:
                    continue
                if va is not None and va in seeds:
                    self.add("CONSTANT_SEED_CHANGED", f"constant `{name}`, used in PDA seeds, changed from {a.value} "
                             f"to {b.value}", f"constants.{name}", a.path, b.path, Flow.PROGRAM)
                else:
                    what = f"value {a.value} became {b.value}" if not same_value else \
                        f"type {type_display(a.type)} became {type_display(b.type)}"
                    self.add("CONSTANT_CHANGED", f"constant `{name}`: {what}", f"constants.{name}", a.path, b.path,
                             Flow.PROGRAM)


def const_bytes(v: str) -> bytes | None:
    v = v.strip()
    if v.startswith("[") and v.endswith("]"):
        try:
            items = json.loads(v)
        except ValueError:
            return None
        if isinstance(items, list) and all(isinstance(x, int) and 0 <= x <= 255 for x in items):
            return bytes(items)
        return None
    if v.startswith('b"') and v.endswith('"'):
        return v[2:-1].encode()
    if v.startswith('"') and v.endswith('"'):
        try:
            s = json.loads(v)
        except ValueError:
            return None
        return s.encode() if isinstance(s, str) else None
    return None
