"""The generated C++ headers: warning-free on g++ and clang++ (C++17 / C++20, with -fno-exceptions)
for the bundled IDL, the edge-case fixture and every corpus IDL that loads; layouts asserted;
deterministic; golden files for the bundled IDL.

Refresh the goldens after an intended change:
    .venv/bin/idlgen build   (the goldens are the committed generated/cpp/)
"""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from idlgen.config import load_config
from idlgen.diagnostics import IdlgenError
from idlgen.ir.model import CLayout, Program
from idlgen.pipeline import context as pipeline_context
from idlgen.pipeline import load_all
from idlgen.targets.cpp import TARGET, names
from tests.conftest import copied_idls
from tests.cpp.support import EDGE, ROOT, SETTLEMENT, WARNINGS, compiler, load, write_headers
from tests.support.golden import bundled_render, check_generated

# Identifiers platform headers define as macros: a header that used any of them unescaped would break.
HOSTILE_MACROS = ("unix", "linux", "i386", "min", "max", "near", "far", "small", "interface", "major", "minor",
                  "DELETE", "IN", "OUT", "OPTIONAL", "ERROR", "NO_ERROR", "DEBUG", "BIG_ENDIAN", "LITTLE_ENDIAN",
                  "BYTE_ORDER", "DOMAIN", "OVERFLOW", "UNDERFLOW", "TRUE", "FALSE", "EOF", "NULL", "errno",
                  "assert", "stdin", "stdout", "stderr", "signal", "alloca")

CONFIGS = {
    "g++-c++17": ("g++", ("-std=c++17",)),
    "g++-c++20-no-exceptions": ("g++", ("-std=c++20", "-fno-exceptions")),
    "clang++-c++17": ("clang++", ("-std=c++17",)),
    "clang++-c++20-no-exceptions": ("clang++", ("-std=c++20", "-fno-exceptions")),
}
# The conformance programs (test_cpp_conformance.py) already compile every corpus header with g++ C++17
# and clang++ C++20 -fno-exceptions; here the corpus joins only the two other configurations.
WITH_CORPUS = ("g++-c++20-no-exceptions", "clang++-c++17")


def corpus_programs() -> list[tuple[Path, Program]]:
    out = []
    for idl in copied_idls():
        try:
            out.append((idl, load(idl)))
        except IdlgenError:
            continue  # the loader's own tests cover IDLs it rejects
    return out


@pytest.fixture(scope="module")
def all_headers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], list[str]]:
    """Every header in one folder: (folder, bundled + edge-case headers, corpus headers)."""
    d = tmp_path_factory.mktemp("cpp_headers")
    own = [write_headers(load(SETTLEMENT), SETTLEMENT, d).name, write_headers(load(EDGE), EDGE, d).name]
    corpus = []
    for idl, program in corpus_programs():
        stem = "corpus_" + "".join(c if c.isalnum() else "_" for c in idl.stem)
        corpus.append(write_headers(program, idl, d, stem=stem).name)
    assert len(corpus) > 30, "the corpus should contribute most of its IDLs"
    return d, own, corpus


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_headers_compile_warning_free(config: str, all_headers: tuple[Path, list[str], list[str]],
                                      tmp_path: Path) -> None:
    name, flags = CONFIGS[config]
    cxx = compiler(name)
    folder, own, corpus = all_headers
    includes = own + (corpus if config in WITH_CORPUS else [])
    # The standard headers first (ours include them, and they must not see the hostile macros).
    std = ("array", "cassert", "cerrno", "cmath", "csignal", "cstddef", "cstdint", "cstdio", "cstdlib", "cstring",
           "optional", "string", "type_traits", "variant", "vector")
    lines = [f"#include <{h}>" for h in std]
    for m in HOSTILE_MACROS:  # defined after the standard headers, before ours
        lines += [f"#undef {m}", f"#define {m} @@ macro {m} used @@"]
    lines += [f'#include "{h}"' for h in includes]
    lines += ["int main() { return 0; }"]
    tu = tmp_path / "all_headers.cpp"
    tu.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = subprocess.run([cxx, *flags, *WARNINGS, "-fsyntax-only", "-I", str(folder), str(tu)],
                          capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-8000:]


