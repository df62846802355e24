"""Conformance test program: canonical JSON values as C++ literals, checked against expected bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Vector:
    """One canonical value (issue 3's JSON shape) of an item and the bytes it must encode to."""

    kind: str  # "type" | "account" | "event" | "instruction"
    name: str  # TypeDef / Account / Event / Instruction name as in the IDL
    label: str
    value: Any
    data: bytes


def render_conformance(*args: Any, **kwargs: Any) -> str:
    raise NotImplementedError
