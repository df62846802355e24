"""Fixtures for the Python target: generated packages, imported under unique names."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.support.pygen import generate_python_package

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SETTLEMENT = ROOT / "idl" / "godark_settlement.json"
EDGE = HERE / "fixtures" / "edge_spec.json"


@pytest.fixture(scope="session")
def pkg_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pygen")


@pytest.fixture(scope="session")
def settlement(pkg_dir: Path) -> ModuleType:
    """The bundled settlement program's package, with the families configured in pyproject.toml."""
    return generate_python_package(SETTLEMENT, pkg_dir, families=None)


@pytest.fixture(scope="session")
def edge(pkg_dir: Path) -> ModuleType:
    """A hand-written IDL with everything the settlement IDL lacks (keywords, floats, zero-copy, ...)."""
    return generate_python_package(EDGE, pkg_dir)
