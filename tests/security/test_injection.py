"""Hostile IDL text in every position can never become code.

For each example, every position of one IDL (see hostile.POSITIONS, plus the IDL's file name) gets
hostile text at once: line breaks of every kind, comment and string terminators, `\"\"\"`, a trailing
backslash (a C++ line splice), trigraphs, NUL-free control characters, bidi overrides, braces, and
an injected `#include` / `std::system` / `import os` payload. The build either refuses the IDL with one
line, or its output

- compiles: every Python module imports in a fresh interpreter (and its codecs run), the C++ header
  compiles warning-free with g++, the proto compiled with protoc during the render;
- contains no injected statement: the Python AST, the preprocessed C++ token stream and the proto token
  stream are, with identifiers and literals abstracted, identical to the same IDL under benign names.

Derandomized with a bounded budget for CI; IDLGEN_HYPOTHESIS_RANDOM=1 explores with fresh randomness.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idlgen.diagnostics import IdlgenError
from idlgen.targets.base import ascii_stem
from idlgen.targets.proto.names import snake
from tests.security import hostile as H

ROOT = Path(__file__).resolve().parents[2]
_EXPLORE = os.environ.get("IDLGEN_HYPOTHESIS_RANDOM") == "1"
SETTINGS = settings(max_examples=60 if _EXPLORE else 12, deadline=None, derandomize=not _EXPLORE,
                    suppress_health_check=list(HealthCheck), database=None)

PAYLOAD = ('\n#include <cstdlib>\nstatic int pwned = std::system("id");\n"""\nimport os; os.system("id")\n'
           "x = 1 # \\")
PIECES = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029", "\\", "\\\n", "??/", "*/",
          "/*", "//", '"', '"""', "'", "'''", "{", "}", "{{", "#", "\t", "\x1b[2J", "\u202e", "\ufeff", "<", ">",
          ";", "$", "`", "?", "??=", "\x7f", "\x01", "é", "名", PAYLOAD, "std", "class", "import"]
HOSTILE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(st.characters(blacklist_categories=["Cs"],
                                                                                blacklist_characters="\x00"),
                                                               max_size=6)),
                   min_size=1, max_size=6).map("".join)
# The IDL file name: anything a file name may hold (no "/" or NUL).
FILE_NAME = HOSTILE.map(lambda s: s.replace("/", "_") + ".json")

CXX_FLAGS = ("-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-Wno-trigraphs",
             "-Wno-comment")


def _norm_paths(files: dict[str, str], stem: str) -> dict[str, str]:
    proto_stem = snake(stem)
    return {p.replace(proto_stem, "STEM").replace(stem, "STEM"): t for p, t in files.items()}


@pytest.fixture(scope="module")
def benign() -> dict[str, str]:
    program = H.load_text(H.idl_with(H.texts_for({})), "idl.json")
    return _norm_paths(H.render(program, "idl.json"), ascii_stem(program.name))


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return H.make_stubs(tmp_path_factory.mktemp("stubs"))


