"""Type pairs: structs field by field (Borsh is positional), enums variant by variant, zero-copy
layouts, serialization and repr, reserved bytes claimed, and the types nothing reaches."""

from __future__ import annotations

from collections.abc import Callable

from idlgen.anchor.lower import type_display
from idlgen.compat.align import align, lis
from idlgen.compat.check_base import DifferBase
from idlgen.compat.core import Flow, PairDiff, Raw, Ref, Site, describe_retype, is_reserved, name_key
from idlgen.compat.wire import fixed_size
from idlgen.ir.model import DefinedType, EnumBody, Field, StructBody, TypeDef

_RawFn = Callable[..., None]


RULES = frozenset({
    "ARG_ADDED",
    "ARG_MOVED",
    "ARG_REMOVED",
    "ARG_RENAMED",
    "ARG_TYPE_BYTES_STRING",
    "ARG_TYPE_CHANGED",
    "ARG_TYPE_STRING_BYTES",
    "ARG_TYPE_WIRE_EQUAL",
    "DOCS_CHANGED",
    "ENUM_VARIANT_ADDED",
    "ENUM_VARIANT_INSERTED",
    "ENUM_VARIANT_MOVED",
    "ENUM_VARIANT_REMOVED",
    "ENUM_VARIANT_RENAMED",
    "FIELD_ADDED",
    "FIELD_MOVED",
    "FIELD_REMOVED",
    "FIELD_RENAMED",
    "FIELD_TYPE_BYTES_STRING",
    "FIELD_TYPE_CHANGED",
    "FIELD_TYPE_STRING_BYTES",
    "FIELD_TYPE_WIRE_EQUAL",
    "RESERVED_BYTES_CLAIMED",
    "TYPE_ADDED",
    "TYPE_GENERIC_ARGS_CHANGED",
    "TYPE_KIND_CHANGED",
    "TYPE_LEFT_OUT",
    "TYPE_REMOVED",
    "TYPE_RENAMED",
    "TYPE_REPR_CHANGED",
    "TYPE_SERIALIZATION_CHANGED",
    "TYPE_SERIALIZATION_RECORDED",
    "ZERO_COPY_LAYOUT_CHANGED",
})


