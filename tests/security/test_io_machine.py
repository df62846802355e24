"""The same generated tree on every machine pyproject allows, as far as `check` is concerned: what shapes
the `_pb2` output is pinned exactly, and the generated package checks its runtime needs at import."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib

from tests.conftest import ROOT

PKG = ROOT / "generated" / "python" / "godark_settlement"


def requirements() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return {re.split(r"[=<>!~ ]", d, maxsplit=1)[0]: d for d in deps}


def test_grpcio_tools_is_pinned_exactly_and_installed_at_the_pin() -> None:
    spec = requirements()["grpcio-tools"]
    m = re.fullmatch(r"grpcio-tools==(\d+\.\d+\.\d+)", spec)
    assert m, f"a range lets two machines write different _pb2 files: {spec}"
    assert importlib.metadata.version("grpcio-tools") == m.group(1)


def test_protobuf_floor_covers_the_committed_gencode() -> None:
    """The runtime range pyproject allows (and proto_convert states) admits the committed gencode."""
    pb2 = (PKG / "godark_settlement_pb2.py").read_text()
    gencode = re.search(r"^# Protobuf Python Version: (\d+)\.(\d+)\.(\d+)$", pb2, re.MULTILINE)
    assert gencode
    floor = ".".join(gencode.groups())
    assert requirements()["protobuf"] == f"protobuf>={floor},<{int(gencode.group(1)) + 1}"
    convert = (PKG / "proto_convert.py").read_text()
    assert f'PROTOBUF_REQUIRES = ">={floor},<{int(gencode.group(1)) + 1}"' in convert


def run_import(module: str, prelude: str) -> subprocess.CompletedProcess[str]:
    code = f"import sys\nsys.path.insert(0, {str(PKG.parent)!r})\n{prelude}\nimport {module}\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)


def test_old_protobuf_runtime_is_one_clear_import_error() -> None:
    r = run_import("godark_settlement.proto_convert", "import google.protobuf\ngoogle.protobuf.__version__ = '5.29.0'")
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: godark_settlement needs protobuf>=") and "found 5.29.0" in last, last
    assert "pip install 'protobuf>=" in last
    assert run_import("godark_settlement.proto_convert", "").returncode == 0


def test_missing_solders_is_one_clear_import_error() -> None:
    r = run_import("godark_settlement", "sys.modules['solders'] = None")
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last == "ImportError: godark_settlement needs the solders package: pip install 'solders>=0.26,<0.27'", last
    assert run_import("godark_settlement", "").returncode == 0


def test_package_docstring_states_its_runtime_needs() -> None:
    doc = (PKG / "__init__.py").read_text()
    assert "solders" in doc and "PROTOBUF_REQUIRES" in doc
