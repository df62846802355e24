"""The real Buf CLI (PyPI buf-bin, in .venv): lint with the committed buf.yaml, and wire-breaking checks
between consecutive generations of the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, SETTLEMENT, copied_idls
from tests.proto.helpers import LOCK, buf, buf_module, load, numbers, render


def test_buf_yaml_disables_nothing_without_a_reason() -> None:
    text = (ROOT / "buf.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() in ("except:", "ignore:", "ignore_only:"):
            rules = [x for x in lines[i + 1:] if x.strip().startswith("- ")]
            assert all("#" in r for r in rules), "every disabled rule needs a one-line reason"


def test_bundled_proto_is_lint_clean(tmp_path: Path) -> None:
    files = render(load(), (ROOT / LOCK).read_text(encoding="utf-8"), targets=("proto",))
    r = buf("lint", cwd=buf_module(files, tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr


def test_corpus_protos_are_lint_clean(tmp_path: Path) -> None:
    """Every copied corpus IDL at once: names from messy IDLs (legacy camelCase, module paths, generics,
    tuple fields, keywords) still follow the style guide."""
    from idlgen.anchor.names import snake_case
    from idlgen.diagnostics import IdlgenError

    rendered = 0
    for path in copied_idls():
        try:
            program = load_program_plain(path)
        except IdlgenError:
            continue  # IDLs the loader rejects are the loader's tests' business
        stem = snake_case(path.stem)
        files = render(program, package=f"corpus.{stem}.v1", pypkg=stem, targets=("proto",))
        buf_module(files, tmp_path)
        rendered += 1
    assert rendered >= 25
    r = buf("lint", cwd=tmp_path)
    assert r.returncode == 0, r.stdout[:4000] + r.stderr


def load_program_plain(path: Path):  # type: ignore[no-untyped-def]
    from idlgen.anchor.load import load_program

    return load_program(path)


def breaking(before: dict[str, str], after: dict[str, str], tmp: Path) -> tuple[int, str]:
    old, new = buf_module(before, tmp / "before"), buf_module(after, tmp / "after")
    r = buf("breaking", str(new), "--against", str(old), cwd=tmp / "after")
    return r.returncode, r.stdout + r.stderr


def test_soft_change_v1_to_current_is_not_a_wire_break(tmp_path: Path) -> None:
    v1 = render(load(FIXTURES / "settlement" / "v1_only.json"), None, targets=("proto",))
    now = render(load(SETTLEMENT), v1[LOCK], targets=("proto",))
    code, out = breaking(v1, now, tmp_path)
    assert code == 0, out


def _insert_field(idl_text: str, type_name: str, after: str, new: dict[str, object]) -> str:
    data = json.loads(idl_text)
    [t] = [t for t in data["types"] if t["name"] == type_name]
    fields = t["type"]["fields"]
    fields.insert(next(i for i, f in enumerate(fields) if f["name"] == after) + 1, new)
    return json.dumps(data)


@pytest.mark.parametrize("keep_lock", [True, False], ids=["lock-kept", "lock-deleted"])
def test_deleting_the_lock_is_reported_as_a_wire_break(tmp_path: Path, keep_lock: bool) -> None:
    """v1 -> current appends only, so numbering by position happens to agree with the lock there. The same
    evolution plus one field inserted mid-message (TradeEventV1 gains a `venue` after `taker`) is where the
    lock earns its keep: with it buf sees only additions, without it every later field is renumbered."""
    v1_path = FIXTURES / "settlement" / "v1_only.json"
    v1 = render(load(v1_path), None, targets=("proto",))
    evolved = _insert_field(SETTLEMENT.read_text(encoding="utf-8"), "TradeEventV1", "taker",
                            {"name": "venue", "type": "u16"})
    now = render(load(SETTLEMENT, text=evolved), v1[LOCK] if keep_lock else None, targets=("proto",))
    code, out = breaking(v1, now, tmp_path)
    if keep_lock:
        assert code == 0, out
        assert numbers(now[LOCK])["TradeEventV1"]["venue"] == 11
    else:
        assert code != 0
        assert 'on message "TradeEventV1" changed type' in out, out


HISTORIES = sorted(p for p in (ROOT / "tests" / "corpus" / "history").iterdir() if p.is_dir())


@pytest.mark.parametrize("history", HISTORIES, ids=[h.name for h in HISTORIES])
def test_real_histories_never_move_a_number(history: Path, tmp_path: Path) -> None:
    """Each corpus program's successive IDLs, built in order through one lock: a field that stays with the
    same proto type keeps its number, and `buf breaking` (WIRE) finds nothing except a field coming back
    with its old name, type and number (a revert), which buf reports because it un-reserves them."""
    from idlgen.anchor.load import load_program

    lock: str | None = None
    prev: Path | None = None
    for i, idl in enumerate(sorted(history.glob("*.json"))):
        files = render(load_program(idl), lock, package=f"hist.{history.name}.v1", pypkg=history.name,
                       targets=("proto",))
        new_lock = files[LOCK]
        if lock is not None:
            old_entries, new_entries = json.loads(lock)["messages"], json.loads(new_lock)["messages"]
            for m, e in old_entries.items():
                for f, slot in e["fields"].items():
                    now = new_entries[m]["fields"].get(f)
                    if now is not None and now["type"] == slot["type"]:
                        assert now["number"] == slot["number"], f"{idl.name}: {m}.{f} moved"
        here = buf_module(files, tmp_path / str(i))
        if prev is not None:
            r = buf("breaking", str(here), "--against", str(prev), cwd=here)
            for line in r.stdout.splitlines():
                m = re.search(r'reserved (?:name "(\w+)"|range "\[(\d+)\]") on message "([\w.]+)"', line)
                assert m, f"{idl.name}: {line}"
                fields = json.loads(new_lock)["messages"][m.group(3)]["fields"]
                revived = [s for n, s in fields.items() if n == m.group(1) or str(s["number"]) == m.group(2)]
                old_res = json.loads(lock or "{}")["messages"][m.group(3)]["reserved"]
                assert revived and any(r["name"] in fields and fields[r["name"]]["number"] == r["number"]
                                       and fields[r["name"]]["type"] == r["type"] for r in old_res), line
        lock, prev = new_lock, here


def test_shared_corpus_protos_are_lint_clean(shared_corpus: Path, tmp_path: Path) -> None:
    """The IDLs under ../shared whose licence keeps them out of the repo (skipped when it is absent)."""
    from idlgen.anchor.names import snake_case
    from idlgen.diagnostics import IdlgenError
    from tests.conftest import shared_only_idls

    rendered = 0
    for i, path in enumerate(shared_only_idls()):
        try:
            program = load_program_plain(path)
        except IdlgenError:
            continue
        stem = f"{snake_case(path.stem)}_{i}"
        buf_module(render(program, package=f"shared.{stem}.v1", pypkg=stem, targets=("proto",)), tmp_path)
        rendered += 1
    if rendered == 0:
        pytest.skip("no shared-only IDL loads")
    r = buf("lint", cwd=tmp_path)
    assert r.returncode == 0, r.stdout[:4000] + r.stderr
