"""Shared fixtures: where the bundled IDL, the copied corpus and ../shared live."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
CORPUS = TESTS / "corpus"  # MIT / Apache-2.0 files copied from ../shared/corpus
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"  # everything, when ../shared is present
SETTLEMENT = ROOT / "idl" / "godark_settlement.json"
FIXTURES = TESTS / "fixtures"


def manifest(base: Path) -> list[dict[str, str]]:
    with (base / "MANIFEST.tsv").open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def copied_idls() -> list[Path]:
    """Every Anchor IDL copied into tests/corpus (single snapshots, not histories)."""
    return sorted((CORPUS / "idls").glob("*/*.json"))


def shared_only_idls() -> list[Path]:
    """Corpus IDLs under ../shared whose licence keeps them out of the repo."""
    if not SHARED_CORPUS.is_dir():
        return []
    copied = {p.relative_to(CORPUS) for p in CORPUS.rglob("*.json")}
    return sorted(p for p in (SHARED_CORPUS / "idls").glob("*/*.json") if p.relative_to(SHARED_CORPUS) not in copied)


@pytest.fixture
def settlement_idl() -> Path:
    return SETTLEMENT


@pytest.fixture
def shared_corpus() -> Path:
    if not SHARED_CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present beside the repo")
    return SHARED_CORPUS


@pytest.fixture(scope="session", autouse=True)
def _private_idlgen_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """idlgen's per-user cache (idlgen.cache) in a folder of this test session, never the user's own:
    set in os.environ so that subprocesses (the CLI under test) inherit it."""
    import os

    os.environ["IDLGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("idlgen-cache"))
    os.environ.pop("IDLGEN_NO_CACHE", None)
