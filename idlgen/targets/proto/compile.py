"""Compile the rendered .proto to `_pb2.py` + `_pb2.pyi` in-process with grpc_tools.protoc.

Cache rule (keeps `idlgen check` fast): each compiled file starts with a header line
`# compiled from: <proto path> sha256 <key>`, where key = sha256(proto text + grpcio-tools version +
POSTPROCESS)[:32] (POSTPROCESS changes whenever idlgen changes what it does to protoc's output).
When the files already on disk under `<out>` carry the key of the proto text being rendered now, their
text is reused as the render result and protoc is not run (nor imported). Any change to the .proto text
or an upgrade of grpcio-tools changes the key and recompiles. Hand edits to the body of a compiled file
below its header are not detected by `idlgen check`: delete the file and run `idlgen build`.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from idlgen.diagnostics import IdlgenError

POSTPROCESS = "2"


def cache_key(proto_text: str) -> str:
    return hashlib.sha256(f"{proto_text}\0{_protoc_version()}\0{POSTPROCESS}".encode()).hexdigest()[:32]


def _protoc_version() -> str:
    """grpcio-tools' own version file, read without importing it (or importlib.metadata: 100+ ms)."""
    spec = importlib.util.find_spec("grpc_tools")
    if spec is None or not spec.submodule_search_locations:
        return "grpcio-tools missing"
    try:
        return Path(spec.submodule_search_locations[0], "grpc_version.py").read_text(encoding="utf-8")
    except OSError:
        return "grpcio-tools without grpc_version.py"


def key_line(proto_rel: str, key: str) -> str:
    return f"# compiled from: {proto_rel} sha256 {key}"


def cached(paths: list[Path], header: list[str], key_text: str) -> list[str] | None:
    """The on-disk texts when every file exists and carries this header and key line; else None."""
    out: list[str] = []
    want = "".join(line + "\n" for line in header) + key_text + "\n"
    for p in paths:
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if not text.startswith(want):
            return None
        out.append(text)
    return out


def protoc_python(proto_rel: str, proto_text: str, module: str) -> tuple[str, str]:
    """(`_pb2.py`, `_pb2.pyi`) for `proto_rel` (its path below the proto root, e.g. `a/v1/x.proto`)."""
    import os
    import tempfile

    from grpc_tools import protoc  # type: ignore[import-untyped]  # heavy: only when the proto changed

    with tempfile.TemporaryDirectory(prefix="idlgen-protoc-") as tmp:
        src, out = Path(tmp, "src"), Path(tmp, "out")
        (src / proto_rel).parent.mkdir(parents=True)
        out.mkdir()
        (src / proto_rel).write_text(proto_text, encoding="utf-8")
        err_path = Path(tmp, "stderr")
        # protoc reports on file descriptor 2 from C++: capture it to give one clear line.
        saved = os.dup(2)
        with err_path.open("wb") as err:
            os.dup2(err.fileno(), 2)
            try:
                rc = protoc.main(["protoc", f"-I{src}", f"--python_out={out}", f"--pyi_out={out}", proto_rel])
            finally:
                os.dup2(saved, 2)
                os.close(saved)
        if rc != 0:
            msg = " ".join(err_path.read_text(encoding="utf-8", errors="replace").split())
            raise IdlgenError(f"protoc rejected the generated schema (an idlgen bug, please report): {msg}",
                              file=proto_rel)
        stem = proto_rel[: -len(".proto")]
        py = (out / f"{stem}_pb2.py").read_text(encoding="utf-8")
        pyi = (out / f"{stem}_pb2.pyi").read_text(encoding="utf-8")
    # Classes report the module they really live in (the generated Python package), so pickling works.
    py = py.replace(f"'{stem.replace('/', '.')}_pb2'", f"'{module}'")
    return py, pyi
