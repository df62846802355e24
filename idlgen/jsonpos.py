"""Line numbers for JSON paths (`types[3].type.fields[2]`), computed on demand.

`json.loads` gives no positions; errors and diff annotations need them, so this scans the text once
(only when asked) and maps every value's path to the line its value starts on.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


class LineIndex:
    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: dict[str, int] | None = None

    def line_of(self, path: str) -> int | None:
        """Line (1-based) of the value at `path`, or of its nearest existing ancestor."""
        if self._lines is None:
            self._lines = {}
            try:
                self._scan()
            except (ValueError, IndexError):
                pass  # malformed text: whatever was indexed before the fault still answers
        while True:
            if path in self._lines:
                return self._lines[path]
            if not path:
                return None
            path = _parent(path)

    def _scan(self) -> None:
        assert self._lines is not None
        text, lines = self._text, self._lines
        newlines = [m.start() for m in re.finditer("\n", text)]

        def line_at(pos: int) -> int:
            import bisect

            return bisect.bisect_left(newlines, pos) + 1

        def value(pos: int, path: str) -> int:
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            lines[path] = line_at(pos)
            ch = text[pos]
            if ch == "{":
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                if text[pos] == "}":
                    return pos + 1
                while True:
                    pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
                    key, pos = scanstring(text, pos + 1)
                    pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
                    pos = value(pos + 1, join(path, key))  # skip ':'
                    pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
                    if text[pos] == "}":
                        return pos + 1
                    pos += 1  # ','
            if ch == "[":
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                if text[pos] == "]":
                    return pos + 1
                i = 0
                while True:
                    pos = value(pos, join(path, i))
                    pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
                    if text[pos] == "]":
                        return pos + 1
                    pos += 1
                    i += 1
            if ch == '"':
                end: int = scanstring(text, pos + 1)[1]
                return end
            m = _SCALAR.match(text, pos)
            if not m:
                raise ValueError(pos)
            return m.end()

        value(0, "")


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    if "." in path:
        return path[: path.rindex(".")]
    return ""
