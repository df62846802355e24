"""`idlgen init`: a starter config idlgen itself reads, never clobbering one; shell completion; --help."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from idlgen.cli import main
from idlgen.config import load_config
from tests.conftest import CORPUS, SETTLEMENT

LEGACY_IDL = next(iter(sorted((CORPUS / "idls").glob("*/*.json"))), None)


def run(args: list[str], cwd: Path) -> tuple[int, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


def test_init_writes_idlgen_toml_that_idlgen_reads(tmp_path: Path) -> None:
    (tmp_path / "idl").mkdir()
    shutil.copy(SETTLEMENT, tmp_path / "idl" / "godark_settlement.json")
    code, out = run(["init"], tmp_path)
    assert code == 0, out
    assert "idlgen.toml" in out and "idl/godark_settlement.json" in out
    text = (tmp_path / "idlgen.toml").read_text()
    assert text.count("#") >= 10, "the starter config explains itself in comments"
    config = load_config(tmp_path / "idlgen.toml")
    (prog,) = config.programs
    assert prog.idl == Path("idl/godark_settlement.json")
    assert prog.python_package == "godark_settlement"
    batch = next(f for f in prog.families if f.spec.stem == "Batch")
    # carrier guessed from the only bytes argument, gate found by the loader, emit = highest version
    assert batch.spec.carrier == "settle_batch.data"
    assert batch.spec.gate == "GlobalConfig.allowed_batch_versions"
    assert batch.emit_version == 2
    assert config.diff.fail_on == "hard"


def test_init_appends_to_pyproject_without_touching_it(tmp_path: Path) -> None:
    shutil.copy(SETTLEMENT, tmp_path / "program.json")
    original = '[project]\nname = "desk"\nversion = "1.0"\n\n[tool.ruff]\nline-length = 100\n'
    (tmp_path / "pyproject.toml").write_text(original)
    code, out = run(["init", "program.json"], tmp_path)
    assert code == 0, out
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith(original)
    data = tomllib.loads(text)
    assert data["tool"]["ruff"] == {"line-length": 100}
    assert data["tool"]["idlgen"]["programs"][0]["idl"] == "program.json"
    assert not (tmp_path / "idlgen.toml").exists()


def test_init_never_clobbers(tmp_path: Path) -> None:
    shutil.copy(SETTLEMENT, tmp_path / "program.json")
    (tmp_path / "idlgen.toml").write_text("# mine\n")
    code, out = run(["init", "program.json"], tmp_path)
    assert code == 2 and "already exists" in out
    assert (tmp_path / "idlgen.toml").read_text() == "# mine\n"

    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(SETTLEMENT, other / "program.json")
    mine = '[tool.idlgen]\nout = "gen"\n'
    (other / "pyproject.toml").write_text(mine)
    code, out = run(["init", "program.json"], other)
    assert code == 2 and "[tool.idlgen]" in out
    assert (other / "pyproject.toml").read_text() == mine


def test_init_finds_exactly_one_idl(tmp_path: Path) -> None:
    code, out = run(["init"], tmp_path)
    assert code == 2 and "no Anchor IDL found" in out
    (tmp_path / "target" / "idl").mkdir(parents=True)
    (tmp_path / "package.json").write_text('{"name": "x"}')  # not an IDL: ignored
    shutil.copy(SETTLEMENT, tmp_path / "target" / "idl" / "a.json")
    shutil.copy(SETTLEMENT, tmp_path / "target" / "idl" / "b.json")
    code, out = run(["init"], tmp_path)
    assert code == 2 and "target/idl/a.json" in out and "target/idl/b.json" in out
    assert not (tmp_path / "idlgen.toml").exists()


@pytest.mark.skipif(LEGACY_IDL is None, reason="no corpus IDL copied into tests/corpus")
def test_init_stdout_for_a_corpus_idl(tmp_path: Path) -> None:
    assert LEGACY_IDL is not None
    code, out = run(["init", str(LEGACY_IDL), "--stdout"], tmp_path)
    assert code == 0, out
    probe = tmp_path / "idlgen.toml"
    probe.write_text(out)
    assert load_config(probe).programs[0].idl == LEGACY_IDL
    assert not (tmp_path / "pyproject.toml").exists()


def test_shell_completion_is_clicks_own() -> None:
    exe = Path(sys.executable).parent / "idlgen"
    env = dict(os.environ, _IDLGEN_COMPLETE="bash_source")
    script = subprocess.run([str(exe)], env=env, capture_output=True, text=True, check=True).stdout
    assert "_idlgen_completion" in script and "complete " in script
    env = dict(os.environ, _IDLGEN_COMPLETE="bash_complete", COMP_WORDS="idlgen sim", COMP_CWORD="1")
    words = subprocess.run([str(exe)], env=env, capture_output=True, text=True, check=True).stdout
    assert "simtest" in words


def test_every_command_help_has_an_example() -> None:
    """An example is a runnable `idlgen <command> ...` line in the help text (not the Usage line)."""
    missing = []
    for name in sorted(main.commands):
        code, out = run([name, "--help"], Path.cwd())
        assert code == 0, out
        described = out.split("Options:", 1)[0]
        if not any(line.strip().startswith(f"idlgen {name}") for line in described.splitlines()[1:]):
            missing.append(name)
    assert not missing, f"--help without an example invocation: {missing}"
