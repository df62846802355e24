"""Compile the rendered .proto to `_pb2.py` + `_pb2.pyi` in-process with grpc_tools.protoc.

Same output on every machine: the text protoc writes depends only on the proto text and on the
protoc inside grpcio-tools, which pyproject pins exactly (`grpcio-tools==...`; a range let one machine
write "Protobuf Python Version: 5.27.2" and another 7.35.1). The protobuf *runtime* is not pinned: the
generated modules need one at least as new as the gencode, within its major version, which
`proto_convert` checks at import (`GENCODE_VERSION` here, the floor it states).

Cache rule (keeps `idlgen check` fast): a compile is cached outside the project (idlgen.cache, kind
`protoc`), keyed by sha256(proto text + module name + grpcio-tools version + POSTPROCESS). Files on disk
are never reused as the compile result: a line inserted into a committed `_pb2.py` is then found by
`check` and repaired by `build`. The header line `# compiled from: <proto path> sha256 <key>` only
records provenance.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
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


def compiled(proto_rel: str, proto_text: str, module: str) -> tuple[str, str]:
    """protoc's (`_pb2.py`, `_pb2.pyi`) for this proto text: from the user cache, else compiled now."""
    from idlgen import cache

    key = hashlib.sha256(f"{cache_key(proto_text)}\0{module}\0{proto_rel}".encode()).hexdigest()
    hit = cache.get("protoc", key)
    if hit is not None and isinstance(hit.get("py"), str) and isinstance(hit.get("pyi"), str):
        return hit["py"], hit["pyi"]
    py, pyi = protoc_python(proto_rel, proto_text, module)
    cache.put("protoc", key, {"py": py, "pyi": pyi})
    return py, pyi


def gencode_version(py: str) -> tuple[int, int, int]:
    """The protobuf version protoc wrote into a `_pb2.py` ("# Protobuf Python Version: 7.35.1")."""
    m = re.search(r"^# Protobuf Python Version: (\d+)\.(\d+)\.(\d+)", py, re.MULTILINE)
    if m is None:
        raise IdlgenError("protoc's output names no protobuf version (an idlgen bug, please report)")
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


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
