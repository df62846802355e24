"""Read an Anchor IDL file (either format) into the IR.

`load_program` is the only entry point: it reads the text, reports malformed JSON with line and
column, tells the two Anchor formats apart (and refuses Shank IDLs by name), then hands the parsed
JSON to `lower`, which builds the frozen model.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from idlgen.anchor.lower import FamilySpec, Lowerer
from idlgen.diagnostics import IdlError
from idlgen.ir.model import IdlFormat, Program
from idlgen.jsonpos import LineIndex, join


def load_program(path: str | Path, text: str | None = None, *, display: str | None = None,
                 families: Sequence[FamilySpec] = ()) -> Program:
    """Load one IDL. `text` overrides reading `path` (used for `REV:path` from git)."""
    shown = display or str(path)
    if text is None:
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            raise IdlError("no such file", file=shown) from None
        except OSError as exc:
            raise IdlError(f"cannot read: {exc.strerror}", file=shown) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IdlError(f"not UTF-8 text (byte offset {exc.start})", file=shown) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IdlError(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                       file=shown, line=exc.lineno) from None
    except RecursionError:
        raise IdlError(f"JSON nested deeper than Python can parse (an IDL nests at most {MAX_JSON_DEPTH} "
                       "levels)", file=shown) from None
    check_text(doc, shown, text)
    fmt = detect_format(doc, shown)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Lowerer(doc, fmt, shown, text, families).program(sha)


# Deepest JSON nesting accepted: real IDLs stay below 20; the type expressions and the generated code
# recurse per level, so this bounds their depth long before any interpreter or compiler limit.
MAX_JSON_DEPTH = 64


def check_text(doc: Any, shown: str, text: str) -> None:
    """Every string (keys included) is valid Unicode without NUL, and the document is not too deep.

    An iterative walk, so a hostile depth cannot exhaust the stack here. NUL and lone surrogates have no
    meaning in an IDL and cannot be written into source files faithfully; they are refused with the
    JSON path of the string."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        v, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            _fail_text(shown, text, path, f"nested more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(v, str):
            _check_string(v, shown, text, path)
        elif isinstance(v, dict):
            for k, item in v.items():
                p = join(path, k)
                _check_string(k, shown, text, p)
                stack.append((item, p, depth + 1))
        elif isinstance(v, list):
            stack.extend((item, join(path, i), depth + 1) for i, item in enumerate(v))


def _check_string(s: str, shown: str, text: str, path: str) -> None:
    if "\x00" in s:
        _fail_text(shown, text, path, "string contains a NUL character")
    m = _SURROGATE.search(s)
    if m:
        _fail_text(shown, text, path, f"string contains a lone surrogate \\u{ord(m.group()):04x} (not Unicode text)")


def _fail_text(shown: str, text: str, path: str, message: str) -> NoReturn:
    raise IdlError(message, file=shown, path=path or None, line=LineIndex(text).line_of(path) if path else None)


_SURROGATE = re.compile("[\ud800-\udfff]")


def detect_format(doc: Any, shown: str) -> IdlFormat:
    if not isinstance(doc, dict):
        raise IdlError(f"not an Anchor IDL: the top level is a JSON {_json_kind(doc)}, expected an object",
                       file=shown)
    metadata = doc.get("metadata")
    if isinstance(metadata, dict) and metadata.get("origin") == "shank":
        raise IdlError("this is a Shank IDL (metadata.origin = \"shank\"), not an Anchor IDL: Shank programs "
                       "use their own instruction discriminants; idlgen reads Anchor IDLs only",
                       file=shown, path="metadata.origin")
    if isinstance(metadata, dict) and "spec" in metadata:
        return IdlFormat.SPEC
    if "instructions" not in doc:
        raise IdlError("not an Anchor IDL: no \"instructions\" array", file=shown)
    if isinstance(doc.get("name"), str) and ("version" in doc or "instructions" in doc):
        return IdlFormat.LEGACY
    if "address" in doc:
        raise IdlError("not an Anchor IDL: \"address\" is present but metadata.spec is missing", file=shown,
                       path="metadata")
    raise IdlError("not an Anchor IDL: neither metadata.spec (0.30+ format) nor a top-level \"name\" "
                   "(<=0.29 format)", file=shown)


def _json_kind(v: Any) -> str:
    return {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(v), "null")
