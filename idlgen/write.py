"""The only code that touches disk for generated output.

Writes only files whose bytes changed, each atomically (temp file in the same folder, fsync, rename),
records what it owns in `<out>/.idlgen-manifest.json` (each file with its sha256, and the fingerprint of
the inputs it was generated from), removes files it generated earlier that are no longer produced (and
only those), and refuses any path outside the output folder (the proto lock files declared in config
excepted). `check` compares the same in memory and never writes; `fresh` answers from the manifest alone.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tempfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from idlgen.diagnostics import IdlgenError

MANIFEST = ".idlgen-manifest.json"


@dataclass(slots=True)
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Stale:
    path: str
    kind: str  # "stale" | "missing" | "extra"
    diff: str = ""


class Writer:
    def __init__(self, root: Path, out: Path, extra_allowed: Iterable[str] = ()) -> None:
        self.root = root
        self.out = out  # relative to root
        self.extra_allowed = {str(PurePosixPath(p)) for p in extra_allowed}

    def _target(self, rel: str) -> Path:
        p = PurePosixPath(rel)
        if p.is_absolute() and Path(rel).resolve().is_relative_to((self.root / self.out).resolve()):
            return Path(rel)  # an absolute --out folder renders absolute paths
        if p.is_absolute() or ".." in p.parts:
            raise IdlgenError(f"refusing to write outside the project: {rel}")
        out_parts = PurePosixPath(self.out.as_posix()).parts
        if p.parts[: len(out_parts)] != out_parts and str(p) not in self.extra_allowed:
            raise IdlgenError(f"refusing to write outside the output folder {self.out.as_posix()}/: {rel}")
        return self.root / Path(*p.parts)

    def _manifest_path(self) -> Path:
        return self.root / self.out / MANIFEST

    def _manifest(self) -> dict[str, object]:
        try:
            data = json.loads(self._manifest_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _entries(self) -> dict[str, dict[str, str]]:
        """path -> {"sha256", "target"} of every file the last build wrote."""
        files = self._manifest().get("files", {})
        if not isinstance(files, dict):
            return {}
        return {rel: e for rel, e in files.items() if isinstance(rel, str) and isinstance(e, dict)}

    def owned(self, scope: Collection[str] | None = None) -> list[str]:
        """Files idlgen wrote; with `scope`, only those of these targets."""
        return [rel for rel, e in self._entries().items() if scope is None or e.get("target") in scope]

    def fresh(self, fingerprint: str) -> bool:
        """True when the manifest was written for exactly these inputs and no owned file changed since."""
        if not fingerprint or self._manifest().get("fingerprint") != fingerprint:
            return False
        for rel, entry in self._entries().items():
            try:
                if hashlib.sha256(self._target(rel).read_bytes()).hexdigest() != entry.get("sha256"):
                    return False
            except (OSError, IdlgenError):
                return False
        return True

    def write(self, files: Mapping[str, str], owners: Mapping[str, str] | None = None, fingerprint: str = "",
              scope: Collection[str] | None = None) -> WriteReport:
        """Write `files` (path -> text; `owners` names each one's target). With `scope` (a `--target`
        subset), files of the other targets are left alone, on disk and in the manifest."""
        report = WriteReport()
        targets = {rel: self._target(rel) for rel in files}  # validate every path before writing any
        for rel in sorted(files):
            data = files[rel].encode("utf-8")
            dest = targets[rel]
            try:
                if dest.read_bytes() == data:
                    report.unchanged.append(rel)
                    continue
            except OSError:
                pass
            atomic_write(dest, data)
            report.written.append(rel)
        previous = self._entries()
        for rel in sorted(set(self.owned(scope)) - set(files)):
            try:
                dest = self._target(rel)
            except IdlgenError:
                continue  # a tampered manifest never makes us delete outside the output folder
            if dest.is_file():
                dest.unlink()
                report.removed.append(rel)
                _prune_empty(dest.parent, self.root / self.out)
        entries = {rel: e for rel, e in previous.items() if scope is not None and e.get("target") not in scope}
        for rel in files:
            digest = hashlib.sha256(files[rel].encode("utf-8")).hexdigest()
            entries[rel] = {"sha256": digest, "target": (owners or {}).get(rel, "")}
        manifest = json.dumps({"generator": "idlgen", "fingerprint": fingerprint if scope is None else "",
                               "files": dict(sorted(entries.items()))}, indent=2) + "\n"
        mpath = self._manifest_path()
        try:
            same = mpath.read_text(encoding="utf-8") == manifest
        except OSError:
            same = False
        if not same:
            atomic_write(mpath, manifest.encode())
        return report

    def check(self, files: Mapping[str, str], scope: Collection[str] | None = None) -> list[Stale]:
        problems: list[Stale] = []
        for rel in sorted(files):
            dest = self._target(rel)
            try:
                current = dest.read_text(encoding="utf-8")
            except FileNotFoundError:
                problems.append(Stale(rel, "missing"))
                continue
            except (OSError, UnicodeDecodeError):
                current = ""
            if current != files[rel]:
                diff = "".join(difflib.unified_diff(
                    current.splitlines(keepends=True), files[rel].splitlines(keepends=True),
                    fromfile=f"{rel} (on disk)", tofile=f"{rel} (from the IDL)", n=1))
                problems.append(Stale(rel, "stale", _clip(diff)))
        for rel in sorted(set(self.owned(scope)) - set(files)):
            try:
                if self._target(rel).is_file():
                    problems.append(Stale(rel, "extra"))
            except IdlgenError:
                continue
        return problems


def atomic_write(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _prune_empty(d: Path, stop: Path) -> None:
    while d != stop and stop in d.parents:
        try:
            d.rmdir()
        except OSError:
            return
        d = d.parent


def _clip(diff: str, max_lines: int = 40) -> str:
    lines = diff.splitlines(keepends=True)
    if len(lines) <= max_lines:
        return diff
    return "".join(lines[:max_lines]) + f"... ({len(lines) - max_lines} more diff lines)\n"
