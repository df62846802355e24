"""Light Protocol's compiled `account_compression` program and its IDL, fetched once with npm.

The program binary ships inside `@lightprotocol/zk-compression-cli@0.18.0` (a ~150 MB tarball): it is
fetched once with `npm pack` into the git-ignored `.cache/light/`, the one member we need is
extracted, its sha256 checked against the pinned value, and the tarball deleted. Later runs only
re-hash the 763 kB `.so` (a tampered or truncated cache is re-fetched, a wrong hash from the registry
fails loudly rather than skipping).

The IDL (Anchor 0.29 legacy format) is committed under tests/fixtures/light/; `refresh_idl()`
re-extracts it from `@lightprotocol/stateless.js@0.13.0` (see the README there).

    .venv/bin/python -m tests.tools.light              # fetch + verify the program (setup script)
    .venv/bin/python -m tests.tools.light --refresh-idl  # rewrite the committed IDL fixture
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("IDLGEN_CACHE", ROOT / ".cache")) / "light"
FIXTURE_DIR = ROOT / "tests" / "fixtures" / "light"
IDL_FIXTURE = FIXTURE_DIR / "account_compression.json"

CLI_PACKAGE = "@lightprotocol/zk-compression-cli@0.18.0"
SO_MEMBER = "package/bin/account_compression.so"
SO_SHA256 = "45405723b0ac77e45f9420dc0fcad3c5c1c229491638e8082b94bab1833443a2"
SO_SIZE = 763_336
SDK_PACKAGE = "@lightprotocol/stateless.js@0.13.0"
SDK_MEMBER = "package/dist/cjs/node/index.cjs"
PROGRAM_ID = "compr6CUsB5m2jS4Y3831ztGSTnDpnKJTKS95d64XVq"

# Evaluates only the exported object literal (the bundle's own imports are not installed).
_NODE_EXTRACT = r"""
const fs = require('fs'); const vm = require('vm');
const src = fs.readFileSync(process.argv[1], 'utf8');
const m = src.match(/^exports\.AccountCompressionIDL = ([A-Za-z_$][\w$]*);$/m);
if (!m) { console.error('AccountCompressionIDL export not found'); process.exit(3); }
const head = `const ${m[1]} = {\n`;
const start = src.indexOf(head);
const end = src.indexOf('\n};\n', start);
if (start < 0 || end < 0) { console.error(`object literal ${m[1]} not found`); process.exit(3); }
const literal = src.slice(start + head.length - 2, end + 2);
const idl = vm.runInContext('(' + literal + ')', vm.createContext({}));
process.stdout.write(JSON.stringify(idl, null, 2) + '\n');
"""


class Unavailable(Exception):
    """npm or the registry cannot be reached: callers skip with this reason."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _npm_pack(spec: str, dest: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise Unavailable(f"npm is not installed, so {spec} cannot be fetched")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run([npm, "pack", spec, "--json", "--pack-destination", str(dest)],
                              capture_output=True, text=True, timeout=900, check=False)
    except subprocess.TimeoutExpired:
        raise Unavailable(f"`npm pack {spec}` timed out (registry unreachable?)") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unavailable(f"`npm pack {spec}` failed (registry unreachable?): {last}")
    try:
        filename = json.loads(proc.stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError):
        raise Unavailable(f"`npm pack {spec}` printed no tarball name: {proc.stdout[:200]!r}") from None
    # npm names scoped tarballs `scope-name-version.tgz`; older npm prefix the scope with '@'
    tgz = dest / filename.lstrip("@").replace("/", "-")
    if not tgz.is_file():
        raise Unavailable(f"`npm pack {spec}` reported {filename} but it is not in {dest}")
    return tgz


def _extract_member(tgz: Path, member: str, dest: Path) -> None:
    with tarfile.open(tgz, "r:gz") as tar:
        try:
            src = tar.extractfile(member)
        except KeyError:
            raise RuntimeError(f"{tgz.name} has no {member}") from None
        if src is None:
            raise RuntimeError(f"{tgz.name}: {member} is not a regular file")
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out)
    os.replace(tmp, dest)


def program_so() -> Path:
    """The verified account_compression.so, fetched on first use. Raises Unavailable without npm."""
    so = CACHE / "account_compression.so"
    if so.is_file() and so.stat().st_size == SO_SIZE and sha256_file(so) == SO_SHA256:
        return so
    so.unlink(missing_ok=True)
    tgz = _npm_pack(CLI_PACKAGE, CACHE)
    try:
        _extract_member(tgz, SO_MEMBER, so)
    finally:
        tgz.unlink(missing_ok=True)  # 150 MB we never read again
    got = sha256_file(so)
    if got != SO_SHA256:
        so.unlink()
        raise RuntimeError(f"{CLI_PACKAGE} {SO_MEMBER}: sha256 {got}, expected {SO_SHA256}: refusing to use it")
    return so


def upstream_idl() -> dict[str, Any]:
    """AccountCompressionIDL exactly as stateless.js exports it (cached as JSON)."""
    cached = CACHE / "AccountCompressionIDL.stateless-0.13.0.json"
    if not cached.is_file():
        node = shutil.which("node")
        if node is None:
            raise Unavailable("node is not installed, so the IDL cannot be read from stateless.js")
        tgz = _npm_pack(SDK_PACKAGE, CACHE)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                bundle = Path(tmp) / "index.cjs"
                _extract_member(tgz, SDK_MEMBER, bundle)
                proc = subprocess.run([node, "-e", _NODE_EXTRACT, str(bundle)], capture_output=True, text=True,
                                      check=False, timeout=120)
        finally:
            tgz.unlink(missing_ok=True)
        if proc.returncode != 0:
            raise RuntimeError(f"extracting AccountCompressionIDL failed: {proc.stderr.strip()}")
        cached.write_text(proc.stdout, encoding="utf-8")
    data: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
    return data


