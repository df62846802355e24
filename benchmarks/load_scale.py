"""Loader growth with the number of types: 1k / 10k / 100k independent structs, and a chain of nested ones.

    .venv/bin/python benchmarks/load_scale.py

Prints seconds per size; near-linear growth is the point (the loader once compared every type's
identifier with every other's: 100,000 types did not finish in 15 minutes). Results: load_scale.md.
"""

from __future__ import annotations

import json
import time

from idlgen.anchor.load import load_program


def idl(types: list[dict[str, object]]) -> str:
    return json.dumps({"address": "Edge111111111111111111111111111111111111111",
                       "metadata": {"name": "scale", "version": "1", "spec": "0.1.0"},
                       "instructions": [], "types": types})


def flat(n: int) -> str:
    return idl([{"name": f"T{i}", "type": {"kind": "struct", "fields": [{"name": "x", "type": "u8"}]}}
                for i in range(n)])


def chain(n: int) -> str:
    types: list[dict[str, object]] = [
        {"name": f"S{i}", "type": {"kind": "struct", "fields": [
            {"name": "n", "type": {"defined": {"name": f"S{i + 1}"}}}]}}
        for i in range(n)]
    types.append({"name": f"S{n}", "type": {"kind": "struct", "fields": [{"name": "x", "type": "u8"}]}})
    return idl(types)


def seconds(text: str) -> float:
    start = time.perf_counter()
    load_program("scale.json", text)
    return time.perf_counter() - start


def main() -> None:
    for n in (1_000, 10_000, 100_000):
        t = seconds(flat(n))
        print(f"{n:>7} types: {t:6.2f} s ({t / n * 1e6:5.1f} us/type)")
    print(f"chain of 47 nested structs: {seconds(chain(46)):.2f} s")


if __name__ == "__main__":
    main()
