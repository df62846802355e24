"""Python target: a self-contained relayer codec package per program (see target.py)."""

from __future__ import annotations

from idlgen.targets.python.target import TARGET, PythonTarget, render_package

__all__ = ["TARGET", "PythonTarget", "render_package"]
