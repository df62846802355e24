"""The libcst pass over one user module: rename exactly the uses of renamed generated names.

Two steps. The analysis decides, node by node, with libcst's qualified names and scopes and the
inference of `infer`: an import of a generated name, a reference to it (plain or through a module
alias), an attribute of a value known to be a generated class, a keyword argument of a generated
constructor (or `dataclasses.replace` of one, or a `case Cls(field=...)` pattern), a `json_bridge`
name string. It records new spellings for those Name and string nodes only; a second pass swaps
them, so every other byte of the file (formatting, comments) stays as it was.

What it cannot decide is reported, never guessed: an attribute with a renamed name on a value of
unknown type is a warning; a use of a removed or retyped item is listed with file:line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from idlgen.diagnostics import IdlgenError
from idlgen.migrate.infer import Inference, package_rest
from idlgen.migrate.renames import Change, Renames
from idlgen.migrate.symbols import ClassRef, Gen


@dataclass(frozen=True, slots=True)
class Note:
    file: str
    line: int
    kind: str  # "warning" (undecided, left alone) or "use" (of a removed or retyped item)
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.text}"


@dataclass(slots=True)
class Result:
    file: str
    before: str
    after: str
    notes: list[Note] = field(default_factory=list)
    renamed: int = 0


class _Apply(cst.CSTTransformer):
    def __init__(self, names: dict[cst.Name, str], strings: dict[cst.SimpleString, str]) -> None:
        self.names = names
        self.strings = strings

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new = self.names.get(original_node)
        return updated_node.with_changes(value=new) if new is not None else updated_node

    def leave_SimpleString(self, original_node: cst.SimpleString, updated_node: cst.SimpleString
                           ) -> cst.SimpleString:
        new = self.strings.get(original_node)
        return updated_node.with_changes(value=new) if new is not None else updated_node


class _Analysis(cst.CSTVisitor):
    def __init__(self, file: str, wrapper: MetadataWrapper, renames: Sequence[Renames]) -> None:
        self.file = file
        self.renames = renames
        self.positions = wrapper.resolve(PositionProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        qnames = wrapper.resolve(QualifiedNameProvider)
        scopes = wrapper.resolve(ScopeProvider)
        self.inferences = [Inference(r.old, qnames, scopes, self.parents, wrapper.module) for r in renames]
        self.names: dict[cst.Name, str] = {}
        self.strings: dict[cst.SimpleString, str] = {}
        self.notes: list[Note] = []
        self.skip: set[cst.CSTNode] = set()

    # -- recording --------------------------------------------------------------------------------------

    def line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def note(self, node: cst.CSTNode, kind: str, text: str) -> None:
        n = Note(self.file, self.line(node), kind, text)
        if n not in self.notes:
            self.notes.append(n)

    def change(self, name: cst.Name, ch: Change, what: str) -> None:
        """Rename `name` if the item was renamed; list the use if it is gone or changed type."""
        if ch.new is None or ch.retyped:
            self.note(name, "use", f"`{what}`: {ch.describe()}")
        if ch.renamed and ch.new is not None:
            self.names[name] = ch.new.name

    # -- imports and references to generated names --------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> bool:
        return False  # module names never change

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if node.relative or node.module is None:
            return False
        mod = get_full_name_for_node(node.module) or ""
        for r in self.renames:
            rest = package_rest(mod, r.package)
            if rest is None or len(rest) != 1:
                continue
            if isinstance(node.names, cst.ImportStar):
                if any(m == rest[0] for m, _ in r.module):
                    self.note(node, "warning", f"`from {mod} import *`: renamed names cannot be followed through a "
                              "star import; import them by name")
                continue
            for alias in node.names:
                if not isinstance(alias.name, cst.Name):
                    continue
                ch = _module_change(r, rest[0], alias.name.value)
                if ch is not None:
                    self.change(alias.name, ch, f"{mod}.{alias.name.value}")
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node in self.skip:
            return
        parent = self.parents.get(node)
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return
        if isinstance(parent, cst.Arg | cst.MatchKeywordElement) and getattr(parent, "keyword", None) is node:
            return
        for r, inf in zip(self.renames, self.inferences, strict=True):
            rest = inf.package_path(node)
            if rest is None or len(rest) != 2:
                continue
            ch = _module_change(r, rest[0], rest[1])
            if ch is None:
                continue
            if node.value == rest[1]:
                self.change(node, ch, node.value)
            elif ch.new is None or ch.retyped:
                self.note(node, "use", f"`{node.value}` (imported as {rest[1]}): {ch.describe()}")

    def visit_Attribute(self, node: cst.Attribute) -> None:
        attr = node.attr.value
        for r, inf in zip(self.renames, self.inferences, strict=True):
            rest = inf.package_path(node)
            if rest is not None:
                if len(rest) == 2:
                    ch = _module_change(r, rest[0], rest[1])
                elif len(rest) == 3:
                    ch = r.members.get(rest[1], {}).get(rest[2])
                else:
                    ch = None
                if ch is not None:
                    self.change(node.attr, ch, _code(node))
                continue
            if attr not in r.attrs:
                continue
            base = inf.infer(node.value)
            if isinstance(base, Gen):
                ch = _member_change(r, base.classes, attr)
                if ch is not None:
                    self.change(node.attr, ch, _code(node))
            elif base is None:
                owners = sorted(c for c, m in r.members.items() if attr in m)
                what = "; ".join(r.members[c][attr].describe() for c in owners[:3])
                self.note(node, "warning", f"`{_code(node)}`: the type of `{_code(node.value)}` is not known, so it "
                          f"is left as it is; if it is a generated {' or '.join(f'`{c}`' for c in owners[:3])}: "
                          f"{what} (annotate it to let migrate decide)")

    # -- calls: constructors, dataclasses.replace, json_bridge ---------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        for r, inf in zip(self.renames, self.inferences, strict=True):
            f = inf.infer(node.func)
            classes: tuple[str, ...] = ()
            if isinstance(f, ClassRef):
                classes = (f.cls,)
            elif inf.qualified(node.func) & {"dataclasses.replace"} and node.args:
                base = inf.infer(node.args[0].value)
                classes = base.classes if isinstance(base, Gen) else ()
            for arg in node.args:
                if arg.keyword is not None and classes:
                    ch = _member_change(r, classes, arg.keyword.value)
                    if ch is not None:
                        self.change(arg.keyword, ch, f"{_code(node.func)}({arg.keyword.value}=...)")
            rest = inf.package_path(node.func)
            if rest is not None and rest[:1] == ["json_bridge"] and rest[1:] in (["encode"], ["decode"]):
                self.json_name(r, node)

    def json_name(self, r: Renames, node: cst.Call) -> None:
        pos = [a for a in node.args if a.keyword is None]
        kw = {a.keyword.value: a for a in node.args if a.keyword is not None}
        kind_arg = pos[0] if pos else kw.get("kind")
        name_arg = pos[1] if len(pos) > 1 else kw.get("name")
        if kind_arg is None or name_arg is None:
            return
        k, n = kind_arg.value, name_arg.value
        if not (isinstance(k, cst.SimpleString) and isinstance(n, cst.SimpleString)):
            return
        kind, name = k.evaluated_value, n.evaluated_value
        if not isinstance(kind, str) or not isinstance(name, str):
            return
        ch = r.json.get((kind, name))
        if ch is None:
            return
        if ch.new is None:
            self.note(n, "use", f"json_bridge {kind} {name!r}: {ch.describe()}")
            return
        if "\\" in n.value:
            self.note(n, "warning", f"json_bridge {kind} {name!r}: an escaped string is left as it is")
            return
        quote = n.quote
        self.strings[n] = n.prefix + quote + ch.new.name + quote

    def visit_Annotation(self, node: cst.Annotation) -> None:
        # A string annotation is text to libcst: its names cannot be renamed as nodes, so say where it is.
        for s in _strings(node.annotation):
            text = s.evaluated_value
            if not isinstance(text, str):
                continue
            words = set(re.findall(r"[A-Za-z_]\w*", text))
            for r in self.renames:
                hit = sorted(name for (_, name), ch in r.module.items() if name in words and ch.old.role == "class")
                if hit:
                    self.note(s, "warning", f"string annotation {s.value} names {', '.join(f'`{h}`' for h in hit)}, "
                              "which changed; edit it by hand (or drop the quotes)")

    def visit_MatchClass(self, node: cst.MatchClass) -> None:
        for r, inf in zip(self.renames, self.inferences, strict=True):
            f = inf.infer(node.cls)
            if not isinstance(f, ClassRef):
                continue
            for kw in node.kwds:
                ch = _member_change(r, (f.cls,), kw.key.value)
                if ch is not None:
                    self.change(kw.key, ch, f"case {_code(node.cls)}({kw.key.value}=...)")


def _strings(e: cst.BaseExpression) -> list[cst.SimpleString]:
    if isinstance(e, cst.SimpleString):
        return [e]
    if isinstance(e, cst.Subscript):
        return [s for el in e.slice if isinstance(el.slice, cst.Index) for s in _strings(el.slice.value)]
    if isinstance(e, cst.BinaryOperation):
        return [*_strings(e.left), *_strings(e.right)]
    return []


def _module_change(r: Renames, module: str, name: str) -> Change | None:
    ch = r.module.get((module, name))
    if ch is None and name in r.old.classes:
        ch = r.module.get((r.old.classes[name], name))  # a class re-imported by a sibling module
    return ch


def _member_change(r: Renames, classes: tuple[str, ...], attr: str) -> Change | None:
    """The change of `attr` when the value is one of `classes` (the variant classes of a data enum agree
    or the member is left alone)."""
    found = {r.members.get(c, {}).get(attr) for c in classes}
    if len(found) != 1:
        news = {(ch.new.name if ch and ch.new else None) for ch in found}
        if len(news) == 1 and None not in found:
            return next(iter(found))
        return None
    return next(iter(found))


def _code(node: cst.CSTNode) -> str:
    text = cst.Module(body=[]).code_for_node(node)
    return text if len(text) <= 60 else text[:57] + "..."


def rewrite(file: str, source: str, renames: Sequence[Renames]) -> Result:
    """One module's new text and notes; the file is not touched."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        # Python's own parser points at the line a person looks at; libcst's sometimes at the next token.
        try:
            ast.parse(source, file)
        except SyntaxError as err:
            raise IdlgenError(f"cannot parse Python: {err.msg}", file=file, line=err.lineno) from None
        raise IdlgenError(f"cannot parse Python: {exc.message}", file=file, line=exc.raw_line) from None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    analysis = _Analysis(file, wrapper, renames)
    wrapper.visit(analysis)
    after = source
    if analysis.names or analysis.strings:
        after = wrapper.module.visit(_Apply(analysis.names, analysis.strings)).code
    return Result(file, source, after, analysis.notes, len(analysis.names) + len(analysis.strings))
