"""Views for the package modules other than `types.py`: each returns {"code": ..., "local": ...}.

`code` is the module body (ready Python source); `local` lists the names the module may import from
sibling modules (only those it uses are imported).
"""

from __future__ import annotations

import math
import pprint
from typing import Any, assert_never

from idlgen.ir.model import (
    AccountGroup,
    AccountItem,
    AccountMeta,
    AccountSeed,
    ArgSeed,
    ArrayType,
    ConstSeed,
    Family,
    Field,
    Instruction,
    Prim,
    PrimType,
    Program,
    Seed,
    StructBody,
    TypeRef,
    VecType,
)
from idlgen.targets.escape import py_docstring_text as _d
from idlgen.targets.python import names
from idlgen.targets.python.anchor_errors import ANCHOR_ERRORS
from idlgen.targets.python.codegen import Codegen, ind
from idlgen.targets.python.schema import ref_schema
from idlgen.targets.python.shapes import Shapes
from idlgen.targets.python.types_view import docstring, uses_memory

BUFFER = "bytes | bytearray | memoryview"


def _lit(b: bytes) -> str:
    return repr(bytes(b))


def _program_id(program: Program) -> str:
    if program.address:
        return f"PROGRAM_ID: Final[Pubkey] = Pubkey.from_string({program.address!r})"
    return ("# The IDL has no program address: pass `program_id=` to the instruction builders.\n"
            "PROGRAM_ID: Final[Pubkey] = Pubkey.default()")


# ---- errors ------------------------------------------------------------------------------------------

def errors_view(program: Program) -> dict[str, Any]:
    classes: list[str] = []
    table: list[str] = []
    cls_names = _error_classes(program)
    for err in program.errors:
        cls = cls_names[err.name]
        lines = [f"class {cls}(CustomError):"]
        lines += docstring([err.msg or err.name], "    ")
        lines += ["", f"    code = {err.code}", f"    name = {err.name!r}", f"    msg = {err.msg or ''!r}"]
        classes.append("\n".join(lines))
        table.append(f"    {err.code}: {cls},")
    anchor = "\n".join(f"    {code}: ({name!r}, {msg!r})," for code, name, msg in ANCHOR_ERRORS)
    return {"classes": classes, "table": table, "anchor": anchor}


# ---- accounts ----------------------------------------------------------------------------------------

def accounts_view(program: Program, shapes: Shapes, gen: Codegen) -> dict[str, Any]:
    scope = names.Scope(names.MODULE_RESERVED | {"ACCOUNTS", "identify", "decode_any"})
    blocks: list[str] = []
    registry: list[str] = []
    if not program.accounts:
        registry.append("")
    for acct in program.accounts:
        td = program.type(acct.type)
        shape = shapes[td.name]
        stem = scope.claim(names.func_stem(acct.name))
        disc_name = f"{stem.upper()}_DISCRIMINATOR"
        mem = uses_memory(td)
        dec = gen.dec_fn(td, mem)
        enc = gen.enc_fn(td, mem)
        n = len(acct.discriminator)
        wire = "repr(C) memory image (zero-copy)" if mem else "Borsh"
        blocks.append("\n".join([
            f"{disc_name}: Final[bytes] = {_lit(acct.discriminator)}",
            "",
            "",
            f"def encode_{stem}(value: {shape.cls}) -> bytes:",
            f'    """Account data of `{_d(acct.name)}`: discriminator then the {wire} body."""',
            f"    out = bytearray({disc_name})",
            "    try:",
            f"        {enc}(value, out)",
            "    except EncodeError as e:",
            f"        raise e.at({acct.name!r}) from None",
            "    except RecursionError:",
            f"        raise deep_encode({acct.name!r}) from None",
            "    return bytes(out)",
            "",
            "",
            f"def decode_{stem}(data: {BUFFER}, *, strict: bool = False) -> {shape.cls}:",
            f'    """Decode `{_d(acct.name)}` account data after checking its {n}-byte discriminator.',
            "",
            "    Trailing bytes are ignored by default, as the on-chain program does (accounts are often",
            "    allocated larger than their body); `strict=True` rejects them.",
            '    """',
            "    b = bytes(data)",
            "    try:",
            f"        check_discriminator(b, {disc_name}, {acct.name!r})",
            f"        value, o = {dec}(b, {n})",
            "        if strict and o != len(b):",
            "            raise trailing(b, o)",
            "    except DecodeError as e:",
            f"        raise e.at({acct.name!r}) from None",
            "    except RecursionError:",
            f"        raise deep_decode({acct.name!r}) from None",
            "    return value",
        ]))
        registry.append(f"    {acct.name!r}: ({disc_name}, encode_{stem}, decode_{stem}),")
    return {"blocks": blocks, "registry": [r for r in registry if r]}


