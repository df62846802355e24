"""What the conformance tests compare, and the reference bytes for it, computed once per session.

Every item (type, account, event, instruction) of every IDL in scope gets a few seeded values
(tests/support/values.py: the zero / max / min edge profiles plus random ones). Each value gets
reference bytes from the implementation that is authoritative for it:
  * zero-copy account or type (TypeDef.zero_copy): the C compiler's memory image of an equivalent
    repr(C) struct (tests/conformance/cstructs.py) - on chain these bytes are `bytemuck::bytes_of`;
  * otherwise, a spec-format (0.30+) IDL: the official Anchor TS coder (tests/reference/encode.cjs);
  * otherwise (legacy <= 0.29 IDL): anchorpy 0.21.0 (tests/support/anchorpy_ref.py).
A type that is the layout of an account or an event is compared through that account / event (the body
bytes are the same; the TS coder and anchorpy are slow enough that doing it twice would double the run).
References are batched: one node process for all spec IDLs, one gcc run per IDL with zero-copy items.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from idlgen.anchor.load import load_program
from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import IdlFormat, Program
from tests.conformance.cstructs import CEmitter, image_source
from tests.conformance.known import rule_skip
from tests.conftest import CORPUS, ROOT, SETTLEMENT, SHARED_CORPUS, shared_only_idls
from tests.support import ts_ref
from tests.support.values import samples

FIXTURES = Path(__file__).parent / "fixtures"
SEED = 20240611
BIG = 16 * 1024  # items whose fixed size exceeds this get fewer random values (speed)


def idl_paths() -> list[Path]:
    """The bundled IDL, the fixtures, the copied corpus; with IDLGEN_CONFORMANCE_SHARED=1 also the corpus
    IDLs that only ../shared holds (licences keep them out of the repo; a few minutes more)."""
    paths = [SETTLEMENT, *sorted(FIXTURES.glob("*.json")), *sorted((CORPUS / "idls").glob("*/*.json"))]
    if os.environ.get("IDLGEN_CONFORMANCE_SHARED") == "1":
        paths += shared_only_idls()
    return paths


def label_of(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path.relative_to(SHARED_CORPUS.parent.parent))  # ../shared/corpus/... -> shared/corpus/...


def path_of(label: str) -> Path:
    return (ROOT.parent if label.startswith("shared/") else ROOT) / label


@functools.cache
def programs() -> dict[str, Program]:
    """Every IDL in scope that idlgen loads (the loader's own tests cover the ones it refuses)."""
    out = {}
    for p in idl_paths():
        try:
            out[label_of(p)] = load_program(p)
        except IdlgenError:
            continue
    return out


@dataclass
class Case:
    idl: str  # repo-relative path
    kind: str
    name: str
    label: str  # sample label: zero / max / min / randomN / variant:X
    value: Any
    ref: str  # "ts" | "anchorpy" | "c"
    ref_hex: str | None = None
    ref_error: str | None = None
    skip: str | None = None  # reason when the reference cannot say (listed in known.py)
    stock: bool = False  # TS only: the stock BorshCoder.encode() gave the same bytes too
    dirty_hex: str | None = None  # C only: the image with padding (and None COption bytes) at 0xAA


def items(program: Program) -> Iterator[tuple[str, str]]:
    layouts = {a.type for a in program.accounts} | {e.type for e in program.events}
    for td in program.types:
        if td.name not in layouts:
            yield "type", td.name
    for a in program.accounts:
        yield "account", a.name
    for e in program.events:
        yield "event", e.name
    for ix in program.instructions:
        yield "instruction", ix.name


def zero_copy_type(program: Program, kind: str, name: str) -> str | None:
    """The TypeDef name when this item's bytes are a zero-copy memory image, else None."""
    if kind == "type":
        tname = name
    elif kind == "account":
        tname = next(a.type for a in program.accounts if a.name == name)
    else:
        return None  # events and instruction args are Borsh-serialized on chain, whatever the type
    return tname if program.type(tname).zero_copy else None


def _size(program: Program, kind: str, name: str) -> int:
    if kind == "instruction":
        return 0
    tname = name if kind == "type" else next(
        x.type for x in (*program.accounts, *program.events) if x.name == name)
    td = program.type(tname)
    return (td.c_layout.size if td.c_layout else td.borsh_size) or 0


def reference_of(program: Program, kind: str, name: str) -> str:
    if zero_copy_type(program, kind, name):
        return "c"
    return "ts" if program.format is IdlFormat.SPEC else "anchorpy"


@functools.cache
def cases() -> tuple[Case, ...]:
    out: list[Case] = []
    for idl, program in programs().items():
        for kind, name in items(program):
            n_random = 1 if _size(program, kind, name) > BIG else 2
            ref = reference_of(program, kind, name)
            for label, value in samples(program, kind, name, SEED, n_random=n_random):
                out.append(Case(idl, kind, name, label, value, ref, skip=rule_skip(program, idl, kind, name, ref)))
    _run_ts([c for c in out if c.ref == "ts" and not c.skip])
    _run_anchorpy([c for c in out if c.ref == "anchorpy" and not c.skip])
    _run_c([c for c in out if c.ref == "c" and not c.skip])
    return tuple(out)


def _run_ts(todo: list[Case]) -> None:
    if not todo:
        return
    reason = ts_ref.unavailable_reason()
    if reason:
        for c in todo:
            c.ref_error = "unavailable: " + reason
        return
    progs = programs()
    reqs = [ts_ref.encode_request(path_of(c.idl), progs[c.idl], c.kind, c.name, c.value) for c in todo]
    for c, r in zip(todo, ts_ref.run(reqs), strict=True):
        c.ref_hex, c.ref_error = (r.hex, None) if r.ok else (None, r.error)
        c.stock = r.stock


def _run_anchorpy(todo: list[Case]) -> None:
    from tests.support.anchorpy_ref import AnchorpyRef

    refs: dict[str, AnchorpyRef] = {}
    for c in todo:
        try:
            ref = refs.get(c.idl) or refs.setdefault(c.idl, AnchorpyRef(path_of(c.idl), programs()[c.idl]))
            c.ref_hex = ref.encode(c.kind, c.name, c.value).hex()
        except Exception as exc:
            c.ref_error = f"{type(exc).__name__}: {exc}"[:300]


def _run_c(todo: list[Case]) -> None:
    gcc = shutil.which("gcc") or shutil.which("cc")
    by_idl: dict[str, list[Case]] = {}
    for c in todo:
        by_idl.setdefault(c.idl, []).append(c)
    for idl, group in by_idl.items():
        if gcc is None:
            for c in group:
                c.ref_error = "unavailable: no C compiler (gcc)"
            continue
        program = programs()[idl]
        em = CEmitter(program)
        reqs = [(zero_copy_type(program, c.kind, c.name) or "", c.value) for c in group]
        with tempfile.TemporaryDirectory() as tmp:
            src, exe = Path(tmp) / "img.c", Path(tmp) / "img"
            src.write_text(image_source(em, reqs))
            subprocess.run([gcc, "-std=gnu11", "-O0", "-w", "-o", str(exe), str(src)], check=True,
                           capture_output=True)
            lines = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.splitlines()
        for i, c in enumerate(group):
            disc = b""
            if c.kind == "account":
                disc = next(a.discriminator for a in program.accounts if a.name == c.name)
            c.ref_hex = disc.hex() + lines[2 * i]
            c.dirty_hex = disc.hex() + lines[2 * i + 1]
        assert len(lines) == 2 * len(group)
