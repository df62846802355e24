"""The generated package is valid, typed, linted, deterministic, and matches the goldens.

The goldens of the bundled settlement IDL are the committed generated/python/godark_settlement/;
refresh them with `.venv/bin/idlgen build`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libcst
import pytest

from tests.support.golden import bundled_render, check_generated
from tests.support.pygen import render_python

from .conftest import EDGE, ROOT, SETTLEMENT

VENV_BIN = Path(sys.executable).parent

# A spread of shapes: the bundled IDL, the edge cases, zero-copy layouts, generics, a legacy IDL with
# optional accounts, a spec IDL with zero-copy accounts.
CHECKED = {
    "godark_settlement": SETTLEMENT,
    "edge_cases": EDGE,
    "zero_copy": ROOT / "tests" / "conformance" / "fixtures" / "zero_copy_spec.json",
    "generics": ROOT / "tests" / "corpus" / "idls" / "anchor_tests" / "generics_spec.json",
    "idl_new": ROOT / "tests" / "corpus" / "idls" / "anchor_tests" / "idl_new_spec.json",
    "openbook": ROOT / "tests" / "corpus" / "idls" / "openbook_v2" / "openbook_v2.json",
    "marinade": ROOT / "tests" / "corpus" / "idls" / "marinade" / "marinade_finance.json",
}
MYPY = ("godark_settlement", "edge_cases", "zero_copy", "generics", "idl_new")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each checked IDL rendered (libcst validation on, as in `idlgen build`) into <tmp>/<name>/."""
    root = tmp_path_factory.mktemp("static")
    for name, idl in CHECKED.items():
        for rel, text in render_python(idl, families=None, package=name, validate=True).items():
            dest = root / name / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
    return root


def test_golden_bundled_package() -> None:
    files = bundled_render("python")
    assert "generated/python/godark_settlement/types.py" in files
    check_generated(files)


def test_every_module_parses_with_libcst(written: Path) -> None:
    modules = sorted(written.rglob("*.py"))
    assert len(modules) >= 11 * len(CHECKED)
    for path in modules:
        libcst.parse_module(path.read_text(encoding="utf-8"))


def test_ruff_clean(written: Path) -> None:
    # The project's rule set (pyproject.toml [tool.ruff.lint]) on the generated code; long lines are
    # allowed per file by the file-level E501 exemption the target writes where it needs it, and PLR0124
    # (comparison with itself) is ignored because `x == x` is the NaN test of the hot path.
    proc = subprocess.run(
        [str(VENV_BIN / "ruff"), "check", "--isolated", "--no-cache", "--line-length", "120",
         "--target-version", "py311", "--select", "E,F,W,I,UP,B,RUF,PL",
         "--ignore", "PLR0911,PLR0912,PLR0913,PLR0915,PLR2004,PLC0415,PLW2901,PLR0124", str(written)],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict(written: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(VENV_BIN / "mypy"), "--strict", "--no-error-summary", "--cache-dir", str(tmp_path / "cache"),
         *[str(written / name) for name in MYPY]],
        capture_output=True, text=True, check=False, cwd=written)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    code = ("import sys, hashlib; sys.path.insert(0, sys.argv[1]);"
            "from pathlib import Path; from tests.support.pygen import render_python;"
            "files = render_python(Path(sys.argv[2]), families=None, validate=False);"
            "print(hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest())")
    digests = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code, str(ROOT), str(EDGE)], env=env, capture_output=True,
                             text=True, check=True, cwd=ROOT)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


ALLOWED_IMPORTS = {"__future__", "base64", "collections", "dataclasses", "enum", "hashlib", "re", "struct", "typing",
                   "solders"}


def absolute_imports(module: libcst.Module) -> set[str]:
    """Top-level names of every absolute import anywhere in `module`."""
    found: set[str] = set()
    for node in _walk(module):
        if isinstance(node, libcst.Import):
            found.update(module.code_for_node(a.name).split(".")[0] for a in node.names)
        elif isinstance(node, libcst.ImportFrom) and not node.relative and node.module is not None:
            found.add(module.code_for_node(node.module).split(".")[0])
    return found


def _walk(node: libcst.CSTNode) -> list[libcst.CSTNode]:
    """Statements only (imports are statements): skips the expressions, which are most of the code."""
    out = [node]
    if isinstance(node, libcst.SimpleStatementLine):
        return out + list(node.body)
    for child in node.children:
        if isinstance(child, libcst.BaseStatement | libcst.BaseSuite | libcst.BaseCompoundStatement):
            out.extend(_walk(child))
    return out


def test_generated_code_is_self_contained(written: Path) -> None:
    """Only the standard library, solders and the package's own modules: never idlgen."""
    for path in written.rglob("*.py"):
        found = absolute_imports(libcst.parse_module(path.read_text(encoding="utf-8")))
        assert found <= ALLOWED_IMPORTS, f"{path.relative_to(written)} imports {sorted(found - ALLOWED_IMPORTS)}"
