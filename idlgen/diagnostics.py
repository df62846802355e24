"""Errors that reach the user as one line, and the exit codes they map to."""

from __future__ import annotations

import enum


class Exit(enum.IntEnum):
    OK = 0
    FINDINGS = 1  # stale files, a diff at or above --fail-on
    USAGE = 2  # bad flags, bad input files, bad git refs


class IdlgenError(Exception):
    """A user-facing error: `<file>:<line>: <json path>: <message>`; never shown with a traceback."""

    exit_code = Exit.USAGE

    def __init__(self, message: str, *, file: str | None = None, path: str | None = None,
                 line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        if self.path:
            where += f"{self.path}: "
        return where + self.message


class IdlError(IdlgenError):
    """The IDL file cannot be loaded faithfully."""


class ConfigError(IdlgenError):
    """`[tool.idlgen]` or `idlgen.toml` is wrong."""
