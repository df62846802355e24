"""`REV:path` arguments: the one place idlgen runs git."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from idlgen.diagnostics import IdlgenError

_REV_PATH = re.compile(r"^(?P<rev>[^:\s]+):(?P<path>.+)$")


def split_rev(arg: str) -> tuple[str, str] | None:
    """`HEAD~1:idl/x.json` -> ("HEAD~1", "idl/x.json"); a plain path (even `C:\\x` on Windows) -> None."""
    if Path(arg).exists():
        return None
    m = _REV_PATH.match(arg)
    if not m or (len(m.group("rev")) == 1 and m.group("rev").isalpha()):
        return None
    return m.group("rev"), m.group("path")


def repo_root(cwd: Path) -> Path:
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True,
                             check=False)
    except FileNotFoundError:
        raise IdlgenError("git is not installed, so REV:path cannot be read") from None
    if out.returncode != 0:
        raise IdlgenError(f"not inside a git repository: {cwd}")
    return Path(out.stdout.strip())


def show(rev: str, path: str, cwd: Path) -> str:
    """The text of `path` at `rev`; `path` is relative to `cwd`, as git's `REV:./path` reads it."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=cwd,
                              capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise IdlgenError("git is not installed, so REV:path cannot be read") from None
    if proc.returncode != 0:
        raise IdlgenError(f"unknown git revision {rev!r}")
    spec = f"{rev}:./{path}" if not path.startswith("./") else f"{rev}:{path}"
    shown = subprocess.run(["git", "show", spec], cwd=cwd, capture_output=True, check=False)
    if shown.returncode != 0:
        raise IdlgenError(f"{path} does not exist at revision {rev}")
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IdlgenError(f"{rev}:{path} is not UTF-8 text (byte offset {exc.start})") from None
