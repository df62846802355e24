"""Where a reference coder cannot speak for Rust's on-chain behaviour, item by item, with the reason.

The conformance tests follow the chain: an item listed here is not compared against that reference
(for the values on which the reference fails), and every such skip is printed with its reason. A
reference failure on an item NOT listed here fails the test, and so does a listed item on which the
reference no longer fails (the list must stay true). Two anchorpy bugs hit whole classes of items and are
recognised by their error signature instead (PATTERNS, and an account embedding another account type).
Details: tests/conformance/README.md.
"""

from __future__ import annotations

from idlgen.ir.model import Program

TS_GENERICS = ("@coral-xyz/anchor 0.32.1 drops a concrete type argument nested inside another generic "
               "(IdlCoder.resolveGenericArgs) and throws 'Invalid generic field'; Rust monomorphises it fine")
TS_RECURSION = ("@coral-xyz/anchor builds layouts eagerly and recursively: a recursive type (through Vec / "
                "Option / Box) overflows the stack ('Maximum call stack size exceeded'); Rust handles it")
TS_COPTION = ("@coral-xyz/anchor has no COption ('Not yet implemented: {\"coption\": ...}'); the bytes are "
              "checked against solana-program's Pack layout by test_coption_pack_layout instead")
AP_NESTED_ENUM = ("anchorpy/borsh-construct Enum._encode runs attr.asdict(recurse=True) on the variant, which "
                  "turns an enum nested inside an enum variant into a dict ('dict' object has no attribute "
                  "'index'); Rust's borsh nests enums freely")
AP_ACCOUNT_AS_TYPE = ("anchorpy resolves a `defined` type inside an account only among idl.types, not among "
                      "the legacy IDL's accounts, so an account embedding another account type fails "
                      "('Type not found'); Anchor resolves it")
AP_DUP_FIELD = ("anchorpy's CStruct refuses two fields with the same name (Rust has 'padding' twice only "
                "in the IDL's rendering: idlgen keeps both, named padding / padding_2, Borsh is positional)")
AP_MODULE_PATH = ("anchorpy cannot resolve a module-path type name ('external::MyStruct'); the IDL defines "
                  "it and idlgen resolves it")

# (idl, kind, name) -> reason. The IDL is the repo-relative path.
KNOWN: dict[tuple[str, str, str], str] = {
    ("tests/corpus/idls/anchor_tests/generics_spec.json", "account", "GenericAccount"): TS_GENERICS,
    ("tests/corpus/idls/anchor_tests/generics_spec.json", "instruction", "generic"): TS_GENERICS,
    ("tests/conformance/fixtures/borsh_spec.json", "type", "Tree"): TS_RECURSION,
    ("tests/conformance/fixtures/borsh_spec.json", "type", "PackOptions"): TS_COPTION,
    ("tests/corpus/idls/anchor_tests/idl_old_legacy.json", "event", "SomeEvent"): AP_MODULE_PATH,
    ("tests/corpus/idls/drift/drift_v2.json", "account", "LPPool"): AP_DUP_FIELD,
}


# (reference, substring of its error, reason): failures recognised by their signature wherever they occur
# (used for whole classes of items, e.g. in the ../shared corpus). The explicit table above is preferred.
PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("anchorpy", "'dict' object has no attribute 'index'", AP_NESTED_ENUM),
)


def rule_skip(program: Program, idl: str, kind: str, name: str, ref: str) -> str | None:
    """Items a reference has no entry point for at all (decided before asking it)."""
    if ref == "ts" and kind == "type" and program.type(name).generic is not None:
        return ("the TS coder has no standalone layout for a generic monomorph (BorshTypesCoder filters "
                "generic typedefs out); it is compared through the accounts / instructions that embed it")
    return None


def known_reason(idl: str, kind: str, name: str, ref: str = "", error: str = "") -> str | None:
    reason = KNOWN.get((idl, kind, name))
    if reason:
        return reason
    for pref, needle, why in PATTERNS:
        if pref == ref and needle in error:
            return why
    if ref == "anchorpy" and error.startswith("ValueError: Type not found") and kind == "account":
        return AP_ACCOUNT_AS_TYPE
    return None
