"""Account types and events: matched by name, discriminator or layout; space growth; their layouts
enter the type-pair graph as state (accounts) or output (events)."""

from __future__ import annotations

from collections.abc import Hashable

from idlgen.compat.check_base import _Named
from idlgen.compat.check_types import TypeChecks
from idlgen.compat.core import Flow
from idlgen.compat.wire import max_size
from idlgen.ir.model import Account, DefinedType, Event

RULES = frozenset({
    "ACCOUNT_ADDED",
    "ACCOUNT_DISCRIMINATOR_CHANGED",
    "ACCOUNT_REMOVED",
    "ACCOUNT_RENAMED",
    "ACCOUNT_SPACE_GREW",
    "EVENT_ADDED",
    "EVENT_DISCRIMINATOR_CHANGED",
    "EVENT_REMOVED",
    "EVENT_RENAMED",
})


class AccountChecks(TypeChecks):
    def layout_shape(self, x: _Named, old: bool) -> Hashable:
        assert isinstance(x, Account | Event)
        return (self.oshape if old else self.nshape).of(DefinedType(x.type))

    def account_types(self) -> None:
        pairs, removed, added = self.match(self.op.accounts, self.np.accounts, "name", self.layout_shape)
        for x in removed:
            assert isinstance(x, Account)
            self.add("ACCOUNT_REMOVED", f"account type `{x.name}` was removed", f"accounts.{x.name}", x.path, None,
                     Flow.STATE)
        for x in added:
            assert isinstance(x, Account)
            self.add("ACCOUNT_ADDED", f"account type `{x.name}` was added", f"accounts.{x.name}", None, x.path,
                     Flow.STATE)
        for a, b in pairs:
            assert isinstance(a, Account) and isinstance(b, Account)
            self.renamed_and_disc("ACCOUNT", "account type", a, b, f"accounts.{b.name}", Flow.STATE)
            mo, mn = max_size(self.op, DefinedType(a.type)), max_size(self.np, DefinedType(b.type))
            if mo is not None and mn is not None and mn > mo:
                self.add("ACCOUNT_SPACE_GREW", f"the largest `{b.name}` account grew from {mo} to {mn} bytes (plus "
                         "the discriminator): accounts allocated for the old maximum cannot hold every new value",
                         f"accounts.{b.name}", a.path, b.path, Flow.STATE)
            if a.docs != b.docs and self.op.type(a.type).docs == a.docs:
                pass  # the layout type's docs are the account's docs: reported once, on the type
            self.root_pair(a.type, b.type, (Flow.STATE, f"account `{b.name}`"))

    def events(self) -> None:
        pairs, removed, added = self.match(self.op.events, self.np.events, "name", self.layout_shape)
        for x in removed:
            assert isinstance(x, Event)
            self.add("EVENT_REMOVED", f"event `{x.name}` was removed", f"events.{x.name}", x.path, None, Flow.OUTPUT)
        for x in added:
            assert isinstance(x, Event)
            self.add("EVENT_ADDED", f"event `{x.name}` was added", f"events.{x.name}", None, x.path, Flow.OUTPUT)
        for a, b in pairs:
            assert isinstance(a, Event) and isinstance(b, Event)
            self.renamed_and_disc("EVENT", "event", a, b, f"events.{b.name}", Flow.OUTPUT)
            self.root_pair(a.type, b.type, (Flow.OUTPUT, f"event `{b.name}`"))

    def renamed_and_disc(self, kind: str, noun: str, a: Account | Event, b: Account | Event, subject: str,  # noqa: PLR0917
                         flow: Flow) -> None:
        if a.name != b.name:
            self.add(f"{kind}_RENAMED", f"{noun} `{a.name}` was renamed to `{b.name}`", subject, a.path, b.path, flow)
            self.suppress_type_rename.add((a.type, b.type))
        if a.discriminator != b.discriminator:
            self.add(f"{kind}_DISCRIMINATOR_CHANGED", f"the discriminator of {noun} `{b.name}` changed from "
                     f"{list(a.discriminator)} to {list(b.discriminator)}", f"{subject}.discriminator", a.path,
                     b.path, flow)