def _tamper_offset(program: Program, type_name: str, field_index: int) -> Program:
    types = []
    for t in program.types:
        if t.name == type_name:
            assert t.c_layout is not None
            offsets = list(t.c_layout.offsets)
            offsets[field_index] += 1
            t = dataclasses.replace(t, c_layout=CLayout(t.c_layout.size, t.c_layout.align, tuple(offsets),
                                                        t.c_layout.padding))
        types.append(t)
    return dataclasses.replace(program, types=tuple(types), _type_index={})


def test_layout_static_asserts_catch_a_wrong_offset(tmp_path: Path) -> None:
    """The static_asserts are real: a model whose offset disagrees with the C++ layout fails to compile."""
    cxx = compiler("g++")
    good = write_headers(load(EDGE), EDGE, tmp_path / "good")
    bad = write_headers(_tamper_offset(load(EDGE), "Padded", 2), EDGE, tmp_path / "bad")
    for header, expect_ok in ((good, True), (bad, False)):
        tu = header.parent / "tu.cpp"
        tu.write_text(f'#include "{header.name}"\nint main() {{ return 0; }}\n', encoding="utf-8")
        proc = subprocess.run([cxx, "-std=c++17", "-fsyntax-only", "-I", str(header.parent), str(tu)],
                              capture_output=True, text=True, timeout=300, check=False)
        assert (proc.returncode == 0) is expect_ok, proc.stderr[-3000:]
        if not expect_ok:
            assert "Padded::inner: offset" in proc.stderr


def bundled_files() -> dict[str, str]:
    config = load_config(ROOT / "pyproject.toml")
    (item,) = [i for i in load_all(config) if i.config.idl.as_posix() == "idl/godark_settlement.json"]
    files = TARGET.render(item.program, pipeline_context(config, item.config, item.program))
    return {Path(p).name: text for p, text in files.items()}


def test_golden_headers() -> None:
    files = bundled_render("cpp")
    assert sorted(files) == ["generated/cpp/godark_settlement.hpp", "generated/cpp/idlgen_borsh.hpp"]
    check_generated(files)


def test_bundled_header_shape() -> None:
    text = bundled_files()["godark_settlement.hpp"]
    assert text.startswith("// Generated by idlgen. DO NOT EDIT.")
    assert "namespace godark::settlement {" in text
    assert "static constexpr std::array<std::uint8_t, 8> discriminator{{0x16, 0x02, 0x15, 0xdf" in text  # settle_batch
    assert "enum class Side : std::uint8_t {" in text
    assert "std::variant<Limit, Market, PostOnly, ImmediateOrCancel> value;" in text
    assert "struct Batch {" in text and "static constexpr std::uint64_t all_versions = 0x3u;" in text
    assert "static void encode_instruction(" in text  # settle_batch carries the Batch family
    runtime = bundled_files()["idlgen_borsh.hpp"]
    assert "godark" not in runtime  # shared by every program: names none


def test_rendering_is_deterministic_across_hash_seeds() -> None:
    code = ("import hashlib, sys\n"
            "from tests.cpp.test_cpp_headers import bundled_files\n"
            "files = bundled_files()\n"
            "print(hashlib.sha256(''.join(k + files[k] for k in sorted(files)).encode()).hexdigest())\n")
    digests = set()
    for seed in ("1", "2"):
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                              check=True, env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"})
        digests.add(proc.stdout.strip())
    files = bundled_files()
    digests.add(hashlib.sha256("".join(k + files[k] for k in sorted(files)).encode()).hexdigest())
    assert len(digests) == 1


def test_cli_build_writes_the_headers(tmp_path: Path) -> None:
    idlgen = Path(sys.executable).parent / "idlgen"
    proc = subprocess.run([str(idlgen), "build", "--target", "cpp", "--out", str(tmp_path / "gen")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    expected = bundled_files()
    for name, text in expected.items():
        assert (tmp_path / "gen" / "cpp" / name).read_text(encoding="utf-8") == text


@pytest.mark.parametrize(("raw", "safe"), [
    ("class", "class_"), ("new", "new_"), ("EOF", "EOF_"), ("errno", "errno_"), ("min", "min_"),
    ("_Reserved", "X_Reserved"), ("a__b", "a_b"), ("0x", "_0x"), ("ok_name", "ok_name"), ("_0", "_0"),
    ("with-dash", "with_dash"), ("co_await", "co_await_"),
])
def test_names_are_escaped(raw: str, safe: str) -> None:
    assert names.escape(raw) == safe
