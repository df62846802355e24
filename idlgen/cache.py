"""A per-user cache outside every project tree: what idlgen itself derived from its inputs.

Two kinds of entry, each named by a sha256 of the inputs it was derived from:
- `outputs/<key>.json`: the sha256 of every file a render of those inputs produced (`check`'s fast path);
- `protoc/<key>.json`: the `_pb2.py` / `_pb2.pyi` text protoc produced for a .proto text.

Why outside the tree: a pull request can change anything in the checkout, the generated files and their
manifest included, so nothing stored there can vouch for the generated files (an attacker edits both
consistently). The cache is written only by idlgen on this machine, from a render it did itself. With no
usable cache (a fresh CI machine, a read-only home, `IDLGEN_NO_CACHE=1`) idlgen simply renders: the cache
only ever saves time, it never decides a result on its own. Entries are content-addressed and written
atomically, so a shared or stale cache cannot serve the wrong inputs; a cache shared with untrusted jobs
(a CI cache restored from pull-request branches) must be turned off with `IDLGEN_NO_CACHE=1`.

Location: `$IDLGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/idlgen`, else `~/.cache/idlgen`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

FORMAT = "1"  # bump when an entry's shape changes


def directory() -> Path | None:
    if os.environ.get("IDLGEN_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("IDLGEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "idlgen"


def _entry(kind: str, key: str) -> Path | None:
    d = directory()
    if d is None or not key.isalnum():
        return None
    return d / f"v{FORMAT}" / kind / f"{key}.json"


def get(kind: str, key: str) -> dict[str, Any] | None:
    path = _entry(kind, key)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def put(kind: str, key: str, value: dict[str, Any]) -> None:
    """Best effort: a cache that cannot be written costs time, never a wrong answer or an error."""
    path = _entry(kind, key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".entry.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({**value, "key": key}, fh, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return
