"""Straight-line Borsh encoders and decoders for one program, as Python source lines.

Every struct body (types, data-enum variants, instruction arguments) is cut into steps: a run of
consecutive flat fields is one `Struct.unpack_from` / `Struct.pack` call (see `nodes.py`); any other
field (string, bytes, vec, option, data enum, a type that is not flat) gets its own few lines. Vectors
of flat elements go through `iter_unpack` / one joined pack. Errors are explained by `_borsh` helpers
called only after the fast path failed, so good values pay nothing for the path and offset in the
message.

Generated functions:
    _d_<Ident>(b, o) -> (value, new offset)     Borsh decode
    _e_<Ident>(v, out: bytearray) -> None       Borsh encode
    _dm_<Ident> / _em_<Ident>                   memory image (repr(C)), zero-copy types only
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import assert_never

from idlgen.ir.model import (
    ArrayType,
    COptionType,
    DefinedType,
    EnumBody,
    Field,
    OptionType,
    Prim,
    PrimType,
    Program,
    StructBody,
    TypeDef,
    TypeRef,
    VecType,
)
from idlgen.targets.escape import py_fstring_text
from idlgen.targets.python.nodes import Flattener, Node, Registry
from idlgen.targets.python.schema import lit, ref_schema
from idlgen.targets.python.shapes import Shapes, TypeShape

U8 = PrimType(Prim.U8)


def ind(lines: list[str], n: int = 1) -> list[str]:
    pad = "    " * n
    return [pad + line if line else line for line in lines]


class Consts:
    """Named module constants (diagnostic tables), deduplicated by value, in first-use order."""

    def __init__(self) -> None:
        self.by_value: dict[str, str] = {}

    def name(self, value: str, hint: str) -> str:
        if value not in self.by_value:
            name, n = hint, 2
            while name in self.by_value.values():
                name = f"{hint}_{n}"
                n += 1
            self.by_value[value] = name
        return self.by_value[value]

    def lines(self) -> list[str]:
        return [f"{name} = {value}" for value, name in self.by_value.items()]


class Codegen:
    def __init__(self, program: Program, shapes: Shapes) -> None:
        self.program = program
        self.shapes = shapes
        self.registry = Registry()
        self.consts = Consts()
        self.flat = Flattener(program, shapes, self.registry, self.members)
        self._min: dict[str, int] = {}

    # ---- names ---------------------------------------------------------------------------------

    def members(self, type_name: str) -> str:
        return f"_V_{self.shapes[type_name].cls}"

    @staticmethod
    def dec_fn(td: TypeDef, mem: bool = False) -> str:
        return f"_dm_{td.ident}" if mem else f"_d_{td.ident}"

    @staticmethod
    def enc_fn(td: TypeDef, mem: bool = False) -> str:
        return f"_em_{td.ident}" if mem else f"_e_{td.ident}"

    def ann(self, ref: TypeRef) -> str:
        return self.shapes.annotation(ref)

    def ref_const(self, ref: TypeRef) -> str:
        """A module constant holding the schema type of `ref` (for the slow-path explanations)."""
        return self.consts.name(lit(ref_schema(ref)), f"_T_{_hint(ref, self.shapes)}")

    def run_table(self, run: Sequence[tuple[Field, str, Node]], hint: str) -> str:
        """A module constant ((IDL field name, schema type), ...) for a run of fields."""
        return self.consts.name(lit(tuple((f.name, ref_schema(f.type)) for f, _, _ in run)), f"_F_{hint}")

    # ---- sizes ---------------------------------------------------------------------------------

    def min_size(self, ref: TypeRef) -> int:
        """Smallest Borsh encoding of `ref` (bounds length prefixes before anything is allocated)."""
        match ref:
            case PrimType(prim=p):
                return p.size if p.size is not None else 4
            case VecType():
                return 4
            case OptionType():
                return 1
            case COptionType(inner=inner):
                return 4 + self.min_size(inner)
            case ArrayType(inner=inner, length=length):
                return self.min_size(inner) * length
            case DefinedType(name=name):
                if name not in self._min:
                    self._min[name] = 0  # recursion guard
                    td = self.program.type(name)
                    if td.borsh_size is not None:
                        self._min[name] = td.borsh_size
                    elif isinstance(td.body, StructBody):
                        self._min[name] = sum(self.min_size(f.type) for f in td.body.fields)
                    else:
                        self._min[name] = 1 + min((sum(self.min_size(f.type) for f in v.fields)
                                                   for v in td.body.variants), default=0)
                return self._min[name]
            case _:
                assert_never(ref)

    # ---- struct bodies -------------------------------------------------------------------------

    def _runs(self, fields: Sequence[Field], attrs: Sequence[str]
              ) -> list[tuple[list[tuple[Field, str, Node]], Field | None, str]]:
        """Split fields into steps: ([flat fields...], None, "") or ([], field, attr)."""
        steps: list[tuple[list[tuple[Field, str, Node]], Field | None, str]] = []
        run: list[tuple[Field, str, Node]] = []
        for f, attr in zip(fields, attrs, strict=True):
            node = self.flat.node(f.type)
            if node is not None:
                run.append((f, attr, node))
                continue
            if run:
                steps.append((run, None, ""))
                run = []
            steps.append(([], f, attr))
        if run:
            steps.append((run, None, ""))
        return steps

    def decode_body(self, fields: Sequence[Field], attrs: Sequence[str], build: str, hint: str, *,
                    assign_to: str | None = None, sfx: str = "", inline: int = 2) -> list[str]:
        """Statements reading `fields` from (b, o) into locals, then `return build(locals), o`
        (or, with `assign_to`, `<assign_to> = build(locals)`: the body inlined at a call site)."""
        lines: list[str] = []
        names: list[str] = []
        for k, (run, f, attr) in enumerate(self._runs(fields, attrs)):
            if f is None:
                fmt = "".join(node.fmt for _, _, node in run)
                size = sum(node.size for _, _, node in run)
                st = self.registry.struct(fmt, f"{hint}_{k}")
                diag = self.run_table(run, f"{hint}_{k}")
                locs = [f"x_{a}{sfx}" for _, a, _ in run]
                lines += self._unpack_run(run, st, locs, f"raise diagnose_fields(b, o, {diag})", sfx)
                names.extend(f"x_{a}{sfx}" for _, a, _ in run)
                lines.append(f"o += {size}")
            else:
                local = f"x_{attr}{sfx}"
                names.append(local)
                lines.append("try:")
                lines.extend(ind(self.decode_value(f.type, local, 0, declare=True, sfx=f"_{attr}{sfx}",
                                                   inline=inline)))
                lines.append("except DecodeError as e:")
                lines.append(f"    raise e.at({'.' + f.name!r}) from None")
        if assign_to is None:
            lines.append(f"return {build}({', '.join(names)}), o")
        else:
            lines.append(f"{assign_to} = {build}({', '.join(names)})")
        return lines

    def _unpack_run(self, run: Sequence[tuple[Field, str, Node]], st: str, locs: list[str], fail: str,
                    sfx: str) -> list[str]:
        """Unpack one run into the locals `locs`: straight into them when every field is one slot taken
        as is, else into one local per slot (`r<i>`) and then the conversions."""
        exprs: list[str] = []
        i = 0
        for _, _, node in run:
            exprs.append(node.dec("T_", i, 0))
            i += node.nslots
        if i == 0:  # only zero-sized values (empty structs): nothing to read
            return [f"{n} = {e}" for n, e in zip(locs, exprs, strict=True)]
        if all(e == f"T_[{j}]" for j, e in enumerate(exprs)) and len(exprs) == i:
            out = [f"{', '.join(locs)}, = {st}.unpack_from(b, o)"]
            return ["try:", *ind(out), "except struct.error:", f"    {fail} from None"]
        slots = [f"r{j}{sfx}" for j in range(i)]
        for loc, e in zip(locs, exprs, strict=True):
            if re.fullmatch(r"T_\[\d+\]", e):
                slots[int(e[3:-1])] = loc
        converted = [re.sub(r"\bT_\[(\d+)\]", lambda m: slots[int(m.group(1))], e) for e in exprs]
        if any("T_[" in e for e in converted):
            out = [f"t{sfx} = {st}.unpack_from(b, o)"]
            converted = [e.replace("T_[", f"t{sfx}[") for e in exprs]
        else:
            out = [f"{', '.join(slots)}, = {st}.unpack_from(b, o)"]
        assigns = [f"{n} = {e}" for n, e in zip(locs, converted, strict=True) if n != e]
        # One try for the run: a short input (struct.error) and a forbidden value (bool 2, unknown tag,
        # NaN) both end in the slow path that explains which field and where.
        return ["try:", *ind(out + assigns), "except INVALID:", f"    {fail} from None"]

    def encode_body(self, fields: Sequence[Field], attrs: Sequence[str], v: str, hint: str) -> list[str]:
        lines: list[str] = []
        for k, (run, f, attr) in enumerate(self._runs(fields, attrs)):
            if f is None:
                fmt = "".join(node.fmt for _, _, node in run)
                st = self.registry.struct(fmt, f"{hint}_{k}")
                args: list[str] = []
                for _, a, node in run:
                    args.extend(node.enc(f"{v}.{a}", 0))
                kname = self.run_table(run, f"{hint}_{k}")
                vals = ", ".join(f"{v}.{a}" for _, a, _ in run)
                lines.append("try:")
                lines.append(f"    out += {st}.pack({', '.join(args)})")
                lines.append("except ENC_ERRORS as x:")
                lines.append(f"    raise enc_error({kname}, ({vals},), x) from None")
            else:
                lines.append("try:")
                lines.extend(ind(self.encode_value(f.type, f"{v}.{attr}", 0, f"_{attr}")))
                lines.append("except EncodeError as e:")
                lines.append(f"    raise e.at({'.' + f.name!r}) from None")
        if not lines:
            lines.append("pass")
        return lines

    # ---- single values (Borsh) -----------------------------------------------------------------

    def decode_value(self, ref: TypeRef, dst: str, depth: int, *, declare: bool = False, sfx: str = "",
                     inline: int = 0) -> list[str]:
        """Statements decoding one value of `ref` at (b, o) into the local `dst`, advancing `o`.

        Errors raised here carry paths relative to the value (`[3].price`), the caller adds its own.
        """
        decl = f"{dst}: {self.ann(ref)}" if declare else dst
        node = self.flat.node(ref)
        t = f"t{depth}{sfx}"
        if node is not None:
            diag = self.ref_const(ref)
            st = self.registry.struct(node.fmt, _hint(ref, self.shapes))
            out = []
            expr = node.dec("T_", 0, depth)
            if expr == "T_[0]":
                return [*([decl] if declare else []), "try:", f"    {dst}, = {st}.unpack_from(b, o)",
                        "except struct.error:", f"    raise diagnose(b, o, {diag}) from None", f"o += {node.size}"]
            slots = [f"r{j}{t}" for j in range(node.nslots)]
            if "T_[" in re.sub(r"\bT_\[(\d+)\]", "", expr):
                out.append(f"{t} = {st}.unpack_from(b, o)")
                expr = expr.replace("T_[", f"{t}[")
            else:
                out.append(f"{', '.join(slots)}, = {st}.unpack_from(b, o)")
                expr = re.sub(r"\bT_\[(\d+)\]", lambda m: slots[int(m.group(1))], expr)
            head = [f"{decl}"] if declare else []
            return [*head, "try:", *ind(out), f"    {dst} = {expr}", "except INVALID:",
                    f"    raise diagnose(b, o, {diag}) from None", f"o += {node.size}"]
        match ref:
            case PrimType(prim=Prim.STRING):
                return [f"{decl}", f"{dst}, o = r_str(b, o)"] if declare else [f"{dst}, o = r_str(b, o)"]
            case PrimType(prim=Prim.BYTES) | VecType(inner=PrimType(prim=Prim.U8)):
                return [f"{decl}", f"{dst}, o = r_bytes(b, o)"] if declare else [f"{dst}, o = r_bytes(b, o)"]
            case PrimType():
                raise AssertionError(f"fixed-size primitive {ref} is flat")
            case VecType(inner=inner):
                n = f"n{depth}{sfx}"
                el = self.flat.node(inner)
                if el is not None and el.size > 0:
                    diag = self.ref_const(ref)
                    st = self.registry.struct(el.fmt, _hint(inner, self.shapes))
                    e = f"e{depth}"
                    if el.simple:
                        comp = f"[{e} for {e}, in {st}.iter_unpack(memoryview(b)[o:o + {n} * {el.size}])]"
                    else:
                        comp = (f"[{el.dec(e, 0, depth + 1)} for {e} in "
                                f"{st}.iter_unpack(memoryview(b)[o:o + {n} * {el.size}])]")
                    out = [f"{n} = r_len(b, o, {el.size})", "o += 4"]
                    if el.checked:
                        out += ["try:", f"    {decl} = {comp}", "except INVALID:",
                                f"    raise diagnose(b, o - 4, {diag}) from None"]
                    else:
                        out.append(f"{decl} = {comp}")
                    out.append(f"o += {n} * {el.size}")
                    return out
                i = f"_i{sfx}{depth}"
                e = f"e{depth}{sfx}"
                out = [f"{n} = r_len(b, o, {max(1, self.min_size(inner))})", "o += 4",
                       f"{decl} = []", f"{i} = 0", "try:", f"    for {i} in range({n}):"]
                out += ind(self.decode_value(inner, e, depth + 1, declare=True, sfx=sfx, inline=inline), 2)
                out += [f"        {dst}.append({e})", "except DecodeError as e:",
                        f'    raise e.at(f"[{{{i}}}]") from None']
                return out
            case ArrayType(inner=inner, length=length):
                i = f"_i{sfx}{depth}"
                e = f"e{depth}{sfx}"
                out = [f"{decl} = []", f"{i} = 0", "try:", f"    for {i} in range({length}):"]
                out += ind(self.decode_value(inner, e, depth + 1, declare=True, sfx=sfx, inline=inline), 2)
                out += [f"        {dst}.append({e})", "except DecodeError as e:",
                        f'    raise e.at(f"[{{{i}}}]") from None']
                return out
            case OptionType(inner=inner):
                g = f"g{depth}{sfx}"
                out = ([f"{decl}"] if declare else []) + [
                    "try:", f"    {g} = b[o]", "except IndexError:", "    raise short(b, o, 1) from None",
                    "o += 1", f"if {g} == 0:", f"    {dst} = None", f"elif {g} == 1:"]
                out += ind(self.decode_value(inner, dst, depth + 1, sfx=sfx, inline=inline))
                out += ["else:", f"    raise diagnose(b, o - 1, {self.ref_const(ref)})"]
                return out
            case COptionType(inner=inner):
                fixed = self.flat.node(inner)
                skip = [f"    o += {fixed.size}"] if fixed is not None else []
                out = ([f"{decl}"] if declare else []) + [
                    "if len(b) - o < 4:", "    raise short(b, o, 4)",
                    "o += 4", "if b[o - 4:o] == b'\\x00\\x00\\x00\\x00':", f"    {dst} = None", *skip,
                    "elif b[o - 4:o] == b'\\x01\\x00\\x00\\x00':"]
                out += ind(self.decode_value(inner, dst, depth + 1, sfx=sfx))
                out += ["else:", "    raise bad_ctag(b, o - 4)"]
                return out
            case DefinedType(name=name):
                td = self.program.type(name)
                head = [f"{decl}"] if declare else []
                if self._inlinable(td, inline):
                    return head + self._inline_defined(td, dst, sfx, inline)
                return [*head, f"{dst}, o = {self.dec_fn(td)}(b, o)"]
            case _:
                assert_never(ref)

    def encode_value(self, ref: TypeRef, v: str, depth: int, sfx: str = "") -> list[str]:
        node = self.flat.node(ref)
        if node is not None:
            st = self.registry.struct(node.fmt, _hint(ref, self.shapes))
            kname = self.ref_const(ref)
            return ["try:", f"    out += {st}.pack({', '.join(node.enc(v, depth))})",
                    "except ENC_ERRORS as x:", f'    raise enc_error((("", {kname}),), ({v},), x) from None']
        z = f"z{depth}{sfx}"
        match ref:
            case PrimType(prim=Prim.STRING):
                return [f"w_str(out, {v})"]
            case PrimType(prim=Prim.BYTES) | VecType(inner=PrimType(prim=Prim.U8)):
                return [f"w_bytes(out, {v})"]
            case PrimType():
                raise AssertionError(f"fixed-size primitive {ref} is flat")
            case VecType(inner=inner):
                el = self.flat.node(inner)
                seq = f"s{depth}{sfx}"
                out = [f'{seq} = seq({v}, "Vec")', f"w_len(out, len({seq}))"]
                if el is not None and el.size > 0:
                    st = self.registry.struct(el.fmt, _hint(inner, self.shapes))
                    if el.simple:
                        return [*out, "try:", f'    out += struct.pack(f"<{{len({seq})}}{el.fmt}", *{seq})',
                                "except ENC_ERRORS as x:",
                                f"    raise enc_elems_error({self.ref_const(inner)}, {seq}, x) from None"]
                    args = ", ".join(el.enc(z, depth + 1))
                    return [*out, "try:", f'    out += b"".join([{st}.pack({args}) for {z} in {seq}])',
                            "except ENC_ERRORS as x:",
                            f"    raise enc_elems_error({self.ref_const(inner)}, {seq}, x) from None"]
                i = f"_i{sfx}{depth}"
                out += [f"{i} = 0", "try:", f"    for {i}, {z} in enumerate({seq}):"]
                out += ind(self.encode_value(inner, z, depth + 1, sfx), 2)
                out += ["except EncodeError as e:", f'    raise e.at(f"[{{{i}}}]") from None']
                return out
            case ArrayType(inner=inner, length=length):
                i = f"_i{sfx}{depth}"
                seq = f"s{depth}{sfx}"
                out = [f"{seq} = fixed({v}, {length})", f"{i} = 0", "try:", f"    for {i}, {z} in enumerate({seq}):"]
                out += ind(self.encode_value(inner, z, depth + 1, sfx), 2)
                out += ["except EncodeError as e:", f'    raise e.at(f"[{{{i}}}]") from None']
                return out
            case OptionType(inner=inner):
                out = [f"{z} = {v}", f"if {z} is None:", "    out.append(0)", "else:", "    out.append(1)"]
                out += ind(self.encode_value(inner, z, depth + 1, sfx))
                return out
            case COptionType(inner=inner):
                fixed = self.flat.node(inner)
                zero = [f"    out += bytes({fixed.size})"] if fixed is not None else []
                out = [f"{z} = {v}", f"if {z} is None:", "    out += b'\\x00\\x00\\x00\\x00'", *zero, "else:",
                       "    out += b'\\x01\\x00\\x00\\x00'"]
                out += ind(self.encode_value(inner, z, depth + 1, sfx))
                return out
            case DefinedType(name=name):
                td = self.program.type(name)
                return [f"{self.enc_fn(td)}({v}, out)"]
            case _:
                assert_never(ref)

    def _inlinable(self, td: TypeDef, inline: int) -> bool:
        """Small types whose decoding is copied into the caller (saves a call per element): structs
        with `inline` >= 2 (their fields may inline once more), data enums of flat variants with >= 1."""
        if isinstance(td.body, StructBody):
            return inline >= 2 and len(td.body.fields) <= 24
        if inline < 1 or td.body.is_unit_only:
            return False
        return len(td.body.variants) <= 16 and all(
            all(self.flat.node(f.type) is not None for f in v.fields) for v in td.body.variants)

    def _inline_defined(self, td: TypeDef, dst: str, sfx: str, inline: int) -> list[str]:
        shape = self.shapes[td.name]
        if isinstance(td.body, StructBody):
            return self.decode_body(td.body.fields, shape.fields, shape.cls, shape.cls, assign_to=dst,
                                    sfx=f"{sfx}_", inline=inline - 1)
        body: EnumBody = td.body
        g = f"g{sfx}"
        diag = self.ref_const(DefinedType(td.name))
        out = [f"{g} = b[o]"]
        for k, vs in enumerate(shape.variants):
            idx = body.variants.index(vs.variant)
            out.append(f"{'if' if k == 0 else 'elif'} {g} == {idx}:")
            if not vs.variant.fields:
                out.append(f"    {dst} = {vs.cls}()")
                continue
            run = [(f, a, self.flat.node(f.type)) for f, a in zip(vs.variant.fields, vs.fields, strict=True)]
            nodes = [(f, a, n) for f, a, n in run if n is not None]
            size = sum(n.size for _, _, n in nodes)
            st = self.registry.struct("".join(n.fmt for _, _, n in nodes), f"{vs.cls}_0")
            locs = [f"x_{a}{sfx}_v{idx}" for _, a, _ in nodes]
            exprs: list[str] = []
            i = 0
            for _, _, n in nodes:
                exprs.append(n.dec("T_", i, 0).replace("T_[", f"r{sfx}["))
                i += n.nslots
            if all(e == f"r{sfx}[{j}]" for j, e in enumerate(exprs)) and len(exprs) == i:
                out.append(f"    {', '.join(locs)}, = {st}.unpack_from(b, o + 1)")
            else:
                out.append(f"    r{sfx} = {st}.unpack_from(b, o + 1)")
                out += [f"    {loc} = {e}" for loc, e in zip(locs, exprs, strict=True)]
            out += [f"    o += {size}", f"    {dst} = {vs.cls}({', '.join(locs)})"]
        out += ["else:", "    bad()"]
        # any failure (no tag byte, unknown tag, short variant body) is explained by the slow path
        return ["try:", *ind(out), "except INVALID:", f"    raise diagnose(b, o, {diag}) from None", "o += 1"]

    # ---- whole types ---------------------------------------------------------------------------

    def type_functions(self, td: TypeDef) -> list[str]:
        """`_d_X` and `_e_X` (plus `_dm_X`/`_em_X` for zero-copy layouts) for one TypeDef."""
        shape = self.shapes[td.name]
        out: list[str] = []
        out += self._decoder(td, shape)
        out.append("")
        out.append("")
        out += self._encoder(td, shape)
        if td.c_layout is not None:
            node = self.flat.node(DefinedType(td.name), mem=True)
            if node is not None:
                out += ["", ""]
                out += self._flat_functions(td, shape, node, mem=True)
        return out

    def _flat_functions(self, td: TypeDef, shape: TypeShape, node: Node, mem: bool) -> list[str]:
        hint = shape.cls + ("_mem" if mem else "")
        st = self.registry.struct(node.fmt, hint)
        diag = self.ref_const(DefinedType(td.name))
        mem_arg = ", True" if mem else ""
        dec = self.dec_fn(td, mem)
        enc = self.enc_fn(td, mem)
        expr = node.dec("t", 0, 0)
        unpack = [f"        t = {st}.unpack_from(b, o)"] if node.nslots else (
            [f"        {st}.unpack_from(b, o)"] if node.size else [])
        lines = [f"def {dec}(b: bytes, o: int) -> tuple[{shape.cls}, int]:",
                 "    try:",
                 *unpack,
                 f"        return {expr}, o + {node.size}",
                 "    except INVALID:",
                 f"        raise diagnose(b, o, {diag}{mem_arg}) from None"]
        lines += ["", "", f"def {enc}(v: {shape.cls}, out: bytearray) -> None:", "    try:",
                  f"        out += {st}.pack({', '.join(node.enc('v', 0))})",
                  "    except ENC_ERRORS as x:",
                  f'        raise enc_error((("", {diag}),), (v,), x) from None']
        return lines

    def _decoder(self, td: TypeDef, shape: TypeShape) -> list[str]:
        node = self.flat.node(DefinedType(td.name))
        if node is not None and isinstance(td.body, StructBody):
            lines = self._flat_functions(td, shape, node, mem=False)
            return lines[: lines.index("")]
        head = f"def {self.dec_fn(td)}(b: bytes, o: int) -> tuple[{shape.cls}, int]:"
        if isinstance(td.body, StructBody):
            return [head, *ind(self.decode_body(td.body.fields, shape.fields, shape.cls, shape.cls))]
        body: EnumBody = td.body
        if body.is_unit_only:
            return [head, "    if len(b) - o < 1:", "        raise short(b, o, 1)", "    try:",
                    f"        return {self.members(td.name)}[b[o]], o + 1", "    except IndexError:",
                    f"        raise bad_tag(b, o, {td.name + ' variant'!r}) from None"]
        lines = [head, "    if len(b) - o < 1:", "        raise short(b, o, 1)", "    tag = b[o]", "    o += 1"]
        for vs in shape.variants:
            v = vs.variant
            idx = body.variants.index(v)
            lines.append(f"    if tag == {idx}:")
            if not v.fields:
                lines.append(f"        return {vs.cls}(), o")
                continue
            lines.append("        try:")
            lines += ind(self.decode_body(v.fields, vs.fields, vs.cls, vs.cls, sfx=f"_v{idx}"), 3)
            lines.append("        except DecodeError as e:")
            lines.append(f"            raise e.at({'.' + v.name!r}) from None")
        lines.append(f"    raise bad_tag(b, o - 1, {td.name + ' variant'!r})")
        return lines

    def _encoder(self, td: TypeDef, shape: TypeShape) -> list[str]:
        node = self.flat.node(DefinedType(td.name))
        if node is not None and isinstance(td.body, StructBody):
            lines = self._flat_functions(td, shape, node, mem=False)
            return lines[lines.index("") + 2:]
        head = f"def {self.enc_fn(td)}(v: {shape.cls}, out: bytearray) -> None:"
        if isinstance(td.body, StructBody):
            return [head, *ind(self.encode_body(td.body.fields, shape.fields, "v", shape.cls))]
        body: EnumBody = td.body
        if body.is_unit_only:
            n = len(body.variants)
            return [head, f"    if not isinstance(v, int) or not 0 <= v < {n}:",
                    f'        raise EncodeError(f"not a {_q(td.name)} variant: {{v!r}}")', "    out.append(v)"]
        lines = [head]
        for k, vs in enumerate(shape.variants):
            v = vs.variant
            idx = body.variants.index(v)
            lines.append(f"    {'if' if k == 0 else 'elif'} isinstance(v, {vs.cls}):")
            lines.append(f"        out.append({idx})")
            if v.fields:
                lines.append("        try:")
                lines += ind(self.encode_body(v.fields, vs.fields, "v", vs.cls), 3)
                lines.append("        except EncodeError as e:")
                lines.append(f"            raise e.at({'.' + v.name!r}) from None")
        lines.append("    else:")
        lines.append(f'        raise EncodeError(f"expected a {_q(td.name)} variant, got {{type(v).__name__}}")')
        return lines


def _q(s: str) -> str:
    """A name inside a double-quoted generated f-string literal."""
    return py_fstring_text(s)


def _hint(ref: TypeRef, shapes: Shapes) -> str:
    from idlgen.targets.python.nodes import _hint as h

    return h(ref, shapes)
