"""`idlgen init`: write a commented starter config for an IDL found in the project.

The config goes into pyproject.toml as `[tool.idlgen]` when there is a pyproject.toml, else into a
new idlgen.toml. An existing idlgen config is never touched; pyproject.toml is only appended to (its
bytes before the new table stay as they were), and the result is parsed with idlgen's own config
reader before anything is written.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import Prim, PrimType, Program, VecType

# Where Anchor projects keep IDLs, most specific first.
SEARCH = ("idl/*.json", "idls/*.json", "target/idl/*.json", "*.json")


@dataclass(frozen=True, slots=True)
class Found:
    path: Path  # relative to the project root
    program: Program


def find_idls(root: Path) -> list[Found]:
    from idlgen.anchor.load import load_program

    seen: set[Path] = set()
    found: list[Found] = []
    for pattern in SEARCH:
        for p in sorted(root.glob(pattern)):
            if p in seen or p.name.endswith(".lock.json") or p.name in ("package.json", "package-lock.json",
                                                                          "tsconfig.json"):
                continue
            seen.add(p)
            try:
                prog = load_program(p, display=str(p.relative_to(root)))
            except IdlgenError:
                continue  # not an Anchor IDL
            found.append(Found(p.relative_to(root), prog))
    return found


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def starter(found: Found, *, table: str) -> str:
    """The config text; `table` is "tool.idlgen" (pyproject.toml) or "" (idlgen.toml)."""
    from idlgen.anchor.names import snake_case

    prog = found.program
    base = snake_case(prog.name) or "program"
    dot = f"{table}." if table else ""
    idl = found.path.as_posix()
    lines = [
        "# idlgen: the Anchor IDL is the single source of truth for protobuf schemas, Python Borsh codecs",
        "# and C++ headers. `idlgen build` regenerates them, `idlgen check` (pre-commit, CI) fails when they",
        "# are stale, `idlgen diff --base origin/main` classifies IDL changes as none / soft / hard fork.",
    ]
    if table:
        lines.append(f"[{table}]")
    lines += [
        'out = "generated"                      # output folder, relative to this file',
        'targets = ["python", "proto", "cpp"]   # what `idlgen build` emits',
        "",
        f"[[{dot}programs]]",
        f"idl = {_toml_str(idl)}",
        f"python_package = {_toml_str(base)}   # import name of the generated Python package",
        f"cpp_namespace = {_toml_str(base)}    # namespace of the generated C++ headers",
        f"proto_package = {_toml_str(base + '.v1')}   # protobuf package",
        f"# lock = {_toml_str(idl.removesuffix('.json') + '.lock.json')}   # proto field-number lock "
        "(this is the default); commit it",
    ]
    bytes_ix = [(ix, a) for ix in prog.instructions for a in ix.args
                if a.type in (PrimType(Prim.BYTES), VecType(PrimType(Prim.U8)))]
    for fam in prog.families:
        members = ", ".join(f"{m.type} (v{m.version})" for m in fam.members)
        lines += ["", f"# Versioned family found in the IDL: {members}.", f"[[{dot}programs.families]]",
                  f"stem = {_toml_str(fam.stem)}"]
        carrier = f"{fam.carrier.instruction}.{fam.carrier.arg}" if fam.carrier else None
        if carrier is None and fam.gate is None:
            # No bitmask gates it, so the program does not receive it: events or accounts it writes.
            lines.append("# no carrier or gate: a family the program emits (events) or stores, not one it receives")
            continue
        if carrier is None and len(bytes_ix) == 1:
            carrier = f"{bytes_ix[0][0].snake}.{bytes_ix[0][1].snake}"
            lines.append(f"carrier = {_toml_str(carrier)}   # guessed (the only bytes argument): the "
                         "instruction arg holding <version byte><body>")
        elif carrier is not None:
            lines.append(f"carrier = {_toml_str(carrier)}   # instruction arg holding <version byte><body>")
        else:
            lines.append('# carrier = "instruction.arg"   # the instruction arg holding <version byte><body>')
        if fam.gate:
            lines.append(f"gate = {_toml_str(fam.gate.account + '.' + fam.gate.field)}   # account field "
                         "with the allowed-versions bitmask (bit v-1 = version v)")
        else:
            lines.append('# gate = "Account.field"   # account field with the allowed-versions bitmask')
        lines.append(f"emit_version = {max(fam.versions)}   # the version the off-chain side emits "
                     "(idlgen simtest)")
    lines += [
        "",
        f"[{dot}diff]",
        'fail_on = "hard"   # `idlgen diff` exits 1 at or above this level: "none", "soft" or "hard"',
        "# Deliberate changes, still reported but not failing, e.g. retiring a family member:",
        '# acknowledge = [{ rule = "FAMILY_MEMBER_REMOVED", path = "types.BatchV1", reason = "V1 retired" }]',
    ]
    return "\n".join(lines) + "\n"


def init(root: Path, idl: str | None) -> tuple[Path, str]:
    """Write the starter config; returns (file written, IDL used). Refuses to overwrite any config."""
    from idlgen.anchor.load import load_program
    from idlgen.config import load_config
    from idlgen.write import atomic_write

    idl_toml = root / "idlgen.toml"
    pyproject = root / "pyproject.toml"
    if idl_toml.exists():
        raise IdlgenError("an idlgen config already exists here: not overwriting it", file=idl_toml.name)
    py_text = None
    if pyproject.is_file():
        py_text = pyproject.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(py_text)
        except tomllib.TOMLDecodeError as exc:
            raise IdlgenError(f"malformed TOML, fix it first: {exc}", file="pyproject.toml") from None
        if isinstance(data.get("tool"), dict) and "idlgen" in data["tool"]:
            raise IdlgenError("already has a [tool.idlgen] table: not overwriting it", file="pyproject.toml")
    if idl:
        p = Path(idl)
        full = p if p.is_absolute() else root / p
        program = load_program(full, display=idl)
        try:
            rel = full.resolve().relative_to(root.resolve())
        except ValueError:
            raise IdlgenError("the IDL must be inside the project folder", file=idl) from None
        found = Found(rel, program)
    else:
        all_found = find_idls(root)
        if not all_found:
            raise IdlgenError(f"no Anchor IDL found under {root} (looked in {', '.join(SEARCH)}): "
                              "pass one, e.g. `idlgen init target/idl/my_program.json`")
        if len(all_found) > 1:
            listed = ", ".join(f.path.as_posix() for f in all_found)
            raise IdlgenError(f"several IDLs found ({listed}): pass the one to configure")
        found = all_found[0]
    if py_text is not None:
        sep = "" if py_text.endswith("\n\n") or not py_text else ("\n" if py_text.endswith("\n") else "\n\n")
        text = py_text + sep + starter(found, table="tool.idlgen")
        dest = pyproject
    else:
        text = starter(found, table="")
        dest = idl_toml
    # Prove the file we are about to write is a config idlgen reads, before writing it.
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / dest.name
        probe.write_text(text, encoding="utf-8")
        load_config(probe)
    atomic_write(dest, text.encode("utf-8"))
    return dest, found.path.as_posix()