def _check(hostile: dict[str, str], file_name: str, benign: dict[str, str], stubs: Path, tmp: Path) -> bool:
    """False when the build refused the IDL (with one line); asserts everything else."""
    idl = H.idl_with(H.texts_for(hostile))
    try:
        program = H.load_text(idl, file_name)
        files = H.render(program, file_name)
    except IdlgenError as exc:
        assert "\n" not in str(exc) and "\r" not in str(exc), repr(str(exc))
        return False
    stem = ascii_stem(program.name)
    got = _norm_paths(files, stem)
    assert sorted(got) == sorted(benign)
    for rel, text in got.items():
        if rel.endswith(".py") and not rel.endswith("_pb2.py"):
            assert H.python_shape(text) == H.python_shape(benign[rel]), f"{rel}: Python AST differs"
        elif rel.endswith(".proto"):
            assert H.proto_tokens(text) == H.proto_tokens(benign[rel]), f"{rel}: proto tokens differ"
    out = tmp / "out"
    shutil.rmtree(out, ignore_errors=True)
    H.write(files, tmp)
    header = next(p for p in (out / "cpp").glob("*.hpp") if p.name != "idlgen_borsh.hpp")
    assert H.cpp_tokens(H.preprocess_cpp(header.read_text(encoding="utf-8"), stubs)) == \
        H.cpp_tokens(H.preprocess_cpp(benign["out/cpp/STEM.hpp"], stubs)), "C++ token stream differs"
    tu = tmp / "tu.cpp"
    tu.write_text(f'#include "{header.name}"\nint main() {{ return 0; }}\n', encoding="utf-8")
    cxx = subprocess.run(["g++", *CXX_FLAGS, "-I", str(header.parent), str(tu)], capture_output=True, text=True,
                         check=False, timeout=300)
    assert cxx.returncode == 0, cxx.stderr[-3000:]
    pkg = next((out / "python").iterdir())
    probe = (
        "import importlib, sys, pkgutil\n"
        f"sys.path.insert(0, {str(pkg.parent)!r})\n"
        f"m = importlib.import_module({pkg.name!r})\n"
        f"for info in pkgutil.iter_modules([{str(pkg)!r}]):\n"
        f"    importlib.import_module({pkg.name!r} + '.' + info.name)\n"
        "b = importlib.import_module(m.__name__ + '.json_bridge')\n"
        "t = importlib.import_module(m.__name__ + '.types')\n"
        "for kind, names in (('type', t.__all__),):\n"
        "    pass\n"
        "acc = importlib.import_module(m.__name__ + '.accounts')\n"
        "for name, (disc, enc, dec) in acc.ACCOUNTS.items():\n"
        "    try:\n"
        "        dec(disc + bytes(200))\n"
        "    except Exception as e:\n"
        "        assert type(e).__name__ == 'DecodeError', e\n"
        "ins = importlib.import_module(m.__name__ + '.instructions')\n"
        "for name, spec in ins.INSTRUCTIONS.items():\n"
        "    if len(spec) == 4:\n"
        "        try:\n"
        "            spec[3](spec[0] + bytes(40))\n"
        "        except Exception as e:\n"
        "            assert type(e).__name__ == 'DecodeError', e\n"
        "print('ok')\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=120,
                         cwd=tmp)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-3000:] + run.stdout[-2000:]
    return True


def test_every_position_at_once_with_the_payload(benign: dict[str, str], stubs: Path, tmp_path: Path) -> None:
    """The fixed worst case: the full payload in every position and in the file name is accepted and inert."""
    hostile = {p: PAYLOAD for p in H.POSITIONS}
    assert _check(hostile, "evil\n#include <cstdlib>\\.json", benign, stubs, tmp_path)


@pytest.mark.parametrize("position", H.POSITIONS)
def test_each_position_alone_renders_the_benign_shape(position: str, benign: dict[str, str]) -> None:
    """Cheap per-position check (no compiler): the payload in one position leaves every Python and proto
    file's shape unchanged."""
    program = H.load_text(H.idl_with(H.texts_for({position: PAYLOAD})), "idl.json")
    got = _norm_paths(H.render(program, "idl.json"), ascii_stem(program.name))
    for rel, text in got.items():
        if rel.endswith(".py") and not rel.endswith("_pb2.py"):
            assert H.python_shape(text) == H.python_shape(benign[rel]), rel
        elif rel.endswith(".proto"):
            assert H.proto_tokens(text) == H.proto_tokens(benign[rel]), rel
        elif rel.endswith(".hpp"):
            assert "\n#include <cstdlib>" not in text and "\nstatic int pwned" not in text, rel


@SETTINGS
@given(hostile=st.fixed_dictionaries({p: HOSTILE for p in H.POSITIONS}), file_name=FILE_NAME)
def test_hostile_text_anywhere_is_inert(hostile: dict[str, str], file_name: str, benign: dict[str, str],
                                        stubs: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    _check(hostile, file_name, benign, stubs, tmp_path_factory.mktemp("hostile"))
