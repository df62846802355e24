"""Old generated name -> new generated name, from the renames `idlgen diff` found.

The diff's findings say which IDL item became which (by JSON path, on both sides); an item nothing
renamed keeps its counterpart of the same name. Every generated symbol of the old IDL is then looked
up on the new side: a different spelling is a rename, no counterpart is a removal, a different Python
annotation is a retype. Only the rename is carried into the user's code; removals and retypes are
listed where they are used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from idlgen.compat.differences import Comparison
from idlgen.ir.model import Program
from idlgen.migrate.symbols import Api, Key, Sym

RENAME_RULES = frozenset({
    "TYPE_RENAMED", "FIELD_RENAMED", "ARG_RENAMED", "ENUM_VARIANT_RENAMED", "INSTRUCTION_RENAMED",
    "IX_ACCOUNT_RENAMED", "ACCOUNT_RENAMED", "EVENT_RENAMED", "ERROR_RENAMED",
})

_JSON_KIND = {"type": "type", "account": "account", "event": "event", "ix": "instruction"}
_PARENT = {"field": "type", "variant": "type", "vfield": "variant", "arg": "ix", "ixacct": "ix"}


@dataclass(frozen=True, slots=True)
class Change:
    old: Sym
    new: Sym | None  # None: the item is gone
    retyped: str | None = None  # "int -> bytes"

    @property
    def renamed(self) -> bool:
        return self.new is not None and self.new.name != self.old.name

    def describe(self) -> str:
        if self.new is None:
            return f"{self.old.shown} was removed"
        if self.retyped:
            return f"{self.new.shown} changed type ({self.retyped})"
        return f"{self.old.shown} was renamed: `{self.old.name}` -> `{self.new.name}`"


@dataclass(slots=True)
class Renames:
    """What changed in the generated package, keyed by the old names (what the user's code says)."""

    package: str
    old: Api
    module: dict[tuple[str, str], Change] = field(default_factory=dict)  # (module, old name)
    members: dict[str, dict[str, Change]] = field(default_factory=dict)  # old class -> old attribute
    json: dict[tuple[str, str], Change] = field(default_factory=dict)  # (kind, old IDL name)
    sources: list[str] = field(default_factory=list)  # "OLD -> NEW" of each comparison

    @property
    def attrs(self) -> frozenset[str]:
        """Attribute names with a change in some generated class (what an untyped `.x` is checked for)."""
        return frozenset(a for m in self.members.values() for a in m)

    @property
    def has_renames(self) -> bool:
        return any(c.renamed for c in self.changes())

    def changes(self) -> list[Change]:
        return [*self.module.values(), *(c for m in self.members.values() for c in m.values()), *self.json.values()]


def pairs_from(comp: Comparison, old: Api, new: Api, old_prog: Program, new_prog: Program) -> dict[Key, Key]:
    """Old item key -> new item key for every rename the diff reports."""
    out: dict[Key, Key] = {}
    for f in comp.findings:
        if f.rule not in RENAME_RULES or f.old is None or f.new is None:
            continue
        ko, kn = old.paths.get(f.old.path), new.paths.get(f.new.path)
        if ko is None or kn is None or ko[0] != kn[0]:
            continue
        out[ko] = kn
        if f.rule in ("ACCOUNT_RENAMED", "EVENT_RENAMED"):
            # The layout type follows the account or event (diff reports only the outer rename).
            items_o = old_prog.accounts if f.rule == "ACCOUNT_RENAMED" else old_prog.events
            items_n = new_prog.accounts if f.rule == "ACCOUNT_RENAMED" else new_prog.events
            a = next((x for x in items_o if x.name == ko[1]), None)
            b = next((x for x in items_n if x.name == kn[1]), None)
            if a is not None and b is not None and a.type != b.type:
                out.setdefault(("type", a.type), ("type", b.type))
    return out


def counterpart(key: Key, pairs: dict[Key, Key], old: Api, new: Api) -> Key | None:
    kind = str(key[0])
    if kind not in _PARENT:
        same = new.named.get((kind, old.ident.get(key, "")))
        # The same name on both sides wins: a type "renamed" to one that still exists was replaced, not renamed.
        return same if same is not None else pairs.get(key)
    if key in pairs:
        return pairs[key]
    parent: Key = (_PARENT[kind], *key[1:-1])
    np = counterpart(parent, pairs, old, new)
    if np is None:
        return None
    return new.named.get((kind, *np[1:], old.ident.get(key, "")))


def build(comps: Sequence[tuple[Comparison, Program, Program]], old_apis: Sequence[Api], new_apis: Sequence[Api]
          ) -> list[Renames]:
    out = []
    for (comp, op, np), old, new in zip(comps, old_apis, new_apis, strict=True):
        pairs = pairs_from(comp, old, new, op, np)
        r = Renames(old.package, old, sources=[f"{comp.old.label} -> {comp.new.label}"])
        matched: dict[tuple[Key, str], Sym | None] = {}
        for key, role in old.syms:
            ck = counterpart(key, pairs, old, new)
            matched[(key, role)] = new.syms.get((ck, role)) if ck is not None else None
        cls_map = {s.name: n.name for (_, role), s in old.syms.items() if role == "class"
                   and (n := matched[(s.key, role)]) is not None}
        for (key, role), sym in old.syms.items():
            n = matched[(key, role)]
            retyped = None
            if n is not None and sym.owner is not None and _mapped(sym.annotation, cls_map) != n.annotation:
                retyped = f"{sym.annotation} -> {n.annotation}"
            if n is not None and n.name == sym.name and retyped is None:
                continue
            ch = Change(sym, n, retyped)
            if sym.role == "json":
                r.json[(_JSON_KIND[str(key[0])], sym.name)] = ch
            elif sym.owner is not None:
                r.members.setdefault(sym.owner, {})[sym.name] = ch
            else:
                r.module[(sym.module, sym.name)] = ch
        out.append(r)
    return out


def _mapped(annotation: str, cls_map: dict[str, str]) -> str:
    return re.sub(r"\b\w+\b", lambda m: cls_map.get(m.group(0), m.group(0)), annotation)
