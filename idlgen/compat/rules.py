"""The rule catalog: every kind of change `idlgen diff` can report, with its class and rollout.

One literal list, like buf's breaking-rule registry. `differences.py` emits findings by rule id; the
class of a finding is the rule's class (a few rules are "direction-dependent": their class is fixed
but their rollout order comes from where the changed thing flows: into the program (instruction
arguments, batches) -> program first; out of it (accounts, events, return data) -> readers first).
`idlgen rules` prints this list and docs/rules.md is generated from it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(enum.IntEnum):
    NONE = 0
    SOFT = 1
    HARD = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, s: str) -> Level:
        return cls[s.upper()]


class Rollout(enum.Enum):
    NOTHING = "nothing"  # nothing to coordinate
    PROGRAM_FIRST = "program first"  # inputs to the program: deploy the program, then switch producers
    READERS_FIRST = "readers first"  # outputs of the program: upgrade readers, then deploy the program
    DIRECTION = "by direction"  # program first for inputs, readers first for outputs
    STOP_THE_WORLD = "stop the world"  # pause, flush, upgrade both sides, heartbeat, resume


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    level: Level
    rollout: Rollout
    purpose: str


def _r(id_: str, level: Level, rollout: Rollout, purpose: str) -> Rule:
    return Rule(id_, level, rollout, purpose)


H, S, N = Level.HARD, Level.SOFT, Level.NONE
STW, PF, RF, DIR, NO = (Rollout.STOP_THE_WORLD, Rollout.PROGRAM_FIRST, Rollout.READERS_FIRST,
                        Rollout.DIRECTION, Rollout.NOTHING)

RULES: tuple[Rule, ...] = (
    # ---- program ---------------------------------------------------------------------------------
    _r("PROGRAM_ADDRESS_CHANGED", H, STW, "The program address changed: every client, PDA and CPI caller "
       "targets the old program."),
    _r("PROGRAM_ADDRESS_RECORDED", N, NO, "The IDL gained or lost its program address while the other side "
       "has none: nothing to compare, reported so it is seen."),
    _r("PROGRAM_NAME_CHANGED", N, NO, "The program's name changed: not on the wire (discriminators do not "
       "use it), but generated package names follow it."),
    _r("IDL_FORMAT_CHANGED", N, NO, "The IDL moved between the legacy (<=0.29) and the 0.30+ format: "
       "compared as models, so only real changes are reported beside this one."),
    _r("DOCS_CHANGED", N, NO, "Documentation changed: nothing on the wire."),
    # ---- instructions --------------------------------------------------------------------------------
    _r("INSTRUCTION_ADDED", S, PF, "A new instruction: deploy the program before any producer sends it."),
    _r("INSTRUCTION_REMOVED", H, STW, "An instruction was removed: producers still sending it fail. "
       "Acknowledge it as a retirement once nothing sends it."),
    _r("INSTRUCTION_RENAMED", N, NO, "An instruction was renamed and kept its discriminator: nothing on "
       "the wire changes."),
    _r("INSTRUCTION_DISCRIMINATOR_CHANGED", H, STW, "The instruction's discriminator changed (a rename "
       "without a custom discriminator does this): old producers' data no longer routes to it."),
    _r("INSTRUCTION_RETURNS_ADDED", S, PF, "The instruction now sets return data: callers can use it once "
       "the program is deployed."),
    _r("INSTRUCTION_RETURNS_REMOVED", H, STW, "The instruction no longer sets return data: callers and "
       "CPI users that read it fail."),
    _r("ARG_ADDED", H, STW, "An instruction argument was added. Borsh is positional; appended at the end, "
       "the old program silently ignores the trailing bytes (Anchor does not check them), which hides "
       "the break."),
    _r("ARG_REMOVED", H, STW, "An instruction argument was removed: old producers' bytes are misread."),
    _r("ARG_MOVED", H, STW, "Instruction arguments were reordered: Borsh is positional."),
    _r("ARG_RENAMED", N, NO, "An instruction argument was renamed at the same position with the same type: "
       "nothing on the wire changes."),
    _r("ARG_TYPE_CHANGED", H, STW, "An instruction argument's type changed (widening included): its bytes "
       "and every later argument's offset change."),
    _r("ARG_TYPE_WIRE_EQUAL", N, NO, "An instruction argument's type changed to one with the same bytes "
       "(vec<u8> and bytes, [u8; 32] and pubkey, a wrapper struct and its field)."),
    _r("ARG_TYPE_STRING_BYTES", S, DIR, "An instruction argument became bytes (it was a string): same bytes and "
       "every old string is valid bytes; deploy the program first."),
    _r("ARG_TYPE_BYTES_STRING", H, STW, "An instruction argument became a string (it was bytes): same bytes, "
       "but the program now refuses values that are not UTF-8, which old producers may send."),
    _r("IX_ACCOUNT_ADDED", H, STW, "An account was added to an instruction's account list: accounts are "
       "positional, old producers pass the wrong list."),
    _r("IX_ACCOUNT_OPTIONAL_APPENDED", H, STW, "An optional account was appended to an instruction. Old "
       "producers do not pass it, and Anchor only reads a missing trailing optional account as None when the "
       "program is built with anchor-lang's `allow-missing-optionals` feature (off by default; otherwise "
       "AccountNotEnoughKeys). If the program has that feature, acknowledge the change."),
    _r("IX_ACCOUNT_REMOVED", H, STW, "An account was removed from an instruction: later accounts shift."),
    _r("IX_ACCOUNT_MOVED", H, STW, "An instruction's accounts were reordered: accounts are positional."),
    _r("IX_ACCOUNT_RENAMED", N, NO, "An instruction account was renamed at the same position with the "
       "same flags: nothing on the wire changes."),
    _r("IX_ACCOUNT_WRITABLE_ADDED", H, STW, "An instruction account became writable: old producers mark it "
       "read-only and the new program rejects the transaction."),
    _r("IX_ACCOUNT_WRITABLE_REMOVED", S, PF, "An instruction account is no longer writable: old producers "
       "still passing it writable are accepted, new ones need the new program."),
    _r("IX_ACCOUNT_SIGNER_ADDED", H, STW, "An instruction account must now sign: old producers do not "
       "sign for it."),
    _r("IX_ACCOUNT_SIGNER_REMOVED", S, PF, "An instruction account no longer needs to sign: extra "
       "signatures are accepted, producers that stop signing need the new program."),
    _r("IX_ACCOUNT_OPTIONAL_REMOVED", H, STW, "An optional instruction account became required: producers "
       "that pass the program id as a placeholder fail."),
    _r("IX_ACCOUNT_OPTIONAL_ADDED", S, PF, "A required instruction account became optional: producers may "
       "pass a placeholder once the program is deployed."),
    _r("IX_ACCOUNT_PDA_CHANGED", H, STW, "An instruction account's PDA seeds or seed program changed: "
       "producers derive the old address."),
    _r("IX_ACCOUNT_PDA_ADDED", H, STW, "An instruction account is now a PDA with recorded seeds (a new seeds "
       "constraint): producers passing any other account are rejected once deployed. Acknowledge it when every "
       "producer already passes that PDA."),
    _r("IX_ACCOUNT_PDA_REMOVED", S, PF, "An instruction account lost its PDA seeds: a relaxed constraint."),
    _r("IX_ACCOUNT_ADDRESS_CHANGED", H, STW, "An instruction account's fixed address changed."),
    _r("IX_ACCOUNT_ADDRESS_ADDED", H, STW, "An instruction account now has a fixed address: producers passing "
       "another address are rejected once deployed. Acknowledge it when every producer already passes it."),
    _r("IX_ACCOUNT_ADDRESS_REMOVED", S, PF, "An instruction account lost its fixed address: a relaxed "
       "constraint."),
    _r("IX_ACCOUNT_CONSTRAINT_RECORDED", N, NO, "The new IDL records a fixed address or PDA seeds the old "
       "IDL format or generator could not record: the program's constraint is only now documented."),
    _r("IX_ACCOUNT_RELATIONS_CHANGED", H, STW, "An instruction account's has_one relations changed: a "
       "constraint the program checks, which existing producers may not meet."),
    # ---- account types ---------------------------------------------------------------------------------
    _r("ACCOUNT_ADDED", S, RF, "A new account type: readers that scan the program's accounts must know "
       "its discriminator before the program creates one."),
    _r("ACCOUNT_REMOVED", H, STW, "An account type was removed: existing accounts of that type can no "
       "longer be read or closed by the program."),
    _r("ACCOUNT_SPACE_GREW", H, STW, "The largest value of an account type needs more bytes than before (a "
       "bigger variant, a longer array): accounts allocated for the old maximum cannot hold it without a realloc. "
       "Acknowledge it when every account was allocated with enough spare space."),
    _r("ACCOUNT_RENAMED", N, NO, "An account type was renamed and kept its discriminator."),
    _r("ACCOUNT_DISCRIMINATOR_CHANGED", H, STW, "An account type's discriminator changed (a rename "
       "without a custom discriminator does this): existing accounts no longer deserialize."),
    # ---- events ------------------------------------------------------------------------------------------
    _r("EVENT_ADDED", S, RF, "A new event: readers should know it before the program emits it."),
    _r("EVENT_REMOVED", S, RF, "An event is no longer emitted: readers that depend on it must stop "
       "waiting for it first; logged events stay readable."),
    _r("EVENT_RENAMED", N, NO, "An event was renamed and kept its discriminator."),
    _r("EVENT_DISCRIMINATOR_CHANGED", H, STW, "An event's discriminator changed (a rename without a custom "
       "discriminator does this): readers no longer recognise it."),
    # ---- types (reached from accounts, arguments, events, return data or versioned batches) ----------
    _r("FIELD_ADDED", H, STW, "A field was added to a type: Borsh is positional, every existing byte "
       "string of the type changes meaning."),
    _r("FIELD_REMOVED", H, STW, "A field was removed from a type."),
    _r("FIELD_MOVED", H, STW, "A type's fields were reordered: Borsh is positional."),
    _r("FIELD_RENAMED", N, NO, "A field was renamed at the same position with the same type: nothing on the "
       "wire, but the generated Python, C++ and proto members are renamed, so relayer and engine code that uses "
       "them must be updated (`idlgen migrate`)."),
    _r("FIELD_TYPE_CHANGED", H, STW, "A field's type changed (widening, signedness, option kind and "
       "array length included)."),
    _r("FIELD_TYPE_WIRE_EQUAL", N, NO, "A field's type changed to one with the same bytes (vec<u8> and "
       "bytes, [u8; 32] and pubkey, a wrapper struct and its field)."),
    _r("FIELD_TYPE_STRING_BYTES", S, DIR, "A field became bytes (it was a string): same bytes, and every old "
       "string is valid bytes; the side that accepts more moves first."),
    _r("FIELD_TYPE_BYTES_STRING", H, STW, "A field became a string (it was bytes): same bytes, but existing "
       "values that are not UTF-8 no longer decode."),
    _r("RESERVED_BYTES_CLAIMED", S, DIR, "New fields were placed in reserved/padding bytes, which shrank "
       "by exactly their size: every other offset and the total size are unchanged, old data reads the "
       "new fields as zero."),
    _r("ENUM_VARIANT_ADDED", S, DIR, "A variant was appended to an enum: existing tags keep their meaning, "
       "but readers of the new variant must be upgraded before it is written."),
    _r("ENUM_VARIANT_INSERTED", H, STW, "A variant was inserted before the last one: every later tag "
       "changes meaning."),
    _r("ENUM_VARIANT_REMOVED", H, STW, "A variant was removed: its tag and every later tag break."),
    _r("ENUM_VARIANT_MOVED", H, STW, "An enum's variants were reordered: the tag is the position."),
    _r("ENUM_VARIANT_RENAMED", N, NO, "A variant was renamed at the same position with the same fields."),
    _r("TYPE_KIND_CHANGED", H, STW, "A type changed between struct and enum."),
    _r("TYPE_RENAMED", N, NO, "A type reached from the same place now has another name but is compared "
       "by layout; a plain type's name is not on the wire."),
    _r("TYPE_ADDED", N, NO, "A new type: nothing on the wire until something uses it (uses are reported "
       "where they change)."),
    _r("TYPE_REMOVED", H, STW, "A type no instruction, account or event reached was removed. Like a change inside "
       "such a type (hard), it may still be carried in raw bytes (a `bytes` argument, a zero-copy blob), so "
       "removing it is hard too; acknowledge it when nothing carries it."),
    _r("TYPE_LEFT_OUT", N, NO, "A type nothing reached is no longer listed after a conversion from the legacy to "
       "the 0.30+ format: Anchor's 0.30 IDL generator leaves out types the interface does not use, so the "
       "program did not change."),
    _r("TYPE_GENERIC_ARGS_CHANGED", H, STW, "A generic type's arguments changed where it is used (for "
       "example `Pool<u16, 4>` became `Pool<u32, 4>`)."),
    _r("TYPE_SERIALIZATION_CHANGED", H, STW, "A type's serialization changed (borsh, bytemuck, "
       "bytemuckunsafe) and its bytes differ."),
    _r("TYPE_SERIALIZATION_RECORDED", N, NO, "A type's serialization or repr attribute changed but its "
       "bytes are the same (for example a legacy IDL could not record zero-copy)."),
    _r("TYPE_REPR_CHANGED", H, STW, "A zero-copy type's repr (C, packed, align) changed its memory layout."),
    _r("ZERO_COPY_LAYOUT_CHANGED", H, STW, "A zero-copy type's memory layout (size, alignment or an "
       "offset) changed: existing accounts are read in place."),
    # ---- versioned families ----------------------------------------------------------------------------
    _r("FAMILY_MEMBER_ADDED", S, DIR, "A new version of a versioned family (e.g. BatchV2): for an input, deploy "
       "the program accepting both, enable the bit, then switch producers; for an output (an event log V3), "
       "upgrade readers first."),
    _r("FAMILY_MEMBER_REMOVED", H, STW, "A version of a versioned family was removed: producers still "
       "sending it fail. Acknowledge it as a retirement once the bitmask no longer allows it."),
    # ---- errors and constants ----------------------------------------------------------------------------
    _r("ERROR_ADDED", S, RF, "A new error code: readers show it as a bare number until upgraded."),
    _r("ERROR_REMOVED", S, RF, "An error code is no longer returned."),
    _r("ERROR_CODE_CHANGED", S, RF, "An error was renumbered: readers that match the code misreport it."),
    _r("ERROR_RENAMED", N, NO, "An error kept its code under another name."),
    _r("ERROR_MESSAGE_CHANGED", N, NO, "An error's message changed."),
    _r("CONSTANT_ADDED", N, NO, "A new constant: not on the wire."),
    _r("CONSTANT_REMOVED", N, NO, "A constant was removed: not on the wire, generated code loses it."),
    _r("CONSTANT_CHANGED", S, PF, "A constant's value or type changed: program behaviour changes (limits, "
       "sizes); producers must respect the new value once deployed."),
    _r("CONSTANT_SEED_CHANGED", H, STW, "A constant used in PDA seeds changed: every derived address "
       "changes."),
)

BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
RETIREMENT_RULES = frozenset({"INSTRUCTION_REMOVED", "FAMILY_MEMBER_REMOVED"})


def rule(rule_id: str) -> Rule:
    return BY_ID[rule_id]


# ---- rendering the catalog (`idlgen rules`, docs/rules.md) ---------------------------------------------

DOC_COMMAND = "idlgen rules --format markdown > docs/rules.md"


def catalog_text() -> str:
    width = max(len(r.id) for r in RULES)
    lines = [f"{r.id:<{width}}  {r.level.label:<4}  {r.rollout.value:<14}  {r.purpose}" for r in RULES]
    return "\n".join(lines) + "\n"


def catalog_markdown() -> str:
    out = [
        "# idlgen diff rules",
        "",
        f"<!-- generated by `{DOC_COMMAND}`; tests/compat/test_docs.py checks it is up to date -->",
        "",
        "`idlgen diff OLD NEW` compares two IDLs as models (either IDL format) and reports every change under one "
        "of these rules. The class is the rule's: `none` (nothing changes on the wire or in deployment), `soft` "
        "(old and new coexist: a phased rollout works) or `hard` (existing bytes can no longer be read or produced "
        "compatibly: stop the world or a new family version).",
        "",
        "```",
        "idlgen diff HEAD~1:idl/program.json idl/program.json   # each side: a path or REV:path, either IDL format",
        "idlgen diff --base origin/main --format github         # every configured IDL at REV vs the working tree",
        "idlgen diff old.json new.json --format markdown        # a pull-request comment",
        "idlgen diff old.json new.json --plan                   # the upgrade plan (phased or stop-the-world)",
        "idlgen diff old.json new.json --plan --format json     # the plan as steps to execute (docs/plans.md)",
        "idlgen diff old.json new.json --fail-on soft           # exit 1 at or above soft",
        "```",
        "",
        "A change is soft only when deploying its first side breaks no existing party: relaxing an instruction "
        "account (no longer writable, signer or PDA) is soft, program first; tightening one is hard, because "
        "producers the team does not control may not meet the new constraint.",
        "",
        "Rollout \"by direction\" depends on where the changed thing flows: into the program (instruction "
        "arguments, versioned batches) the program is deployed first; out of it (accounts, events, return data) "
        "readers are upgraded first. A type change is reported once per kind of place that reaches it, so a type "
        "used by an account and by an instruction argument shows on both the state and the interface axis.",
        "",
        "Acknowledge a deliberate change in `[tool.idlgen.diff]` with `acknowledge = [{ rule = \"RULE_ID\", path = "
        "\"types.BatchV1\", reason = \"...\" }]` (`path` matches the finding's subject, `*` globs allowed). An "
        "acknowledged change is still printed; it no longer counts for `--fail-on`, and an acknowledged "
        "`INSTRUCTION_REMOVED` or `FAMILY_MEMBER_REMOVED` (a retirement) counts as soft in the verdict.",
        "",
        "| rule | class | rollout | purpose |",
        "|---|---|---|---|",
    ]
    pipe = "\\|"
    out += [f"| `{r.id}` | {r.level.label} | {r.rollout.value} | {r.purpose.replace('|', pipe)} |" for r in RULES]
    out += ["", *JSON_DOC]
    return "\n".join(out) + "\n"


JSON_DOC = [
    "## `--format json` (schema `idlgen-diff`, `schema_version` 1)",
    "",
    "Fields are only ever added within a schema version; a removal or a change of meaning bumps it.",
    "",
    "- top level: `schema`, `schema_version`, `verdict` (the highest class, an acknowledged retirement counting as "
    "soft), `gate` (the highest unacknowledged class: what `--fail-on` compares), `fail_on`, `exit_code`, "
    "`comparisons`.",
    "- each comparison: `old` / `new` (`label` as given, `file`, `program`, `version`, `format`), `verdict`, `axes` "
    "(the verdict per axis: `interface`, `state`, `types`), `gate`, "
    "`counts` (per class), `findings`, `warnings` (metadata.version not bumped in step), `notes` (acknowledgements "
    "that matched nothing).",
    "- each finding: `rule`, `class`, `effective_class`, `axis` (`interface`, `state`, or `types` for a type nothing "
    "reaches), `flow` (`input`, `output`, `state`, `program`, `unreferenced`), `rollout` (`nothing`, `program first`, "
    "`readers first`, `stop the world`, `by direction`), `breaks` (who breaks), `subject` (what acknowledgements "
    "match, e.g. `types.Pool.fields.fee`), `message`, `old` / `new` (`file`, JSON `path`, `line`, or null), "
    "`sites` (what reaches a changed type), `acknowledged` (null or `{reason}`).",
    "",
    "Exit codes: 0 when no unacknowledged change reaches `--fail-on` (default `[tool.idlgen.diff] fail_on`, else "
    "`hard`; `none` fails on any change), 1 when one does, 2 when an input cannot be loaded or the usage is wrong.",
]


def catalog_json() -> str:
    import json

    return json.dumps([{"id": r.id, "class": r.level.label, "rollout": r.rollout.value, "purpose": r.purpose}
                       for r in RULES], indent=2) + "\n"
