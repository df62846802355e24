"""Which values in the user's code are instances of generated classes.

A small, flow-insensitive inference over one module, from what the code itself says:
annotations (parameters, variables, function returns), constructor calls (`Trade(...)`), the
generated decoders (`decode_trade(...)`, `Trade.decode(...)`), attributes of values already known
(`batch.trades` is a `list[TradeEventV1]`), iteration and indexing. A name assigned in several places
has a type only when every assignment agrees. Anything else is unknown (None), never guessed: the
rewriter leaves an unknown value's attribute alone and warns when a generated class could own it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import libcst as cst
from libcst._metadata_dependent import LazyValue
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    Assignment,
    BuiltinAssignment,
    QualifiedName,
    QualifiedNameSource,
    Scope,
)

from idlgen.migrate.symbols import OTHER, Api, ClassRef, FuncRef, Gen, Inst, Other, Seq, Ty

_SEQ_GENERICS = frozenset({
    "list", "tuple", "set", "frozenset", "typing.List", "typing.Tuple", "typing.Set", "typing.FrozenSet",
    "typing.Sequence", "typing.Iterable", "typing.Iterator", "typing.Collection", "typing.AbstractSet",
    "collections.abc.Sequence", "collections.abc.Iterable", "collections.abc.Iterator",
    "collections.abc.Collection", "collections.abc.Set", "collections.abc.MutableSequence", "typing.MutableSequence",
    "collections.deque", "typing.Deque",
})
_WRAPPERS = frozenset({"typing.Optional", "typing.Final", "typing.ClassVar", "typing.Annotated",
                       "typing_extensions.Annotated"})
_UNKNOWN_ANN = frozenset({"typing.Any", "object", "typing.TypeVar"})
_SAME_AS_FIRST_ARG = frozenset({"dataclasses.replace", "copy.copy", "copy.deepcopy"})
_SEQ_OF_FIRST_ARG = frozenset({"list", "tuple", "sorted", "reversed", "set", "frozenset"})
# Members every generated class has whatever the IDL says (and IntEnum's own).
_FIXED_MEMBERS = frozenset({"IDL_NAME", "TAG", "DISCRIMINATOR", "SIZE", "encode", "decode", "name", "value"})
_LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Integer, cst.Float, cst.Imaginary,
             cst.Dict, cst.DictComp, cst.Comparison, cst.BinaryOperation, cst.UnaryOperation, cst.Lambda)


@dataclass(frozen=True, eq=False, slots=True)
class UserDef:
    """A class or function the user's module defines."""

    node: cst.ClassDef | cst.FunctionDef


@dataclass(frozen=True, slots=True)
class Decoder:
    """`Trade.decode`: calling it gives a `Trade`."""

    cls: str


Value = Ty | UserDef | Decoder