# ---- events ------------------------------------------------------------------------------------------

def events_view(program: Program, shapes: Shapes, gen: Codegen) -> dict[str, Any]:
    scope = names.Scope(names.MODULE_RESERVED | {"EVENTS", "decode_event", "parse_logs", "Event"})
    blocks: list[str] = []
    registry: list[str] = []
    classes: list[str] = []
    for ev in program.events:
        td = program.type(ev.type)
        shape = shapes[td.name]
        classes.append(shape.cls)
        stem = scope.claim(names.func_stem(ev.name))
        disc_name = f"{stem.upper()}_DISCRIMINATOR"
        n = len(ev.discriminator)
        blocks.append("\n".join([
            f"{disc_name}: Final[bytes] = {_lit(ev.discriminator)}",
            "",
            "",
            f"def encode_{stem}(value: {shape.cls}) -> bytes:",
            f'    """Event `{_d(ev.name)}` as emitted: discriminator then the Borsh body."""',
            f"    out = bytearray({disc_name})",
            "    try:",
            f"        {gen.enc_fn(td)}(value, out)",
            "    except EncodeError as e:",
            f"        raise e.at({ev.name!r}) from None",
            "    except RecursionError:",
            f"        raise deep_encode({ev.name!r}) from None",
            "    return bytes(out)",
            "",
            "",
            f"def decode_{stem}(data: {BUFFER}, *, strict: bool = True) -> {shape.cls}:",
            f'    """Decode event `{_d(ev.name)}` (discriminator + body); `strict` (default) rejects trailing'
            ' bytes."""',
            "    b = bytes(data)",
            "    try:",
            f"        check_discriminator(b, {disc_name}, {ev.name!r})",
            f"        value, o = {gen.dec_fn(td)}(b, {n})",
            "        if strict and o != len(b):",
            "            raise trailing(b, o)",
            "    except DecodeError as e:",
            f"        raise e.at({ev.name!r}) from None",
            "    except RecursionError:",
            f"        raise deep_decode({ev.name!r}) from None",
            "    return value",
        ]))
        registry.append(f"    {ev.name!r}: ({disc_name}, encode_{stem}, decode_{stem}),")
    union = " | ".join(dict.fromkeys(classes)) if classes else "Any"
    return {"blocks": blocks, "registry": registry, "union": union}


# ---- instructions ------------------------------------------------------------------------------------

def _flat_accounts(items: tuple[AccountItem, ...], scope: names.Scope, prefix: str = ""
                   ) -> list[tuple[AccountMeta, str]]:
    out: list[tuple[AccountMeta, str]] = []
    for item in items:
        if isinstance(item, AccountGroup):
            out.extend(_flat_accounts(item.accounts, scope, prefix + names.func_stem(item.name) + "_"))
        else:
            want = names.field_name(item.snake or names.func_stem(item.name))
            name = want if want not in scope.taken else prefix + want
            out.append((item, scope.claim(name)))
    return out


