"""Aligning two positional lists (fields, arguments, variants, instruction accounts) by name and place."""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Callable, Sequence


def lis(seq: list[int]) -> set[int]:
    """Indices (into seq) of one longest increasing subsequence."""
    tails: list[int] = []
    tails_idx: list[int] = []
    prev = [-1] * len(seq)
    for i, x in enumerate(seq):
        k = bisect.bisect_left(tails, x)
        if k == len(tails):
            tails.append(x)
            tails_idx.append(i)
        else:
            tails[k] = x
            tails_idx[k] = i
        prev[i] = tails_idx[k - 1] if k > 0 else -1
    out: set[int] = set()
    i = tails_idx[-1] if tails_idx else -1
    while i >= 0:
        out.add(i)
        i = prev[i]
    return out


def align(old: Sequence[str], new: Sequence[str],
           compatible: Callable[[int, int], bool]) -> list[tuple[int | None, int | None]]:
    """Match two positional lists: by name first; then, between two consecutive name matches, the
    leftover items pair up in order while they are compatible (same bytes: a rename). Returns
    (old_i, new_j) pairs, (i, None) for removed and (None, j) for added, never crossing renames."""
    old, new = numbered(old), numbered(new)
    pos_new = {n: j for j, n in enumerate(new)}
    pairs: dict[int, int] = {i: pos_new[n] for i, n in enumerate(old) if n in pos_new}
    anchors = sorted((i, j) for i, j in pairs.items())
    keep = lis([j for _, j in anchors])
    mono = [anchors[k] for k in sorted(keep)]
    bounds = [(-1, -1), *mono, (len(old), len(new))]
    used_new = set(pairs.values())
    for (i0, j0), (i1, j1) in itertools.pairwise(bounds):
        gap_o = [i for i in range(i0 + 1, i1) if i not in pairs]
        gap_n = [j for j in range(j0 + 1, j1) if j not in used_new]
        for i, j in zip(gap_o, gap_n, strict=False):
            if not compatible(i, j):
                break
            pairs[i] = j
            used_new.add(j)
    out: list[tuple[int | None, int | None]] = [(i, pairs.get(i)) for i in range(len(old))]
    out += [(None, j) for j in range(len(new)) if j not in used_new]
    return out


def numbered(names: Sequence[str]) -> list[str]:
    """Repeated names (two nested account groups both holding `system_program`) become name, name#2, ..."""
    seen: Counter[str] = Counter()
    out = []
    for n in names:
        seen[n] += 1
        out.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return out