class Bindings(cst.CSTVisitor):
    """What each assigned name is bound to: ("value", expr), ("ann", annotation), ("iter", expr), ("unknown",)."""

    def __init__(self) -> None:
        self.of: dict[cst.CSTNode, tuple[str, cst.BaseExpression | None]] = {}

    def _target(self, t: cst.BaseExpression, how: str, e: cst.BaseExpression | None) -> None:
        if isinstance(t, cst.Name):
            self.of[t] = (how, e)
        elif isinstance(t, cst.Tuple | cst.List):
            for el in t.elements:
                self._target(el.value, "unknown", None)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._target(t.target, "value", node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target, "ann", node.annotation.annotation)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target, "unknown", None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target, "value", node.value)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target, "iter", node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._target(node.target, "iter", node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._target(node.asname.name, "unknown", None)

    def visit_Param(self, node: cst.Param) -> None:
        self.of[node] = ("ann", node.annotation.annotation) if node.annotation else ("unknown", None)


class Inference:
    def __init__(self, api: Api, qnames: Mapping[cst.CSTNode, Collection[QualifiedName]],
                 scopes: Mapping[cst.CSTNode, Scope | None], parents: Mapping[cst.CSTNode, cst.CSTNode],
                 module: cst.Module) -> None:
        self.api = api
        self.parents = parents
        self.qnames = qnames
        self.scopes = scopes
        b = Bindings()
        module.visit(b)
        self.bindings = b.of
        self.busy: set[cst.CSTNode] = set()
        self.cache: dict[cst.CSTNode, Value | None] = {}

    # -- what the code names --------------------------------------------------------------------------

    def package_path(self, node: cst.CSTNode) -> list[str] | None:
        """The generated name `node` refers to, as the parts after the package (`["types", "Trade"]`)."""
        if not _dotted(node):
            return None
        for q in self.names_of(node):
            if q.source is not QualifiedNameSource.IMPORT:
                continue
            rest = package_rest(q.name, self.api.package)
            if rest is not None:
                return rest
        return None

    def names_of(self, node: cst.CSTNode) -> Collection[QualifiedName]:
        v: object = self.qnames.get(node, ())
        # QualifiedNameProvider computes lazily; resolve() hands out the thunks.
        return v() if isinstance(v, LazyValue) else v  # type: ignore[return-value]

    def qualified(self, node: cst.CSTNode) -> set[str]:
        return {q.name.removeprefix("builtins.") for q in self.names_of(node)
                if q.source in (QualifiedNameSource.IMPORT, QualifiedNameSource.BUILTIN)}

    def generated(self, node: cst.CSTNode) -> Value | None:
        rest = self.package_path(node)
        if rest is None:
            return None
        if len(rest) == 2:
            sym = self.api.lookup(rest[0], rest[1])
            if sym is None:
                return OTHER  # a module-level helper the renames do not concern (ACCOUNTS, from_code, ...)
            if sym.role in ("class", "args", "accounts"):
                return ClassRef(sym.name)
            if sym.role in ("encode", "decode", "builder", "return"):
                return FuncRef(sym.module, sym.name)
            return OTHER
        if len(rest) == 3 and rest[1] in self.api.classes:
            if rest[2] == "decode":
                return Decoder(rest[1])
            member = self.api.members.get(rest[1], {}).get(rest[2])
            return member.type if member is not None else OTHER
        return OTHER

    # -- expressions ------------------------------------------------------------------------------------

    def infer(self, e: cst.BaseExpression) -> Value | None:
        if e in self.cache:
            return self.cache[e]
        if e in self.busy:
            return None
        self.busy.add(e)
        try:
            out = self._infer(e)
        finally:
            self.busy.discard(e)
        self.cache[e] = out
        return out

    def _infer(self, e: cst.BaseExpression) -> Value | None:
        if isinstance(e, _LITERALS):
            return OTHER
        # Only names and attributes: libcst also gives a call the qualified names of what it calls.
        gen = self.generated(e) if isinstance(e, cst.Name | cst.Attribute) else None
        if gen is not None:
            return gen
        if isinstance(e, cst.Name):
            return self.name(e)
        if isinstance(e, cst.Attribute):
            return self.member(self.infer(e.value), e.attr.value)
        if isinstance(e, cst.Call):
            return self.call(e)
        if isinstance(e, cst.Subscript):
            base = self.infer(e.value)
            if isinstance(base, Seq):
                one = len(e.slice) == 1 and isinstance(e.slice[0].slice, cst.Index)
                return base.inner if one else base
            return OTHER if isinstance(base, Other) else None
        if isinstance(e, cst.List | cst.Tuple | cst.Set):
            # What iterating it gives; an empty or starred literal says nothing about its items.
            if not e.elements or any(isinstance(el, cst.StarredElement) for el in e.elements):
                return None
            inner = unify([self.infer(el.value) for el in e.elements])
            return Seq(inner) if inner is not None and not isinstance(inner, UserDef | Decoder) else None
        if isinstance(e, cst.ListComp | cst.SetComp | cst.GeneratorExp):
            inner = self.infer(e.elt)
            return Seq(inner) if inner is not None and not isinstance(inner, UserDef | Decoder) else None
        if isinstance(e, cst.IfExp):
            return unify([self.infer(e.body), self.infer(e.orelse)])
        if isinstance(e, cst.BooleanOperation):
            return unify([self.infer(e.left), self.infer(e.right)])
        return None

    def member(self, base: Value | None, attr: str) -> Value | None:
        if isinstance(base, Gen):
            found: list[Value | None] = []
            for cls in base.classes:
                m = self.api.members.get(cls, {}).get(attr)
                found.append(m.type if m is not None else OTHER if attr in _FIXED_MEMBERS else None)
            return unify(found)
        if isinstance(base, ClassRef) and attr == "decode":
            return Decoder(base.cls)
        if isinstance(base, Inst):
            # A dataclass-style class attribute annotation says what the attribute holds.
            for stmt in base.node.body.body:
                if isinstance(stmt, cst.SimpleStatementLine):
                    for small in stmt.body:
                        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) \
                                and small.target.value == attr:
                            return self.annotation(small.annotation.annotation)
        return None  # an attribute of anything else may hold anything

    def call(self, e: cst.Call) -> Value | None:
        names = self.qualified(e.func)
        if names & _SAME_AS_FIRST_ARG and e.args:
            return self.infer(e.args[0].value)
        if names & _SEQ_OF_FIRST_ARG and e.args:
            inner = self.infer(e.args[0].value)
            return inner if isinstance(inner, Seq) else OTHER
        f = self.infer(e.func)
        if isinstance(f, ClassRef):
            return self.api.instance(f.cls)
        if isinstance(f, Decoder):
            return self.api.instance(f.cls)
        if isinstance(f, FuncRef):
            sym = self.api.lookup(f.module, f.name)
            return sym.type if sym is not None and sym.type is not None else OTHER
        if isinstance(f, UserDef):
            if isinstance(f.node, cst.ClassDef):
                return self.instance_of(f.node)
            return self.annotation(f.node.returns.annotation) if f.node.returns else None
        if any(q.source is QualifiedNameSource.BUILTIN for q in self.names_of(e.func)):
            return OTHER
        return None

    def instance_of(self, node: cst.ClassDef) -> Value:
        """An instance of the user's class: a generated class when it derives from one (it has its members)."""
        bases = [self.infer(b.value) for b in node.bases if b.keyword is None]
        gen = tuple(c for b in bases if isinstance(b, ClassRef) for c in self.api.instance(b.cls).classes)
        return Gen(gen) if gen else Inst(node)

    def name(self, e: cst.Name) -> Value | None:
        scope = self.scopes.get(e)
        if scope is None:
            return None
        found: list[Value | None] = []
        for a in scope[e.value]:
            if isinstance(a, BuiltinAssignment):
                found.append(OTHER)
            elif isinstance(a, Assignment):
                found.append(self.bound(a.node))
            else:
                found.append(None)
        return unify(found) if found else None

    def bound(self, node: cst.CSTNode) -> Value | None:
        if isinstance(node, cst.ClassDef | cst.FunctionDef):
            return UserDef(node)
        if isinstance(node, cst.Import | cst.ImportFrom):
            return None  # imported from elsewhere: what a call of it returns is not known here
        if isinstance(node, cst.Param) and node.annotation is None:
            return self.self_param(node)
        how, expr = self.bindings.get(node, ("unknown", None))
        if expr is None or how == "unknown":
            return None
        if how == "value":
            return self.infer(expr)
        if how == "ann":
            return self.annotation(expr)
        inner = self.infer(expr)
        return inner.inner if isinstance(inner, Seq) else OTHER if isinstance(inner, Other) else None

    def self_param(self, p: cst.Param) -> Value | None:
        """The first parameter of a plain method is an instance of its class."""
        params = self.parents.get(p)
        fn = self.parents.get(params) if params is not None else None
        block = self.parents.get(fn) if fn is not None else None
        cls = self.parents.get(block) if block is not None else None
        if not (isinstance(params, cst.Parameters) and isinstance(fn, cst.FunctionDef)
                and isinstance(cls, cst.ClassDef) and params.params and params.params[0] is p):
            return None
        decorators = {get_full_name_for_node(d.decorator) for d in fn.decorators}
        if decorators & {"staticmethod", "classmethod"}:
            return None
        return self.instance_of(cls)

    # -- annotations ------------------------------------------------------------------------------------

    def annotation(self, a: cst.BaseExpression) -> Value | None:
        if isinstance(a, cst.Name | cst.Attribute):
            gen = self.generated(a)
            if isinstance(gen, ClassRef):
                return self.api.instance(gen.cls)
            if gen is not None:
                return OTHER
            names = self.qualified(a)
            if names & _UNKNOWN_ANN:
                return None
            user = self.infer(a)
            if isinstance(user, UserDef) and isinstance(user.node, cst.ClassDef):
                return self.instance_of(user.node)
            if names:
                return OTHER  # a builtin or a class imported from elsewhere
            return None
        if isinstance(a, cst.Subscript):
            base = self.qualified(a.value) or {get_full_name_for_node(a.value) or ""}
            elems = [s.slice.value for s in a.slice if isinstance(s.slice, cst.Index)]
            if not elems:
                return None
            if base & _SEQ_GENERICS:
                inner = self.annotation(elems[0])
                return Seq(inner) if inner is not None and not isinstance(inner, UserDef | Decoder) else None
            if base & _WRAPPERS:
                return self.annotation(elems[0])
            if "typing.Union" in base:
                return unify([self.annotation(x) for x in elems if not _is_none(x)])
            return OTHER
        if isinstance(a, cst.BinaryOperation) and isinstance(a.operator, cst.BitOr):
            parts = [p for p in _union_parts(a) if not _is_none(p)]
            return unify([self.annotation(p) for p in parts])
        return None


def package_rest(qname: str, package: str) -> list[str] | None:
    """`godark_settlement.types.Trade` (or `generated.python.godark_settlement.types.Trade`) -> the parts after
    the package; None for a name outside it."""
    parts = qname.split(".")
    if package not in parts:
        return None
    return parts[parts.index(package) + 1:]


def _dotted(node: cst.CSTNode) -> bool:
    """`a.b.c` only: libcst also names `f(x).attr` after `f`, which is not a reference to a generated name."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def unify(found: list[Value | None]) -> Value | None:
    if not found or any(x is None for x in found):
        return None
    first = found[0]
    if all(x == first for x in found):
        return first
    gens = [x for x in found if isinstance(x, Gen)]
    if len(gens) == len(found):
        return Gen(tuple(dict.fromkeys(c for g in gens for c in g.classes)))
    return None


def _union_parts(a: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(a, cst.BinaryOperation) and isinstance(a.operator, cst.BitOr):
        return [*_union_parts(a.left), *_union_parts(a.right)]
    return [a]


def _is_none(a: cst.BaseExpression) -> bool:
    return isinstance(a, cst.Name) and a.value == "None"
