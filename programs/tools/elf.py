"""ELF64 little-endian structures shared by the SBF linker and validator (only what they need)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
SHDR = struct.Struct("<IIQQQQIIQQ")
SYM = struct.Struct("<IBBHQQ")
REL = struct.Struct("<QQ")
DYN = struct.Struct("<qQ")

ET_REL, ET_DYN = 1, 3
EM_BPF = 247
SHT_NULL, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_DYNAMIC, SHT_NOBITS, SHT_REL, SHT_DYNSYM = 0, 1, 2, 3, 6, 8, 9, 11
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
STB_GLOBAL, STT_FUNC, STT_SECTION = 1, 2, 3
SHN_UNDEF = 0
DT_NULL, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT, DT_REL, DT_RELSZ, DT_RELENT = 0, 5, 6, 10, 11, 17, 18, 19
R_BPF_64_64, R_BPF_64_ABS64, R_BPF_64_32 = 1, 2, 10

OP_LDDW = 0x18
OP_CALL = 0x85
# The SBPFv0 loader maps the read-only sections (.text, .rodata) at this virtual address + their offset.
MM_PROGRAM_START = 0x1_0000_0000


class ElfError(ValueError):
    """A malformed or unsupported ELF; the message names the section, symbol or byte offset."""


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int
    info: int
    align: int
    entsize: int


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    info: int
    shndx: int
    value: int
    size: int

    @property
    def type(self) -> int:
        return self.info & 0xF


def cstr(table: bytes, offset: int) -> str:
    end = table.find(b"\0", offset)
    if end < 0:
        raise ElfError(f"string at offset {offset} of a string table is not terminated")
    return table[offset:end].decode("ascii", "replace")


def read_sections(data: bytes) -> tuple[tuple[Any, ...], list[Section]]:
    """(ELF header fields, sections) of an ELF64 LE file; raises ElfError on anything out of bounds."""
    if len(data) < EHDR.size or data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file (bad magic)")
    if data[4] != 2 or data[5] != 1:
        raise ElfError("not a 64-bit little-endian ELF")
    hdr = EHDR.unpack_from(data, 0)
    shoff, shentsize, shnum, shstrndx = hdr[6], hdr[11], hdr[12], hdr[13]
    if shentsize != SHDR.size or shoff + shnum * SHDR.size > len(data):
        raise ElfError(f"section header table at offset {shoff} ({shnum} entries) is out of bounds")
    raw = [SHDR.unpack_from(data, shoff + i * SHDR.size) for i in range(shnum)]
    if not 0 < shstrndx < shnum:
        raise ElfError(f"e_shstrndx {shstrndx} is not a section")
    names_sh = raw[shstrndx]
    names = data[names_sh[4] : names_sh[4] + names_sh[5]]
    sections = []
    for i, s in enumerate(raw):
        if s[1] != SHT_NOBITS and s[4] + s[5] > len(data):
            raise ElfError(f"section {i} (offset {s[4]}, size {s[5]}) extends past the end of the file")
        sections.append(Section(cstr(names, s[0]), s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]))
    return hdr, sections


def read_symbols(data: bytes, symtab: Section, strtab: Section) -> list[Symbol]:
    strings = data[strtab.offset : strtab.offset + strtab.size]
    out = []
    for off in range(symtab.offset, symtab.offset + symtab.size, SYM.size):
        name, info, _other, shndx, value, size = SYM.unpack_from(data, off)
        out.append(Symbol(cstr(strings, name), info, shndx, value, size))
    return out