def _seed_expr(seed: Seed, ix: Instruction, args: dict[str, tuple[str, Field]], accts: dict[str, str]
               ) -> tuple[str, set[str]] | None:
    """Python bytes expression for a seed and the accounts it needs, or None if it cannot be derived."""
    match seed:
        case ConstSeed(value=value):
            return _lit(value), set()
        case ArgSeed(path_expr=path, type=t):
            root, *rest = path.split(".")
            if root not in args or t is None:
                return None
            expr = "args." + args[root][0]
            if rest:
                field_attrs = _attr_path(args[root][1].type, rest)
                if field_attrs is None:
                    return None
                expr += field_attrs
            conv = _seed_bytes(expr, t)
            return (conv, set()) if conv is not None else None
        case AccountSeed(path_expr=path):
            if "." in path:
                return None  # a field of the account's data: needs the account fetched
            local = accts.get(path) or accts.get(names.func_stem(path))
            if local is None:
                return None
            return f"bytes({local})", {local}
        case _:
            assert_never(seed)


def _attr_path(ref: TypeRef, parts: list[str]) -> str | None:
    return "".join("." + names.field_name(names.func_stem(p)) for p in parts)


def _seed_bytes(expr: str, t: TypeRef) -> str | None:
    match t:
        case PrimType(prim=p):
            if p is Prim.PUBKEY:
                return f"bytes({expr})"
            if p is Prim.STRING:
                return f"{expr}.encode()"
            if p is Prim.BYTES:
                return f"bytes({expr})"
            if p is Prim.BOOL:
                return f"bytes([int({expr})])"
            if p.is_int:
                return f'{expr}.to_bytes({p.bits // 8}, "little", signed={p.is_signed})'
            return None
        case ArrayType(inner=PrimType(prim=Prim.U8)) | VecType(inner=PrimType(prim=Prim.U8)):
            return f"bytes({expr})"
        case _:
            return None


def arg_attrs(ix: Instruction) -> list[str]:
    scope = names.Scope(names.MEMBER_RESERVED)
    return [scope.claim(names.field_name(f.snake)) for f in ix.args]


class Addresses:
    """Fixed account addresses, parsed once at import (module constants named after the account)."""

    def __init__(self) -> None:
        self.by_address: dict[str, str] = {}

    def name(self, address: str, account: str) -> str:
        if address not in self.by_address:
            base = "_ADDR_" + names.func_stem(account).upper()
            name, n = base, 2
            while name in self.by_address.values():
                name, n = f"{base}_{n}", n + 1
            self.by_address[address] = name
        return self.by_address[address]

    def lines(self) -> list[str]:
        return [f"{name}: Final[Pubkey] = Pubkey.from_string({addr!r})" for addr, name in self.by_address.items()]


def instruction_names(program: Program, shapes: Shapes) -> dict[str, tuple[str, str, str]]:
    """IDL instruction name -> (builder/codec stem, args class, accounts class) in instructions.py."""
    module = names.Scope(names.MODULE_RESERVED | {"INSTRUCTIONS", "identify"}
                         | {shapes[td.name].cls for td in program.types}
                         | {vs.cls for td in program.types for vs in shapes[td.name].variants})
    out: dict[str, tuple[str, str, str]] = {}
    for ix in program.instructions:
        pascal = names.pascal(ix.name)
        out[ix.name] = (module.claim(names.func_stem(ix.name)), module.claim(names.class_name(pascal + "Args")),
                        module.claim(names.class_name(pascal + "Accounts")))
    return out


