"""C++ conformance: the generated headers against the bytes of the Python codec, value by value.

For the bundled IDL, the edge-case fixture and every corpus IDL that loads, seeded canonical values
(tests/support/values.py) are encoded by the generated Python package's JSON bridge; the C++ target
renders a test program (`render_conformance`) that builds each value from C++ literals and checks
encode == bytes, decode(bytes) == value, clean failure on every truncation, and trailing-byte handling.
Each program is built and run with clang++ (C++20, -fno-exceptions) and with g++ under
-fsanitize=address,undefined; the bundled IDL and the edge-case fixture once more with plain g++ (the
corpus headers are compiled warning-free by plain g++ in test_cpp_headers.py). One program per IDL, two
builds at a time. For g++ the values part of a program (large literal initialisers, nothing to check in
them) is compiled without the sanitizers and linked with the sanitized harness + codecs.
Measured on the 2-core test machine: about 2 minutes wall, 3.5 minutes of compiler time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from idlgen.diagnostics import IdlgenError
from idlgen.targets.cpp import Vector, render_conformance
from tests.conftest import copied_idls
from tests.cpp.support import EDGE, SANITIZE, SETTLEMENT, WARNINGS, Run, build_and_run, compiler, context, load, run
from tests.cpp.support import write_headers as write_program_headers
from tests.support.values import samples

SEED = 20261126
FLAGS = (*WARNINGS, "-Wno-overlength-strings")  # expected bytes are long string literals
GXX = ("-std=c++17", "-O0", "-g0")
CLANG = ("-std=c++20", "-O0", "-g0", "-fno-exceptions")
CONFIGS = ("g++-c++17", "g++-asan-ubsan", "clang++-c++20-no-exceptions")
CORPUS_CONFIGS = CONFIGS[1:]
# vptr: no polymorphic types here; it only costs compile time.
SAN = (*SANITIZE, "-fno-sanitize=vptr")
# The bundled IDL and the edge-case fixture get every sample (zero, max, min, three random values, one
# per enum variant); corpus items get `max` and one random value (values over BIG bytes: the random one
# only, their literals are large) and the per-variant values, which keeps the whole run to minutes.
BIG = 2048
CORPUS_LABELS = ("max", "random0")
KINDS = ("type", "account", "event", "instruction")

IDLS = [SETTLEMENT, EDGE, *copied_idls()]


def idl_id(idl: Path) -> str:
    return "bundled" if idl == SETTLEMENT else idl.stem


@dataclass
class Outcome:
    skipped: str | None = None
    vectors: int = 0
    runs: dict[str, Run] | None = None


def make_vectors(idl: Path, scratch: Path) -> list[Vector]:
    from tests.support.pygen import generate_python_package

    program = load(idl)
    codec = generate_python_package(idl, scratch / "py", families=None).json_bridge
    full = idl in (SETTLEMENT, EDGE)
    vectors: list[Vector] = []
    names = {"type": [t.name for t in program.types], "account": [a.name for a in program.accounts],
             "event": [e.name for e in program.events], "instruction": [i.name for i in program.instructions]}
    for kind in KINDS:
        for name in names[kind]:
            for label, value in samples(program, kind, name, SEED, n_random=3 if full else 1):
                if not full and not (label in CORPUS_LABELS or label.startswith("variant:")):
                    continue
                data = bytes(codec.encode(kind, name, value))
                if not full and len(data) > BIG and label != "random0":
                    continue
                vectors.append(Vector(kind, name, label, value, data))
    return vectors


def prepare(idl: Path, scratch: Path) -> Outcome:
    try:
        program = load(idl)
    except IdlgenError:
        return Outcome(skipped="the loader rejects this IDL (covered by the loader's tests)")
    try:
        vectors = make_vectors(idl, scratch)
    except Exception as exc:  # the Python codec is another target: report, do not hide, what it could not do
        return Outcome(skipped=f"no vectors: the Python codec failed: {type(exc).__name__}: {str(exc)[:300]}")
    write_program_headers(program, idl, scratch)
    (scratch / "conformance.cpp").write_text(render_conformance(program, context(program, idl), vectors),
                                            encoding="utf-8")
    return Outcome(vectors=len(vectors))


def configs_for(idl: Path) -> tuple[str, ...]:
    return CONFIGS if idl in (SETTLEMENT, EDGE) else CORPUS_CONFIGS


def gxx_job(scratch: Path, configs: tuple[str, ...]) -> dict[str, Run]:
    """values.o once; the harness sanitized (and plain); each linked with values.o and run."""
    cxx = compiler("g++")
    src = scratch / "conformance.cpp"
    inc = ("-I", str(scratch))
    values = scratch / "values.o"
    built = run([cxx, *GXX, *FLAGS, *inc, "-DIDLGEN_CONFORMANCE_PART=2", "-c", str(src), "-o", str(values)])
    if not built.ok:
        return {c: built for c in configs if c.startswith("g++")}
    out: dict[str, Run] = {}
    for config, extra in (("g++-c++17", ()), ("g++-asan-ubsan", SAN)):
        if config not in configs:
            continue
        harness = scratch / f"harness_{config}.o"
        exe = scratch / f"conformance_{config}"
        step = run([cxx, *GXX, *extra, *FLAGS, *inc, "-DIDLGEN_CONFORMANCE_PART=1", "-c", str(src), "-o",
                    str(harness)])
        if step.ok:
            step = run([cxx, *extra, str(harness), str(values), "-o", str(exe)])
        out[config] = run([str(exe)], program=True) if step.ok else step
    return out


def clang_job(scratch: Path, configs: tuple[str, ...]) -> dict[str, Run]:
    exe = scratch / "conformance_clang"
    return {"clang++-c++20-no-exceptions": build_and_run(compiler("clang++"), scratch / "conformance.cpp", scratch,
                                                         (*CLANG, *FLAGS), exe, timeout=1200)}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Outcome]:
    compiler("g++")
    compiler("clang++")
    root = tmp_path_factory.mktemp("cpp_conformance")
    results: dict[Path, Outcome] = {}
    jobs = []
    for i, idl in enumerate(IDLS):
        scratch = root / f"{i:02d}_{idl_id(idl)}"
        scratch.mkdir()
        results[idl] = prepare(idl, scratch)
        if results[idl].skipped is None:
            results[idl].runs = {}
            jobs += [(idl, scratch, gxx_job), (idl, scratch, clang_job)]

    def work(job: tuple[Path, Path, Callable[[Path, tuple[str, ...]], dict[str, Run]]]
             ) -> tuple[Path, dict[str, Run]]:
        idl, scratch, fn = job
        return idl, fn(scratch, configs_for(idl))

    # Biggest programs first, so the two workers finish together.
    jobs.sort(key=lambda j: -(j[1] / "conformance.cpp").stat().st_size)
    with ThreadPoolExecutor(max_workers=int(os.environ.get("IDLGEN_CPP_JOBS", "2"))) as pool:
        for idl, runs in pool.map(work, jobs):
            got = results[idl].runs
            assert got is not None
            got.update(runs)
    return results


@pytest.mark.parametrize("idl", IDLS, ids=idl_id)
def test_conformance(idl: Path, outcomes: dict[Path, Outcome]) -> None:
    outcome = outcomes[idl]
    if outcome.skipped:
        pytest.skip(outcome.skipped)
    assert outcome.vectors > 0 and outcome.runs is not None
    failed = {config: result.output for config, result in outcome.runs.items() if not result.ok}
    assert not failed, "\n\n".join(f"[{config}]\n{text}" for config, text in failed.items())
    assert sorted(outcome.runs) == sorted(configs_for(idl))
    for result in outcome.runs.values():
        assert f"0 failures ({outcome.vectors} vectors)" in result.output


def test_bundled_vectors_cover_every_item(outcomes: dict[Path, Outcome]) -> None:
    """Every type, account, event and instruction of the bundled IDL has vectors, edge profiles included."""
    program = load(SETTLEMENT)
    items = len(program.types) + len(program.accounts) + len(program.events) + len(program.instructions)
    assert outcomes[SETTLEMENT].skipped is None
    assert outcomes[SETTLEMENT].vectors >= items * 6  # zero, max, min and three random values each


def test_a_wrong_byte_is_caught(tmp_path: Path) -> None:
    """The harness can fail: one flipped expected byte gives failures (and a non-zero exit)."""
    program = load(SETTLEMENT)
    vec = Vector("instruction", "ping", "hand", {"batch_id": 258},
                 bytes([173, 0, 94, 236, 73, 133, 225, 153, 2, 1, 0, 0, 0, 0, 0, 0]))
    bad = Vector("instruction", "ping", "flipped", {"batch_id": 258},
                 bytes([173, 0, 94, 236, 73, 133, 225, 153, 3, 1, 0, 0, 0, 0, 0, 0]))
    write_program_headers(program, SETTLEMENT, tmp_path)
    ctx = context(program, SETTLEMENT)
    (tmp_path / "good.cpp").write_text(render_conformance(program, ctx, [vec]), encoding="utf-8")
    (tmp_path / "bad.cpp").write_text(render_conformance(program, ctx, [vec, bad]), encoding="utf-8")
    cxx = compiler("g++")
    good = build_and_run(cxx, tmp_path / "good.cpp", tmp_path, ("-std=c++17", *FLAGS), tmp_path / "good")
    assert good.ok and "0 failures (1 vectors)" in good.output, good.output
    failing = build_and_run(cxx, tmp_path / "bad.cpp", tmp_path, ("-std=c++17", *FLAGS), tmp_path / "bad")
    assert not failing.ok
    assert "FAIL instruction ping [flipped]: encode differs from the expected bytes" in failing.output
