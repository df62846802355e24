"""What text from an IDL may become in generated code: the one place every target and template asks.

An IDL arrives in a pull request, so every string in it (names, docs, versions, constant values, error
messages, the file name) is untrusted. Identifiers are mangled by each target's `names` module to ASCII
letters, digits and underscores, so they can only ever be an identifier. Everything else that reaches a
generated file lands in one of a few lexical contexts, and each has a function here that makes the text
inert in exactly that context:

- `line_comment` (C++ `//`, proto `//`, Python `#`): one physical line that cannot end the comment.
  Line breaks of any kind (including the ones only Python or only C++ sees: VT, FF, FS/GS/RS, NEL,
  U+2028/2029, CR) and every other control character become visible escapes; a backslash or `??/`
  (a trigraph for backslash under `-std=c++11/14`) at the end of the line would splice the next line
  into the comment, so the end is guarded; bidi overrides (Trojan Source) are escaped so what a reviewer
  reads is what the compiler reads. `*/` is broken up so the text is also inert inside a block comment.
- `comment_lines`: IDL docs (a list of strings that may contain line breaks) as comment lines.
- `cpp_string`: a C++ narrow string literal (octal escapes: hex escapes are greedy, `?` defeats trigraphs).
- `py_string`: a Python string literal (`repr`, which escapes quotes, backslashes, NUL and surrogates).
- `py_docstring_text`: text inside a `\"\"\"` docstring: backslashes and quotes escaped, controls and
  lone surrogates as escapes, so the docstring can neither close early nor fail to compile.
- `py_fstring_text`: text inside a double-quoted f-string literal.

None of these ever raise: the loader has already refused what cannot be represented at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Characters that end a line for Python's tokenizer or str.splitlines, or for a C/C++ compiler.
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Bidirectional formatting characters: shown as escapes so a comment cannot visually reorder code.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ufeff\ud800-\udfff]")


def _visible(ch: str) -> str:
    n = ord(ch)
    if ch == "\n":
        return "\\n"
    if ch == "\r":
        return "\\r"
    if ch == "\t":
        return " "
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def one_line(text: str) -> str:
    """`text` as one line of plain, printable text (escapes for controls, breaks, bidi, surrogates)."""
    return _UNSAFE.sub(lambda m: _visible(m.group()), text)


def line_comment(text: str) -> str:
    """Text for after `//` or `#`: one physical line that cannot continue onto or close anything."""
    out = one_line(text).replace("*/", "* /").replace("/*", "/ *").rstrip()
    # `\` (or the trigraph `??/`) before the newline splices the next source line into the comment;
    # GCC also splices across trailing spaces, hence rstrip first.
    if out.endswith("\\") or out.endswith("??/"):
        out += " (end)"
    return out


def comment_lines(docs: Iterable[str]) -> list[str]:
    """IDL docs as comment lines (without the comment marker): each line break starts a new line."""
    out: list[str] = []
    for doc in docs:
        for line in _split_lines(doc):
            out.append(line_comment(line))
    return out


def _split_lines(text: str) -> list[str]:
    parts = re.split(f"\r\n|[{_LINE_BREAKS}]", text)
    return parts or [""]


def cpp_string(data: str | bytes) -> str:
    """A C++ narrow string literal holding exactly these bytes (UTF-8 for text)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    out = ['"']
    for b in raw:
        ch = chr(b)
        if ch in '"\\?':
            out.append("\\" + ch)
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")
    out.append('"')
    return "".join(out)


def py_string(text: str) -> str:
    """A Python string literal with exactly this value (double-quoted when that needs no escapes)."""
    lit = repr(text)
    if lit[0] == "'" and '"' not in text:
        # repr chose single quotes and the text has no quote of either kind: same literal, ruff's style
        lit = '"' + lit[1:-1] + '"'
    return lit


def py_docstring_text(text: str) -> str:
    """`text` for inside a triple-quoted docstring on one line: cannot close it, always compiles."""
    # A quote is escaped when another quote follows it or it ends the text: no two unescaped quotes are
    # ever adjacent, so neither `"""` nor the closing delimiter can form; single quotes stay readable.
    out = re.sub(r'"(?="|\s*$)', '\\\\"', text.replace("\\", "\\\\"))
    return _UNSAFE.sub(lambda m: _py_escape(m.group()), out)


def py_docstring_lines(docs: Iterable[str]) -> list[str]:
    """IDL docs as docstring lines, each made safe by `py_docstring_text`."""
    return [py_docstring_text(line) for doc in docs for line in _split_lines(doc)]


def _py_escape(ch: str) -> str:
    n = ord(ch)
    if n < 0x100:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}"


def py_fstring_text(text: str) -> str:
    """`text` for inside a double-quoted f-string: braces doubled, quotes and backslashes escaped.

    A backslash is not allowed inside an f-string's replacement field before Python 3.12, but it is in
    the literal part, which is where this text goes."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("{", "{{").replace("}", "}}")
    return _UNSAFE.sub(lambda m: _py_escape(m.group()), out)