def _instruction_block(ix: Instruction, shapes: Shapes, gen: Codegen, *,
                       spelled: tuple[str, str, str], addresses: Addresses) -> tuple[str, str]:
    stem, args_cls, accts_cls = spelled
    disc = f"{stem.upper()}_DISCRIMINATOR"
    attrs = arg_attrs(ix)
    args = {f.name: (a, f) for f, a in zip(ix.args, attrs, strict=True)}
    args.update({f.snake: (a, f) for f, a in zip(ix.args, attrs, strict=True)})

    lines = ["@dataclass(slots=True)", f"class {args_cls}:"]
    lines += docstring([f"Arguments of `{ix.name}` (Borsh, after the {len(ix.discriminator)}-byte discriminator)."],
                       "    ")
    lines.append("")
    lines.append(f"    IDL_NAME: ClassVar[str] = {ix.name!r}")
    for f, a in zip(ix.args, attrs, strict=True):
        lines.append(f"    {a}: {shapes.annotation(f.type)}")
        if f.name != a:
            lines += docstring([f"IDL name: `{f.name}`."], "    ")
    lines += ["", ""]

    # accounts
    acct_scope = names.Scope(names.MEMBER_RESERVED | {"program_id", "remaining_accounts", "args", "accounts"})
    flat = _flat_accounts(ix.accounts, acct_scope)
    by_name = {m.name: local for m, local in flat}
    by_name.update({m.snake: local for m, local in flat})
    derive: dict[str, tuple[str, set[str]]] = {}
    for meta, local in flat:
        if meta.address or meta.optional or meta.pda is None:
            continue
        seeds: list[str] = []
        needs: set[str] = set()
        ok = True
        for seed in meta.pda.seeds:
            got = _seed_expr(seed, ix, args, by_name)
            if got is None:
                ok = False
                break
            seeds.append(got[0])
            needs |= got[1]
        prog = "program_id"
        if ok and meta.pda.program is not None:
            got = _seed_expr(meta.pda.program, ix, args, by_name)
            if got is None:
                ok = False
            else:
                prog = f"Pubkey.from_bytes({got[0]})"
                needs |= got[1]
        optional_locals = {lc for m, lc in flat if m.optional}
        if ok and local not in needs and not needs & optional_locals:  # an optional account may be absent
            derive[local] = (f"Pubkey.find_program_address([{', '.join(seeds)}], {prog})[0]", needs)
    # accounts a derivable PDA depends on must be resolvable first; drop cycles
    order: list[str] = []
    resolved = {local for meta, local in flat if local not in derive}
    pending = dict(derive)
    while pending:
        ready = [k for k, (_, needs) in pending.items() if needs <= resolved]
        if not ready:
            for k in pending:
                del derive[k]
            break
        for k in ready:
            order.append(k)
            resolved.add(k)
            del pending[k]

    lines += ["@dataclass(slots=True, kw_only=True)", f"class {accts_cls}:"]
    lines += docstring([f"Accounts of `{ix.name}`, in IDL order (composite accounts flattened).",
                        "",
                        "`None` means: fill in the fixed address / derive the PDA (when the IDL says how), or, for",
                        "an optional account, leave it out (the program id is passed, as Anchor clients do)."], "    ")
    lines.append("")
    for meta, local in flat:
        flags = ", ".join(x for x in ("writable" if meta.writable else "", "signer" if meta.signer else "",
                                      "optional" if meta.optional else "") if x) or "read-only"
        if meta.address:
            lines.append(f"    {local}: Pubkey | None = None")
            note = f"Fixed address {meta.address} ({flags})."
        elif local in derive:
            lines.append(f"    {local}: Pubkey | None = None")
            note = f"PDA, derived when None ({flags})."
        elif meta.optional:
            lines.append(f"    {local}: Pubkey | None = None")
            note = f"Optional ({flags})."
        else:
            lines.append(f"    {local}: Pubkey")
            note = f"({flags})."
        lines += docstring([*(meta.docs or ()), f"IDL account `{meta.name}` {note}"], "    ")
    lines += ["", ""]

    # codec
    lines.append(f"{disc}: Final[bytes] = {_lit(ix.discriminator)}")
    lines += ["", ""]
    lines.append(f"def _d_{args_cls}(b: bytes, o: int) -> tuple[{args_cls}, int]:")
    lines += ind(gen.decode_body(ix.args, attrs, args_cls, args_cls))
    lines += ["", ""]
    lines.append(f"def _e_{args_cls}(v: {args_cls}, out: bytearray) -> None:")
    lines += ind(gen.encode_body(ix.args, attrs, "v", args_cls))
    lines += ["", ""]
    lines += [
        f"def encode_{stem}(args: {args_cls}) -> bytes:",
        f'    """Instruction data of `{_d(ix.name)}`: discriminator then the Borsh arguments."""',
        f"    out = bytearray({disc})",
        "    try:",
        f"        _e_{args_cls}(args, out)",
        "    except EncodeError as e:",
        f"        raise e.at({ix.name!r}) from None",
        "    except RecursionError:",
        f"        raise deep_encode({ix.name!r}) from None",
        "    return bytes(out)",
        "",
        "",
        f"def decode_{stem}(data: {BUFFER}, *, strict: bool = False) -> {args_cls}:",
        f'    """Decode `{_d(ix.name)}` instruction data.',
        "",
        "    Trailing bytes after the arguments are ignored by default, as the on-chain program does;",
        "    `strict=True` rejects them.",
        '    """',
        "    b = bytes(data)",
        "    try:",
        f"        check_discriminator(b, {disc}, {ix.name!r})",
        f"        value, o = _d_{args_cls}(b, {len(ix.discriminator)})",
        "        if strict and o != len(b):",
        "            raise trailing(b, o)",
        "    except DecodeError as e:",
        f"        raise e.at({ix.name!r}) from None",
        "    except RecursionError:",
        f"        raise deep_decode({ix.name!r}) from None",
        "    return value",
        "",
        "",
    ]
    # builder
    lines += [f"def {stem}(",
              f"    args: {args_cls},",
              f"    accounts: {accts_cls},",
              "    *,",
              "    program_id: Pubkey = PROGRAM_ID,",
              "    remaining_accounts: Sequence[AccountMeta] = (),",
              ") -> Instruction:"]
    lines += docstring([f"The `{ix.name}` instruction, account metas in IDL order."], "    ")
    body: list[str] = []
    for meta, local in flat:
        if local in derive:
            continue
        if meta.address:
            body.append(f"{local} = accounts.{local} if accounts.{local} is not None else "
                        f"{addresses.name(meta.address, meta.name)}")
        elif meta.optional:
            body.append(f"{local} = accounts.{local}")
        else:
            body.append(f"{local} = accounts.{local}")
    for local in order:
        expr, _ = derive[local]
        body.append(f"{local} = accounts.{local} if accounts.{local} is not None else {expr}")
    metas: list[str] = []
    for meta, local in flat:
        if meta.optional:
            metas.append(f"AccountMeta({local}, {meta.signer}, {meta.writable}) if {local} is not None "
                         f"else AccountMeta(program_id, False, False)")
        else:
            metas.append(f"AccountMeta({local}, {meta.signer}, {meta.writable})")
    if not ix.args:
        body.append("_ = args")
    body.append("metas: list[AccountMeta] = [")
    body += [f"    {m}," for m in metas]
    body.append("]")
    body.append(f"return Instruction(program_id, encode_{stem}(args), [*metas, *remaining_accounts])")
    lines += ind(body)
    if ix.returns is not None:
        ann = shapes.annotation(ix.returns)
        lines += ["", "", f"def decode_{stem}_return(data: {BUFFER}) -> {ann}:",
                  f'    """The value `{_d(ix.name)}` returns: the base64-decoded payload of its',
                  '    `Program return: <program id> <base64>` log line (Borsh, no discriminator)."""',
                  "    b = bytes(data)",
                  "    o = 0",
                  "    try:"]
        lines += ind(gen.decode_value(ix.returns, "value", 0, declare=True, sfx="_ret"), 2)
        lines += ["        if o != len(b):", "            raise trailing(b, o)",
                  "    except DecodeError as e:", f"        raise e.at({ix.name + ' return'!r}) from None",
                  "    return value"]
    registry = f"    {ix.name!r}: ({disc}, {args_cls}, encode_{stem}, decode_{stem}),"
    return "\n".join(lines), registry + "\n" + f"    {ix.name!r}: ({accts_cls}, {stem}),"


