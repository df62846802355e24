"""The one model every emitter and the diff checker read.

Frozen, slotted dataclasses only. Field order is wire order and variant position is the enum tag,
so nothing downstream re-derives Borsh. Names are kept as the IDL spells them (`name`) beside a
normalised snake_case form (`snake`) so that legacy camelCase and spec snake_case IDLs compare equal.
Aliases are expanded and generics monomorphised during lowering: emitters never see either.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Prim(enum.Enum):
    BOOL = "bool"
    U8 = "u8"
    I8 = "i8"
    U16 = "u16"
    I16 = "i16"
    U32 = "u32"
    I32 = "i32"
    U64 = "u64"
    I64 = "i64"
    U128 = "u128"
    I128 = "i128"
    U256 = "u256"
    I256 = "i256"
    F32 = "f32"
    F64 = "f64"
    STRING = "string"
    BYTES = "bytes"
    PUBKEY = "pubkey"

    @property
    def is_int(self) -> bool:
        return self.value[0] in "ui" and self.value[1:].isdigit()

    @property
    def is_signed(self) -> bool:
        return self.value.startswith("i")

    @property
    def is_float(self) -> bool:
        return self in (Prim.F32, Prim.F64)

    @property
    def bits(self) -> int:
        """Width in bits of an integer or float primitive."""
        return int(self.value[1:])

    @property
    def size(self) -> int | None:
        """Borsh (and memory) size in bytes; None for the length-prefixed ones."""
        if self is Prim.BOOL:
            return 1
        if self is Prim.PUBKEY:
            return 32
        if self in (Prim.STRING, Prim.BYTES):
            return None
        return self.bits // 8


@dataclass(frozen=True, slots=True)
class PrimType:
    prim: Prim


@dataclass(frozen=True, slots=True)
class VecType:
    """u32 little-endian element count, then the elements."""

    inner: TypeRef


@dataclass(frozen=True, slots=True)
class OptionType:
    """u8 tag (0 = None, 1 = Some) then the value when Some."""

    inner: TypeRef


@dataclass(frozen=True, slots=True)
class COptionType:
    """solana-program `COption` (Pack layout): u32 tag then the value, zero-filled when None."""

    inner: TypeRef


@dataclass(frozen=True, slots=True)
class ArrayType:
    inner: TypeRef
    length: int


@dataclass(frozen=True, slots=True)
class DefinedType:
    """Reference to a TypeDef of the same program by its unique `name`."""

    name: str


TypeRef = PrimType | VecType | OptionType | COptionType | ArrayType | DefinedType


@dataclass(frozen=True, slots=True)
class Field:
    """A named struct field, instruction argument or a tuple element (name "0", "1", ...)."""

    name: str
    snake: str
    type: TypeRef
    docs: tuple[str, ...] = ()
    path: str = ""


class StructKind(enum.Enum):
    NAMED = "named"
    TUPLE = "tuple"
    UNIT = "unit"


@dataclass(frozen=True, slots=True)
class StructBody:
    kind: StructKind
    fields: tuple[Field, ...]


class VariantKind(enum.Enum):
    UNIT = "unit"
    NAMED = "named"
    TUPLE = "tuple"


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    kind: VariantKind
    fields: tuple[Field, ...]
    path: str = ""


@dataclass(frozen=True, slots=True)
class EnumBody:
    """Borsh writes the variant index as one u8 tag."""

    variants: tuple[Variant, ...]

    @property
    def is_unit_only(self) -> bool:
        return all(v.kind is VariantKind.UNIT for v in self.variants)


TypeBody = StructBody | EnumBody


class Serialization(enum.Enum):
    BORSH = "borsh"
    BYTEMUCK = "bytemuck"
    BYTEMUCK_UNSAFE = "bytemuckunsafe"


class ReprKind(enum.Enum):
    RUST = "rust"
    C = "c"
    TRANSPARENT = "transparent"


@dataclass(frozen=True, slots=True)
class Repr:
    kind: ReprKind
    packed: bool = False
    align: int | None = None


@dataclass(frozen=True, slots=True)
class Padding:
    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class CLayout:
    """Rust repr(C) memory layout of a zero-copy (bytemuck) type."""

    size: int
    align: int
    offsets: tuple[int, ...]  # one per field, in field order (variants are not allowed)
    padding: tuple[Padding, ...]


@dataclass(frozen=True, slots=True)
class Generic:
    """Where a monomorphised type came from: `GenericStruct<u16, 4>`."""

    base: str
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeDef:
    name: str  # unique within the program; the IDL's own name (or the monomorph's display name)
    ident: str  # unique, identifier-safe PascalCase stem for emitters (module paths and generics folded)
    body: TypeBody
    docs: tuple[str, ...] = ()
    serialization: Serialization = Serialization.BORSH
    repr: Repr | None = None
    generic: Generic | None = None
    borsh_size: int | None = None  # fixed Borsh size, None when variable
    c_layout: CLayout | None = None  # set for zero-copy types and the types they embed
    path: str = ""

    @property
    def zero_copy(self) -> bool:
        return self.serialization is not Serialization.BORSH


@dataclass(frozen=True, slots=True)
class ConstSeed:
    value: bytes
    path: str = ""


@dataclass(frozen=True, slots=True)
class ArgSeed:
    path_expr: str  # "arg_name" or "arg_name.field"
    type: TypeRef | None
    path: str = ""


@dataclass(frozen=True, slots=True)
class AccountSeed:
    path_expr: str  # "account_name" or "account_name.field"
    account_type: str | None  # the account type whose field is read, when given
    type: TypeRef | None
    path: str = ""


Seed = ConstSeed | ArgSeed | AccountSeed


@dataclass(frozen=True, slots=True)
class Pda:
    seeds: tuple[Seed, ...]
    program: Seed | None = None


@dataclass(frozen=True, slots=True)
class AccountMeta:
    name: str
    snake: str
    writable: bool
    signer: bool
    optional: bool = False
    address: str | None = None
    pda: Pda | None = None
    relations: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()
    path: str = ""


@dataclass(frozen=True, slots=True)
class AccountGroup:
    """A composite (nested) `Accounts` struct; flattened in order on the wire."""

    name: str
    snake: str
    accounts: tuple[AccountItem, ...]
    path: str = ""


AccountItem = AccountMeta | AccountGroup


@dataclass(frozen=True, slots=True)
class Instruction:
    name: str
    snake: str
    discriminator: bytes
    accounts: tuple[AccountItem, ...]
    args: tuple[Field, ...]
    returns: TypeRef | None = None
    docs: tuple[str, ...] = ()
    path: str = ""

    def flat_accounts(self) -> tuple[AccountMeta, ...]:
        return flatten_accounts(self.accounts)


def flatten_accounts(items: tuple[AccountItem, ...]) -> tuple[AccountMeta, ...]:
    out: list[AccountMeta] = []
    for item in items:
        if isinstance(item, AccountGroup):
            out.extend(flatten_accounts(item.accounts))
        else:
            out.append(item)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Account:
    """An account type: discriminator then the body of `type` (a TypeDef name)."""

    name: str
    discriminator: bytes
    type: str
    docs: tuple[str, ...] = ()
    path: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    discriminator: bytes
    type: str
    path: str = ""


@dataclass(frozen=True, slots=True)
class Constant:
    name: str
    type: TypeRef
    value: str
    path: str = ""


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: int
    name: str
    msg: str | None = None
    path: str = ""


@dataclass(frozen=True, slots=True)
class FamilyMember:
    version: int
    type: str  # TypeDef name


@dataclass(frozen=True, slots=True)
class FamilyCarrier:
    """The instruction argument that carries the family: one version byte then the Borsh body."""

    instruction: str  # instruction snake name
    arg: str  # argument snake name


@dataclass(frozen=True, slots=True)
class FamilyGate:
    """The account field holding the allowed-versions bitmask (bit v-1 = version v)."""

    account: str  # account name
    field: str  # field snake name


@dataclass(frozen=True, slots=True)
class Family:
    stem: str
    members: tuple[FamilyMember, ...]  # sorted by version
    carrier: FamilyCarrier | None = None
    gate: FamilyGate | None = None
    # Error names the program returns for an unknown / a disabled version, when the IDL has them.
    unknown_version_error: str | None = None
    disabled_version_error: str | None = None

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(m.version for m in self.members)


class IdlFormat(enum.Enum):
    LEGACY = "legacy"
    SPEC = "spec"


@dataclass(frozen=True, slots=True)
class Note:
    """Something the loader assumed about a messy IDL; shown to the user, never fatal."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class Program:
    name: str
    version: str
    address: str | None
    format: IdlFormat
    instructions: tuple[Instruction, ...]
    accounts: tuple[Account, ...]
    events: tuple[Event, ...]
    types: tuple[TypeDef, ...]
    constants: tuple[Constant, ...]
    errors: tuple[ErrorCode, ...]
    families: tuple[Family, ...] = ()
    docs: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()
    source: str = ""  # path as given to the loader
    source_sha256: str = ""
    _type_index: dict[str, TypeDef] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._type_index.update({t.name: t for t in self.types})

    def type(self, name: str) -> TypeDef:
        return self._type_index[name]

    def resolve(self, ref: TypeRef) -> TypeDef:
        assert isinstance(ref, DefinedType)
        return self._type_index[ref.name]