class TypeChecks(DifferBase):
    def root_pair(self, a: str, b: str, site: Site) -> None:
        stack = [(a, b)]
        while stack:
            pair = stack.pop()
            sites = self.pair_sites.setdefault(pair, set())
            if site in sites:
                continue
            sites.add(site)
            stack.extend(self.pair_diff(*pair).children)

    def pair_diff(self, a: str, b: str) -> PairDiff:
        key = (a, b)
        if key not in self.pair_diffs:
            self.pair_diffs[key] = PairDiff()  # placeholder breaks recursion
            self.pair_diffs[key] = self.compare_types(self.op.type(a), self.np.type(b))
        return self.pair_diffs[key]

    def compare_types(self, o: TypeDef, n: TypeDef) -> PairDiff:
        out = PairDiff()
        subject = f"types.{n.name}"
        shown = f"`{o.name}`" if o.name == n.name else f"`{o.name}` (now `{n.name}`)"

        def raw(rule: str, message: str, subj: str = subject, op: str | None = o.path,
                np: str | None = n.path) -> None:
            out.raws.append(Raw(rule, message, subj, op, np))

        if o.name != n.name and (o.name, n.name) not in self.suppress_type_rename:
            if o.generic and n.generic and o.generic.base == n.generic.base:
                if self.oshape.of(DefinedType(o.name)) != self.nshape.of(DefinedType(n.name)):
                    raw("TYPE_GENERIC_ARGS_CHANGED", f"generic type `{o.name}` became `{n.name}` where it is "
                        "used")
                    return out
                raw("TYPE_RENAMED", f"`{o.name}` became `{n.name}` with the same bytes")
            else:
                again = " (which still exists)" if any(t.name == o.name for t in self.np.types) else ""
                raw("TYPE_RENAMED", f"type `{o.name}`{again} is now `{n.name}` at the same place; its layout "
                    "is compared below")
        if o.docs != n.docs:
            out.raws.append(Raw("DOCS_CHANGED", f"the docs of type {shown} changed", subject, o.path, n.path,
                                Flow.DOCS))
        if type(o.body) is not type(n.body):
            ok = "struct" if isinstance(o.body, StructBody) else "enum"
            nk = "struct" if isinstance(n.body, StructBody) else "enum"
            raw("TYPE_KIND_CHANGED", f"type {shown} changed from {ok} to {nk}")
            return out
        if o.serialization is not n.serialization or o.repr != n.repr:
            self.serialization(o, n, shown, raw)
        if isinstance(o.body, StructBody) and isinstance(n.body, StructBody):
            mark = (len(out.raws), len(out.children))
            matched = self.fields(o.body.fields, n.body.fields, f"type {shown}", subject, "field",
                                         o.path, n.path, out)
            if o.c_layout and n.c_layout:
                lo, ln = o.c_layout, n.c_layout
                moved = [o.body.fields[i].snake for i, j in matched if lo.offsets[i] != ln.offsets[j]]
                changed = lo.size != ln.size or lo.align != ln.align or moved
                if changed and any(r.rule == "RESERVED_BYTES_CLAIMED" for r in out.raws[mark[0]:]):
                    # A claim promises unchanged offsets and size; repr(C) alignment broke that promise, so
                    # the fields are compared as what they are (added, removed) instead.
                    del out.raws[mark[0]:], out.children[mark[1]:]
                    matched = self.fields(o.body.fields, n.body.fields, f"type {shown}", subject, "field",
                                          o.path, n.path, out, claims=False)
                    moved = [o.body.fields[i].snake for i, j in matched if lo.offsets[i] != ln.offsets[j]]
                if changed:
                    what = []
                    if lo.size != ln.size:
                        what.append(f"size {lo.size} -> {ln.size}")
                    if lo.align != ln.align:
                        what.append(f"alignment {lo.align} -> {ln.align}")
                    if moved:
                        what.append("offset of " + ", ".join(f"`{x}`" for x in moved[:4]) + " moved")
                    raw("ZERO_COPY_LAYOUT_CHANGED", f"the memory layout of zero-copy type {shown} changed: "
                        + "; ".join(what))
        elif isinstance(o.body, EnumBody) and isinstance(n.body, EnumBody):
            self.variants(o, n, shown, subject, out)
        return out

    def serialization(self, o: TypeDef, n: TypeDef, shown: str, raw: _RawFn) -> None:
        def mode(t: TypeDef) -> str:
            s = t.serialization.value
            if t.repr is not None:
                r = t.repr
                s += f", repr({r.kind.value}{', packed' if r.packed else ''}{f', align({r.align})' if r.align else ''})"
            return s

        # repr(C) lays fields out in declaration order like Borsh; the bytes match exactly when the
        # memory layout has no padding anywhere, i.e. its size is the Borsh size.
        def layout_size(t: TypeDef) -> int | None:
            if t.zero_copy:
                if t.c_layout is None or t.c_layout.size != t.borsh_size:
                    return None
                return t.c_layout.size
            return t.borsh_size

        so, sn = layout_size(o), layout_size(n)
        same = so is not None and so == sn
        if not o.zero_copy and not n.zero_copy:
            same = True  # repr does not change Borsh bytes
        elif o.zero_copy and n.zero_copy and o.c_layout and n.c_layout:
            same = o.c_layout == n.c_layout
        what = f"type {shown} changed from ({mode(o)}) to ({mode(n)})"
        if same:
            raw("TYPE_SERIALIZATION_RECORDED", f"{what}; its bytes are the same")
        elif o.serialization is n.serialization:
            raw("TYPE_REPR_CHANGED", f"{what} and its memory layout differs")
        else:
            raw("TYPE_SERIALIZATION_CHANGED", f"{what} and its bytes differ")

    def fields(self, of: tuple[Field, ...], nf: tuple[Field, ...], owner: str, subject: str, kind: str,  # noqa: PLR0917
               opath: str, npath: str, out: PairDiff, *, claims: bool = True) -> list[tuple[int, int]]:
        """Align two positional field lists. kind is "field" (types) or "arg" (instructions)."""
        rule = "FIELD" if kind == "field" else "ARG"
        noun = "field" if kind == "field" else "argument"
        fsub = f"{subject}.fields" if kind == "field" else f"{subject}.args"

        def raw(r: str, msg: str, name: str, op: str | None, np: str | None) -> None:
            out.raws.append(Raw(r, msg, f"{fsub}.{name}", op, np))

        claim = self.claim(of, nf) if kind == "field" and claims else None
        matched: list[tuple[int, int]] = []
        if claim is not None:
            pre, suf = claim
            new_mid = nf[pre:len(nf) - suf]
            old_mid = of[pre:len(of) - suf]
            names = ", ".join(f"`{f.snake}` ({type_display(f.type)})" for f in new_mid if not is_reserved(f))
            reserved = ", ".join(f"`{f.snake}`" for f in old_mid)
            raw("RESERVED_BYTES_CLAIMED", f"{names} of {owner} took bytes of the reserved {reserved}; every other "
                "offset and the total size are unchanged (old data reads them as zero)",
                new_mid[0].snake, old_mid[0].path, new_mid[0].path)
            pairs = [(i, i) for i in range(pre)] + [(len(of) - suf + k, len(nf) - suf + k) for k in range(suf)]
        else:
            pairs_opt = align([name_key(f.snake) for f in of], [name_key(f.snake) for f in nf],
                               lambda i, j: self.cmp_field(of[i], nf[j], []) is not Ref.DIFF)
            pairs = [(i, j) for i, j in pairs_opt if i is not None and j is not None]
            last_kept = max((j for _, j in pairs), default=-1)
            for i, j in pairs_opt:
                if j is None and i is not None:
                    f = of[i]
                    raw(f"{rule}_REMOVED", f"{noun} `{f.snake}` ({type_display(f.type)}) was removed from {owner}",
                        f.snake, f.path, npath)
                elif i is None and j is not None:
                    f = nf[j]
                    if j > last_kept and kind == "arg":
                        how = (" at the end: the old program silently ignores the trailing bytes (Anchor does not "
                               "check them), so producers that send it to the old program lose it unnoticed")
                    elif j > last_kept:
                        how = " at the end"
                    else:
                        how = f" at position {j}: every later {noun} moves"
                    raw(f"{rule}_ADDED", f"{noun} `{f.snake}` ({type_display(f.type)}) was added to {owner}{how}",
                        f.snake, opath, f.path)
            order = sorted(pairs)
            keep = lis([j for _, j in order])
            for k, (i, j) in enumerate(order):
                if k not in keep:
                    raw(f"{rule}_MOVED", f"{noun} `{nf[j].snake}` of {owner} changed its order relative to the others "
                        f"(position {i} -> {j})",
                        nf[j].snake, of[i].path, nf[j].path)
        for i, j in pairs:
            fo, fn = of[i], nf[j]
            matched.append((i, j))
            if name_key(fo.snake) != name_key(fn.snake):
                who = "" if kind != "field" else (
                    ": the generated Python, C++ and proto members are renamed, so the relayer's and engine's code "
                    "that uses them must be updated (`idlgen migrate`)")
                raw(f"{rule}_RENAMED", f"{noun} `{fo.snake}` of {owner} was renamed to `{fn.snake}`{who}", fn.snake,
                    fo.path, fn.path)
            r = self.cmp_field(fo, fn, out.children)
            told, tnew = type_display(fo.type), type_display(fn.type)
            if r is Ref.DIFF:
                raw(f"{rule}_TYPE_CHANGED", f"{noun} `{fn.snake}` of {owner} ({told}) became {tnew}"
                    f"{describe_retype(fo.type, fn.type)}", fn.snake, fo.path, fn.path)
            elif r is Ref.WIRE:
                raw(f"{rule}_TYPE_WIRE_EQUAL", f"{noun} `{fn.snake}` of {owner} ({told}) became {tnew}, the same "
                    "bytes", fn.snake, fo.path, fn.path)
            elif r is Ref.STRBYTES:
                raw(f"{rule}_TYPE_STRING_BYTES", f"{noun} `{fn.snake}` of {owner} ({told}) became {tnew}: the same "
                    "bytes, and every old string is valid bytes", fn.snake, fo.path, fn.path)
            elif r is Ref.BYTESSTR:
                raw(f"{rule}_TYPE_BYTES_STRING", f"{noun} `{fn.snake}` of {owner} ({told}) became {tnew}: the same "
                    "bytes, but values that are not UTF-8 are now refused", fn.snake, fo.path, fn.path)
            if fo.docs != fn.docs:
                out.raws.append(Raw("DOCS_CHANGED", f"the docs of {noun} `{fn.snake}` of {owner} changed",
                                    f"{fsub}.{fn.snake}", fo.path, fn.path, Flow.DOCS))
        return matched

    def claim(self, of: tuple[Field, ...], nf: tuple[Field, ...]) -> tuple[int, int] | None:
        """(prefix, suffix) lengths when new fields took exactly the bytes of reserved ones."""
        scratch: list[tuple[str, str]] = []

        def same(a: Field, b: Field) -> bool:
            return name_key(a.snake) == name_key(b.snake) and self.cmp_ref(a.type, b.type, scratch) is not Ref.DIFF

        pre = 0
        while pre < min(len(of), len(nf)) and same(of[pre], nf[pre]):
            pre += 1
        suf = 0
        while suf < min(len(of), len(nf)) - pre and same(of[-1 - suf], nf[-1 - suf]):
            suf += 1
        old_mid, new_mid = of[pre:len(of) - suf], nf[pre:len(nf) - suf]
        if not old_mid or not new_mid or not all(is_reserved(f) for f in old_mid):
            return None
        if all(is_reserved(f) for f in new_mid):
            return None
        so = [fixed_size(self.op, f.type) for f in old_mid]
        sn = [fixed_size(self.np, f.type) for f in new_mid]
        if None in so or None in sn or sum(so) != sum(sn):  # type: ignore[arg-type]
            return None
        return pre, suf

    def variants(self, o: TypeDef, n: TypeDef, shown: str, subject: str, out: PairDiff) -> None:
        ov = o.body.variants  # type: ignore[union-attr]
        nv = n.body.variants  # type: ignore[union-attr]

        def raw(r: str, msg: str, name: str, op: str | None, np: str | None) -> None:
            out.raws.append(Raw(r, msg, f"{subject}.variants.{name}", op, np))

        pairs_opt = align([v.name for v in ov], [v.name for v in nv], lambda i, j: self.oshape.of_fields(
            ov[i].fields) == self.nshape.of_fields(nv[j].fields))
        pairs = [(i, j) for i, j in pairs_opt if i is not None and j is not None]
        last_kept = max((j for _, j in pairs), default=-1)
        for i, j in pairs_opt:
            if j is None and i is not None:
                raw("ENUM_VARIANT_REMOVED", f"variant `{ov[i].name}` (tag {i}) was removed from enum {shown}",
                    ov[i].name, ov[i].path, n.path)
            elif i is None and j is not None:
                if j > last_kept and j >= len(ov):
                    raw("ENUM_VARIANT_ADDED", f"variant `{nv[j].name}` (tag {j}) was appended to enum {shown}",
                        nv[j].name, o.path, nv[j].path)
                else:
                    raw("ENUM_VARIANT_INSERTED", f"variant `{nv[j].name}` was inserted at tag {j} of enum {shown}: "
                        "every later tag changes meaning", nv[j].name, o.path, nv[j].path)
        order = sorted(pairs)
        keep = lis([j for _, j in order])
        for k, (i, j) in enumerate(order):
            if k not in keep:
                raw("ENUM_VARIANT_MOVED", f"variant `{nv[j].name}` of enum {shown} moved from tag {i} to {j}",
                    nv[j].name, ov[i].path, nv[j].path)
        for i, j in pairs:
            a, b = ov[i], nv[j]
            if a.name != b.name:
                raw("ENUM_VARIANT_RENAMED", f"variant `{a.name}` (tag {i}) of enum {shown} was renamed to `{b.name}`",
                    b.name, a.path, b.path)
            self.fields(a.fields, b.fields, f"variant `{b.name}` of enum {shown}", f"{subject}.variants.{b.name}",
                        "field", a.path, b.path, out)

    def unreferenced_types(self) -> None:
        reached_old = {a for a, _ in self.pair_sites}
        reached_new = {b for _, b in self.pair_sites}
        real = {p for p, s in self.pair_sites.items() if s}
        onames = {t.name for t in self.op.types}
        nnames = {t.name for t in self.np.types}
        ro, rn = self.reachable(self.op), self.reachable(self.np)
        for t in self.op.types:
            if t.name in nnames and t.name not in reached_old and t.name not in reached_new:
                label = "reached only from added or removed items" if t.name in ro or t.name in rn else \
                    "no instruction, account or event reaches this type"
                site: Site = (Flow.UNREFERENCED, label)
                stack = [(t.name, t.name)]
                while stack:
                    pair = stack.pop()
                    if pair in real or site in self.pair_sites.get(pair, set()):
                        continue
                    self.pair_sites.setdefault(pair, set()).add(site)
                    stack.extend(self.pair_diff(*pair).children)
        reached_old = {a for a, _ in self.pair_sites}
        reached_new = {b for _, b in self.pair_sites}
        for t in self.op.types:
            # A type that removed or added items used is reported through them, not again here.
            if t.name not in nnames and t.name not in reached_old and t.name not in self.family_types \
                    and t.name not in ro:
                if self.o.legacy and not self.n.legacy:
                    self.add("TYPE_LEFT_OUT", f"type `{t.name}`, which nothing in the IDL used, is no longer listed "
                             "(the 0.30+ IDL generator leaves such types out)", f"types.{t.name}", t.path, None,
                             Flow.UNREFERENCED)
                    continue
                why = "nothing in the IDL used it; it may still be carried in raw bytes"
                self.add("TYPE_REMOVED", f"type `{t.name}` was removed ({why})", f"types.{t.name}", t.path, None,
                         Flow.UNREFERENCED)
        for t in self.np.types:
            if t.name not in onames and t.name not in reached_new and t.name not in self.family_types \
                    and t.name not in rn:
                why = "nothing in the IDL uses it yet"
                self.add("TYPE_ADDED", f"type `{t.name}` was added ({why})", f"types.{t.name}", None, t.path,
                         Flow.UNREFERENCED)
