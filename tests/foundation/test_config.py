"""[tool.idlgen] parsing: defaults, the bundled configuration, and precise errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from idlgen.cli import main
from idlgen.config import find_config, load_config
from idlgen.diagnostics import ConfigError
from tests.conftest import ROOT


def test_bundled_config() -> None:
    path = find_config(ROOT / "idl")
    assert path == ROOT / "pyproject.toml"
    cfg = load_config(path)
    assert cfg.out == Path("generated")
    (prog,) = cfg.programs
    assert prog.idl == Path("idl/godark_settlement.json")
    assert prog.lock_path() == Path("idl/godark_settlement.lock.json")
    (fam,) = prog.families
    assert (fam.spec.stem, fam.spec.carrier, fam.spec.gate, fam.emit_version) == (
        "Batch",
        "settle_batch.data",
        "GlobalConfig.allowed_batch_versions",
        2,
    )


@pytest.mark.parametrize(
    "body,where,message",
    [
        ('[tool.idlgen]\nout = "../x"\n', "tool.idlgen.out", "must be a relative folder inside the project"),
        ('[tool.idlgen]\ntargets = ["rust"]\n', "tool.idlgen.targets", "unknown target 'rust'"),
        ("[tool.idlgen]\nbogus = 1\n", "tool.idlgen.bogus", "unknown key"),
        (
            '[tool.idlgen]\n[[tool.idlgen.programs]]\npython_package = "x"\n',
            "tool.idlgen.programs[0].idl",
            "is required",
        ),
        (
            '[tool.idlgen]\n[[tool.idlgen.programs]]\nidl = "a.json"\nproto_package = "Bad-Name"\n',
            "tool.idlgen.programs[0].proto_package",
            "must match",
        ),
        (
            '[tool.idlgen]\n[[tool.idlgen.programs]]\nidl = "a.json"\n[[tool.idlgen.programs.families]]\nstem = "B"\n'
            "emit_version = 9\n",
            "tool.idlgen.programs[0].families[0].emit_version",
            "must be a version from 1 to 8",
        ),
        ('[tool.idlgen]\n[tool.idlgen.diff]\nfail_on = "medium"\n', "tool.idlgen.diff.fail_on", "must be one of"),
        ("[tool.idlgen\n", "", "malformed TOML"),
    ],
)
def test_bad_config(tmp_path: Path, body: str, where: str, message: str) -> None:
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    text = str(err.value)
    assert text.startswith(str(cfg)) and message in text
    assert where in text


def test_bad_config_through_cli_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.idlgen]\ntargets = ["rust"]\n')
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["build"])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [
        f"idlgen: error: {tmp_path / 'pyproject.toml'}: tool.idlgen.targets: unknown target 'rust' "
        "(known: python, proto, cpp)"
    ]


def test_no_config_and_no_idl_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["build"])
    assert r.exit_code == 2
    assert "no IDL to build" in r.output


def test_family_config_errors_name_the_problem(tmp_path: Path) -> None:
    from idlgen.anchor.load import load_program
    from idlgen.anchor.lower import FamilySpec
    from idlgen.diagnostics import IdlError

    idl = ROOT / "idl" / "godark_settlement.json"
    with pytest.raises(IdlError, match=r"carrier 'settle_batch\.nope' is not an instruction argument"):
        load_program(idl, families=[FamilySpec("Batch", carrier="settle_batch.nope")])
    with pytest.raises(IdlError, match="the allowed-versions field must be an unsigned integer bitmask"):
        load_program(idl, families=[FamilySpec("Batch", gate="GlobalConfig.admin")])
    # Any unsigned width is a bitmask (u32: up to 32 versions).
    assert load_program(idl, families=[FamilySpec("Batch", gate="GlobalConfig.min_batch_size")]).families
    with pytest.raises(IdlError, match="no type named OrderV<n>"):
        load_program(idl, families=[FamilySpec("Order")])
