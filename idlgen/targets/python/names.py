"""Python spellings for IDL names: the only place that escapes keywords, builtins and clashes.

Every generated module asks this module for its identifiers, so one IDL name is spelled the same way
everywhere (classes, fields, functions, builder arguments). The rule is PEP 8's: a name that would
shadow a keyword, a soft keyword, a builtin or a name the generated module itself uses gets a trailing
underscore; a name still taken after that gets a numeric suffix, in IDL order (deterministic).
"""

from __future__ import annotations

import builtins
import keyword
import re

from idlgen.anchor.names import pascal_case, snake_case

_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))

# Names the generated modules import or define at module level; a class or function of the IDL with
# one of these names would shadow them.
MODULE_RESERVED = frozenset({
    "annotations", "dataclass", "field", "IntEnum", "ClassVar", "TypeAlias", "Any", "Final", "Self",
    "Sequence", "Pubkey", "Instruction", "AccountMeta", "struct", "base64", "DecodeError", "EncodeError",
    "PROGRAM_ID", "ProgramError", "AnchorError", "CustomError", "json", "Union", "Callable", "Iterable", "Mapping",
    "re", "ast", "TAG",
    # the runtime helpers the codecs import from `_borsh`
    "BOOLB", "BOOL", "M64", "Z32", "INVALID", "ENC_ERRORS", "bad_ctag", "bad_tag", "bad", "pkb", "pk", "short",
    "diagnose", "diagnose_fields", "trailing", "r_str", "r_bytes", "r_len", "w_str", "w_bytes", "w_len", "seq",
    "fixed", "enc_elems_error", "enc_error", "check_discriminator", "U32", "deep_decode", "deep_encode",
})

# Names pycodestyle calls ambiguous (E741: l, O, I look like 1 and 0); escaped like the others.
AMBIGUOUS = frozenset({"l", "O", "I"})

# Members every generated class has; a field may not take them.
MEMBER_RESERVED = frozenset({"encode", "decode", "IDL_NAME", "TAG", "DISCRIMINATOR", "SIZE"}) | AMBIGUOUS

_IDENT = re.compile(r"[^0-9A-Za-z_]")


def identifier(raw: str, fallback: str = "x") -> str:
    """Any IDL spelling -> a valid Python identifier (not yet escaped)."""
    s = _IDENT.sub("_", raw) or fallback
    if s[0].isdigit():
        s = "_" + s
    return s


def escape(name: str, reserved: frozenset[str] = frozenset()) -> str:
    while name in _RESERVED or name in reserved:
        name += "_"
    return name


def field_name(snake: str) -> str:
    """A struct field / argument name; tuple fields ("_0") stay as they are."""
    return escape(identifier(snake), MEMBER_RESERVED)


def class_name(ident: str) -> str:
    return escape(identifier(ident), MODULE_RESERVED)


def func_stem(name: str) -> str:
    """snake_case stem for module functions (`encode_<stem>`)."""
    return identifier(snake_case(name) or name.lower())


def pascal(name: str) -> str:
    return identifier(pascal_case(name) or name)


class Scope:
    """Hands out unique names within one namespace (a module or a class)."""

    def __init__(self, reserved: frozenset[str] = frozenset()) -> None:
        self.taken: set[str] = set()
        self.reserved = reserved

    def claim(self, want: str) -> str:
        name = escape(want, self.reserved)
        base, n = name, 2
        while name in self.taken:
            name = f"{base}{n}"
            n += 1
        self.taken.add(name)
        return name


def isort_key(name: str) -> tuple[int, list[object], str]:
    """ruff's isort member order (also RUF022 for `__all__`): CONSTANTS, Classes, then the rest, each
    case-insensitively with digits compared as numbers."""
    natural: list[object] = [(0, int(p), "") if p.isdigit() else (1, 0, p.lower())
                             for p in re.split(r"(\d+)", name)]
    group = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return (group, natural, name)  # case breaks ties


def all_sort_key(name: str) -> tuple[int, list[object], str]:
    """RUF022's order for `__all__`: the same groups as `isort_key`, natural but case-sensitive."""
    natural: list[object] = [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", name)]
    group = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return (group, natural, name)
