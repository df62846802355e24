"""Build a program's generated Python codec into a temporary folder and import its JSON bridge.

Used by `idlgen simtest` (two IDLs side by side, so each gets a package name of its own) and
`idlgen decode`. The package is rendered by the Python target exactly as `idlgen build` would, only
with a private name, so sim-test and decode exercise the very code the relayer runs.
"""

from __future__ import annotations

import functools
import importlib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import Program


@dataclass(frozen=True, slots=True)
class Codec:
    program: Program
    package: str
    bridge: ModuleType
    base: Path | None = None  # the folder holding the package, for its other modules

    def module(self, name: str) -> Any:
        """Another module of the generated package (`relayer`, `families`, `errors`, ...)."""
        full = f"{self.package}.{name}"
        if full in sys.modules:
            return sys.modules[full]
        if self.base is None:
            raise IdlgenError(f"the generated package {self.package} has no module {name}")
        sys.path.insert(0, str(self.base))
        try:
            return importlib.import_module(full)
        except ModuleNotFoundError:
            raise IdlgenError(f"the generated package for {self.program.name} has no {name}.py") from None
        finally:
            sys.path.remove(str(self.base))

    def encode(self, kind: str, name: str, value: Any) -> bytes:
        data: bytes = self.bridge.encode(kind, name, value)
        return data

    def decode(self, kind: str, name: str, data: bytes, *, strict: bool | None = None) -> Any:
        """`strict=None`: the bridge's default (accounts and instructions ignore trailing bytes, as the
        program does; types and events reject them)."""
        return self.bridge.decode(kind, name, data, strict=strict)


@contextmanager
def codec_workspace() -> Iterator[Path]:
    """A temporary folder for generated packages; removed (and its modules unimported) afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="idlgen-codec-"))
    before = set(sys.modules)
    try:
        yield tmp
    finally:
        for name in set(sys.modules) - before:
            mod = sys.modules.get(name)
            if str(getattr(mod, "__file__", "") or "").startswith(str(tmp)):
                del sys.modules[name]
        shutil.rmtree(tmp, ignore_errors=True)


@functools.lru_cache(maxsize=16)
def _render(program: Program, package: str) -> dict[str, str]:
    """The Python target's files (memoised: the model is immutable, and rendering dominates the cost)."""
    from idlgen import pipeline
    from idlgen.targets.base import ProgramNames, RenderContext

    names = ProgramNames.of(program, python_package=package)
    ctx = RenderContext(names=names, idl_path=program.source or "idl.json", lock_path="idl.lock.json",
                        out="generated", targets=("python",))
    try:
        target = pipeline.target("python")
    except ModuleNotFoundError as exc:
        raise IdlgenError(f"the Python codec target is not available ({exc.name})") from None
    return target.render(program, ctx)


def build_codec(program: Program, workspace: Path, role: str) -> Codec:
    """Render `program` with the Python target as package `_idlgen_<role>_<sha>` and import it."""
    package = f"_idlgen_{role}_{program.source_sha256[:12] or 'x'}"
    files = _render(program, package)
    bridge_path = next((p for p in files if p.endswith(f"/{package}/json_bridge.py")), None)
    if bridge_path is None:
        raise IdlgenError(f"the Python target rendered no {package}/json_bridge.py")
    dest = workspace / role
    for rel, text in files.items():
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    base = (dest / bridge_path).parent.parent
    sys.path.insert(0, str(base))
    try:
        importlib.invalidate_caches()
        bridge = importlib.import_module(f"{package}.json_bridge")
    finally:
        sys.path.remove(str(base))
    return Codec(program, package, bridge, base)
