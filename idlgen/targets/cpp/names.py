"""C++ spelling of IDL names: the only place that decides what an identifier becomes.

Every name is escaped the same way everywhere: a C++ keyword, a macro commonly defined by C/C++ or
platform headers, or an identifier reserved to the implementation gets a trailing underscore.
"""

from __future__ import annotations

import re

from idlgen.anchor.names import pascal_case, snake_case

KEYWORDS = frozenset("""
alignas alignof and and_eq asm atomic_cancel atomic_commit atomic_noexcept auto bitand bitor bool break
case catch char char8_t char16_t char32_t class compl concept const consteval constexpr constinit
const_cast continue co_await co_return co_yield decltype default delete do double dynamic_cast else enum
explicit export extern false float for friend goto if inline int long mutable namespace new noexcept not
not_eq nullptr operator or or_eq private protected public reflexpr register reinterpret_cast requires
return short signed sizeof static static_assert static_cast struct switch synchronized template this
thread_local throw true try typedef typeid typename union unsigned using virtual void volatile wchar_t
while xor xor_eq final override import module
""".split())

# Macros that <cstdio>, <cerrno>, <climits>, <cmath>, <windows.h>, <sys/*.h> and compilers define.
MACROS = frozenset("""
EOF NULL TRUE FALSE BUFSIZ FILENAME_MAX EXIT_SUCCESS EXIT_FAILURE RAND_MAX MB_CUR_MAX CHAR_BIT
INFINITY NAN HUGE_VAL DOMAIN SING OVERFLOW UNDERFLOW TLOSS PLOSS EDOM ERANGE EILSEQ errno assert
min max near far small interface unix linux i386 major minor stdin stdout stderr offsetof
setjmp va_arg va_start va_end DELETE IN OUT OPTIONAL ERROR NO_ERROR DEBUG NDEBUG BIG_ENDIAN
LITTLE_ENDIAN BYTE_ORDER PAGE_SIZE PATH_MAX SIZE_MAX INT_MAX INT_MIN UINT_MAX LONG_MAX LONG_MIN
CHAR_MAX CHAR_MIN SCHAR_MAX SCHAR_MIN UCHAR_MAX SHRT_MAX SHRT_MIN USHRT_MAX INT8_MAX INT8_MIN
UINT8_MAX INT16_MAX INT16_MIN UINT16_MAX INT32_MAX INT32_MIN UINT32_MAX INT64_MAX INT64_MIN
UINT64_MAX FLT_MAX DBL_MAX SIGABRT SIGINT SIGSEGV SIGTERM SIGKILL signal bool_t alloca
""".split())

# Namespaces the generated header refers to unqualified or as `std::` / `idlgen_borsh::`: a type or member
# with one of these names would shadow them inside the program's namespace.
NAMESPACES = frozenset({"std", "idlgen_borsh", "detail"})

_RESERVED = re.compile(r"^(_[A-Z]|.*__)")
_IDENT = re.compile(r"[^0-9A-Za-z_]")


def escape(name: str) -> str:
    """A valid, safe C++ identifier for `name` (ASCII letters, digits and underscores)."""
    out = _IDENT.sub("_", name) or "_"
    if out[0].isdigit():
        out = "_" + out
    while _RESERVED.match(out):
        out = out.replace("__", "_") if "__" in out else "X" + out
    if out in KEYWORDS or out in MACROS or out in NAMESPACES:
        out += "_"
    return out


def field_name(snake: str) -> str:
    return escape(snake)


def type_name(ident: str) -> str:
    return escape(ident)


def member_type_name(name: str) -> str:
    """Variant structs, instruction / account wrappers: PascalCase."""
    return escape(pascal_case(name) or name)


def constant_name(name: str) -> str:
    return escape(name)


def namespace_parts(ns: str) -> list[str]:
    return [escape(snake_case(part) if not part.isidentifier() else part) for part in ns.split("::") if part]
