"""Anchor's casing (heck's word splitting) and the names the model derives."""

from __future__ import annotations

from pathlib import Path

import pytest

from idlgen.anchor.load import load_program
from idlgen.anchor.names import camel_case, instruction_discriminator, snake_case
from tests.conftest import SETTLEMENT


@pytest.mark.parametrize(
    "camel,snake",
    [
        ("settleBatch", "settle_batch"),
        ("initializeV2", "initialize_v2"),
        ("v2Swap", "v2_swap"),
        ("swapV2", "swap_v2"),
        ("withdraw2", "withdraw2"),
        ("getHTTPResponse", "get_http_response"),
        ("HTTPServer", "http_server"),
        ("openPositionWithToken22Nft", "open_position_with_token22_nft"),
        ("already_snake", "already_snake"),
        ("ABC", "abc"),
    ],
)
def test_snake_case_matches_heck(camel: str, snake: str) -> None:
    assert snake_case(camel) == snake


@pytest.mark.parametrize("rust", ["settle_batch", "initialize_v2", "swap_v2", "update_config"])
def test_camel_round_trip_of_rust_names(rust: str) -> None:
    # Legacy IDLs hold heck's lowerCamelCase of the Rust name; hashing snake_case of it recovers the Rust name.
    assert snake_case(camel_case(rust)) == rust
    assert instruction_discriminator(camel_case(rust)) == instruction_discriminator(rust)


def test_bundled_program_and_families() -> None:
    from idlgen.anchor.lower import FamilySpec

    p = load_program(
        SETTLEMENT,
        families=[FamilySpec("Batch", carrier="settle_batch.data", gate="GlobalConfig.allowed_batch_versions")],
    )
    batch = next(f for f in p.families if f.stem == "Batch")
    assert batch.versions == (1, 2)
    assert batch.carrier is not None and (batch.carrier.instruction, batch.carrier.arg) == ("settle_batch", "data")
    assert batch.gate is not None and (batch.gate.account, batch.gate.field) == (
        "GlobalConfig",
        "allowed_batch_versions",
    )
    assert (batch.unknown_version_error, batch.disabled_version_error) == (
        "InvalidBatchVersion",
        "BatchVersionDisabled",
    )
    config = p.type("GlobalConfig")
    assert [f.name for f in config.body.fields] == [  # type: ignore[union-attr]
        "admin",
        "is_paused",
        "min_batch_size",
        "allowed_batch_versions",
        "active_relayer",
    ]


def test_generics_are_monomorphised_with_stable_names(tmp_path: Path) -> None:
    p = load_program(Path(__file__).resolve().parents[1] / "corpus" / "idls" / "anchor_tests" / "generics_spec.json")
    names = [t.name for t in p.types]
    assert "GenericType<u32, u64, 10>" in names
    assert "GenericNested<u32, u64>" in names
    assert all("<" not in t.ident and t.ident.isidentifier() for t in p.types)
    assert len({t.ident for t in p.types}) == len(p.types)
    gt = p.type("GenericType<u32, u64, 10>")
    fields = {f.name: f.type for f in gt.body.fields}  # type: ignore[union-attr]
    from idlgen.ir.model import ArrayType, Prim, PrimType

    assert fields["arr"] == ArrayType(PrimType(Prim.U8), 10)


def test_module_path_names_stay_distinct(tmp_path: Path) -> None:
    p = load_program(
        Path(__file__).resolve().parents[1] / "corpus" / "idls" / "anchor_tests" / "idl_test_program_spec.json"
    )
    a, b = p.type("idl::NamedStruct"), p.type("idl::some_module::NamedStruct")
    assert a.ident != b.ident


def test_load_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from idlgen.anchor.load import load_program; "
        "p = load_program(sys.argv[1]); print(repr((p.types, p.instructions, p.families)))"
    )
    path = str(Path(__file__).resolve().parents[1] / "corpus" / "idls" / "anchor_tests" / "generics_spec.json")
    outs = {
        subprocess.run(
            [sys.executable, "-c", code, path],
            capture_output=True,
            text=True,
            check=True,
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "99")
    }
    assert len(outs) == 1
