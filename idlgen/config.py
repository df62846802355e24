"""`[tool.idlgen]` in pyproject.toml, or the top level of idlgen.toml.

    [tool.idlgen]
    out = "generated"                      # output folder, relative to the config file
    targets = ["python", "proto", "cpp"]   # what `idlgen build` emits

    [[tool.idlgen.programs]]
    idl = "idl/godark_settlement.json"
    python_package = "godark_settlement"   # default: the program name
    cpp_namespace = "godark::settlement"   # default: the program name
    proto_package = "godark.settlement.v1" # default: "<program name>.v1"
    lock = "idl/godark_settlement.lock.json"  # proto field-number lock; default: beside the IDL

    [[tool.idlgen.programs.families]]
    stem = "Batch"
    carrier = "settle_batch.data"
    gate = "GlobalConfig.allowed_batch_versions"
    emit_version = 2                       # the version the off-chain side emits (sim-test)

    [tool.idlgen.diff]
    fail_on = "hard"
    acknowledge = [{ rule = "FAMILY_MEMBER_REMOVED", path = "types.BatchV1", reason = "V1 retired" }]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from idlgen.anchor.lower import FamilySpec
from idlgen.diagnostics import ConfigError

TARGETS = ("python", "proto", "cpp")
LEVELS = ("none", "soft", "hard")


@dataclass(frozen=True, slots=True)
class FamilyConfig:
    spec: FamilySpec
    emit_version: int | None = None


@dataclass(frozen=True, slots=True)
class ProgramConfig:
    idl: Path  # relative to root
    python_package: str | None = None
    cpp_namespace: str | None = None
    proto_package: str | None = None
    lock: Path | None = None
    families: tuple[FamilyConfig, ...] = ()

    @property
    def family_specs(self) -> tuple[FamilySpec, ...]:
        return tuple(f.spec for f in self.families)

    def lock_path(self) -> Path:
        return self.lock or self.idl.with_suffix(".lock.json")


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    rule: str
    path: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DiffConfig:
    fail_on: str = "hard"
    acknowledge: tuple[Acknowledgement, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    root: Path
    source: Path | None  # the file the config came from, None for defaults
    out: Path = Path("generated")
    targets: tuple[str, ...] = TARGETS
    programs: tuple[ProgramConfig, ...] = ()
    diff: DiffConfig = field(default_factory=DiffConfig)

    @property
    def out_dir(self) -> Path:
        return self.root / self.out


def find_config(start: Path) -> Path | None:
    """The nearest idlgen.toml, or pyproject.toml with a [tool.idlgen] table, at or above `start`."""
    for d in (start, *start.parents):
        cand = d / "idlgen.toml"
        if cand.is_file():
            return cand
        cand = d / "pyproject.toml"
        if cand.is_file():
            try:
                data = tomllib.loads(cand.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and "idlgen" in data["tool"]:
                return cand
    return None


def load_config(path: Path) -> Config:
    shown = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"malformed TOML: {exc}", file=shown) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=shown) from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("idlgen")
        prefix = "tool.idlgen"
        if not isinstance(table, dict):
            raise ConfigError("no [tool.idlgen] table", file=shown)
    else:
        table, prefix = data, ""
    return parse_config(table, path.parent, path, prefix)


def default_config(root: Path, idls: list[Path]) -> Config:
    return Config(root=root, source=None, programs=tuple(ProgramConfig(idl=p) for p in idls))


def parse_config(table: dict[str, Any], root: Path, source: Path, prefix: str) -> Config:
    shown = str(source)

    def key(*parts: str | int) -> str:
        out = prefix
        for p in parts:
            out = f"{out}[{p}]" if isinstance(p, int) else (f"{out}.{p}" if out else p)
        return out

    def bad(where: str, msg: str) -> ConfigError:
        return ConfigError(msg, file=shown, path=where)

    known = {"out", "targets", "programs", "diff"}
    for k in table:
        if k not in known:
            raise bad(key(k), f"unknown key (known: {', '.join(sorted(known))})")
    out = table.get("out", "generated")
    if not isinstance(out, str) or not out or Path(out).is_absolute() or ".." in Path(out).parts:
        raise bad(key("out"), "must be a relative folder inside the project")
    targets = table.get("targets", list(TARGETS))
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise bad(key("targets"), "must be a list of target names")
    for t in targets:
        if t not in TARGETS:
            raise bad(key("targets"), f"unknown target {t!r} (known: {', '.join(TARGETS)})")
    programs_raw = table.get("programs", [])
    if not isinstance(programs_raw, list):
        raise bad(key("programs"), "must be an array of tables ([[tool.idlgen.programs]])")
    programs: list[ProgramConfig] = []
    for i, p in enumerate(programs_raw):
        if not isinstance(p, dict):
            raise bad(key("programs", i), "must be a table")
        pk = {"idl", "python_package", "cpp_namespace", "proto_package", "lock", "families"}
        for k in p:
            if k not in pk:
                raise bad(key("programs", i, k), f"unknown key (known: {', '.join(sorted(pk))})")
        if not isinstance(p.get("idl"), str):
            raise bad(key("programs", i, "idl"), "is required: the IDL file's path")
        for k, pattern in (("python_package", r"[A-Za-z_][A-Za-z0-9_]*"),
                           ("cpp_namespace", r"[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*"),
                           ("proto_package", r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")):
            if k in p and (not isinstance(p[k], str) or not re.fullmatch(pattern, p[k])):
                raise bad(key("programs", i, k), f"must match {pattern}")
        fams: list[FamilyConfig] = []
        for j, f in enumerate(p.get("families", [])):
            fk = {"stem", "carrier", "gate", "emit_version", "unknown_version_error", "disabled_version_error"}
            if not isinstance(f, dict) or not isinstance(f.get("stem"), str):
                raise bad(key("programs", i, "families", j), "needs a `stem` (e.g. \"Batch\" for BatchV1, BatchV2)")
            for k in f:
                if k not in fk:
                    raise bad(key("programs", i, "families", j, k), f"unknown key (known: {', '.join(sorted(fk))})")
            ev = f.get("emit_version")
            if ev is not None and (not isinstance(ev, int) or not 1 <= ev <= 8):
                raise bad(key("programs", i, "families", j, "emit_version"), "must be a version from 1 to 8")
            fams.append(FamilyConfig(FamilySpec(f["stem"], f.get("carrier"), f.get("gate"),
                                                f.get("unknown_version_error"), f.get("disabled_version_error")),
                                     ev))
        programs.append(ProgramConfig(
            idl=Path(p["idl"]), python_package=p.get("python_package"), cpp_namespace=p.get("cpp_namespace"),
            proto_package=p.get("proto_package"), lock=Path(p["lock"]) if isinstance(p.get("lock"), str) else None,
            families=tuple(fams)))
    diff_raw = table.get("diff", {})
    if not isinstance(diff_raw, dict):
        raise bad(key("diff"), "must be a table")
    fail_on = diff_raw.get("fail_on", "hard")
    if fail_on not in LEVELS:
        raise bad(key("diff", "fail_on"), f"must be one of {', '.join(LEVELS)}")
    acks: list[Acknowledgement] = []
    for j, a in enumerate(diff_raw.get("acknowledge", [])):
        if not isinstance(a, dict) or not isinstance(a.get("rule"), str) or not isinstance(a.get("path"), str):
            raise bad(key("diff", "acknowledge", j), "needs `rule` and `path` strings")
        acks.append(Acknowledgement(a["rule"], a["path"], str(a.get("reason", ""))))
    return Config(root=root, source=source, out=Path(out), targets=tuple(targets), programs=tuple(programs),
                  diff=DiffConfig(fail_on, tuple(acks)))
