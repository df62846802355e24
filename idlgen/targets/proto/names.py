"""Protobuf spelling: the only place that decides how an IDL name looks in the .proto file.

Style guide (and `buf lint` STANDARD): messages and enums PascalCase, fields and oneofs lower_snake_case,
enum values UPPER_SNAKE_CASE prefixed with the enum's name, the zero value `<ENUM>_UNSPECIFIED`.
Names that are proto keywords get a `_field` suffix (a trailing underscore would fail buf's snake-case
check); clashes inside one scope are settled by a numeric suffix in declaration order, and proto3's
JSON names (lowerCamelCase, which protoc also requires to be unique) count as clashes.
"""

from __future__ import annotations

import re

# Words the protobuf grammar reserves (proto2 + proto3 + editions), plus scalar type names.
PROTO_KEYWORDS = frozenset({
    "syntax", "edition", "import", "weak", "public", "package", "option", "optional", "required", "repeated",
    "oneof", "map", "reserved", "to", "max", "extensions", "extend", "message", "enum", "service", "rpc",
    "stream", "returns", "group", "true", "false", "inf", "nan", "default", "json_name",
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64",
    "sfixed32", "sfixed64", "bool", "string", "bytes",
})

# Digits stay with the word before them (`OrderTypeV2` -> Order, Type, V2), as in heck and buf.
# Field names the generated C++ cannot take: static members of every message class, and macros of the C
# library (`errno`, `assert`; `linux`/`unix` under GNU extensions). They get the `_field` suffix too.
CPP_UNSAFE_FIELDS = frozenset({
    "descriptor", "default_instance", "internal_default_instance", "errno", "assert", "linux", "unix",
    "stdin", "stdout", "stderr",
})
# Message names that would clash with a method of the generated class itself (C++ parses `void Swap(..)`
# inside `class Swap` as a constructor; Python's nested `Clear` class would hide `Message.Clear`), or with
# the C++ oneof case enums idlgen's own oneofs create.
RESERVED_MESSAGE_NAMES = frozenset({
    "Swap", "UnsafeArenaSwap", "New", "CopyFrom", "MergeFrom", "Clear", "IsInitialized", "ByteSizeLong",
    "GetCachedSize", "GetClassData", "GetMetadata", "GetDescriptor", "GetReflection", "FullMessageName",
    "InternalSwap", "SharedCtor", "SharedDtor", "SetCachedSize", "MergeImpl", "CopyImpl", "GetArena",
    "GetOwningArena", "MaybeArenaPtr", "ArenaDtor", "RegisterArenaDtor", "Descriptor", "Reflection",
    "ClearField", "ClearExtension", "MergeFromString", "ParseFromString", "FromString", "SerializeToString",
    "SerializePartialToString", "HasField", "HasExtension", "WhichOneof", "ListFields", "ByteSize",
    "DiscardUnknownFields", "SetInParent", "UnknownFields", "FindInitializationErrors", "Extensions",
    "RegisterExtension", "DESCRIPTOR",
    "VariantCase", "KindCase", "VariantKindCase", "WhichCase", "VersionCase",
})

_WORD = re.compile(r"[A-Z]+(?![a-z])[0-9]*|[A-Z]?[a-z]+[0-9]*|[0-9]+")


def words(s: str) -> list[str]:
    """Split on separators, lower->upper steps and acronym ends."""
    out: list[str] = []
    for chunk in re.split(r"[^0-9A-Za-z]+", s):
        out.extend(_WORD.findall(chunk))
    return out


def pascal(s: str) -> str:
    """`GenericStruct<u16, 4>`-safe PascalCase; digits kept, never empty, never starting with a digit."""
    p = "".join(w[:1].upper() + w[1:].lower() if not w.isdigit() else w for w in words(s))
    if not p:
        p = "Unnamed"
    return p if p[0].isalpha() else "T" + p


def pascal_keep(s: str) -> str:
    """An identifier that is already PascalCase (`TradeEventV2`) stays as is; anything else is rebuilt."""
    if re.fullmatch(r"[A-Z][A-Za-z0-9]*", s):
        return s
    return pascal(s)


def snake(s: str) -> str:
    """lower_snake_case, buf style: a digit run is its own word only after an underscore (`field_0`)."""
    out = "_".join(w.lower() for w in words(s))
    if not out:
        out = "field"
    if out[0].isdigit():
        out = "field_" + out
    return out


def upper_snake(s: str) -> str:
    return "_".join(w.upper() for w in words(s)) or "VALUE"


def buf_upper_snake(s: str) -> str:
    """buf's own ToUpperSnakeCase (its ENUM_VALUE_PREFIX rule compares against exactly this), ported."""
    s = re.sub(r"^[^0-9A-Za-z]+|[^0-9A-Za-z]+$", "", s)
    out = ""
    for i, c in enumerate(s):
        if not c.isalnum():
            c = "_"
        if i == 0:
            out += c
            continue
        nxt = s[i + 1] if i + 1 < len(s) else ""
        new_word = c.isupper() and out[-1] != "_" and (
            (nxt != "" and not (nxt.isupper() or nxt.isdigit()) and nxt.isalnum()) or s[i - 1].islower())
        out += "_" + c if new_word else c
    return out.upper()


def field_name(idl_snake: str) -> str:
    name = snake(idl_snake)
    return name + "_field" if name in PROTO_KEYWORDS or name in CPP_UNSAFE_FIELDS else name


def json_name(name: str) -> str:
    """protoc's default json_name: drop underscores, upper-case the letter after each one."""
    out: list[str] = []
    upper = False
    for c in name:
        if c == "_":
            upper = True
        elif upper:
            out.append(c.upper())
            upper = False
        else:
            out.append(c)
    return "".join(out)


class Scope:
    """One namespace (a message's fields, the package's types, an enum's values): first come, first served."""

    def __init__(self, taken: set[str] | None = None, *, fold_json: bool = False) -> None:
        self._fold_json = fold_json
        self._taken: set[str] = set()
        for t in taken or ():
            self._taken.add(self._key(t))

    def _key(self, name: str) -> str:
        return json_name(name).lower() if self._fold_json else name

    def __contains__(self, name: str) -> bool:
        return self._key(name) in self._taken

    def claim(self, want: str, *alternatives: str, sep: str = "") -> str:
        """`want`, else the first free alternative, else `want` + 2, 3, ... (`sep` between)."""
        for cand in (want, *alternatives):
            if self._key(cand) not in self._taken:
                self._taken.add(self._key(cand))
                return cand
        n = 2
        while self._key(f"{want}{sep}{n}") in self._taken:
            n += 1
        self._taken.add(self._key(f"{want}{sep}{n}"))
        return f"{want}{sep}{n}"
