"""Lower parsed IDL JSON (legacy <=0.29 or spec 0.30+) into the frozen IR.

Both formats go through the same steps; the few places they differ are marked `legacy` / `spec`:
  1. collect type declarations (generic templates included), merging identical duplicates;
  2. parse every type expression into an unresolved `TExpr`;
  3. resolve: expand aliases, substitute generic parameters, monomorphise defined generics;
  4. compute Borsh sizes and repr(C) layouts, check recursion and discriminators;
  5. find versioned families.
Every error names the JSON path it is about; the line is looked up only when an error is raised.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NoReturn

from idlgen.anchor import names
from idlgen.base58 import b58decode
from idlgen.diagnostics import IdlError
from idlgen.ir import layout
from idlgen.ir.model import (
    Account,
    AccountGroup,
    AccountItem,
    AccountMeta,
    AccountSeed,
    ArgSeed,
    ArrayType,
    CLayout,
    Constant,
    ConstSeed,
    COptionType,
    DefinedType,
    EnumBody,
    ErrorCode,
    Event,
    Family,
    FamilyCarrier,
    FamilyGate,
    FamilyMember,
    Field,
    Generic,
    IdlFormat,
    Instruction,
    Note,
    OptionType,
    Pda,
    Prim,
    PrimType,
    Program,
    Repr,
    ReprKind,
    Seed,
    Serialization,
    StructBody,
    StructKind,
    TypeBody,
    TypeDef,
    TypeRef,
    Variant,
    VariantKind,
    VecType,
)
from idlgen.jsonpos import LineIndex, join

PRIMS = {p.value: p for p in Prim}
LEGACY_PRIMS = {"publicKey": Prim.PUBKEY}
MAX_VARIANTS = 256
# Bounds that keep every accepted IDL buildable: the loader, the emitters and the generated code recurse
# per nesting level, and Python refuses deeply nested blocks. Real IDLs stay far below each.
MAX_ARRAY_LEN = 10 * 1024 * 1024  # Solana's largest account (10 MiB) holds no longer array
MAX_FIXED_SIZE = 10 * 1024 * 1024  # bytes of a fixed-size type, for the same reason
MAX_NESTING = 8  # vec/option/array directly inside one another in one type expression
MAX_TYPE_DEPTH = 48  # defined types inside one another (monomorphs of a generic included)


@dataclass(frozen=True, slots=True)
class FamilySpec:
    """A versioned family declared in config (stem plus optional carrier and gate)."""

    stem: str
    carrier: str | None = None  # "instruction.arg"
    gate: str | None = None  # "Account.field"
    unknown_version_error: str | None = None
    disabled_version_error: str | None = None


# ---- unresolved type expressions -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TPrim:
    prim: Prim


@dataclass(frozen=True, slots=True)
class TVec:
    inner: TExpr


@dataclass(frozen=True, slots=True)
class TOption:
    inner: TExpr


@dataclass(frozen=True, slots=True)
class TCOption:
    inner: TExpr


@dataclass(frozen=True, slots=True)
class TArray:
    inner: TExpr
    length: int | TGeneric


@dataclass(frozen=True, slots=True)
class TGeneric:
    name: str


@dataclass(frozen=True, slots=True)
class TConst:
    value: int


@dataclass(frozen=True, slots=True)
class TDefined:
    name: str
    args: tuple[TExpr | TConst, ...]
    path: str


TExpr = TPrim | TVec | TOption | TCOption | TArray | TGeneric | TDefined

Binding = TypeRef | int  # what a generic parameter is bound to


@dataclass(slots=True)
class Decl:
    name: str
    params: tuple[tuple[str, str], ...]  # (kind "type"|"const", name)
    raw: dict[str, Any]
    path: str
    serialization: Serialization
    repr: Repr | None
    docs: tuple[str, ...]
    alias: TExpr | None = None
    ident: str = ""


class Lowerer:
    def __init__(self, doc: dict[str, Any], fmt: IdlFormat, file: str, text: str,
                 families: Sequence[FamilySpec] = ()) -> None:
        self.doc = doc
        self.fmt = fmt
        self.file = file
        self.lines = LineIndex(text)
        self.family_specs = tuple(families)
        self.notes: list[Note] = []
        self.decls: dict[str, Decl] = {}
        self.ambiguous: set[str] = set()
        self.dup_paths: dict[str, list[str]] = {}  # name -> JSON paths of its differing definitions
        self.typedefs: dict[str, TypeDef] = {}
        self.building: set[str] = set()
        self.order: list[str] = []  # declaration names in IDL order
        self.instances: dict[str, list[str]] = {}  # generic decl name -> monomorph names
        self.idents: set[str] = set()
        self._base_counts: dict[str, int] = {}
        self._counted = -1

    @property
    def legacy(self) -> bool:
        return self.fmt is IdlFormat.LEGACY

    # ---- errors ------------------------------------------------------------------------------------

    def fail(self, path: str, message: str) -> NoReturn:
        raise IdlError(message, file=self.file, path=path or None, line=self.lines.line_of(path) if path else None)

    def note(self, path: str, message: str) -> None:
        self.notes.append(Note(path, message))

    def obj(self, v: Any, path: str, what: str) -> dict[str, Any]:
        if not isinstance(v, dict):
            self.fail(path, f"{what} must be a JSON object, found {_kind(v)}")
        return v

    def arr(self, v: Any, path: str, what: str) -> list[Any]:
        if not isinstance(v, list):
            self.fail(path, f"{what} must be a JSON array, found {_kind(v)}")
        return v

    def string(self, v: Any, path: str, what: str) -> str:
        if not isinstance(v, str):
            self.fail(path, f"{what} must be a string, found {_kind(v)}")
        return v

    def name_of(self, item: dict[str, Any], path: str, what: str) -> str:
        if "name" not in item:
            self.fail(path, f"{what} has no \"name\"")
        n = self.string(item["name"], join(path, "name"), f"{what} name")
        if not n:
            self.fail(join(path, "name"), f"{what} name is empty")
        return n

    def docs(self, item: dict[str, Any], path: str) -> tuple[str, ...]:
        d = item.get("docs", [])
        if not isinstance(d, list) or not all(isinstance(x, str) for x in d):
            self.fail(join(path, "docs"), "docs must be an array of strings")
        return tuple(d)

    def section(self, key: str) -> list[Any]:
        v = self.doc.get(key, [])
        if v is None:
            return []
        return self.arr(v, key, f"\"{key}\"")

    # ---- top level ---------------------------------------------------------------------------------

    def program(self, sha: str) -> Program:
        doc = self.doc
        if self.legacy:
            name = self.string(doc.get("name"), "name", "program name")
            version = doc.get("version", "")
            version = self.string(version, "version", "version")
            address = None
            meta = doc.get("metadata")
            if isinstance(meta, dict) and isinstance(meta.get("address"), str) and meta["address"]:
                address = meta["address"]
            elif isinstance(doc.get("address"), str) and doc["address"]:
                address = doc["address"]
        else:
            meta = self.obj(doc.get("metadata"), "metadata", "metadata")
            if "name" not in meta:
                self.fail("metadata", "metadata has no \"name\"")
            name = self.string(meta["name"], "metadata.name", "program name")
            version = self.string(meta.get("version", ""), "metadata.version", "version")
            addr = doc.get("address")
            if addr is None:
                self.fail("", "the 0.30+ format needs a top-level \"address\"")
            addr = self.string(addr, "address", "address")
            address = addr or None
            if not addr:
                self.note("address", "\"address\" is empty: the program has no fixed address here")
        if address is not None:
            self.check_pubkey(address, "address" if not self.legacy else "metadata.address")

        self.collect_decls()
        accounts = self.lower_accounts()
        events = self.lower_events()
        instructions = self.lower_instructions()
        for decl_name in self.order:
            decl = self.decls[decl_name]
            if not decl.params and decl.alias is None:
                self.ensure(decl_name)
        constants = self.lower_constants()
        errors = self.lower_errors()
        types = self.ordered_types()
        types = self.with_layouts(types, accounts)
        self.check_recursion(types)
        self.check_discriminators(instructions, "instructions")
        self.check_discriminators(accounts, "accounts")
        self.check_discriminators(events, "events")
        families = self.find_families(types, instructions, accounts, errors)
        if self.legacy and errors and min(e.code for e in errors) < 6000:
            self.note("errors", "error codes start below 6000: this looks like a non-Anchor program with an "
                      "Anchor-style IDL; discriminators were derived the Anchor way and may not match it")
        return Program(
            name=name, version=version, address=address, format=self.fmt,
            instructions=tuple(instructions), accounts=tuple(accounts), events=tuple(events),
            types=types, constants=tuple(constants), errors=tuple(errors), families=families,
            docs=self.docs(doc, "") if "docs" in doc else (), notes=tuple(self.notes),
            source=self.file, source_sha256=sha,
        )

    def check_pubkey(self, value: str, path: str) -> None:
        raw = b58decode(value) if re.fullmatch(r"[1-9A-HJ-NP-Za-km-z]{32,44}", value) else None
        if raw is None or len(raw) != 32:
            self.fail(path, f"not a base58 public key: {value!r}")

    # ---- type declarations ---------------------------------------------------------------------------

    def collect_decls(self) -> None:
        seen_raw: dict[str, str] = {}
        dup_count: dict[str, int] = {}
        for i, item in enumerate(self.section("types")):
            path = join("types", i)
            item = self.obj(item, path, "a type definition")
            name = self.name_of(item, path, "type")
            raw_key = _canon(item)
            if name in self.decls or name in self.ambiguous:
                if seen_raw.get(name) == raw_key:
                    self.note(path, f"type {name!r} is defined twice, identically: the copies were merged")
                    continue
                dup_count[name] = dup_count.get(name, 1) + 1
                self.ambiguous.add(name)
                self.dup_paths.setdefault(name, [self.decls[name].path]).append(path)
                self.note(path, f"warning: type {name!r} is defined {dup_count[name]} times with different "
                          f"layouts (also at {self.decls[name].path}): kept as {name}#{dup_count[name]}; "
                          f"a reference to {name!r} is an error")
                name = f"{name}#{dup_count[name]}"
            seen_raw.setdefault(name, raw_key)
            self.add_decl(name, item, path)
        if self.legacy:
            # Legacy accounts and events carry their layout inline; they become types of their own name.
            for key in ("accounts", "events"):
                for i, item in enumerate(self.section(key)):
                    path = join(key, i)
                    item = self.obj(item, path, f"an entry of \"{key}\"")
                    name = self.name_of(item, path, key[:-1])
                    if key == "events":
                        fields = self.arr(item.get("fields", []), join(path, "fields"), "event fields")
                        raw = {"name": name, "type": {"kind": "struct", "fields": fields}}
                        tpath = path
                    else:
                        if "type" not in item:
                            self.fail(path, f"account {name!r} has no \"type\"")
                        raw = {"name": name, "type": item["type"], "docs": item.get("docs", [])}
                        tpath = path
                    if name in self.decls:
                        if _canon(self.decls[name].raw["type"]) == _canon(raw["type"]):
                            continue
                        self.fail(path, f"{key[:-1]} {name!r} has the same name as a type with a different "
                                  "layout")
                    self.add_decl(name, raw, tpath)
            state = self.doc.get("state")
            if isinstance(state, dict) and isinstance(state.get("struct"), dict):
                st = state["struct"]
                sname = self.name_of(st, "state.struct", "state")
                if sname not in self.decls:
                    self.add_decl(sname, st, "state.struct")

    def add_decl(self, name: str, item: dict[str, Any], path: str) -> None:
        params: list[tuple[str, str]] = []
        for j, g in enumerate(item.get("generics", []) or []):
            gp = join(join(path, "generics"), j)
            if isinstance(g, str):  # legacy: ["T", "N"]
                params.append(("any", g))
            else:
                g = self.obj(g, gp, "a generic parameter")
                kind = self.string(g.get("kind"), join(gp, "kind"), "generic kind")
                if kind not in ("type", "const"):
                    self.fail(join(gp, "kind"), f"generic kind must be \"type\" or \"const\", found {kind!r}")
                params.append((kind, self.name_of(g, gp, "generic parameter")))
        ser = Serialization.BORSH
        if "serialization" in item:
            s = self.string(item["serialization"], join(path, "serialization"), "serialization")
            try:
                ser = Serialization(s)
            except ValueError:
                self.fail(join(path, "serialization"),
                          f"unknown serialization {s!r} (borsh, bytemuck, bytemuckunsafe)")
        rep: Repr | None = None
        if "repr" in item and item["repr"] is not None:
            rp = join(path, "repr")
            r = self.obj(item["repr"], rp, "repr")
            kind_s = self.string(r.get("kind"), join(rp, "kind"), "repr kind")
            try:
                rkind = ReprKind(kind_s)
            except ValueError:
                self.fail(join(rp, "kind"), f"unknown repr kind {kind_s!r} (rust, c, transparent)")
            align = r.get("align")
            if align is not None and (not isinstance(align, int) or align <= 0 or align & (align - 1)):
                self.fail(join(rp, "align"), f"repr align must be a power of two, found {align!r}")
            rep = Repr(rkind, bool(r.get("packed", False)), align)
            if ser is Serialization.BORSH:
                self.note(rp, f"type {name!r} has repr but no serialization: it is Borsh-serialized "
                          "(repr only changes its memory layout)")
        tpath = join(path, "type")
        body = self.obj(item.get("type"), tpath, f"type {name!r}")
        decl = Decl(name, tuple(params), item, path, ser, rep, self.docs(item, path))
        type_kind = body.get("kind")
        if type_kind in ("type", "alias"):
            key = "alias" if type_kind == "type" else "value"
            if key not in body:
                self.fail(tpath, f"alias {name!r} has no \"{key}\"")
            decl.alias = self.texpr(body[key], join(tpath, key), {p for _, p in params})
        elif type_kind not in ("struct", "enum"):
            self.fail(join(tpath, "kind"), f"unknown type kind {type_kind!r} (struct, enum, type)")
        self.decls[name] = decl
        self.order.append(name)

    # ---- type expressions ----------------------------------------------------------------------------

    def texpr(self, v: Any, path: str, params: set[str]) -> TExpr:
        if path.count("vec") + path.count("option") + path.count("array") > MAX_NESTING:
            self.fail(path, f"type expression nested more than {MAX_NESTING} levels deep (vec/option/array)")
        if isinstance(v, str):
            if v in PRIMS:
                return TPrim(PRIMS[v])
            if self.legacy and v in LEGACY_PRIMS:
                return TPrim(LEGACY_PRIMS[v])
            if v in ("publicKey", "pubkey"):
                return TPrim(Prim.PUBKEY)
            if v in params:
                return TGeneric(v)
            hint = ""
            if v.lower() in PRIMS:
                hint = f" (did you mean {v.lower()!r}?)"
            elif v in ("usize", "isize"):
                hint = " (Borsh has no pointer-sized integers; Anchor writes u64/i64)"
            self.fail(path, f"unknown type {v!r}{hint}")
        if not isinstance(v, dict) or len(v) == 0:
            self.fail(path, f"a type must be a string or an object, found {_kind(v)}")
        if "vec" in v:
            return TVec(self.texpr(v["vec"], join(path, "vec"), params))
        if "option" in v:
            return TOption(self.texpr(v["option"], join(path, "option"), params))
        if "coption" in v:
            return TCOption(self.texpr(v["coption"], join(path, "coption"), params))
        if "array" in v or "genericLenArray" in v:
            key = "array" if "array" in v else "genericLenArray"
            ap = join(path, key)
            a = self.arr(v[key], ap, "array")
            if len(a) != 2:
                self.fail(ap, f"array must be [type, length], found {len(a)} items")
            inner = self.texpr(a[0], join(ap, 0), params)
            ln = a[1]
            length: int | TGeneric
            if isinstance(ln, bool) or (not isinstance(ln, int) and not isinstance(ln, str | dict)):
                self.fail(join(ap, 1), f"array length must be an integer, found {_kind(ln)}")
            if isinstance(ln, str) and ln.isdigit() and len(ln) <= 20:
                ln = int(ln)
            if isinstance(ln, int):
                if ln < 0:
                    self.fail(join(ap, 1), f"array length must not be negative, found {ln}")
                if ln > MAX_ARRAY_LEN:
                    self.fail(join(ap, 1), f"array length must be 0..{MAX_ARRAY_LEN} (Solana's 10 MiB account "
                              f"limit), found {_short(ln)}")
                length = ln
            elif isinstance(ln, dict) and isinstance(ln.get("generic"), str):
                if ln["generic"] not in params:
                    self.fail(join(ap, 1), f"unknown generic parameter {ln['generic']!r}")
                length = TGeneric(ln["generic"])
            elif isinstance(ln, str) and ln in params:
                length = TGeneric(ln)
            elif isinstance(ln, str) and ln.isdigit():
                length = int(ln)
            else:
                self.fail(join(ap, 1), f"array length must be an integer, found {ln!r}")
            return TArray(inner, length)
        if "generic" in v:
            gname = self.string(v["generic"], join(path, "generic"), "generic")
            if gname not in params:
                self.fail(join(path, "generic"), f"unknown generic parameter {gname!r}")
            return TGeneric(gname)
        if "defined" in v:
            dv = v["defined"]
            dp = join(path, "defined")
            if isinstance(dv, str):
                if "<" in dv or dv.lstrip().startswith("("):
                    return self.generic_string(dv, dp, params)
                return TDefined(dv, (), dp)
            d = self.obj(dv, dp, "defined")
            name = self.name_of(d, dp, "defined type")
            args: list[TExpr | TConst] = []
            for j, graw in enumerate(d.get("generics", []) or []):
                gp = join(join(dp, "generics"), j)
                g = self.obj(graw, gp, "a generic argument")
                if g.get("kind") == "const":
                    args.append(self.const_arg(g.get("value"), join(gp, "value"), params))
                elif g.get("kind") == "type":
                    if "type" not in g:
                        self.fail(gp, "generic argument has no \"type\"")
                    args.append(self.texpr(g["type"], join(gp, "type"), params))
                else:
                    self.fail(join(gp, "kind"), f"generic argument kind must be \"type\" or \"const\", "
                              f"found {g.get('kind')!r}")
            return TDefined(name, tuple(args), dp)
        if "definedWithTypeArgs" in v:
            dp = join(path, "definedWithTypeArgs")
            dw = self.obj(v["definedWithTypeArgs"], dp, "definedWithTypeArgs")
            name = self.name_of(dw, dp, "defined type")
            args = []
            for j, graw in enumerate(dw.get("args", []) or []):
                gp = join(join(dp, "args"), j)
                g = self.obj(graw, gp, "a type argument")
                if "value" in g:
                    args.append(self.const_arg(g["value"], join(gp, "value"), params))
                else:
                    args.append(self.texpr(g.get("type"), join(gp, "type"), params))
            return TDefined(name, tuple(args), dp)
        if "hashMap" in v or "hashmap" in v or "tuple" in v:
            key = next(iter(v))
            self.fail(path, f"{key!r} types are not Anchor IDL types and have no Borsh layout idlgen can check")
        self.fail(path, f"unknown type {_short(v)}")

    def const_arg(self, v: Any, path: str, params: set[str]) -> TExpr | TConst:
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_ARRAY_LEN:
            return TConst(v)
        if isinstance(v, str) and v.isdigit() and len(v) <= 20:
            return TConst(int(v))
        if isinstance(v, str) and v in params:
            return TGeneric(v)
        self.fail(path, f"a const generic argument must be a non-negative integer, found {v!r}")

    def generic_string(self, s: str, path: str, params: set[str]) -> TExpr:
        """Legacy `{"defined": "COption<Pubkey>"}`: parse the Rust-ish type string."""
        toks = re.findall(r"[A-Za-z_][A-Za-z0-9_:]*|\d+|[<>,;\[\]()]", s)
        if sum(t in "<[(" for t in toks) > MAX_NESTING * 4:
            self.fail(path, f"type {_short(s)} is nested too deeply")
        pos = 0

        def parse() -> TExpr | TConst:
            nonlocal pos
            if pos >= len(toks):
                self.fail(path, f"cannot parse type {s!r}")
            t = toks[pos]
            pos += 1
            if t.isdigit():
                return TConst(int(t))
            if t == "(":  # legacy Anchor writes a Rust tuple as {"defined": "(u8,[u8;32])"}
                elems: list[TExpr] = []
                while pos < len(toks) and toks[pos] != ")":
                    e = parse()
                    if isinstance(e, TConst):
                        self.fail(path, f"cannot parse type {s!r}")
                    elems.append(e)
                    if pos < len(toks) and toks[pos] == ",":
                        pos += 1
                if pos >= len(toks):
                    self.fail(path, f"cannot parse type {s!r}")
                pos += 1
                return self.tuple_decl(tuple(elems), path)
            if t == "[":
                inner = parse()
                if pos >= len(toks) or toks[pos] != ";":
                    self.fail(path, f"cannot parse type {s!r}")
                pos += 1
                n = parse()
                pos += 1  # ']'
                if isinstance(inner, TConst) or not isinstance(n, TConst):
                    self.fail(path, f"cannot parse type {s!r}")
                return TArray(inner, n.value)
            args: list[TExpr | TConst] = []
            if pos < len(toks) and toks[pos] == "<":
                pos += 1
                while True:
                    args.append(parse())
                    if pos >= len(toks):
                        self.fail(path, f"cannot parse type {s!r}")
                    sep = toks[pos]
                    pos += 1
                    if sep == ">":
                        break
                    if sep != ",":
                        self.fail(path, f"cannot parse type {s!r}")
            return self.rust_type(t, args, s, path, params)

        result = parse()
        if pos != len(toks) or isinstance(result, TConst):
            self.fail(path, f"cannot parse type {s!r}")
        return result

    def tuple_decl(self, elems: tuple[TExpr, ...], path: str) -> TExpr:
        """An anonymous Rust tuple becomes a tuple struct named after its spelling (Borsh: elements in
        order), since legacy IDLs have no tuple type of their own."""
        name = "(" + ",".join(_texpr_display(e) for e in elems) + ")"
        if name not in self.decls:
            raw = {"name": name, "type": {"kind": "struct", "fields": [_texpr_json(e) for e in elems]}}
            decl = Decl(name, (), raw, path, Serialization.BORSH, None, ())
            decl.ident = self.unique_ident("Tuple" + "".join(_ident_base(_texpr_display(e)).capitalize()
                                                             for e in elems))
            self.decls[name] = decl
            self.order.append(name)
            self.note(path, f"Rust tuple {name} loaded as the tuple struct {decl.ident} (Borsh writes its "
                      "elements in order)")
        return TDefined(name, (), path)

    def rust_type(self, t: str, args: list[TExpr | TConst], s: str, path: str, params: set[str]) -> TExpr:
        def one() -> TExpr:
            if len(args) != 1 or isinstance(args[0], TConst):
                self.fail(path, f"{t} takes one type argument in {s!r}")
            return args[0]

        rust_prims = {"Pubkey": Prim.PUBKEY, "String": Prim.STRING, "bool": Prim.BOOL}
        if not args:
            if t in PRIMS:
                return TPrim(PRIMS[t])
            if t in rust_prims:
                return TPrim(rust_prims[t])
            if t in params:
                return TGeneric(t)
            return TDefined(t, (), path)
        if t == "Vec":
            return TVec(one())
        if t == "Option":
            return TOption(one())
        if t == "COption":
            return TCOption(one())
        if t == "Box":
            return one()
        if t == "SmallVec":
            self.fail(path, f"{s!r} is a custom length-prefixed vector (SmallVec) with no Anchor IDL layout; "
                      "its Borsh form depends on the program's own serializer")
        return TDefined(t, tuple(args), path)

    # ---- resolution: aliases, generics, monomorphs -------------------------------------------------

    def resolve(self, e: TExpr, env: dict[str, Binding], path: str) -> TypeRef:
        match e:
            case TPrim(prim=p):
                return PrimType(p)
            case TVec(inner=i):
                return VecType(self.resolve(i, env, path))
            case TOption(inner=i):
                return OptionType(self.resolve(i, env, path))
            case TCOption(inner=i):
                return COptionType(self.resolve(i, env, path))
            case TArray(inner=i, length=n):
                if isinstance(n, TGeneric):
                    b = env.get(n.name)
                    if not isinstance(b, int):
                        self.fail(path, f"array length {n.name!r} is not bound to a constant")
                    n = b
                if not 0 <= n <= MAX_ARRAY_LEN:
                    self.fail(path, f"array length must be 0..{MAX_ARRAY_LEN}, found {_short(n)}")
                return ArrayType(self.resolve(i, env, path), n)
            case TGeneric(name=g):
                b = env.get(g)
                if b is None:
                    self.fail(path, f"unknown generic parameter {g!r}")
                if isinstance(b, int):
                    self.fail(path, f"generic parameter {g!r} is a constant ({b}), used as a type")
                return b
            case TDefined():
                return self.resolve_defined(e, env)

    def lookup(self, name: str, path: str) -> Decl:
        if name in self.ambiguous:
            self.fail(path, f"type {name!r} is defined more than once with different layouts "
                      f"({' and '.join(self.dup_paths.get(name, []))}): the reference is ambiguous")
        decl = self.decls.get(name)
        if decl is None and "::" in name:
            short = name.rsplit("::", 1)[1]
            decl = self.decls.get(short)
        if decl is None:
            matches = [d for n, d in self.decls.items() if n.rsplit("::", 1)[-1] == name]
            if len(matches) == 1:
                decl = matches[0]
        if decl is None:
            known = _closest(name, list(self.decls))
            self.fail(path, f"unknown defined type {name!r}" + (f" (did you mean {known!r}?)" if known else ""))
        return decl

    def resolve_defined(self, e: TDefined, env: dict[str, Binding]) -> TypeRef:
        decl = self.lookup(e.name, e.path)
        if len(e.args) != len(decl.params):
            self.fail(e.path, f"type {decl.name!r} takes {len(decl.params)} generic argument(s), "
                      f"{len(e.args)} given")
        bound: dict[str, Binding] = {}
        for (kind, pname), arg in zip(decl.params, e.args, strict=True):
            b: Binding
            if isinstance(arg, TConst):
                b = arg.value
            elif isinstance(arg, TGeneric) and isinstance(env.get(arg.name), int):
                b = env[arg.name]
            else:
                b = self.resolve(arg, env, e.path)
            if kind == "const" and not isinstance(b, int):
                self.fail(e.path, f"generic parameter {pname!r} of {decl.name!r} is a constant, given a type")
            if kind == "type" and isinstance(b, int):
                self.fail(e.path, f"generic parameter {pname!r} of {decl.name!r} is a type, given {b}")
            bound[pname] = b
        if decl.alias is not None:
            if decl.name in self.building:
                self.fail(decl.path, f"alias {decl.name!r} refers to itself")
            self.building.add(decl.name)
            try:
                return self.resolve(decl.alias, bound, join(decl.path, "type"))
            finally:
                self.building.discard(decl.name)
        if not decl.params:
            self.ensure(decl.name)
            return DefinedType(decl.name)
        arg_names = tuple(_binding_display(b) for b in bound.values())
        mono = f"{decl.name}<{', '.join(arg_names)}>"
        if mono not in self.typedefs and mono not in self.building:
            ident = self.unique_ident(_ident_base(decl.name) + "".join(_binding_ident(b) for b in bound.values()))
            self.instances.setdefault(decl.name, []).append(mono)
            self.build(decl, mono, ident, bound, Generic(decl.name, arg_names))
        return DefinedType(mono)

    def unique_ident(self, base: str) -> str:
        ident, n = base, 2
        while ident in self.idents:
            ident, n = f"{base}{n}", n + 1
        self.idents.add(ident)
        return ident

    def ensure(self, name: str) -> None:
        if name in self.typedefs or name in self.building:
            return
        decl = self.decls[name]
        if not decl.ident:
            short = _ident_base(name)
            clash = self.base_counts().get(short, 0) > 1
            decl.ident = self.unique_ident(_ident_base(name.replace("::", "_")) if clash else short)
        self.build(decl, name, decl.ident, {}, None)

    def base_counts(self) -> dict[str, int]:
        """How many declarations share each identifier base; recounted only when declarations were added
        (one scan per change, not one per type: 100,000 types load in seconds)."""
        if self._counted != len(self.order):
            counts: dict[str, int] = {}
            for n in self.order:
                b = _ident_base(n)
                counts[b] = counts.get(b, 0) + 1
            self._base_counts, self._counted = counts, len(self.order)
        return self._base_counts

    def build(self, decl: Decl, name: str, ident: str, env: dict[str, Binding], generic: Generic | None) -> None:
        if len(self.building) >= MAX_TYPE_DEPTH:
            what = (f"generic type {decl.name!r} instantiates itself with ever-growing arguments ({_short(name)})"
                    if generic is not None and decl.name in {n.split("<", 1)[0] for n in self.building}
                    else f"type {decl.name!r} is nested more than {MAX_TYPE_DEPTH} defined types deep")
            self.fail(decl.path, what)
        self.building.add(name)
        params = {p for _, p in decl.params}
        tpath = join(decl.path, "type")
        raw = decl.raw["type"]
        body: TypeBody
        if raw.get("kind") == "struct":
            fields_raw = raw.get("fields", [])
            if fields_raw is None:
                fields_raw = []
            fields_raw = self.arr(fields_raw, join(tpath, "fields"), "struct fields")
            if fields_raw and all(isinstance(f, dict) and "name" in f for f in fields_raw):
                kind = StructKind.NAMED
            elif not fields_raw:
                kind = StructKind.UNIT
            else:
                kind = StructKind.TUPLE
            body = StructBody(kind, self.fields(fields_raw, join(tpath, "fields"), params, env, kind))
        else:
            variants_raw = self.arr(raw.get("variants"), join(tpath, "variants"), "enum variants")
            if len(variants_raw) > MAX_VARIANTS:
                self.fail(join(tpath, "variants"), f"enum {name!r} has {len(variants_raw)} variants; "
                          f"Borsh's u8 tag allows at most {MAX_VARIANTS}")
            variants: list[Variant] = []
            seen: set[str] = set()
            for i, vr in enumerate(variants_raw):
                vp = join(join(tpath, "variants"), i)
                vr = self.obj(vr, vp, "a variant")
                vname = self.name_of(vr, vp, "variant")
                if vname in seen:
                    self.fail(join(vp, "name"), f"duplicate variant {vname!r} in enum {name!r}")
                seen.add(vname)
                fr = vr.get("fields")
                if not fr:
                    variants.append(Variant(vname, VariantKind.UNIT, (), vp))
                    continue
                fr = self.arr(fr, join(vp, "fields"), "variant fields")
                named = all(isinstance(f, dict) and "name" in f and "type" in f for f in fr)
                vkind = VariantKind.NAMED if named else VariantKind.TUPLE
                skind = StructKind.NAMED if named else StructKind.TUPLE
                variants.append(Variant(vname, vkind, self.fields(fr, join(vp, "fields"), params, env, skind), vp))
            body = EnumBody(tuple(variants))
        td = TypeDef(name=name, ident=ident, body=body, docs=decl.docs, serialization=decl.serialization,
                     repr=decl.repr, generic=generic, path=decl.path)
        self.typedefs[name] = td
        self.building.discard(name)

    def fields(self, raw: list[Any], path: str, params: set[str], env: dict[str, Binding],
               kind: StructKind) -> tuple[Field, ...]:
        out: list[Field] = []
        seen: set[str] = set()
        for i, f in enumerate(raw):
            fp = join(path, i)
            if kind is StructKind.NAMED:
                f = self.obj(f, fp, "a field")
                fname = self.name_of(f, fp, "field")
                if fname in seen:
                    # Borsh is positional, so the layout is still exact; only the name needs to differ.
                    n = 2
                    while f"{fname}_{n}" in seen or any(isinstance(x, dict) and x.get("name") == f"{fname}_{n}"
                                                         for x in raw):
                        n += 1
                    self.note(join(fp, "name"), f"duplicate field name {fname!r}: the later one is called "
                              f"{fname}_{n}")
                    fname = f"{fname}_{n}"
                seen.add(fname)
                if "type" not in f:
                    self.fail(fp, f"field {fname!r} has no \"type\"")
                tp = join(fp, "type")
                t = self.resolve(self.texpr(f["type"], tp, params), env, tp)
                out.append(Field(fname, names.snake_case(fname), t, self.docs(f, fp), fp))
            else:
                t = self.resolve(self.texpr(f, fp, params), env, fp)
                out.append(Field(str(i), f"_{i}", t, (), fp))
        return tuple(out)

    def ordered_types(self) -> tuple[TypeDef, ...]:
        out: list[TypeDef] = []
        for name in self.order:
            if name in self.typedefs:
                out.append(self.typedefs[name])
            for mono in sorted(self.instances.get(name, [])):
                out.append(self.typedefs[mono])
        return tuple(out)

    # ---- layout facts ---------------------------------------------------------------------------------

    def with_layouts(self, types: tuple[TypeDef, ...], accounts: list[Account]) -> tuple[TypeDef, ...]:
        by_name = {t.name: t for t in types}
        sizes: dict[str, int | None] = {}

        def size_of(n: str) -> int | None:
            if n not in sizes:
                sizes[n] = None  # recursion is variable (and checked separately)
                sizes[n] = layout.body_borsh_size(by_name[n].body, size_of)
            return sizes[n]

        layouts: dict[str, CLayout] = {}

        def c_of(n: str) -> CLayout:
            if n not in layouts:
                t = by_name[n]
                try:
                    layouts[n] = layout.c_layout(t.body, t.repr, c_of)
                except RecursionError:
                    self.fail(t.path, f"type {n!r} contains itself")
                except layout.LayoutError as exc:
                    self.fail(t.path, f"zero-copy type {n!r}: {exc}")
            return layouts[n]

        for t in types:
            if t.zero_copy:
                c_of(t.name)
            size = size_of(t.name)
            if size is not None and size > MAX_FIXED_SIZE:
                self.fail(t.path, f"type {t.name!r} is {_short(size)} bytes, more than Solana's largest account "
                          f"({MAX_FIXED_SIZE} bytes)")
        return tuple(replace(t, borsh_size=size_of(t.name), c_layout=layouts.get(t.name)) for t in types)

    def check_recursion(self, types: tuple[TypeDef, ...]) -> None:
        finite: set[str] = set()

        def ok(t: TypeRef) -> bool:
            match t:
                case PrimType() | VecType() | OptionType():
                    return True
                case COptionType(inner=i):
                    return ok(i)
                case ArrayType(inner=i, length=n):
                    return n == 0 or ok(i)
                case DefinedType(name=n):
                    return n in finite

        changed = True
        while changed:
            changed = False
            for t in types:
                if t.name in finite:
                    continue
                if isinstance(t.body, StructBody):
                    good = all(ok(f.type) for f in t.body.fields)
                else:
                    good = not t.body.variants or any(all(ok(f.type) for f in v.fields) for v in t.body.variants)
                if good:
                    finite.add(t.name)
                    changed = True
        infinite = [t for t in types if t.name not in finite]
        if infinite:
            # Name a type on the cycle itself, not an outer type that merely holds one.
            by_name = {t.name: t for t in types}
            culprit = next((t for t in infinite if self._reaches_itself(t, by_name)), infinite[0])
            self.fail(culprit.path, f"type {culprit.name!r} contains itself with no Vec or Option in between: "
                      "every value would be infinitely large")

    @staticmethod
    def _reaches_itself(start: TypeDef, by_name: dict[str, TypeDef]) -> bool:
        def refs(td: TypeDef) -> list[str]:
            fields = td.body.fields if isinstance(td.body, StructBody) else [
                f for v in td.body.variants for f in v.fields]
            out: list[str] = []
            for f in fields:
                t: TypeRef = f.type
                while isinstance(t, COptionType | ArrayType):
                    t = t.inner
                if isinstance(t, DefinedType):
                    out.append(t.name)
            return out

        seen: set[str] = set()
        todo = refs(start)
        while todo:
            n = todo.pop()
            if n == start.name:
                return True
            if n not in seen and n in by_name:
                seen.add(n)
                todo.extend(refs(by_name[n]))
        return False

    # ---- accounts, events, instructions -------------------------------------------------------------

    def discriminator(self, item: dict[str, Any], path: str, derived: bytes) -> bytes:
        if self.legacy:
            if "discriminator" in item:  # some hand-written legacy IDLs carry them
                return self.disc_bytes(item["discriminator"], join(path, "discriminator"))
            return derived
        if "discriminator" not in item:
            self.note(path, "no discriminator: treated as a non-Anchor program entry with an empty discriminator")
            return b""
        return self.disc_bytes(item["discriminator"], join(path, "discriminator"))

    def disc_bytes(self, v: Any, path: str) -> bytes:
        a = self.arr(v, path, "discriminator")
        if not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 255 for x in a):
            self.fail(path, "discriminator must be an array of bytes (0-255)")
        return bytes(a)

    def lower_accounts(self) -> list[Account]:
        out: list[Account] = []
        for i, item in enumerate(self.section("accounts")):
            path = join("accounts", i)
            item = self.obj(item, path, "an account")
            name = self.name_of(item, path, "account")
            disc = self.discriminator(item, path, names.account_discriminator(name))
            decl = self.lookup(name, path)
            if decl.params:
                self.fail(path, f"account {name!r} is generic")
            self.ensure(decl.name)
            out.append(Account(name, disc, decl.name, self.docs(item, path) or decl.docs, path))
        state = self.doc.get("state") if self.legacy else None
        if isinstance(state, dict) and isinstance(state.get("struct"), dict):
            sname = state["struct"]["name"]
            self.ensure(sname)
            self.note("state", "legacy `state` struct loaded as an account; its methods as instructions "
                      "with the `state:` discriminator namespace")
            out.append(Account(sname, names.account_discriminator(sname), sname, (), "state.struct"))
        return out

    def lower_events(self) -> list[Event]:
        out: list[Event] = []
        for i, item in enumerate(self.section("events")):
            path = join("events", i)
            item = self.obj(item, path, "an event")
            name = self.name_of(item, path, "event")
            disc = self.discriminator(item, path, names.event_discriminator(name))
            decl = self.lookup(name, path)
            self.ensure(decl.name)
            out.append(Event(name, disc, decl.name, path))
        return out

    def lower_instructions(self) -> list[Instruction]:
        out: list[Instruction] = []
        seen: dict[str, str] = {}
        items = [(join("instructions", i), x, "global") for i, x in enumerate(self.section("instructions"))]
        state = self.doc.get("state") if self.legacy else None
        if isinstance(state, dict):
            items += [(join("state.methods", i), x, "state") for i, x in enumerate(state.get("methods", []))]
        for path, item, ns in items:
            item = self.obj(item, path, "an instruction")
            name = self.name_of(item, path, "instruction")
            snake = names.snake_case(name)
            if snake in seen:
                self.fail(join(path, "name"), f"duplicate instruction {name!r} (also at {seen[snake]})")
            seen[snake] = path
            disc = self.discriminator(item, path, names.sighash(ns, snake))
            args = self.fields(self.arr(item.get("args", []), join(path, "args"), "args"), join(path, "args"),
                               set(), {}, StructKind.NAMED)
            accounts = self.account_items(self.arr(item.get("accounts", []), join(path, "accounts"),
                                                   "accounts"), join(path, "accounts"), args)
            returns = None
            if item.get("returns") is not None:
                rp = join(path, "returns")
                returns = self.resolve(self.texpr(item["returns"], rp, set()), {}, rp)
            out.append(Instruction(name, snake, disc, accounts, args, returns, self.docs(item, path), path))
        return out

    def account_items(self, raw: list[Any], path: str, args: tuple[Field, ...]) -> tuple[AccountItem, ...]:
        out: list[AccountItem] = []
        for i, a in enumerate(raw):
            ap = join(path, i)
            a = self.obj(a, ap, "an instruction account")
            name = self.name_of(a, ap, "account")
            if "accounts" in a:
                sub = self.account_items(self.arr(a["accounts"], join(ap, "accounts"), "accounts"),
                                         join(ap, "accounts"), args)
                out.append(AccountGroup(name, names.snake_case(name), sub, ap))
                continue
            if self.legacy:
                writable = bool(a.get("isMut", False))
                signer = bool(a.get("isSigner", False))
                optional = bool(a.get("isOptional", False))
            else:
                writable = bool(a.get("writable", False))
                signer = bool(a.get("signer", False))
                optional = bool(a.get("optional", False))
            address = a.get("address")
            if address is not None:
                address = self.string(address, join(ap, "address"), "address")
                self.check_pubkey(address, join(ap, "address"))
            pda = None
            if a.get("pda") is not None:
                pda = self.pda(self.obj(a["pda"], join(ap, "pda"), "pda"), join(ap, "pda"), args)
            rel = tuple(x for x in a.get("relations", []) if isinstance(x, str))
            out.append(AccountMeta(name, names.snake_case(name), writable, signer, optional, address, pda, rel,
                                   self.docs(a, ap), ap))
        return tuple(out)

    def pda(self, p: dict[str, Any], path: str, args: tuple[Field, ...]) -> Pda:
        seeds = tuple(self.seed(s, join(join(path, "seeds"), i), args)
                      for i, s in enumerate(self.arr(p.get("seeds", []), join(path, "seeds"), "seeds")))
        program = self.seed(p["program"], join(path, "program"), args) if p.get("program") else None
        return Pda(seeds, program)

    def seed(self, s: Any, path: str, args: tuple[Field, ...]) -> Seed:
        s = self.obj(s, path, "a seed")
        kind = s.get("kind")
        if kind == "const":
            return self.const_seed(s, path)
        if kind in ("arg", "account"):
            expr = self.string(s.get("path"), join(path, "path"), "seed path")
            stype: TypeRef | None = None
            if "type" in s:
                stype = self.resolve(self.texpr(s["type"], join(path, "type"), set()), {}, join(path, "type"))
            if kind == "arg":
                root = expr.split(".")[0]
                if self.legacy:
                    root = names.snake_case(root)
                    expr = ".".join(names.snake_case(x) for x in expr.split("."))
                if not any(a.snake == names.snake_case(root) for a in args):
                    self.fail(join(path, "path"), f"seed refers to argument {root!r}, which the instruction "
                              "does not have")
                if stype is None:
                    stype = next(a.type for a in args if a.snake == names.snake_case(root)) if "." not in expr else None
                return ArgSeed(expr, stype, path)
            if self.legacy:
                expr = ".".join(names.snake_case(x) for x in expr.split("."))
            acct = s.get("account")
            return AccountSeed(expr, acct if isinstance(acct, str) else None, stype, path)
        self.fail(join(path, "kind"), f"unknown seed kind {kind!r} (const, arg, account)")

    def const_seed(self, s: dict[str, Any], path: str) -> Seed:
        """Spec IDLs give the seed's bytes; legacy IDLs give a typed value to encode."""
        value = s.get("value")
        if not self.legacy or (isinstance(value, list) and "type" not in s):
            return ConstSeed(self.disc_bytes(value, join(path, "value")), path)
        t = s.get("type")
        if t == "string" and isinstance(value, str):
            return ConstSeed(value.encode(), path)
        if t in ("publicKey", "pubkey") and isinstance(value, str):
            self.check_pubkey(value, join(path, "value"))
            return ConstSeed(b58decode(value) or b"", path)
        if isinstance(t, str) and t in PRIMS and PRIMS[t].is_int and isinstance(value, int | str):
            p = PRIMS[t]
            return ConstSeed(int(value).to_bytes(p.bits // 8, "little", signed=p.is_signed), path)
        if isinstance(value, list):
            return ConstSeed(self.disc_bytes(value, join(path, "value")), path)
        if isinstance(value, str) and t == "bytes":
            return ConstSeed(base64.b64decode(value), path)
        self.fail(join(path, "value"), f"cannot read a const seed of type {t!r}")

    # ---- constants and errors ------------------------------------------------------------------------

    def lower_constants(self) -> list[Constant]:
        out: list[Constant] = []
        for i, c in enumerate(self.section("constants")):
            path = join("constants", i)
            c = self.obj(c, path, "a constant")
            name = self.name_of(c, path, "constant")
            if "type" not in c:
                self.fail(path, f"constant {name!r} has no \"type\"")
            t: TypeRef | None
            raw_t = c["type"]
            if isinstance(raw_t, dict) and "defined" in raw_t:
                raw_t = raw_t["defined"].get("name") if isinstance(raw_t["defined"], dict) else raw_t["defined"]
            if raw_t in ("usize", "isize"):
                # Constants are never serialized; Rust's pointer-sized integers are 64-bit on SBF.
                t = PrimType(Prim.I64 if raw_t == "isize" else Prim.U64)
            else:
                t = self.resolve(self.texpr(c["type"], join(path, "type"), set()), {}, join(path, "type"))
            value = c.get("value")
            if not isinstance(value, str):
                value = str(value)
            if t == PrimType(Prim.PUBKEY):
                # the generated modules build it at import time: a bad key would make them unimportable
                self.check_pubkey(value.strip().strip('"'), join(path, "value"))
            out.append(Constant(name, t, value, path))
        return out

    def lower_errors(self) -> list[ErrorCode]:
        out: list[ErrorCode] = []
        codes: dict[int, str] = {}
        for i, e in enumerate(self.section("errors")):
            path = join("errors", i)
            e = self.obj(e, path, "an error")
            name = self.name_of(e, path, "error")
            code = e.get("code")
            if not isinstance(code, int) or isinstance(code, bool) or not 0 <= code <= 0xFFFFFFFF:
                self.fail(join(path, "code"), f"error code must be a u32, found {code!r}")
            if code in codes:
                self.fail(join(path, "code"), f"error code {code} is used by {codes[code]!r} and {name!r}")
            codes[code] = name
            msg = e.get("msg")
            out.append(ErrorCode(code, name, msg if isinstance(msg, str) else None, path))
        return out

    # ---- checks ---------------------------------------------------------------------------------------

    def check_discriminators(self, items: Sequence[Instruction | Account | Event], section: str) -> None:
        kind = section[:-1]
        nonempty = [x for x in items if x.discriminator]
        for a_i, a in enumerate(nonempty):
            for b in nonempty[a_i + 1:]:
                short, long_ = (a, b) if len(a.discriminator) <= len(b.discriminator) else (b, a)
                if long_.discriminator.startswith(short.discriminator):
                    same = "the same" if len(a.discriminator) == len(b.discriminator) else "a prefix of the other's"
                    self.fail(join(b.path, "discriminator") if not self.legacy else b.path,
                              f"{kind} {b.name!r} and {kind} {a.name!r} have {same} discriminator "
                              f"[{', '.join(str(x) for x in short.discriminator)}]: data cannot be routed")

    # ---- versioned families ---------------------------------------------------------------------------

    def find_families(self, types: tuple[TypeDef, ...], instructions: list[Instruction],
                      accounts: list[Account], errors: list[ErrorCode]) -> tuple[Family, ...]:
        found: dict[str, list[FamilyMember]] = {}
        for t in types:
            if t.generic is not None:
                continue
            m = re.fullmatch(r"(.+?)V(\d+)", t.name.rsplit("::", 1)[-1])
            if m and int(m.group(2)) > 0:
                found.setdefault(m.group(1), []).append(FamilyMember(int(m.group(2)), t.name))
        specs = {s.stem: s for s in self.family_specs}
        out: list[Family] = []
        error_names = {e.name for e in errors}
        for stem in sorted(set(found) | set(specs)):
            members = sorted(found.get(stem, []), key=lambda m: m.version)
            spec = specs.get(stem)
            if spec is None and len(members) < 2:
                continue  # one `FooV2` alone is just a name, not a family, unless config says so
            if not members:
                self.fail("", f"family {stem!r} is configured but the IDL has no type named {stem}V<n>")
            versions = [m.version for m in members]
            if len(set(versions)) != len(versions):
                self.fail("", f"family {stem!r} has two members with the same version")
            if versions[-1] > 255:
                self.fail("", f"family {stem!r} has version {versions[-1]}; the version byte holds at most 255")
            carrier = gate = None
            if spec and spec.carrier:
                ix_name, _, arg = spec.carrier.partition(".")
                ix = next((x for x in instructions if x.snake == names.snake_case(ix_name)), None)
                if ix is None or not any(a.snake == names.snake_case(arg) for a in ix.args):
                    self.fail("", f"family {stem!r}: carrier {spec.carrier!r} is not an instruction argument")
                argf = next(a for a in ix.args if a.snake == names.snake_case(arg))
                if argf.type != PrimType(Prim.BYTES) and argf.type != VecType(PrimType(Prim.U8)):
                    self.fail(argf.path, f"family {stem!r}: carrier {spec.carrier!r} must be bytes or Vec<u8>")
                carrier = FamilyCarrier(ix.snake, argf.snake)
            gate_spec = spec.gate if spec and spec.gate else None
            if gate_spec is None:
                field_name = f"allowed_{names.snake_case(stem)}_versions"
                for acct in accounts:
                    body = self.typedefs[acct.type].body
                    if isinstance(body, StructBody) and any(f.snake == field_name for f in body.fields):
                        gate_spec = f"{acct.name}.{field_name}"
                        break
            if gate_spec is not None:
                acct_name, _, fld = gate_spec.partition(".")
                gate_acct = next((a for a in accounts if a.name == acct_name), None)
                gate_body = self.typedefs[gate_acct.type].body if gate_acct else None
                f = None
                if isinstance(gate_body, StructBody):
                    f = next((x for x in gate_body.fields if x.snake == names.snake_case(fld)), None)
                if gate_acct is None or f is None:
                    self.fail("", f"family {stem!r}: gate {gate_spec!r} is not an account field")
                if not (isinstance(f.type, PrimType) and f.type.prim.is_int and not f.type.prim.is_signed):
                    self.fail(f.path, f"family {stem!r}: the allowed-versions field must be an unsigned integer "
                              "bitmask (u8 .. u128)")
                if versions[-1] > f.type.prim.bits:
                    self.fail(f.path, f"family {stem!r} has version {versions[-1]}; the allowed-versions bitmask "
                              f"is a {f.type.prim.value}")
                gate = FamilyGate(gate_acct.name, f.snake)
            unknown = (spec.unknown_version_error if spec else None) or _present(
                f"Invalid{stem}Version", error_names)
            disabled = (spec.disabled_version_error if spec else None) or _present(
                f"{stem}VersionDisabled", error_names)
            for label, ename in (("unknown_version_error", unknown), ("disabled_version_error", disabled)):
                if ename is not None and ename not in error_names:
                    self.fail("errors", f"family {stem!r}: {label} {ename!r} is not an error of the IDL")
            out.append(Family(stem, tuple(members), carrier, gate, unknown, disabled))
        return tuple(out)


# ---- helpers -------------------------------------------------------------------------------------------

def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    return {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}.get(
        type(v), "null")


def _short(v: Any) -> str:
    import json

    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= 60 else s[:57] + "..."


def _canon(v: Any) -> str:
    import json

    return json.dumps(v, sort_keys=True)


def _present(name: str, names_: set[str]) -> str | None:
    return name if name in names_ else None


def _texpr_json(e: TExpr | TConst) -> Any:
    """A parsed type expression back in IDL JSON form (for synthesised declarations)."""
    match e:
        case TConst(value=v):
            return v
        case TPrim(prim=p):
            return p.value
        case TVec(inner=i):
            return {"vec": _texpr_json(i)}
        case TOption(inner=i):
            return {"option": _texpr_json(i)}
        case TCOption(inner=i):
            return {"coption": _texpr_json(i)}
        case TArray(inner=i, length=n):
            return {"array": [_texpr_json(i), n.name if isinstance(n, TGeneric) else n]}
        case TGeneric(name=g):
            return {"generic": g}
        case TDefined(name=n, args=args):
            if not args:
                return {"defined": n}
            return {"defined": {"name": n, "generics": [
                {"kind": "const", "value": a.value} if isinstance(a, TConst)
                else {"kind": "type", "type": _texpr_json(a)} for a in args]}}


def _texpr_display(e: TExpr | TConst) -> str:
    match e:
        case TConst(value=v):
            return str(v)
        case TPrim(prim=p):
            return p.value
        case TVec(inner=i):
            return f"Vec<{_texpr_display(i)}>"
        case TOption(inner=i):
            return f"Option<{_texpr_display(i)}>"
        case TCOption(inner=i):
            return f"COption<{_texpr_display(i)}>"
        case TArray(inner=i, length=n):
            return f"[{_texpr_display(i)};{n.name if isinstance(n, TGeneric) else n}]"
        case TGeneric(name=g):
            return g
        case TDefined(name=n, args=args):
            return n + (f"<{','.join(_texpr_display(a) for a in args)}>" if args else "")


def _ident_base(name: str) -> str:
    head = name.split("<", maxsplit=1)[0]
    last = head.rsplit("::", 1)[-1] + name[len(head):]
    stem = re.sub(r"[^0-9A-Za-z_]+", "_", last).strip("_")
    if "_" in stem and stem != stem.upper():
        stem = "".join(p[:1].upper() + p[1:] for p in stem.split("_") if p)
    if not stem or stem[0].isdigit():
        stem = "T" + stem
    return stem


def _binding_display(b: Binding) -> str:
    if isinstance(b, int):
        return str(b)
    return type_display(b)


def type_display(t: TypeRef) -> str:
    match t:
        case PrimType(prim=p):
            return p.value
        case VecType(inner=i):
            return f"Vec<{type_display(i)}>"
        case OptionType(inner=i):
            return f"Option<{type_display(i)}>"
        case COptionType(inner=i):
            return f"COption<{type_display(i)}>"
        case ArrayType(inner=i, length=n):
            return f"[{type_display(i)}; {n}]"
        case DefinedType(name=n):
            return n


def _binding_ident(b: Binding) -> str:
    if isinstance(b, int):
        return str(b)
    match b:
        case PrimType(prim=p):
            return p.value.capitalize()
        case VecType(inner=i):
            return "Vec" + _binding_ident(i)
        case OptionType(inner=i):
            return "Opt" + _binding_ident(i)
        case COptionType(inner=i):
            return "COpt" + _binding_ident(i)
        case ArrayType(inner=i, length=n):
            return f"Arr{n}" + _binding_ident(i)
        case DefinedType(name=n):
            return re.sub(r"[^0-9A-Za-z]", "", n.rsplit("::", 1)[-1].title() if "<" in n else _ident_base(n))


def _closest(name: str, options: list[str]) -> str | None:
    import difflib

    m = difflib.get_close_matches(name, options, n=1, cutoff=0.75)
    return m[0] if m else None

