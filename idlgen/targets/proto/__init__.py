"""The proto target: one proto3 file per program, its field-number lock, and (with the python target)
the compiled `_pb2` modules plus `proto_convert.py` inside the generated Python package.

Outputs (paths relative to the project root):
    <out>/proto/<package as dirs>/<program>.proto      e.g. generated/proto/godark/settlement/v1/godark_settlement.proto
    <lock path>                                         the updated lock (idl/<program>.lock.json)
    <out>/python/<python_package>/<program>_pb2.py, _pb2.pyi, proto_convert.py   when "python" is built too
The .proto sits in folders that mirror its package, as `buf lint` (PACKAGE_DIRECTORY_MATCH) and most
proto tooling expect; generated/proto is the buf module root (see buf.yaml).
"""

from __future__ import annotations

from pathlib import Path

from idlgen.ir.model import Program
from idlgen.targets.base import RenderContext, ascii_stem, header_lines
from idlgen.targets.escape import line_comment


class ProtoTarget:
    name = "proto"

    def render(self, program: Program, ctx: RenderContext) -> dict[str, str]:
        from idlgen.targets.proto import compile as pc
        from idlgen.targets.proto import lock as lk
        from idlgen.targets.proto import schema as sc
        from idlgen.targets.proto.names import snake
        from idlgen.targets.proto.views import ProtoViews, convert_tables
        from idlgen.targets.render import render

        lock = lk.parse(ctx.lock_text, ctx.lock_path)
        lock.idl = ctx.idl_path
        schema = sc.build(program, ctx.names.proto_package, lock)
        stem = snake(ascii_stem(program.name))
        proto_rel = f"{ctx.names.proto_package.replace('.', '/')}/{stem}.proto"
        header = header_lines(program, ctx)
        proto_text = render("proto/schema.proto.jinja", header=header, lock_path=ctx.lock_path,
                            proto=ProtoViews(schema).proto())
        files = {f"{ctx.out}/proto/{proto_rel}": proto_text, ctx.lock_path: lock.dump()}
        if "python" not in ctx.targets:
            return files

        pkg_dir = f"{ctx.out}/python/{ctx.names.python_package}"
        pb2 = f"{stem}_pb2"
        py_header = [f"# {line_comment(line)}" for line in header]
        key_text = pc.key_line(proto_rel, pc.cache_key(proto_text))
        root = Path(ctx.extra.get("root", "."))
        paths = [f"{pkg_dir}/{pb2}.py", f"{pkg_dir}/{pb2}.pyi"]
        py, pyi = pc.compiled(proto_rel, proto_text, f"{ctx.names.python_package}.{pb2}")
        prefix = "".join(line + "\n" for line in py_header) + key_text + "\n"
        # protoc's stubs write bare `Mapping` in __init__ signatures; everything else is mypy --strict clean.
        texts = [prefix + py, prefix + '# mypy: disable-error-code="type-arg"\n' + pyi]
        files.update(zip(paths, texts, strict=True))
        convert = render("proto/proto_convert.py.jinja", header=header, pb2=pb2, program_name=program.name,
                         tables=convert_tables(schema), gencode=pc.gencode_version(py))
        convert_path = f"{pkg_dir}/proto_convert.py"
        if _on_disk(root / convert_path) != convert:  # identical text was proven when it was written
            _parses(convert, convert_path)
        files[convert_path] = convert
        return files


def _on_disk(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _parses(text: str, path: str) -> None:
    """Every generated Python file is proven to parse before it is returned."""
    import libcst

    from idlgen.diagnostics import IdlgenError

    try:
        libcst.parse_module(text)
    except libcst.ParserSyntaxError as exc:
        raise IdlgenError(f"generated Python does not parse (an idlgen bug): {exc.message}", file=path,
                          line=exc.raw_line) from None


TARGET = ProtoTarget()
