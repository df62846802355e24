"""Read an Anchor IDL file (either format) into the IR.

`load_program` is the only entry point: it reads the text, reports malformed JSON with line and
column, tells the two Anchor formats apart (and refuses Shank IDLs by name), then hands the parsed
JSON to `lower`, which builds the frozen model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from idlgen.anchor.lower import FamilySpec, Lowerer
from idlgen.diagnostics import IdlError
from idlgen.ir.model import IdlFormat, Program


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
    fmt = detect_format(doc, shown)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Lowerer(doc, fmt, shown, text, families).program(sha)


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
