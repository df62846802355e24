"""Temporary git repositories for the hook and CI tests (never the shared working tree)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "idlgen test", "GIT_AUTHOR_EMAIL": "test@idlgen.invalid",
    "GIT_COMMITTER_NAME": "idlgen test", "GIT_COMMITTER_EMAIL": "test@idlgen.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, **GIT_ENV)
    env.pop("GIT_DIR", None)
    env.pop("GIT_INDEX_FILE", None)
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def commit_all(path: Path, message: str) -> str:
    git(path, "add", "-A")
    git(path, "commit", "-q", "--no-verify", "-m", message)
    return git(path, "rev-parse", "HEAD")


def snapshot_tree(dest: Path) -> str:
    """This working tree as it is now (tracked and untracked, not ignored, no tests) committed in `dest`.

    pre-commit installs a hook repository from a commit; the snapshot makes that the code under test
    (the same code the venv's editable install runs), not whatever HEAD happens to be."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in listed:
        if not rel or rel.startswith(("tests/", "benchmarks/", ".cache/")):
            continue
        src = ROOT / rel
        if not src.is_file():
            continue  # deleted in the working tree
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out)
    init_repo(dest)
    return commit_all(dest, "snapshot of the idlgen working tree")


def edit_json(path: Path, fn: Any) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def retype_field(doc: dict[str, Any], type_name: str, field: str, new_type: str) -> None:
    """A hard change: a field of an account layout changes width."""
    td = next(t for t in doc["types"] if t["name"] == type_name)
    f = next(f for f in td["type"]["fields"] if f["name"] == field)
    f["type"] = new_type


def add_instruction(doc: dict[str, Any], name: str) -> None:
    """A soft change: a new instruction (a copy of `ping` under a new name and discriminator)."""
    import hashlib

    base = next(ix for ix in doc["instructions"] if ix["name"] == "ping")
    new = json.loads(json.dumps(base))
    new["name"] = name
    new["discriminator"] = list(hashlib.sha256(f"global:{name}".encode()).digest()[:8])
    doc["instructions"].append(new)


def field_lines(idl: Path, type_name: str, field: str) -> range:
    """The lines of a type's field object in an IDL written by `edit_json` (indent 2): where a report
    about that field may point (its opening brace or its "name" line, whichever a reporter picks)."""
    from idlgen.jsonpos import LineIndex

    text = idl.read_text(encoding="utf-8")
    doc = json.loads(text)
    ti = next(i for i, t in enumerate(doc["types"]) if t["name"] == type_name)
    fields = doc["types"][ti]["type"]["fields"]
    fi = next(i for i, f in enumerate(fields) if f["name"] == field)
    start = LineIndex(text).line_of(f"types[{ti}].type.fields[{fi}]")
    return range(start, start + json.dumps(fields[fi], indent=2).count("\n") + 1)
