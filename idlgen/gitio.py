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


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise IdlgenError("git is not installed, so REV:path cannot be read") from None


def _why(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
    return lines[-1].removeprefix("fatal: ").removeprefix("error: ") if lines else f"git exit code {proc.returncode}"


def read_at(rev: str, path: str, cwd: Path) -> str | None:
    """The text of `path` at `rev` (relative to `cwd`, as git's `REV:./path` reads it), or None when
    `rev` has no such file. Everything else that goes wrong is an error, never "absent": a corrupt
    object, a blob a partial clone does not have, a tree git cannot read. Treating those as "new at REV"
    would pass a change `diff` otherwise rates hard."""
    if _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd).returncode != 0:
        if _git(["rev-parse", "--verify", "--quiet", rev], cwd).returncode == 0:
            raise IdlgenError(f"cannot read revision {rev}: its commit object is missing or corrupt")
        raise IdlgenError(f"unknown git revision {rev!r}")
    rel = path if path.startswith("./") else f"./{path}"
    # ls-tree reads only trees, so "no such entry" (empty output) is told apart from an unreadable object.
    listed = _git(["ls-tree", "-z", rev, "--", rel], cwd)
    if listed.returncode != 0:
        raise IdlgenError(f"cannot read {path} at revision {rev} (corrupt or incomplete repository?): {_why(listed)}")
    if not listed.stdout:
        return None
    meta, _, _name = listed.stdout.split(b"\0")[0].partition(b"\t")
    fields = meta.split()
    if len(fields) != 3 or fields[1] != b"blob":
        raise IdlgenError(f"{path} at revision {rev} is not a file ({fields[1].decode() if len(fields) > 1 else '?'})")
    blob = _git(["cat-file", "blob", fields[2].decode()], cwd)
    if blob.returncode != 0:
        raise IdlgenError(f"cannot read {path} at revision {rev} (corrupt or incomplete repository?): {_why(blob)}")
    try:
        return blob.stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IdlgenError(f"{rev}:{path} is not UTF-8 text (byte offset {exc.start})") from None


def show(rev: str, path: str, cwd: Path) -> str:
    """The text of `path` at `rev`; its absence is an error too."""
    text = read_at(rev, path, cwd)
    if text is None:
        raise IdlgenError(f"{path} does not exist at revision {rev}")
    return text
