"""Anchor's own casing and discriminators.

Anchor's Rust side names things with the `heck` crate; legacy (<=0.29) IDLs carry camelCase
instruction names produced by heck's lowerCamelCase, and clients hash `snake_case(name)`. This is
heck's word splitting, transcribed: digits stay with the word before them, a lower->upper step
starts a new word, and an acronym ends before its last capital when a lowercase letter follows
(`HTTPServer` -> `http_server`, `initializeV2` -> `initialize_v2`, `v2Swap` -> `v2_swap`).
"""

from __future__ import annotations

import hashlib
import re

_SEP = re.compile(r"[^0-9A-Za-z\u0080-\U0010ffff]+")


def words(s: str) -> list[str]:
    out: list[str] = []
    for word in _SEP.split(s):
        if not word:
            continue
        init = 0
        mode = "boundary"
        n = len(word)
        for i, c in enumerate(word):
            if i + 1 >= n:
                out.append(word[init:])
                break
            nxt = word[i + 1]
            if c.islower():
                next_mode = "lower"
            elif c.isupper():
                next_mode = "upper"
            else:
                next_mode = mode
            if next_mode == "lower" and nxt.isupper():
                out.append(word[init : i + 1])
                init = i + 1
                mode = "boundary"
            elif mode == "upper" and c.isupper() and nxt.islower():
                out.append(word[init:i])
                init = i
                mode = "boundary"
            else:
                mode = next_mode
    return [w for w in out if w]


def snake_case(s: str) -> str:
    return "_".join(w.lower() for w in words(s))


def pascal_case(s: str) -> str:
    return "".join(w[:1].upper() + w[1:].lower() for w in words(s))


def camel_case(s: str) -> str:
    p = pascal_case(s)
    return p[:1].lower() + p[1:]


def sighash(namespace: str, name: str) -> bytes:
    """First 8 bytes of sha256(`<namespace>:<name>`), Anchor's discriminator."""
    return hashlib.sha256(f"{namespace}:{name}".encode()).digest()[:8]


def instruction_discriminator(name: str) -> bytes:
    return sighash("global", snake_case(name))


def account_discriminator(name: str) -> bytes:
    return sighash("account", name)


def event_discriminator(name: str) -> bytes:
    return sighash("event", name)