def instructions_view(program: Program, shapes: Shapes, gen: Codegen) -> dict[str, Any]:
    spelled = instruction_names(program, shapes)
    blocks: list[str] = []
    registry: list[str] = []
    builders: list[str] = []
    addresses = Addresses()
    for ix in program.instructions:
        block, reg = _instruction_block(ix, shapes, gen, spelled=spelled[ix.name], addresses=addresses)
        blocks.append(block)
        codec, builder = reg.split("\n")
        registry.append(codec)
        builders.append(builder)
    return {"blocks": blocks, "registry": registry, "builders": builders, "addresses": addresses.lines()}


# ---- families ----------------------------------------------------------------------------------------

def families_view(program: Program, shapes: Shapes) -> dict[str, Any]:
    exports: set[str] = set()
    blocks: list[str] = []
    local_errors: list[str] = []
    err_cls = _error_classes(program)
    for fam in program.families:
        stem = names.func_stem(fam.stem)
        upper = stem.upper()
        alias = names.class_name(names.pascal(fam.stem))
        members = [(m.version, shapes[m.type]) for m in fam.members]
        unknown = err_cls.get(fam.unknown_version_error or "")
        disabled = err_cls.get(fam.disabled_version_error or "")
        local_errors += [x for x in (unknown, disabled) if x]
        carrier = (f"Carried by `{fam.carrier.instruction}.{fam.carrier.arg}`: one version byte, then the "
                   "Borsh body.") if fam.carrier else "One version byte, then the Borsh body."
        gate = (f"Allowed versions: the bitmask `{fam.gate.account}.{fam.gate.field}` (bit v-1 = version v)."
                if fam.gate else "")
        none_msg = ("none of the supported versions {supported} is enabled by the allowed-versions mask "
                    "{allowed_mask:#04x}")
        none_enabled = (f'raise {disabled}(f"{none_msg}")' if disabled
                        else f'raise ValueError(f"{fam.stem}: {none_msg}")')
        versions = ", ".join(str(v) for v, _ in members) + ("," if len(members) == 1 else "")
        lines = [f"{upper}_VERSIONS: Final[tuple[int, ...]] = ({versions})",
                 f"{alias}: TypeAlias = {' | '.join(s.cls for _, s in members)}"]
        lines += docstring([f"Versioned family `{fam.stem}`. {carrier}", *([gate] if gate else [])], "")
        lines += ["", "", f"def {stem}_version(value: {alias}) -> int:",
                  '    """The version byte of a family member."""']
        for k, (v, s) in enumerate(members):
            lines += [f"    {'if' if k == 0 else 'elif'} isinstance(value, {s.cls}):", f"        return {v}"]
        lines += [f'    raise EncodeError(f"not a {fam.stem} version: {{type(value).__name__}}")', "", ""]
        lines += [f"def encode_{stem}(value: {alias}) -> bytes:",
                  ('    """Version byte then the Borsh body (what '
                   f'`{_d(fam.carrier.instruction)}.{_d(fam.carrier.arg)}` carries)."""' if fam.carrier
                   else '    """Version byte then the Borsh body."""'),
                  f"    version = {stem}_version(value)", "    out = bytearray((version,))", "    try:"]
        for k, (_, s) in enumerate(members):
            lines += [f"        {'if' if k == 0 else 'elif'} isinstance(value, {s.cls}):",
                      f"            _e_{s.td.ident}(value, out)"]
        lines += ["    except EncodeError as e:", "        raise e.at(type(value).IDL_NAME) from None",
                  "    return bytes(out)", "", ""]
        unknown_raise = (f'raise {unknown}(f"version byte {{version}} (known: {{{upper}_VERSIONS}})")' if unknown
                         else f'raise DecodeError(f"unknown {fam.stem} version byte {{version}} at offset 0 '
                              f'(known: {{{upper}_VERSIONS}})", 0)')
        disabled_raise = (f'raise {disabled}(f"version {{version}} is disabled by the allowed-versions mask '
                          f'{{allowed_mask:#04x}}")' if disabled
                          else f'raise DecodeError(f"{fam.stem} version {{version}} is disabled by the '
                               f'allowed-versions mask {{allowed_mask:#04x}}", 0)')
        lines += [f"def decode_{stem}(data: {BUFFER}, *, allowed_mask: int | None = None, strict: bool = True"
                  f") -> {alias}:",
                  '    """Route on the version byte as the on-chain program does.',
                  "",
                  f"    An unknown version raises {unknown or 'DecodeError'}; with `allowed_mask`, a version whose bit",
                  f"    is clear raises {disabled or 'DecodeError'}. `strict` (default) rejects trailing bytes.",
                  '    """',
                  "    b = bytes(data)",
                  "    if not b:",
                  f'        raise DecodeError("needs the 1-byte {_d(fam.stem)} version at offset 0, 0 left", 0)',
                  "    version = b[0]",
                  f"    if version not in {upper}_VERSIONS:",
                  f"        {unknown_raise}",
                  "    if allowed_mask is not None and not allowed_mask >> (version - 1) & 1:",
                  f"        {disabled_raise}",
                  f"    value: {alias}",
                  f"    name = {fam.stem!r}",
                  "    try:"]
        for k, (v, s) in enumerate(members):
            lines += [f"        {'if' if k == 0 else 'elif'} version == {v}:",
                      f"            name = {s.td.name!r}",
                      f"            value, o = _d_{s.td.ident}(b, 1)"]
        lines += ["        else:", f"            {unknown_raise}",
                  "        if strict and o != len(b):", "            raise trailing(b, o)",
                  "    except DecodeError as e:", "        raise e.at(name) from None", "    return value", "", ""]
        lines += [f"def {stem}_allowed_versions(allowed_mask: int) -> tuple[int, ...]:",
                  '    """Versions enabled in an allowed-versions bitmask (bit v-1 = version v)."""',
                  f"    return tuple(v for v in range(1, {_gate_bits(program, fam) + 1}) "
                  "if allowed_mask >> (v - 1) & 1)",
                  "", "",
                  f"def choose_{stem}_version(allowed_mask: int, supported: tuple[int, ...] = {upper}_VERSIONS"
                  ") -> int:",
                  '    """The highest version both this client and the on-chain bitmask allow."""',
                  f"    both = [v for v in supported if v in {stem}_allowed_versions(allowed_mask)]",
                  "    if not both:",
                  f"        {none_enabled}",
                  "    return max(both)"]
        carrier_ix = next((ix for ix in program.instructions if fam.carrier and ix.snake == fam.carrier.instruction),
                          None)
        if carrier_ix is not None and len(carrier_ix.args) == 1:
            _, args_cls, _ = instruction_names(program, shapes)[carrier_ix.name]
            lines += ["", "", f"def {stem}_args(value: {alias}) -> {args_cls}:",
                      f'    """`{_d(carrier_ix.name)}` arguments carrying `value` (version byte then body)."""',
                      f"    return {args_cls}(encode_{stem}(value))"]
            exports.add(args_cls)
        if fam.gate:
            gate_td = program.type(next(a.type for a in program.accounts if a.name == fam.gate.account))
            gshape = shapes[gate_td.name]
            idx = [f.snake for f in gshape.td.body.fields].index(fam.gate.field) \
                if isinstance(gshape.td.body, StructBody) else 0
            attr = gshape.fields[idx]
            lines += ["", "", f"def {stem}_mask(account: {gshape.cls}) -> int:",
                      f'    """The allowed-versions bitmask `{_d(fam.gate.account)}.{_d(fam.gate.field)}`."""',
                      f"    return account.{attr}"]
        blocks.append("\n".join(lines))
    return {"blocks": blocks}


