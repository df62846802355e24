"""Build an IDL with chosen text in every position, render every target, and prove what the output is.

`idl_with(texts)` puts `texts[position]` into each position of one small spec-format IDL that uses every
construct idlgen emits text for (types, fields, variants, accounts, events, instructions, arguments,
account groups, constants, errors, program name/version/docs). `build(idl, idl_name, dest)` renders
the python, proto and cpp targets in this process exactly as `idlgen build` does and writes them under
`dest`. The shape functions reduce an output to what an injection would change and a rename would
not: the Python AST with identifiers, constants and docstrings abstracted; the C++ token stream after
the real preprocessor (comments gone, line splices applied) with identifiers and literals abstracted;
the proto token stream without comments.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from idlgen.anchor.load import load_program
from idlgen.ir.model import Program
from idlgen.targets.base import ProgramNames, RenderContext

POSITIONS = (
    "program", "version", "program_doc", "struct", "struct_doc", "field", "field_doc", "enum", "variant",
    "variant_field", "account", "account_doc", "event", "inner", "instruction", "instruction_doc", "arg",
    "arg_doc", "ix_account", "ix_account_doc", "group", "group_member", "const_str", "const_str_value",
    "const_int", "const_int_value", "error", "error_msg",
)
# Benign spellings: distinct ASCII stems, so two positions never mangle to the same identifier.
BENIGN = {p: p.replace("_", "") for p in POSITIONS} | {
    "version": "0.1.0", "const_int_value": "60 * 60", "const_str_value": '"seed"', "program": "prog",
}
# Positions that are names: hostile text is wrapped in the benign stem so the identifiers derived from
# it stay distinct per position (what is tested here is text safety, not clash handling).
NAMES = frozenset(p for p in POSITIONS if not p.endswith(("_doc", "_msg", "_value")) and p != "version")


def texts_for(hostile: dict[str, str]) -> dict[str, str]:
    out = dict(BENIGN)
    for pos, text in hostile.items():
        if pos in NAMES:
            out[pos] = f"{BENIGN[pos]}{text}{BENIGN[pos]}"
        elif pos == "const_int_value":  # a Rust expression, as Anchor writes `60 * 60`: never an int literal
            out[pos] = f"60 * {text}"
        else:
            out[pos] = text
    return out


def idl_with(t: dict[str, str]) -> dict[str, Any]:
    return {
        "address": "Edge111111111111111111111111111111111111111",
        "metadata": {"name": t["program"], "version": t["version"], "spec": "0.1.0"},
        "docs": [t["program_doc"]],
        "instructions": [{
            "name": t["instruction"], "docs": [t["instruction_doc"]], "discriminator": [7],
            "accounts": [
                {"name": t["ix_account"], "writable": True, "signer": True, "docs": [t["ix_account_doc"]]},
                {"name": t["group"], "accounts": [{"name": t["group_member"], "writable": True}]},
            ],
            "args": [{"name": t["arg"], "type": "u64", "docs": [t["arg_doc"]]},
                     {"name": "shape", "type": {"defined": {"name": t["enum"]}}}],
        }],
        "accounts": [{"name": t["account"], "discriminator": [1], "docs": [t["account_doc"]]}],
        "events": [{"name": t["event"], "discriminator": [9, 9, 9, 9, 9, 9, 9, 9]}],
        "errors": [{"code": 6000, "name": t["error"], "msg": t["error_msg"]}],
        "constants": [{"name": t["const_str"], "type": "string", "value": t["const_str_value"]},
                      {"name": t["const_int"], "type": "u64", "value": t["const_int_value"]}],
        "types": [
            {"name": t["account"], "docs": [t["struct_doc"]], "type": {"kind": "struct", "fields": [
                {"name": t["field"], "docs": [t["field_doc"]], "type": "pubkey"},
                {"name": "amount", "type": "u64"},
                {"name": "inner", "type": {"defined": {"name": t["struct"]}}}]}},
            {"name": t["struct"], "type": {"kind": "struct", "fields": [{"name": "x", "type": "u8"}]}},
            {"name": t["enum"], "type": {"kind": "enum", "variants": [
                {"name": t["variant"]},
                {"name": "Rect", "fields": [{"name": t["variant_field"], "type": "u32"}]},
                {"name": "Pt", "fields": ["u8"]}]}},
            {"name": t["event"], "type": {"kind": "struct", "fields": [
                {"name": "by", "type": {"defined": {"name": t["inner"]}}}]}},
            {"name": t["inner"], "type": {"kind": "struct", "fields": [{"name": "x", "type": "u8"}]}},
        ],
    }


def render(program: Program, idl_name: str) -> dict[str, str]:
    """Every target's files, as `idlgen build` renders them (python + proto + cpp together)."""
    from idlgen.pipeline import target

    ctx = RenderContext(names=ProgramNames.of(program), idl_path=idl_name, lock_path="idl/x.lock.json",
                        out="out", targets=("proto", "python", "cpp"))
    files: dict[str, str] = {}
    for name in ctx.targets:
        files.update(target(name).render(program, ctx))
    return files


