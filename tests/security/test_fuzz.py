"""Structure-aware fuzzing of the copied corpus IDLs: no input ever ends in a traceback.

Each case takes a real IDL and applies a few mutations that keep it looking like an IDL: swap a type
expression for another (including huge arrays and unknown names), nest one in vec/option/array many
levels, rename something (to hostile text or to another type's name: duplicates), inject characters
into a string, drop a key or give a value the wrong JSON kind. Then it loads and renders every target
in this process, as `idlgen build` does. The only acceptable outcomes: an IdlgenError whose message is
one line (the CLI prints it and exits 2), or files where every Python module compiles; a sample of the
accepted C++ headers is compiled with g++.

Fixed seed and budget for CI (IDLGEN_FUZZ_CASES / IDLGEN_FUZZ_SEED explore further).
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
from pathlib import Path
from typing import Any

from idlgen.anchor.load import load_program
from idlgen.diagnostics import IdlgenError
from tests.conftest import copied_idls
from tests.security import hostile as H

CASES = int(os.environ.get("IDLGEN_FUZZ_CASES", "60"))
SEED = int(os.environ.get("IDLGEN_FUZZ_SEED", "14"))
CXX_SAMPLE = 3
INJECT = ["\n", "\\", '"""', "*/", "\u2028", "{", "\x1b", "é", "<", ">", "::", " ", "??/", "'", "#"]
TYPES: list[Any] = ["u8", "u64", "i128", "u256", "f64", "string", "bytes", "pubkey", "bool", "usize", "u7",
                    {"vec": "u8"}, {"option": "pubkey"}, {"coption": "u64"}, {"array": ["u8", 32]},
                    {"array": ["u64", 10**12]}, {"array": ["u8", -1]}, {"defined": "Nope"}, {"defined": "Vec<u8>"},
                    {"defined": {"name": "Nope", "generics": [{"kind": "const", "value": "3"}]}}, {"generic": "T"},
                    {"hashMap": ["u8", "u8"]}, 7, None, [], {}]


def _slots(doc: Any) -> tuple[list[tuple[Any, Any]], list[tuple[Any, Any]], list[tuple[Any, Any]]]:
    """(type slots, name slots, every slot) as (container, key) pairs."""
    types: list[tuple[Any, Any]] = []
    names: list[tuple[Any, Any]] = []
    every: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            every.append((node, k))
            if k in ("type", "vec", "option", "coption") and not (k == "type" and isinstance(v, dict) and "kind" in v):
                types.append((node, k))
            if k == "name" and isinstance(v, str):
                names.append((node, k))
            if isinstance(v, dict | list):
                stack.append(v)
    return types, names, every


def mutate(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        types, names, every = _slots(doc)
        op = rng.choice(["swap", "nest", "rename", "inject", "drop", "kind"])
        if op == "swap" and types:
            node, k = rng.choice(types)
            pool = [n[k2] for n, k2 in types] + TYPES
            node[k] = copy.deepcopy(rng.choice(pool))
        elif op == "nest" and types:
            node, k = rng.choice(types)
            for _ in range(rng.randint(1, 12)):
                node[k] = rng.choice([{"vec": node[k]}, {"option": node[k]}, {"array": [node[k], rng.randint(0, 4)]}])
        elif op == "rename" and names:
            node, k = rng.choice(names)
            other = rng.choice(names)
            node[k] = rng.choice([other[0][other[1]], node[k] + rng.choice(INJECT) + node[k], "", "std", "class"])
        elif op == "inject":
            strings = [(n, k) for n, k in every if isinstance(n[k], str)]
            if strings:
                node, k = rng.choice(strings)
                pos = rng.randint(0, len(node[k]))
                node[k] = node[k][:pos] + "".join(rng.choices(INJECT, k=rng.randint(1, 3))) + node[k][pos:]
        elif op == "drop" and every:
            node, k = rng.choice(every)
            if isinstance(node, dict):
                del node[k]
            else:
                node.pop(k)
        elif op == "kind" and every:
            node, k = rng.choice(every)
            node[k] = copy.deepcopy(rng.choice([None, 0, -1, True, "x", [], {}, 10**40, [None]]))
    return doc


def test_mutated_corpus_never_tracebacks(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    corpus = [p for p in copied_idls() if p.stat().st_size < 150_000]
    assert corpus, "tests/corpus/idls is empty"
    docs = [(p, json.loads(p.read_text(encoding="utf-8"))) for p in corpus]
    accepted: list[tuple[str, dict[str, str]]] = []
    refused = 0
    for i in range(CASES):
        path, original = rng.choice(docs)
        doc = mutate(original, rng)
        label = f"case {i} (seed {SEED}, {path.name})"
        try:
            program = load_program(path.name, json.dumps(doc), display=path.name)
            files = H.render(program, path.name)
        except IdlgenError as exc:
            message = str(exc)
            assert message and "\n" not in message and "\r" not in message, f"{label}: {message!r}"
            refused += 1
            continue
        for rel, text in files.items():
            if rel.endswith(".py"):
                compile(text, rel, "exec")  # a SyntaxError here fails the test with the case label below
        accepted.append((label, files))
    assert refused and accepted, (refused, len(accepted))  # the mutations reach both outcomes
    for n, (label, files) in enumerate(accepted[:CXX_SAMPLE]):
        dest = tmp_path / f"c{n}"
        H.write(files, dest)
        header = next(p for p in (dest / "out" / "cpp").glob("*.hpp") if p.name != "idlgen_borsh.hpp")
        tu = header.parent / "tu.cpp"
        tu.write_text(f'#include "{header.name}"\nint main() {{ return 0; }}\n', encoding="utf-8")
        cc = subprocess.run(["g++", "-std=c++17", "-fsyntax-only", "-I", str(header.parent), str(tu)],
                            capture_output=True, text=True, check=False, timeout=600)
        assert cc.returncode == 0, f"{label}: {cc.stderr[-3000:]}"