def errors_exports(program: Program) -> list[str]:
    return sorted(_error_classes(program).values())


def _error_classes(program: Program) -> dict[str, str]:
    scope = names.Scope(names.MODULE_RESERVED | {"ERRORS", "from_code", "from_logs", "ANCHOR_ERRORS"})
    return {e.name: scope.claim(names.class_name(names.identifier(e.name))) for e in program.errors}


# ---- json bridge -------------------------------------------------------------------------------------

def bridge_view(program: Program, shapes: Shapes) -> dict[str, Any]:
    entries: list[str] = []
    for td in program.types:
        shape = shapes[td.name]
        if shape.is_data_enum:
            entries.append(f"    {td.name!r}: ({', '.join(vs.cls for vs in shape.variants)},),")
        else:
            entries.append(f"    {td.name!r}: {shape.cls},")
    type_codecs = [f"    {td.name!r}: (encode_{shapes[td.name].stem}, decode_{shapes[td.name].stem}),"
                   for td in program.types]
    acct = [f"    {a.name!r}: {a.type!r}," for a in program.accounts]
    ev = [f"    {e.name!r}: {e.type!r}," for e in program.events]
    ixs: list[str] = []
    for ix in program.instructions:
        spec = tuple((f.name, a, ref_schema(f.type)) for f, a in zip(ix.args, arg_attrs(ix), strict=True))
        ixs.append(f"    {ix.name!r}: {_fmt(spec)},")
    return {"entries": entries, "type_codecs": type_codecs, "accounts": acct, "events": ev, "instructions": ixs}


