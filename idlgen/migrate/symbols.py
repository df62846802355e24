"""What every IDL item is called in the generated Python package, and what type each name holds.

The names come from the Python target's own naming code (shapes, instruction and error scopes), so
an escaped keyword or a deduplicated `name2` is spelled here exactly as `idlgen build` spells it;
tests/migrate checks every symbol against a rendered package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    OptionType,
    Prim,
    PrimType,
    Program,
    StructBody,
    TypeRef,
    VecType,
)
from idlgen.targets.python import names
from idlgen.targets.python.modules import _error_classes, _flat_accounts, arg_attrs, instruction_names
from idlgen.targets.python.shapes import Shapes, TypeShape

if TYPE_CHECKING:
    import libcst as cst

# An IDL item, named with that side's IDL names: ("type", "Trade"), ("field", "Trade", 2),
# ("variant", "Side", 0), ("vfield", "OrderTypeV2", 1, 0), ("ix", "settle_batch"), ("arg", "settle_batch", 0),
# ("ixacct", "settle_batch", 3), ("account", "GlobalConfig"), ("event", "BatchSettled"), ("error", "Paused"),
# ("const", "VAULT_SEED").
Key = tuple[str | int, ...]


# ---- the little type language of inference ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Gen:
    """An instance of a generated class (several: one of the variant classes of a data enum)."""

    classes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Seq:
    """A list, tuple or other iterable of `inner`."""

    inner: Ty


@dataclass(frozen=True, slots=True)
class Other:
    """Known not to be a generated class (an int, a str, the user's own class, ...)."""


@dataclass(frozen=True, slots=True)
class ClassRef:
    """The generated class object itself (`Trade`, before the call)."""

    cls: str


@dataclass(frozen=True, slots=True)
class FuncRef:
    """A generated module-level function (`decode_trade`)."""

    module: str
    name: str


def name_key(snake: str) -> str:
    """What two spellings of one Rust name share (`token_2022_program` / legacy `token2022Program`), as diff
    matches them."""
    return snake.replace("_", "")


@dataclass(frozen=True, eq=False, slots=True)
class Inst:
    """An instance of a class the user's module defines (its annotated class attributes are known)."""

    node: cst.ClassDef


Ty = Gen | Seq | Other | ClassRef | FuncRef | Inst
OTHER = Other()


@dataclass(frozen=True, slots=True)
class Sym:
    """One generated name: module-level (owner None) or a member of a generated class, or a json_bridge name."""

    key: Key
    role: str  # "class", "encode", "decode", "disc", "builder", "return", "member", "json"
    module: str  # the generated module it lives in ("json" for json_bridge name strings)
    name: str
    shown: str  # for messages: "field `fee_bps` of type `Trade`"
    owner: str | None = None  # the class, for members
    type: Ty | None = None  # a member's value type; a function's return type
    annotation: str = ""  # a member's Python annotation (retypes are told by it)


@dataclass(slots=True)
class Api:
    package: str
    syms: dict[tuple[Key, str], Sym] = field(default_factory=dict)
    module: dict[tuple[str, str], Sym] = field(default_factory=dict)  # (module, name) -> module-level symbol
    members: dict[str, dict[str, Sym]] = field(default_factory=dict)  # class -> attribute -> member
    classes: dict[str, str] = field(default_factory=dict)  # class -> module
    unions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # data enum alias -> its variant classes
    paths: dict[str, Key] = field(default_factory=dict)  # JSON path of the item in the IDL -> key
    named: dict[Key, Key] = field(default_factory=dict)  # the parent's key and the item's name -> the item's key
    ident: dict[Key, str] = field(default_factory=dict)  # key -> the name it is matched by

    def add(self, s: Sym) -> None:
        self.syms[(s.key, s.role)] = s
        if s.role == "json":
            return
        if s.owner is None:
            self.module[(s.module, s.name)] = s
            if s.role == "class":
                self.classes[s.name] = s.module
        else:
            self.members.setdefault(s.owner, {})[s.name] = s

    def path(self, path: str, key: Key) -> None:
        self.paths[path] = key
        # A legacy event's fields are reported at `events[i].fields` (its inline layout), not `.type.fields`.
        legacy = re.sub(r"^(events\[\d+\])\.type\.fields", r"\1.fields", path)
        self.paths.setdefault(legacy, key)

    def name(self, key: Key, name: str) -> None:
        """Register the name an item is matched by when nothing renamed it (its parent key, then the name)."""
        self.named[(*key[:-1], name)] = key
        self.ident[key] = name

    def lookup(self, module: str, name: str) -> Sym | None:
        """A module-level name; a class is found through any module of the package (they re-import them)."""
        s = self.module.get((module, name))
        if s is None and name in self.classes:
            s = self.module.get((self.classes[name], name))
        return s

    def instance(self, cls: str) -> Gen:
        return Gen(self.unions.get(cls, (cls,)))


def build_api(program: Program, package: str) -> Api:
    api = Api(package)
    shapes = Shapes(program)
    for td in program.types:
        _type(api, shapes, shapes[td.name])
    _instructions(api, program, shapes)
    for scope_extra, module, kind, items in (
            ({"ACCOUNTS", "identify", "decode_any"}, "accounts", "account", program.accounts),
            ({"EVENTS", "decode_event", "parse_logs", "Event"}, "events", "event", program.events)):
        scope = names.Scope(names.MODULE_RESERVED | scope_extra)
        for item in items:
            stem = scope.claim(names.func_stem(item.name))
            k: Key = (kind, item.name)
            api.path(item.path, k)
            api.name(k, item.name)
            what = f"{kind} `{item.name}`"
            api.add(Sym(k, "encode", module, f"encode_{stem}", what, type=OTHER))
            api.add(Sym(k, "decode", module, f"decode_{stem}", what, type=api.instance(shapes[item.type].cls)))
            api.add(Sym(k, "disc", module, f"{stem.upper()}_DISCRIMINATOR", what, type=OTHER))
            api.add(Sym(k, "json", "json", item.name, what))
    for err_name, cls in _error_classes(program).items():
        k = ("error", err_name)
        api.name(k, err_name)
        api.add(Sym(k, "class", "errors", cls, f"error `{err_name}`"))
    for e in program.errors:
        api.path(e.path, ("error", e.name))
    scope = names.Scope(names.MODULE_RESERVED | {"PROGRAM_ID"})
    for c in program.constants:
        k = ("const", c.name)
        api.path(c.path, k)
        api.name(k, c.name)
        api.add(Sym(k, "const", "constants", scope.claim(names.identifier(c.name)), f"constant `{c.name}`",
                    type=OTHER))
    return api


def _type(api: Api, shapes: Shapes, sh: TypeShape) -> None:
    td = sh.td
    k: Key = ("type", td.name)
    api.path(td.path, k)
    api.name(k, td.name)
    what = f"type `{td.name}`"
    if sh.is_data_enum:
        api.unions[sh.cls] = tuple(v.cls for v in sh.variants)
    api.add(Sym(k, "class", "types", sh.cls, what))
    api.add(Sym(k, "encode", "types", f"encode_{sh.stem}", what, type=OTHER))
    api.add(Sym(k, "decode", "types", f"decode_{sh.stem}", what, type=api.instance(sh.cls)))
    api.add(Sym(k, "json", "json", td.name, what))
    if isinstance(td.body, StructBody):
        for i, (f, attr) in enumerate(zip(td.body.fields, sh.fields, strict=True)):
            fk: Key = ("field", td.name, i)
            api.path(f.path, fk)
            api.name(fk, name_key(f.snake))
            api.add(Sym(fk, "member", "types", attr, f"field `{f.snake}` of {what}", owner=sh.cls,
                        type=_ty(api, shapes, f.type), annotation=shapes.annotation(f.type)))
        return
    for i, vs in enumerate(sh.variants):
        vk: Key = ("variant", td.name, i)
        api.path(vs.variant.path, vk)
        api.name(vk, vs.variant.name)
        vwhat = f"variant `{vs.variant.name}` of enum `{td.name}`"
        if sh.is_unit_enum:
            api.add(Sym(vk, "member", "types", vs.cls, vwhat, owner=sh.cls, type=Gen((sh.cls,)), annotation=sh.cls))
            continue
        api.add(Sym(vk, "class", "types", vs.cls, vwhat))
        for j, (f, attr) in enumerate(zip(vs.variant.fields, vs.fields, strict=True)):
            fk = ("vfield", td.name, i, j)
            api.path(f.path, fk)
            api.name(fk, name_key(f.snake))
            api.add(Sym(fk, "member", "types", attr, f"field `{f.snake}` of {vwhat}", owner=vs.cls,
                        type=_ty(api, shapes, f.type), annotation=shapes.annotation(f.type)))


def _instructions(api: Api, program: Program, shapes: Shapes) -> None:
    spelled = instruction_names(program, shapes)
    for ix in program.instructions:
        stem, args_cls, accts_cls = spelled[ix.name]
        k: Key = ("ix", ix.name)
        api.path(ix.path, k)
        api.name(k, ix.snake)
        what = f"instruction `{ix.name}`"
        api.add(Sym(k, "builder", "instructions", stem, what, type=OTHER))
        api.add(Sym(k, "encode", "instructions", f"encode_{stem}", what, type=OTHER))
        api.add(Sym(k, "decode", "instructions", f"decode_{stem}", what, type=Gen((args_cls,))))
        api.add(Sym(k, "disc", "instructions", f"{stem.upper()}_DISCRIMINATOR", what, type=OTHER))
        api.add(Sym(k, "args", "instructions", args_cls, f"the arguments of {what}"))
        api.add(Sym(k, "accounts", "instructions", accts_cls, f"the accounts of {what}"))
        if ix.returns is not None:
            api.add(Sym(k, "return", "instructions", f"decode_{stem}_return", what, type=_ty(api, shapes, ix.returns)))
        api.add(Sym(k, "json", "json", ix.name, what))
        for i, (f, attr) in enumerate(zip(ix.args, arg_attrs(ix), strict=True)):
            ak: Key = ("arg", ix.name, i)
            api.path(f.path, ak)
            api.name(ak, name_key(f.snake))
            api.add(Sym(ak, "member", "instructions", attr, f"argument `{f.snake}` of {what}", owner=args_cls,
                        type=_ty(api, shapes, f.type), annotation=shapes.annotation(f.type)))
        # The accounts class spells its attributes the way the target's builder does (same scope).
        scope = names.Scope(names.MEMBER_RESERVED | {"program_id", "remaining_accounts", "args", "accounts"})
        for i, (meta, local) in enumerate(_flat_accounts(ix.accounts, scope)):
            mk: Key = ("ixacct", ix.name, i)
            api.path(meta.path, mk)
            api.add(Sym(mk, "member", "instructions", local, f"account `{meta.snake}` of {what}", owner=accts_cls,
                        type=OTHER, annotation="Pubkey"))
            api.name(mk, name_key(meta.snake))


def _ty(api: Api, shapes: Shapes, ref: TypeRef) -> Ty:
    match ref:
        case DefinedType(name=name):
            sh = shapes[name]
            return Gen(tuple(v.cls for v in sh.variants)) if sh.is_data_enum else Gen((sh.cls,))
        case VecType(inner=inner) | ArrayType(inner=inner):
            return OTHER if inner == PrimType(Prim.U8) else Seq(_ty(api, shapes, inner))
        case OptionType(inner=inner) | COptionType(inner=inner):
            return _ty(api, shapes, inner)  # used after a None check; None itself has no attributes
        case _:
            return OTHER
