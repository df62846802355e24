"""One golden-file helper: compare {relpath: text} with a folder; on mismatch show a unified diff per file
and the command that refreshes the goldens (IDLGEN_REFRESH_GOLDEN=1 rewrites the folder instead)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path

import pytest


def check_golden(files: Mapping[str, str], folder: Path, refresh_cmd: str) -> None:
    if os.environ.get("IDLGEN_REFRESH_GOLDEN") == "1":
        for old in folder.rglob("*") if folder.is_dir() else ():
            if old.is_file() and old.relative_to(folder).as_posix() not in files:
                old.unlink()
        for rel, text in files.items():
            dest = folder / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
        return
    problems: list[str] = []
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} if folder.is_dir() \
        else set()
    for rel in sorted(set(files) | on_disk):
        want = (folder / rel).read_text(encoding="utf-8") if rel in on_disk else None
        got = files.get(rel)
        if want == got:
            continue
        if want is None:
            problems.append(f"new file not in goldens: {rel}")
        elif got is None:
            problems.append(f"golden file no longer generated: {rel}")
        else:
            problems.append("".join(difflib.unified_diff(
                want.splitlines(keepends=True), got.splitlines(keepends=True),
                fromfile=f"golden/{rel}", tofile=f"generated/{rel}")))
    if problems:
        pytest.fail("\n".join(problems) + f"\n\nIf the change is intended, refresh with:\n  {refresh_cmd}",
                    pytrace=False)
