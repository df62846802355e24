"""The whole pipeline through the real CLI: build is deterministic, check finds every stale file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def project(tmp: Path) -> Path:
    """A copy of this repository's idlgen setup: its [tool.idlgen] config and the bundled IDL."""
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "pyproject.toml", tmp / "pyproject.toml")
    shutil.copytree(ROOT / "idl", tmp / "idl")
    return tmp


def idlgen(cwd: Path, *args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-m", "idlgen", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = project(tmp_path_factory.mktemp("built"))
    r = idlgen(p, "build")
    assert r.returncode == 0, r.stderr
    return p


def test_build_emits_every_target(built: Path) -> None:
    files = set(tree(built / "generated"))
    assert any(f.startswith("proto/") and f.endswith(".proto") for f in files)
    assert "python/godark_settlement/__init__.py" in files
    assert "cpp/godark_settlement.hpp" in files
    assert (built / "idl" / "godark_settlement.lock.json").is_file()


def test_build_is_byte_identical_across_hash_seeds(built: Path, tmp_path: Path) -> None:
    other = project(tmp_path / "other")
    (other / "idl" / "godark_settlement.lock.json").unlink(missing_ok=True)
    r = idlgen(other, "build", seed="12345")
    assert r.returncode == 0, r.stderr
    assert tree(other / "generated") == tree(built / "generated")
    assert tree(other / "idl") == tree(built / "idl")


def test_rebuild_writes_nothing(built: Path) -> None:
    r = idlgen(built, "build", seed="7")
    assert r.returncode == 0, r.stderr
    assert " 0 written" in r.stdout and "0 removed" in r.stdout


def test_check_lists_stale_missing_and_extra(built: Path, tmp_path: Path) -> None:
    p = tmp_path / "p"
    shutil.copytree(built, p)
    assert idlgen(p, "check").returncode == 0
    hpp = p / "generated" / "cpp" / "godark_settlement.hpp"
    hpp.write_text(hpp.read_text().replace("namespace", "namespace /* edited */", 1))
    (p / "generated" / "python" / "godark_settlement" / "errors.py").unlink()
    before = tree(p)
    r = idlgen(p, "check")
    assert r.returncode == 1
    assert "stale: generated/cpp/godark_settlement.hpp" in r.stdout
    assert "/* edited */" in r.stdout, "a short diff is shown"
    assert "missing: generated/python/godark_settlement/errors.py" in r.stdout
    assert "2 generated file(s) out of date" in r.stderr
    assert tree(p) == before, "check never writes"


def test_check_reports_file_no_longer_generated(built: Path, tmp_path: Path) -> None:
    p = tmp_path / "p"
    shutil.copytree(built, p)
    text = (p / "pyproject.toml").read_text()
    (p / "pyproject.toml").write_text(
        text.replace('targets = ["proto", "python", "cpp"]', 'targets = ["proto", "python"]')
    )
    r = idlgen(p, "check")
    assert r.returncode == 1
    assert "extra: generated/cpp/godark_settlement.hpp" in r.stdout
    r = idlgen(p, "build")
    assert r.returncode == 0 and not (p / "generated" / "cpp").exists()


def test_check_fails_when_idl_changes(built: Path, tmp_path: Path) -> None:
    p = tmp_path / "p"
    shutil.copytree(built, p)
    idl = p / "idl" / "godark_settlement.json"
    idl.write_text(idl.read_text().replace('"Settlement is paused"', '"Settlement is paused!"'))
    r = idlgen(p, "check")
    assert r.returncode == 1 and "stale:" in r.stdout


def test_committed_generated_output_is_up_to_date() -> None:
    r = idlgen(ROOT, "check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_on_fresh_tree_renders_nothing(built: Path) -> None:
    """The pre-commit path: an untouched tree is answered from the manifest, without importing targets."""
    code = (
        "import sys\n"
        "from idlgen.cli import main\n"
        "try:\n"
        "    main(['check'])\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
        "heavy = ('idlgen.targets.python', 'idlgen.targets.proto', 'idlgen.targets.cpp', 'libcst', 'jinja2', "
        "'grpc_tools')\n"
        "loaded = [m for m in sys.modules if m in heavy]\n"
        "print(sorted(loaded))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=built, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("[]"), r.stdout


def test_build_of_one_target_keeps_the_others(built: Path, tmp_path: Path) -> None:
    p = tmp_path / "p"
    shutil.copytree(built, p)
    before = tree(p / "generated")
    r = idlgen(p, "build", "--target", "python")
    assert r.returncode == 0, r.stderr
    assert "0 removed" in r.stdout
    after = tree(p / "generated")
    assert {k: v for k, v in after.items() if k != ".idlgen-manifest.json"} == {
        k: v for k, v in before.items() if k != ".idlgen-manifest.json"}
    assert idlgen(p, "check").returncode == 0