def load_text(idl: dict[str, Any], idl_name: str) -> Program:
    return load_program(idl_name, json.dumps(idl), display=idl_name)


def write(files: dict[str, str], dest: Path) -> None:
    for rel, text in files.items():
        p = dest / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


# ---- shapes ---------------------------------------------------------------------------------------

class _Abstract(ast.NodeTransformer):
    """Identifiers and constants become placeholders; docstring-like statements disappear."""

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        # Any literal is a literal (an integer constant whose value is a Rust expression is emitted as str)
        return ast.Constant(value="C")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name(id="N", ctx=node.ctx)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        node.attr = "A"
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for attr in ("name", "arg", "asname", "module"):
            if isinstance(getattr(node, attr, None), str):
                setattr(node, attr, "I")
        return super().generic_visit(node)


def python_shape(text: str) -> str:
    tree = ast.parse(text)
    tree = _Abstract().visit(tree)
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


_CPP_TOKEN = re.compile(r"""
    (?P<str>(?:u8|u|U|L)?R"(?P<delim>[^(\s]*)\(.*?\)(?P=delim)"|(?:u8|u|U|L)?"(?:\\.|[^"\\\n])*")
  | (?P<chr>(?:u8|u|U|L)?'(?:\\.|[^'\\\n])+')
  | (?P<num>\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.'])*)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>\S)
""", re.X | re.S)

CPP_KEYWORDS = frozenset("""
alignas alignof asm auto bool break case catch char class const constexpr const_cast continue decltype
default delete do double dynamic_cast else enum explicit export extern false float for friend goto if
inline int long mutable namespace new noexcept nullptr operator private protected public register
reinterpret_cast return short signed sizeof static static_assert static_cast struct switch template this
thread_local throw true try typedef typeid typename union unsigned using virtual void volatile while
std system include define
""".split())


def cpp_tokens(text: str) -> list[str]:
    out: list[str] = []
    for m in _CPP_TOKEN.finditer(text):
        kind = m.lastgroup if m.lastgroup != "delim" else "str"
        tok = m.group()
        if m.group("str") is not None:
            out.append("S")
        elif kind == "chr":
            out.append("C")
        elif kind == "num":
            out.append("N")
        elif kind == "id":
            out.append(tok if tok in CPP_KEYWORDS else "I")
        else:
            out.append(tok)
    return out


def preprocess_cpp(text: str, stubs: Path) -> str:
    """The header after the real preprocessor, with every #include resolved to an empty stub: comments
    are removed and line splices applied exactly as the compiler does, and an injected #include of a
    header idlgen never includes fails (no stub for it)."""
    gxx = shutil.which("g++")
    assert gxx, "g++ is not installed (run scripts/setup-test-deps.sh)"
    proc = subprocess.run([gxx, "-std=c++17", "-E", "-P", "-nostdinc", "-I", str(stubs), "-x", "c++", "-"],
                          input=text, capture_output=True, text=True, check=False, timeout=120, cwd=stubs)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


STUB_HEADERS = ("array", "cmath", "cstddef", "cstdint", "cstring", "optional", "string", "type_traits", "variant",
                "vector", "idlgen_borsh.hpp")


def make_stubs(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in STUB_HEADERS:
        (dest / name).write_text("", encoding="utf-8")
    return dest


def proto_tokens(text: str) -> list[str]:
    """protoc's tokens without comments; identifiers, strings and numbers abstracted."""
    out: list[str] = []
    for line in text.split("\n"):
        code = re.sub(r"//.*", "", line)  # idlgen's proto has no string literal containing //
        for m in re.finditer(r'"(?:\\.|[^"\\])*"|[A-Za-z_][A-Za-z0-9_.]*|[0-9]+|\S', code):
            tok = m.group()
            if tok.startswith('"'):
                out.append("S")
            elif tok[0].isdigit():
                out.append("N")
            elif tok[0].isalpha() or tok[0] == "_":
                out.append(tok if tok in {"message", "enum", "oneof", "repeated", "optional", "reserved",
                                          "syntax", "package", "import"} else "I")
            else:
                out.append(tok)
    return out
