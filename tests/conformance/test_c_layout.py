"""repr(C) layouts of zero-copy types against the C compiler.

For every type carrying `TypeDef.c_layout` (zero-copy types and what they embed) in the bundled IDL and
every IDL copied into tests/corpus, an equivalent C declaration (tests/conformance/cstructs.py) is
compiled with gcc and its sizeof / _Alignof / offsetof must equal idlgen/ir/layout.py's numbers. This
is the reference the Anchor TS coder cannot be (it ignores repr and writes everything packed).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from idlgen.anchor.load import load_program
from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import Program, StructBody
from tests.conformance.cstructs import CEmitter
from tests.conftest import CORPUS, SETTLEMENT


def _zero_copy_programs() -> list[tuple[str, Program]]:
    out = []
    for path in [SETTLEMENT, *sorted(FIXTURES.glob("*.json")), *sorted(CORPUS.rglob("*.json"))]:
        try:
            prog = load_program(path)
        except IdlgenError:
            continue  # IDLs idlgen refuses are covered by the loader's own tests
        if any(t.c_layout for t in prog.types):
            out.append((f"{path.parent.name}/{path.name}", prog))
    return out


FIXTURES = Path(__file__).parent / "fixtures"  # synthetic: u128, u256, packed, align, COption, enums
PROGRAMS = _zero_copy_programs()


def compile_and_run(source: str, workdir: Path) -> str:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler (gcc) on this machine")
    src = workdir / "probe.c"
    exe = workdir / "probe"
    src.write_text(source)
    cc = subprocess.run([gcc, "-std=gnu11", "-O0", "-w", "-o", str(exe), str(src)],
                        capture_output=True, text=True, check=False)
    assert cc.returncode == 0, f"gcc failed:\n{cc.stderr[-3000:]}"
    run = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    return run.stdout


def test_corpus_has_zero_copy_types() -> None:
    # Guards against this file silently testing nothing if the corpus or the loader changes.
    assert sum(len([t for t in p.types if t.c_layout]) for _, p in PROGRAMS) >= 50


@pytest.mark.parametrize(("label", "program"), PROGRAMS, ids=[label for label, _ in PROGRAMS])
def test_c_layout_matches_gcc(label: str, program: Program, tmp_path: Path) -> None:
    em = CEmitter(program)
    source = em.emit_all() + "\n" + em.layout_probe()
    got = {}
    for line in compile_and_run(source, tmp_path).splitlines():
        cname, size, align, *offs = line.split()
        got[cname] = (int(size), int(align), tuple(int(o) for o in offs))
    mismatches = []
    for td in em.zero_copy_types():
        lay = td.c_layout
        assert lay is not None
        want = (lay.size, lay.align, lay.offsets if isinstance(td.body, StructBody) else ())
        have = got[em.c_names[td.name]]
        if want != have:
            mismatches.append(f"{td.name} ({td.serialization.value}, {td.repr}): idlgen size/align/offsets "
                              f"{want}, gcc {have}")
    assert not mismatches, f"{label}:\n" + "\n".join(mismatches)


def test_c_layout_matches_gcc_on_the_shared_corpus(shared_corpus: Path, tmp_path: Path) -> None:
    """Same check on the corpus IDLs only ../shared holds (skipped when ../shared is absent)."""
    from tests.conftest import shared_only_idls

    checked, mismatches = 0, []
    for path in shared_only_idls():
        try:
            program = load_program(path)
        except IdlgenError:
            continue
        if not any(t.c_layout for t in program.types):
            continue
        em = CEmitter(program)
        work = tmp_path / path.stem
        work.mkdir(exist_ok=True)
        got = {}
        for line in compile_and_run(em.emit_all() + "\n" + em.layout_probe(), work).splitlines():
            cname, size, align, *offs = line.split()
            got[cname] = (int(size), int(align), tuple(int(o) for o in offs))
        for td in em.zero_copy_types():
            lay = td.c_layout
            assert lay is not None
            want = (lay.size, lay.align, lay.offsets if isinstance(td.body, StructBody) else ())
            checked += 1
            if got[em.c_names[td.name]] != want:
                mismatches.append(f"{path.name} {td.name}: idlgen {want}, gcc {got[em.c_names[td.name]]}")
    assert not mismatches, "\n".join(mismatches)
    assert checked >= 50, checked
