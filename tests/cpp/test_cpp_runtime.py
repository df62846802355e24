"""The hand-written C++ checks (strict_decode_test.cpp) against the generated headers: corrupt input
gives a clean error at the exact offset, the zero-copy memory image, the versioned family envelope,
and no heap allocation when a BatchV2 of 1,000 trades is encoded into (or decoded from) a reused buffer."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cpp.support import EDGE, HERE, SANITIZE, SETTLEMENT, WARNINGS, build_and_run, compiler, load, write_headers

SOURCE = HERE / "strict_decode_test.cpp"

CONFIGS = {
    "g++-c++17-asan-ubsan": ("g++", ("-std=c++17", "-O1", "-g", *SANITIZE)),
    "clang++-c++20-no-exceptions": ("clang++", ("-std=c++20", "-O2", "-fno-exceptions")),
    "g++-c++20-no-exceptions-O2": ("g++", ("-std=c++20", "-O2", "-fno-exceptions")),
}


@pytest.fixture(scope="module")
def include(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cpp_runtime")
    write_headers(load(SETTLEMENT), SETTLEMENT, d)
    write_headers(load(EDGE), EDGE, d)
    return d


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_strict_decode_program(config: str, include: Path, tmp_path: Path) -> None:
    name, flags = CONFIGS[config]
    cxx = compiler(name)
    run = build_and_run(cxx, SOURCE, include, (*flags, *WARNINGS), tmp_path / "strict_decode")
    assert run.ok, run.output
    assert "0 failures" in run.output
    # strict_decode_test.cpp also checks that its allocation counter sees an allocation.
    assert "1000 trades: 110780 bytes, 0 allocations" in run.output
