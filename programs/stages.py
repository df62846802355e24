"""The three stages of the rollout story: IDL, program binary and the generated Python codecs of each.

`current` uses the committed relayer package (generated/python/godark_settlement, what `idlgen build`
writes); `v1_only` and `v3_hardfork` are rendered by idlgen's Python target into a temporary folder,
exactly as `idlgen build` would render them.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .ledger import BUILD, ROOT, program_path

IDLS = {
    "v1_only": ROOT / "tests" / "fixtures" / "settlement" / "v1_only.json",
    "current": ROOT / "idl" / "godark_settlement.json",
    "v3_hardfork": ROOT / "tests" / "fixtures" / "settlement" / "v3_hardfork.json",
}
GENERATED = ROOT / "generated" / "python"
_SUBMODULES = ("types", "accounts", "events", "instructions", "errors", "constants")


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    idl: Path
    program: Path
    codec: ModuleType  # the generated package; submodules as attributes (codec.instructions, ...)

    @property
    def ix(self) -> ModuleType:
        return self.codec.instructions  # type: ignore[no-any-return]

    @property
    def types(self) -> ModuleType:
        return self.codec.types  # type: ignore[no-any-return]

    @property
    def accounts(self) -> ModuleType:
        return self.codec.accounts  # type: ignore[no-any-return]

    @property
    def events(self) -> ModuleType:
        return self.codec.events  # type: ignore[no-any-return]

    @property
    def errors(self) -> ModuleType:
        return self.codec.errors  # type: ignore[no-any-return]


def _committed() -> ModuleType:
    """generated/python/godark_settlement, imported under a private name: the files are the committed
    ones, but a test session that imports another `godark_settlement` (a fresh build) does not collide."""
    name = "_committed_godark_settlement"
    if name in sys.modules:
        return sys.modules[name]
    pkg_dir = GENERATED / "godark_settlement"
    spec = importlib.util.spec_from_file_location(name, pkg_dir / "__init__.py",
                                                  submodule_search_locations=[str(pkg_dir)])
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    for sub in (*_SUBMODULES, "_schema", "families"):
        importlib.import_module(f"{name}.{sub}")
    return mod


def codec_for(stage: str, workspace: Path) -> ModuleType:
    """The generated Python package of `stage` (rendered under `workspace` unless it is `current`)."""
    if stage == "current":
        return _committed()
    from idlgen.anchor.load import load_program
    from idlgen.tools.codecs import build_codec

    codec = build_codec(load_program(IDLS[stage]), workspace, stage)
    mod = sys.modules[codec.package]  # imported by build_codec; submodules resolve through its __path__
    for sub in _SUBMODULES:
        importlib.import_module(f"{codec.package}.{sub}")
    return mod


def load_stage(stage: str, workspace: Path, build: Path = BUILD) -> Stage:
    return Stage(stage, IDLS[stage], program_path(stage, build), codec_for(stage, workspace))
