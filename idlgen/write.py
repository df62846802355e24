"""The only code that touches disk for generated output.

What it guarantees (SECURITY.md lists the tests that prove each point):
- Writes stay inside the output folder (plus the proto lock files the config declares) and never go
  through a symlink: a symlink where a generated file belongs is replaced by a regular file (the link
  goes, its target is untouched); a symlinked folder on the way is refused with one line.
- A build changes all its files or none: every changed file is first written to a temp file beside it
  (`.<name>.idlgen-<random>.tmp`, fsynced), and only when all are staged are they renamed into place, then
  the manifest. A full disk or a read-only folder is one line and exit 2, with the old tree intact. Temp
  files a killed build left behind are removed by the next build and reported by `check`.
- It deletes only what it can prove it wrote: a file the manifest (`<out>/.idlgen-manifest.json`) lists,
  that is a regular file inside the output folder reached without symlinks, is not an input (config,
  IDL) and still has the sha256 recorded when idlgen wrote it. A hand-edited or foreign file is kept and
  reported. A build removes only files in its `Scope`: building some programs or targets never removes
  the files of the others.
- Builds into one folder serialize on an exclusive `flock` of the folder itself (no lock file to commit);
  `check` takes a shared one. The manifest is re-read under the lock, so concurrent builds of different
  programs keep each other's entries.
`check` compares the same in memory and never writes; `fresh` answers from hashes the caller derived
itself (see idlgen.cache), never from the manifest.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from idlgen.diagnostics import IdlgenError

MANIFEST = ".idlgen-manifest.json"
TEMP_TAG = "idlgen-"
# mkstemp's random part is 8 of [a-z0-9_]; the tag is absent in temp files of idlgen before 0.1.1.
_TEMP = re.compile(r"^\..+\.(?:idlgen-)?[a-z0-9_]{8}\.tmp$")


@dataclass(slots=True)
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # no longer generated, but not provably idlgen's: left alone
    cleaned: list[str] = field(default_factory=list)  # temp files of an interrupted build
    replaced: list[str] = field(default_factory=list)  # symlinks replaced by the regular generated file


@dataclass(frozen=True, slots=True)
class Stale:
    path: str
    kind: str  # "stale" | "missing" | "extra" | "symlink" | "temp" | "unexpected"
    diff: str = ""


@dataclass(frozen=True, slots=True)
class Scope:
    """What a build owns this time: files of these targets and programs (None: all). A build removes
    and re-records only manifest entries inside its scope; the others are kept on disk and in the manifest."""

    targets: frozenset[str] | None = None
    programs: frozenset[str] | None = None

    @property
    def full(self) -> bool:
        return self.targets is None and self.programs is None

    def covers(self, entry: Mapping[str, object]) -> bool:
        if self.targets is not None and entry.get("target") not in self.targets:
            return False
        if self.programs is None:
            return True
        progs = entry.get("programs")
        # An entry that names no program (an older manifest) belongs to nobody a partial build can speak for.
        return isinstance(progs, list) and bool(progs) and all(p in self.programs for p in progs)


FULL = Scope()


class Writer:
    def __init__(self, root: Path, out: Path, extra_allowed: Iterable[str] = (),
                 protected: Iterable[Path] = ()) -> None:
        self.root = root
        self.out = out  # relative to root, or absolute
        self.extra_allowed = {str(PurePosixPath(p)) for p in extra_allowed}
        # Inputs (config, IDLs): never overwritten, never deleted, whatever the manifest says.
        self.protected = {os.path.normpath(os.path.abspath(p)) for p in protected}

    # ---- paths ---------------------------------------------------------------------------------------

    @property
    def out_dir(self) -> Path:
        return self.out if self.out.is_absolute() else self.root / self.out

    def _parts(self, rel: str) -> tuple[PurePosixPath, bool]:
        """(the path, whether it is inside the output folder); refuses anything else."""
        p = PurePosixPath(rel)
        if ".." in p.parts:
            raise IdlgenError(f"refusing to write outside the project: {rel}")
        out_parts = PurePosixPath(self.out.as_posix()).parts
        if p.parts[: len(out_parts)] == out_parts and len(p.parts) > len(out_parts):
            return p, True
        if p.is_absolute():
            raise IdlgenError(f"refusing to write outside the project: {rel}")
        if str(p) in self.extra_allowed:
            return p, False
        raise IdlgenError(f"refusing to write outside the output folder {self.out.as_posix()}/: {rel}")

    def _target(self, rel: str) -> Path:
        p, _ = self._parts(rel)
        dest = Path(p) if p.is_absolute() else self.root / Path(*p.parts)
        if os.path.normpath(os.path.abspath(dest)) in self.protected:
            raise IdlgenError(f"refusing to overwrite an input of the build: {rel}")
        return dest

    def _symlinked_folder(self, rel: str) -> str | None:
        """The first folder on the way to `rel` that is a symlink (None when there is none). Checked from
        the project root down (from the output folder itself for an absolute one): a link there would
        send the write, or a delete, somewhere else."""
        p, _ = self._parts(rel)
        if p.is_absolute():
            start = len(PurePosixPath(self.out.as_posix()).parts)
            base, parts = Path(*p.parts[:start]), p.parts[start:]
            if base.is_symlink():
                return base.as_posix()
        else:
            base, parts = self.root, p.parts
        here = base
        for part in parts[:-1]:
            here = here / part
            if here.is_symlink():
                return here.as_posix() if p.is_absolute() else here.relative_to(self.root).as_posix()
        return None

    def _safe_target(self, rel: str) -> Path:
        link = self._symlinked_folder(rel)
        if link is not None:
            raise IdlgenError(f"refusing to write through a symlinked folder: {link} (for {rel}); replace it "
                              "with a real folder or remove it, then build again")
        return self._target(rel)

    def _inside_out(self, rel: str) -> bool:
        try:
            return self._parts(rel)[1]
        except IdlgenError:
            return False

    # ---- manifest ------------------------------------------------------------------------------------

    def _manifest_path(self) -> Path:
        return self.out_dir / MANIFEST

    def _manifest(self) -> dict[str, object]:
        path = self._manifest_path()
        if path.is_symlink():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _entries(self) -> dict[str, dict[str, object]]:
        """path -> {"sha256", "target", "programs"} of every file a build recorded."""
        files = self._manifest().get("files", {})
        if not isinstance(files, dict):
            return {}
        return {rel: e for rel, e in files.items() if isinstance(rel, str) and isinstance(e, dict)}

    def owned(self, scope: Scope = FULL) -> list[str]:
        """Files the manifest says idlgen wrote (within `scope`). Untrusted: only ever used to find more
        problems (`check`) or candidates for removal, each of which must then prove itself."""
        return [rel for rel, e in self._entries().items() if scope.covers(e)]

    @staticmethod
    def manifest_text(entries: Mapping[str, Mapping[str, object]]) -> str:
        return json.dumps({"generator": "idlgen", "files": dict(sorted(entries.items()))}, indent=2) + "\n"

    @staticmethod
    def entries_for(files: Mapping[str, str], owners: Mapping[str, str] | None,
                    programs: Mapping[str, Collection[str]] | None) -> dict[str, dict[str, object]]:
        return {rel: {"sha256": _sha(files[rel].encode("utf-8")), "target": (owners or {}).get(rel, ""),
                      "programs": sorted((programs or {}).get(rel, ()))} for rel in files}

    # ---- build ---------------------------------------------------------------------------------------

    def write(self, files: Mapping[str, str], owners: Mapping[str, str] | None = None,
              programs: Mapping[str, Collection[str]] | None = None, scope: Scope = FULL) -> WriteReport:
        """Write `files` (path -> text; `owners` names each one's target, `programs` the programs that
        produce it); remove the files in `scope` that are no longer produced and provably idlgen's."""
        report = WriteReport()
        targets = {rel: self._safe_target(rel) for rel in files}  # validate every path before writing any
        with self._lock(exclusive=True, create=True):
            report.cleaned = self._clean_temps()
            previous = self._entries()
            changes: dict[str, bytes] = {}
            for rel in sorted(files):
                data, dest = files[rel].encode("utf-8"), targets[rel]
                kind = _kind(dest)
                if kind == "dir":
                    raise IdlgenError(f"a folder is in the way of a generated file: {rel}")
                if kind == "link":
                    report.replaced.append(rel)
                elif kind == "file" and _read(dest) == data:
                    report.unchanged.append(rel)
                    continue
                changes[rel] = data
            new_entries = self.entries_for(files, owners, programs)
            entries = {rel: e for rel, e in previous.items() if not scope.covers(e)}
            for rel, e in new_entries.items():
                # A shared file (idlgen_borsh.hpp) stays listed for the programs this build did not build.
                before = previous.get(rel, {}).get("programs")
                others = [p for p in before if isinstance(p, str) and scope.programs is not None
                          and p not in scope.programs] if isinstance(before, list) else []
                mine = e["programs"]
                entries[rel] = {**e, "programs": sorted({*others, *(mine if isinstance(mine, list) else [])})}
            doomed: list[tuple[str, Path]] = []
            for rel in sorted(set(previous) - set(files)):
                if not scope.covers(previous[rel]):
                    continue
                found = self._provably_ours(rel, previous[rel])
                if found is not None:
                    doomed.append((rel, found))
                elif self._inside_out(rel) and _kind(self._lexical(rel)) != "none":
                    report.kept.append(rel)
                    entries[rel] = previous[rel]  # still listed, so `check` keeps reporting it
            manifest = self.manifest_text(entries)
            if _read(self._manifest_path()) != manifest.encode() or _kind(self._manifest_path()) == "link":
                changes[self._manifest_rel()] = manifest.encode()
                targets[self._manifest_rel()] = self._manifest_path()
            self._commit({rel: (targets[rel], data) for rel, data in changes.items()})
            report.written = sorted(rel for rel in changes if rel != self._manifest_rel())
            for rel, dest in doomed:
                try:
                    dest.unlink()
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    raise IdlgenError(f"cannot remove {rel}: {exc.strerror}") from None
                report.removed.append(rel)
                _prune_empty(dest.parent, self.out_dir)
        return report

    def _manifest_rel(self) -> str:
        return (PurePosixPath(self.out.as_posix()) / MANIFEST).as_posix()

    def _lexical(self, rel: str) -> Path:
        p = PurePosixPath(rel)
        return Path(p) if p.is_absolute() else self.root / Path(*p.parts)

    def _provably_ours(self, rel: str, entry: Mapping[str, object]) -> Path | None:
        """The file to delete, or None when idlgen cannot prove it wrote it (see the module docstring)."""
        try:
            if not self._inside_out(rel) or self._symlinked_folder(rel) is not None:
                return None
            dest = self._target(rel)
        except IdlgenError:
            return None
        if PurePosixPath(rel).name == MANIFEST or _kind(dest) != "file":
            return None
        data = _read(dest)
        if data is None or _sha(data) != entry.get("sha256"):
            return None
        return dest

    def _commit(self, changes: Mapping[str, tuple[Path, bytes]]) -> None:
        """Stage every file as a temp beside it, then rename them all: a failure while staging (full
        disk, read-only folder) leaves the tree as it was, with no temp file behind."""
        staged: list[tuple[str, Path]] = []
        current = ""
        try:
            for rel, (dest, data) in changes.items():
                current = rel
                staged.append((_stage(dest, data), dest))
        except BaseException as exc:
            for tmp, _ in staged:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            if isinstance(exc, OSError):
                raise IdlgenError(f"cannot write {current}: {exc.strerror or exc}") from None
            raise
        for i, (tmp, dest) in enumerate(staged):
            try:
                # rename(2) replaces a symlink at `dest` itself, never the file it points to.
                os.replace(tmp, dest)
            except BaseException as exc:
                for later, _ in staged[i:]:
                    with contextlib.suppress(OSError):
                        os.unlink(later)
                if isinstance(exc, OSError):
                    raise IdlgenError(f"cannot write {self._shown(dest)}: {exc.strerror or exc}") from None
                raise

    @contextlib.contextmanager
    def _lock(self, exclusive: bool, create: bool) -> Iterator[None]:
        d = self.out_dir
        if d.is_symlink():
            raise IdlgenError(f"refusing to write through a symlinked folder: {self.out.as_posix()} (the output "
                              "folder); make it a real folder")
        if create:
            try:
                d.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise IdlgenError(f"cannot create the output folder {self.out.as_posix()}: "
                                  f"{exc.strerror or exc}") from None
        try:
            fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            if create:
                raise IdlgenError(f"cannot open the output folder {self.out.as_posix()}") from None
            yield  # nothing to read yet, so nothing to wait for
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _temp_files(self) -> list[Path]:
        """Temp files of interrupted builds: inside the output folder (not below symlinks) and beside
        each declared lock file."""
        found: list[Path] = []
        out = self.out_dir
        if out.is_dir() and not out.is_symlink():
            for dirpath, _dirs, names in os.walk(out):
                found += [Path(dirpath, n) for n in names if _TEMP.match(n)]
        for rel in sorted(self.extra_allowed):
            lock = self.root / rel
            if self._symlinked_folder(rel) is not None or not lock.parent.is_dir():
                continue
            pattern = re.compile(rf"^\.{re.escape(lock.name)}\.(?:idlgen-)?[a-z0-9_]{{8}}\.tmp$")
            found += [p for p in lock.parent.iterdir() if pattern.match(p.name)]
        return sorted(p for p in found if _kind(p) == "file")

    def _clean_temps(self) -> list[str]:
        cleaned = []
        for p in self._temp_files():
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                cleaned.append(self._shown(p))
        return cleaned

    def _shown(self, p: Path) -> str:
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            return p.as_posix()

    # ---- check ---------------------------------------------------------------------------------------

    def fresh(self, expected: Mapping[str, str], scope: Scope = FULL) -> bool:
        """True when every file in `expected` (path -> sha256, derived by the caller from its own render
        of the current inputs) is on disk as a regular file with that hash, and nothing else is wrong."""
        if not expected:
            return False
        with self._lock(exclusive=False, create=False):
            if self._temp_files():
                return False
            for rel, digest in expected.items():
                try:
                    dest = self._target(rel)
                except IdlgenError:
                    return False
                if self._symlinked_folder(rel) is not None or _kind(dest) != "file":
                    return False
                data = _read(dest)
                if data is None or _sha(data) != digest:
                    return False
            for rel in set(self.owned(scope)) - set(expected):
                if self._inside_out(rel) and _kind(self._lexical(rel)) != "none":
                    return False
            if scope.full and self.unexpected(expected):
                return False
        return True

    def check(self, files: Mapping[str, str], scope: Scope = FULL) -> list[Stale]:
        problems: list[Stale] = []
        with self._lock(exclusive=False, create=False):
            problems += [Stale(self._shown(p), "temp") for p in self._temp_files()]
            for rel in sorted(files):
                dest = self._target(rel)
                if self._symlinked_folder(rel) is not None or _kind(dest) == "link":
                    problems.append(Stale(rel, "symlink"))  # never read through it: its target is not ours
                    continue
                kind = _kind(dest)
                if kind == "none":
                    problems.append(Stale(rel, "missing"))
                    continue
                data = _read(dest) if kind == "file" else None
                try:
                    current = data.decode("utf-8") if data is not None else ""
                except UnicodeDecodeError:
                    current = ""
                if current != files[rel]:
                    diff = "".join(difflib.unified_diff(
                        current.splitlines(keepends=True), files[rel].splitlines(keepends=True),
                        fromfile=f"{rel} (on disk)", tofile=f"{rel} (from the IDL)", n=1))
                    problems.append(Stale(rel, "stale", _clip(diff)))
            extra = [rel for rel in sorted(set(self.owned(scope)) - set(files))
                     if self._inside_out(rel) and _kind(self._lexical(rel)) != "none"]
            problems += [Stale(rel, "extra") for rel in extra]
            if scope.full:
                problems += [Stale(rel, "unexpected") for rel in self.unexpected([*files, *extra])]
        return problems

    def unexpected(self, produced: Collection[str]) -> list[str]:
        """Files in the output folder that no render produced: a module slipped into a generated package
        (`types/__init__.py` shadows `types.py`; `sitecustomize.py` runs at start-up) is imported unseen
        otherwise. Python's own byte-code caches are not reported, except unchecked-hash ones, which
        Python would run without looking at the source. Temp files are reported on their own."""
        out = self.out_dir
        if _kind(out) != "dir":
            return []
        known = {os.path.normpath(self._lexical(rel)) for rel in produced}
        known.add(os.path.normpath(self._manifest_path()))
        found: list[str] = []
        for dirpath, dirs, names in os.walk(out):
            links = [d for d in dirs if os.path.islink(os.path.join(dirpath, d))]  # os.walk does not enter them
            for name in [*names, *links]:
                path = os.path.normpath(os.path.join(dirpath, name))
                if path in known or _TEMP.match(name):
                    continue
                if os.path.basename(dirpath) == "__pycache__" and _regenerable_pyc(Path(path)):
                    continue
                found.append(self._shown(Path(path)))
        return sorted(found)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _kind(p: Path) -> str:
    """"file" | "dir" | "link" | "other" | "none", without following a symlink."""
    try:
        mode = p.lstat().st_mode
    except OSError:
        return "none"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISREG(mode):
        return "file"
    return "dir" if stat.S_ISDIR(mode) else "other"


def _regenerable_pyc(p: Path) -> bool:
    """A byte-code cache Python checks against its source before use (timestamp or checked-hash pyc)."""
    if p.suffix != ".pyc" or _kind(p) != "file":
        return False
    data = _read(p)
    # PEP 552: 4 bytes magic, then 4 bytes of flags: 0 timestamp, 0b11 checked hash, 0b01 unchecked hash.
    return data is not None and len(data) >= 16 and int.from_bytes(data[4:8], "little") in (0, 0b11)


def _read(p: Path) -> bytes | None:
    """The bytes of a regular file, never through a symlink."""
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        try:
            return fh.read()
        except OSError:
            return None


def _stage(dest: Path, data: bytes) -> str:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.{TEMP_TAG}", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def atomic_write(dest: Path, data: bytes) -> None:
    """One file, atomically (temp beside it, fsync, rename): for callers outside a build."""
    tmp = _stage(dest, data)
    try:
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
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