def as_anchor_json(ts_idl: dict[str, Any]) -> dict[str, Any]:
    """Undo the one change Anchor 0.29's `idl ts` step makes to the JSON IDL: account names camelCased.

    Types refer to accounts by their Rust (PascalCase) name, so the TS copy does not resolve as is, and
    Anchor derives account discriminators from the PascalCase name either way."""
    out = json.loads(json.dumps(ts_idl))
    for acc in out.get("accounts", []):
        acc["name"] = acc["name"][:1].upper() + acc["name"][1:]
    return out


def _snake(name: str) -> str:
    from idlgen.anchor.names import snake_case

    return snake_case(name)


def _spec_type(t: Any, tuples: dict[str, str]) -> Any:
    if t == "publicKey":
        return "pubkey"
    if isinstance(t, str):
        return t
    if "defined" in t:
        name = t["defined"]
        if name.startswith("("):  # no tuple type in the spec format: Anchor 0.30 needs a named struct
            name = tuples.setdefault(name, f"Tuple{len(tuples)}")
        return {"defined": {"name": name}}
    if "array" in t:
        return {"array": [_spec_type(t["array"][0], tuples), t["array"][1]]}
    key = next(iter(t))
    return {key: _spec_type(t[key], tuples)}


def as_spec(legacy: dict[str, Any], address: str = PROGRAM_ID) -> dict[str, Any]:
    """The same program in the 0.30+ spec format, as `anchor idl convert` writes it: snake_case names,
    explicit discriminators, account layouts moved into `types`, `pubkey`, `{"defined": {"name": ..}}`.
    Lets the real program check the spec-format codec too (no registry package ships a spec IDL with a
    compiled program)."""
    import hashlib

    def disc(ns: str, name: str) -> list[int]:
        return list(hashlib.sha256(f"{ns}:{name}".encode()).digest()[:8])

    tuples: dict[str, str] = {}

    def fields(fs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"name": _snake(f["name"]), "type": _spec_type(f["type"], tuples)} for f in fs]

    def typedef(t: dict[str, Any]) -> dict[str, Any]:
        body = t["type"]
        if body["kind"] == "struct":
            return {"name": t["name"], "type": {"kind": "struct", "fields": fields(body["fields"])}}
        if body["kind"] == "enum":
            return {"name": t["name"], "type": {"kind": "enum", "variants": [{"name": v["name"]}
                                                                             for v in body["variants"]]}}
        return {"name": t["name"], "type": {"kind": "type", "alias": _spec_type(body["value"], tuples)}}

    instructions = [{
        "name": _snake(ix["name"]),
        "discriminator": disc("global", _snake(ix["name"])),
        "accounts": [{"name": _snake(a["name"]), **({"writable": True} if a.get("isMut") else {}),
                      **({"signer": True} if a.get("isSigner") else {}),
                      **({"optional": True} if a.get("isOptional") else {})} for a in ix["accounts"]],
        "args": fields(ix.get("args", [])),
    } for ix in legacy["instructions"]]
    types = [typedef(a) for a in legacy["accounts"]] + [typedef(t) for t in legacy["types"]]
    types += [{"name": n, "type": {"kind": "struct", "fields": [
        _spec_type(x, tuples) for x in _tuple_parts(rust)]}} for rust, n in tuples.items()]
    return {
        "address": address,
        "metadata": {"name": legacy["name"], "version": legacy["version"], "spec": "0.1.0"},
        "instructions": instructions,
        "accounts": [{"name": a["name"], "discriminator": disc("account", a["name"])} for a in legacy["accounts"]],
        "errors": legacy["errors"],
        "types": types,
        "constants": [{**c, "type": _spec_type(c["type"], tuples)} for c in legacy["constants"]],
    }


def _tuple_parts(rust: str) -> list[Any]:
    """`(u8,[u8;32])` -> ["u8", {"array": ["u8", 32]}]: scalars and arrays of scalars, what this IDL has."""
    out: list[Any] = []
    for part in re.findall(r"\[[^\]]*\]|[^,\s]+", rust.strip()[1:-1]):
        if part.startswith("["):
            inner, n = part[1:-1].split(";")
            out.append({"array": [inner.strip(), int(n)]})
        else:
            out.append(part)
    return out


def refresh_idl() -> Path:
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    IDL_FIXTURE.write_text(json.dumps(as_anchor_json(upstream_idl()), indent=2) + "\n", encoding="utf-8")
    return IDL_FIXTURE


def main(argv: list[str]) -> int:
    try:
        if "--refresh-idl" in argv:
            print(f"wrote {refresh_idl().relative_to(ROOT)}")
        so = program_so()
    except Unavailable as exc:
        print(f"light program not fetched: {exc}", file=sys.stderr)
        return 0  # the tests skip with the same reason; setup must not fail offline
    print(f"{so.relative_to(ROOT) if so.is_relative_to(ROOT) else so}: sha256 {SO_SHA256[:16]}... verified")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
