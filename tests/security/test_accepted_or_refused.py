"""Every IDL the build accepts produces output that imports and compiles; everything else is refused with
one line naming the file and JSON path, exit 2, nothing written. One case per shape issue 14 found."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.security import prove
from tests.security.hostile import idl_with, texts_for

Idl = dict[str, Any]


def _base() -> Idl:
    return idl_with(texts_for({}))


def _field(t: Any, *extra_types: Idl) -> Idl:
    d = _base()
    d["types"][1]["type"]["fields"].append({"name": "probe", "type": t})
    d["types"] += list(extra_types)
    return d


def _nest(key: str, n: int, leaf: Any = "u8") -> Any:
    t = leaf
    for _ in range(n):
        t = {key: t}
    return t


def _const(name: str, t: str, value: str) -> Idl:
    d = _base()
    d["constants"].append({"name": name, "type": t, "value": value})
    return d


def _struct(name: str, *fields: tuple[str, Any]) -> Idl:
    return {"name": name, "type": {"kind": "struct", "fields": [{"name": n, "type": t} for n, t in fields]}}


def _chain(n: int, width: int = 1) -> Idl:
    types = [_struct(f"S{i}", *((f"f{k}", {"defined": {"name": f"S{i + 1}"}}) for k in range(width)))
             for i in range(n)]
    return _field({"defined": {"name": "S0"}}, *types, _struct(f"S{n}", ("x", "u8")))


def _with(mutate: Callable[[Idl], None]) -> Idl:
    d = _base()
    mutate(d)
    return d


_GROW = {"name": "G", "generics": [{"kind": "type", "name": "T"}], "type": {"kind": "struct", "fields": [
    {"name": "x", "type": {"option": {"defined": {"name": "G", "generics": [
        {"kind": "type", "type": {"vec": {"generic": "T"}}}]}}}}]}}

REFUSED: dict[str, tuple[Idl | str, tuple[str, ...]]] = {
    "pubkey constant not base58": (_const("KEY", "pubkey", "not-base58!"), ("constants[2].value", "base58")),
    "array of 10^30": (_field({"array": ["u8", 10**30]}), ("array[1]", "array length")),
    "array of 10 MiB u64": (_field({"array": ["u64", 10 * 1024 * 1024]}), ("bytes, more than Solana",)),
    "vec 10 deep": (_field(_nest("vec", 10)), (".vec.vec", "nested more than")),
    "vec 60 deep": (_field(_nest("vec", 60)), ("nested more than",)),
    "legacy Vec<...> string 200 deep": (_field({"defined": "Vec<" * 200 + "u8" + ">" * 200}), ("nested too deeply",)),
    "JSON 10,000 deep": ('{"a":' * 10000 + "1" + "}" * 10000, ("JSON nested deeper",)),
    "JSON 100 deep": (_with(lambda d: d.setdefault("metadata", {}).update(x=_nest("k", 100))), ("nested more than",)),
    "200 nested structs": (_chain(200), ("nested more than 48 defined types",)),
    "40 nested structs of two fields (2^40 bytes)": (_chain(40, 2), ("bytes, more than Solana",)),
    "a generic that grows itself": (_field({"defined": {"name": "G", "generics": [{"kind": "type", "type": "u8"}]}},
                                           _GROW), ("generic type 'G' instantiates itself",)),
    "NUL in a name": (_with(lambda d: d["types"][0]["type"]["fields"][0].update(name="a\x00b")),
                      ("types[0].type.fields[0].name", "NUL")),
    "lone surrogate in a doc": (_with(lambda d: d["types"][0].update(docs=["a\ud800b"])),
                                ("types[0].docs[0]", "surrogate")),
    "Option<Self> (C++ cannot hold it)": (_field({"defined": {"name": "Node"}}, _struct(
        "Node", ("next", {"option": {"defined": {"name": "Node"}}}))), ("type 'Node' contains itself",)),
}

WORKS: dict[str, Idl] = {
    "f64 constant 1e999": _const("F", "f64", "1e999"),
    "f64 constant nan": _const("F", "f64", "nan"),
    "u64 constant of 5,000 digits": _const("BIG", "u64", "9" * 5000),
    "u256 constant of 5,000 digits": _const("BIG", "u256", "9" * 5000),
    "a type named std": _field({"defined": {"name": "std"}}, _struct("std", ("x", "u8"))),
    "a doc ending in a backslash": _with(lambda d: d["types"][0].update(docs=["ends \\", "next line"])),
    "a field doc ending in triple quotes": _with(lambda d: d["types"][0]["type"]["fields"][0].update(
        docs=['ends """'])),
    'a program name with """': _with(lambda d: d["metadata"].update(name='pr"""og')),
    "a 5,000-character program name": _with(lambda d: d["metadata"].update(name="p" * 5000)),
    "vec 8 deep": _field(_nest("vec", 8)),
    "a chain of 40 structs": _chain(40),
    "Option<Vec<Self>> (a Vec in between)": _field({"defined": {"name": "Node"}}, _struct(
        "Node", ("next", {"option": {"vec": {"defined": {"name": "Node"}}}}))),
}


def _write(tmp: Path, idl: Idl | str) -> Path:
    path = tmp / "idl.json"
    path.write_text(idl if isinstance(idl, str) else json.dumps(idl), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_with_one_line(case: str, tmp_path: Path) -> None:
    idl, needles = REFUSED[case]
    out = tmp_path / "out"
    prove.assert_refused(prove.build(_write(tmp_path, idl), out), out, "idl.json", *needles)


@pytest.mark.parametrize("case", list(WORKS))
def test_accepted_output_imports_and_compiles(case: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    prove.assert_works(prove.build(_write(tmp_path, WORKS[case]), out), out)
