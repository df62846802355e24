"""The C++ decoder's depth limit: 100,000 nested levels of a recursive type (400 KB) return
Errc::too_deep under ASan/UBSan instead of overflowing the stack; the limit is configurable, and the
Python codec refuses the same input (both accept shallow nesting)."""

from __future__ import annotations

import json
from pathlib import Path

from idlgen.anchor.load import load_program
from tests.cpp.support import SANITIZE, build_and_run, compiler, write_headers
from tests.support.pygen import generate_python_package

IDL = {"address": "Edge111111111111111111111111111111111111111",
       "metadata": {"name": "deep", "version": "1", "spec": "0.1.0"}, "instructions": [],
       "types": [{"name": "Node", "type": {"kind": "struct", "fields": [
           {"name": "kids", "type": {"vec": {"defined": {"name": "Node"}}}}]}}]}

PROGRAM = r"""
#include <cstdio>
#include <vector>
#include "deep.hpp"

static std::vector<std::uint8_t> nested(std::size_t levels) {
    std::vector<std::uint8_t> b;
    for (std::size_t i = 0; i < levels; ++i) b.insert(b.end(), {1, 0, 0, 0});
    b.insert(b.end(), {0, 0, 0, 0});
    return b;
}

static int expect(const char* what, bool cond) {
    std::printf("%s: %s\n", what, cond ? "ok" : "FAILED");
    return cond ? 0 : 1;
}

int main() {
    using idlgen_borsh::Errc;
    int bad = 0;
    const auto deep = nested(100000);
    corpus::deep::Node v;
    const auto status = idlgen_borsh::from_bytes(deep.data(), deep.size(), v);
    bad += expect("100000 levels -> too_deep", status.code == Errc::too_deep);
    const auto shallow = nested(200);
    corpus::deep::Node w;
    bad += expect("200 levels decode", idlgen_borsh::from_bytes(shallow.data(), shallow.size(), w).code == Errc::ok);
    idlgen_borsh::Reader r(shallow.data(), shallow.size(), 50);
    corpus::deep::Node x;
    bad += expect("max_depth 50 -> too_deep", !corpus::deep::decode(r, x) && r.status().code == Errc::too_deep);
    return bad;
}
"""


def test_cpp_depth_limit_under_asan(tmp_path: Path) -> None:
    cxx = compiler("g++")
    idl = tmp_path / "deep.json"
    idl.write_text(json.dumps(IDL), encoding="utf-8")
    header = write_headers(load_program(idl), idl, tmp_path / "inc")
    src = tmp_path / "main.cpp"
    src.write_text(PROGRAM, encoding="utf-8")
    run = build_and_run(cxx, src, header.parent, ["-std=c++17", "-O1", "-g", *SANITIZE], tmp_path / "deep")
    assert run.ok, run.output


def test_python_refuses_the_same_input(tmp_path: Path) -> None:
    idl = tmp_path / "deep.json"
    idl.write_text(json.dumps(IDL), encoding="utf-8")
    mod = generate_python_package(idl, tmp_path / "py")
    deep = b"\x01\x00\x00\x00" * 100_000 + b"\x00\x00\x00\x00"
    try:
        mod.types.decode_node(deep)
    except mod.DecodeError as exc:
        assert "deep" in str(exc)
    else:
        raise AssertionError("Python decoded 100,000 levels")
    shallow = b"\x01\x00\x00\x00" * 200 + b"\x00\x00\x00\x00"
    assert mod.types.decode_node(shallow) is not None
