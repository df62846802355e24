"""The one Jinja environment, and where the templates live (in the repo or inside the wheel)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2


def templates_dir() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "_templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "templates"


@functools.cache
def environment() -> jinja2.Environment:
    import jinja2  # only when rendering: `idlgen check` on a fresh tree never needs it

    from idlgen.targets import escape

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    # IDL text reaches templates only through these (see idlgen/targets/escape.py for each context).
    env.filters.update({
        "comment": escape.line_comment,
        "cppstr": escape.cpp_string,
        "pystr": escape.py_string,
        "pydoc": escape.py_docstring_text,
        "pyfstr": escape.py_fstring_text,
    })
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