def _fmt(value: object) -> str:
    return pprint.pformat(value, width=10_000)


# ---- package -----------------------------------------------------------------------------------------

def constants_view(program: Program) -> dict[str, Any]:
    scope = names.Scope(names.MODULE_RESERVED | {"PROGRAM_ID"})
    consts: list[str] = []
    for c in program.constants:
        name = scope.claim(names.identifier(c.name))
        ann, expr = _constant(c.type, c.value)
        consts.append(f"{name}: Final[{ann}] = {expr}")
    return {"program_id": _program_id(program), "constants": consts}


def _constant(t: TypeRef, raw: str) -> tuple[str, str]:
    """Python annotation and literal for an IDL constant (its value is Rust source text)."""
    text = raw.strip()
    if isinstance(t, PrimType):
        p = t.prim
        if p.is_int:
            digits = text.replace("_", "")
            for suffix in ("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "u128", "i128", "usize", "isize"):
                if digits.endswith(suffix):
                    digits = digits[: -len(suffix)]
            try:
                return "int", repr(int(digits, 0))
            except ValueError:
                return "str", repr(raw)
        if p.is_float:
            try:
                f = float(text.replace("_", "").rstrip("f3264"))
                # repr(inf) is `inf`, a name: non-finite values need the float() spelling
                return "float", repr(f) if math.isfinite(f) else f'float("{f!r}")'
            except ValueError:
                return "str", repr(raw)
        if p is Prim.BOOL and text in ("true", "false"):
            return "bool", str(text == "true")
        if p is Prim.PUBKEY:
            return "Pubkey", f"Pubkey.from_string({text.strip(chr(34))!r})"
        if p is Prim.STRING:
            if len(text) >= 2 and text[0] == text[-1] == '"':
                try:
                    import json

                    return "str", repr(json.loads(text))
                except ValueError:
                    pass
            return "str", repr(text)
        if p is Prim.BYTES:
            parsed = _byte_list(text)
            return ("bytes", repr(parsed)) if parsed is not None else ("str", repr(raw))
    if isinstance(t, ArrayType | VecType) and t.inner == PrimType(Prim.U8):
        parsed = _byte_list(text)
        if parsed is not None:
            return "bytes", repr(parsed)
    return "str", repr(raw)


def _byte_list(text: str) -> bytes | None:
    if text.startswith("b\"") and text.endswith('"'):
        try:
            return text[2:-1].encode("ascii")
        except UnicodeEncodeError:
            return None
    if text.startswith("[") and text.endswith("]"):
        try:
            values = [int(x.strip().replace("_", "").removesuffix("u8"), 0) for x in text[1:-1].split(",") if x.strip()]
            return bytes(values)
        except ValueError:
            return None
    return None


def _gate_bits(program: Program, fam: Family) -> int:
    """Width of the family's allowed-versions bitmask (u8 .. u128); 8 when it has no gate."""
    if fam.gate is None:
        return 8
    acct = next(a for a in program.accounts if a.name == fam.gate.account)
    body = program.type(acct.type).body
    f = next(x for x in body.fields if x.snake == fam.gate.field) if isinstance(body, StructBody) else None
    return f.type.prim.bits if f is not None and isinstance(f.type, PrimType) else 8
