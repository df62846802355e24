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


# The bundled settlement program's goldens are the committed generated/ tree itself: one copy, refreshed by
# `idlgen build` (which also keeps the manifest and the proto lock in step), compared file by file here.
REFRESH_GENERATED = ".venv/bin/idlgen build   # then review and commit generated/ and idl/*.lock.json"


def bundled_render(target: str) -> dict[str, str]:
    """What `idlgen build` renders for `target` from this repository's [tool.idlgen], keyed by repo path."""
    from idlgen.config import load_config
    from idlgen.pipeline import context, load_all
    from idlgen.pipeline import target as target_of

    root = Path(__file__).resolve().parents[2]
    config = load_config(root / "pyproject.toml")
    files: dict[str, str] = {}
    for item in load_all(config):
        files.update(target_of(target).render(item.program, context(config, item.config, item.program)))
    return files


def check_generated(files: Mapping[str, str]) -> None:
    """Compare rendered files (repo-relative paths) with the committed copies; never rewrites them."""
    root = Path(__file__).resolve().parents[2]
    problems: list[str] = []
    for rel in sorted(files):
        path = root / rel
        want = path.read_text(encoding="utf-8") if path.is_file() else None
        if want is None:
            problems.append(f"not committed: {rel}")
        elif want != files[rel]:
            problems.append("".join(difflib.unified_diff(
                want.splitlines(keepends=True), files[rel].splitlines(keepends=True),
                fromfile=f"committed {rel}", tofile=f"rendered {rel}")))
    if problems:
        pytest.fail("\n".join(problems) + f"\n\nIf the change is intended, refresh with:\n  {REFRESH_GENERATED}",
                    pytrace=False)
