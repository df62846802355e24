"""Check an SBF program against the SBPFv0 loader rules of solana-sbpf 0.10 (solders 0.26's LiteSVM).

Usage: python -m programs.tools.sbf_check PROGRAM.so...

The loader answers a bad ELF only with a panic and no detail, so every rule the linker relies on is
checked here first, each failure naming the section, symbol or byte offset:
ET_DYN / EM_BPF / e_flags 0; exactly one `.text`; allocated sections with sh_addr == sh_offset, in
file order, inside the file, none writable; e_entry on an instruction of `.text`; `.dynamic` tables
(DT_SYMTAB, DT_STRTAB, DT_REL and their sizes) pointing at sections of the right type; every dynamic
relocation an R_BPF_64_32 on a `call -1` against an undefined symbol naming a known syscall; every
other call pc-relative inside `.text`; every `lddw` into the program region inside the file.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from .elf import (
    DT_NULL,
    DT_REL,
    DT_RELENT,
    DT_RELSZ,
    DT_STRSZ,
    DT_STRTAB,
    DT_SYMENT,
    DT_SYMTAB,
    DYN,
    EM_BPF,
    ET_DYN,
    MM_PROGRAM_START,
    OP_CALL,
    OP_LDDW,
    R_BPF_64_32,
    REL,
    SHF_ALLOC,
    SHF_EXECINSTR,
    SHF_WRITE,
    SHN_UNDEF,
    SHT_DYNAMIC,
    SHT_DYNSYM,
    SHT_NOBITS,
    SHT_REL,
    SHT_STRTAB,
    SYM,
    ElfError,
    Section,
    cstr,
    read_sections,
)

# Syscalls the 0.26 runtime registers (a subset: the ones a program of this kind may call).
SYSCALLS = frozenset({
    "abort", "sol_panic_", "sol_log_", "sol_log_64_", "sol_log_compute_units_", "sol_log_pubkey", "sol_log_data",
    "sol_sha256", "sol_keccak256", "sol_blake3", "sol_secp256k1_recover", "sol_create_program_address",
    "sol_try_find_program_address", "sol_invoke_signed_c", "sol_invoke_signed_rust", "sol_get_clock_sysvar",
    "sol_get_rent_sysvar", "sol_get_epoch_schedule_sysvar", "sol_memcpy_", "sol_memmove_", "sol_memset_",
    "sol_memcmp_", "sol_set_return_data", "sol_get_return_data", "sol_get_stack_height",
    "sol_remaining_compute_units", "sol_alloc_free_",
})


def validate(elf: bytes) -> None:
    """Raise ElfError naming the first rule `elf` breaks; return None for a loadable program."""
    hdr, sections = read_sections(elf)
    ident, e_type, e_machine, e_version, e_entry = hdr[0], hdr[1], hdr[2], hdr[3], hdr[4]
    e_flags = hdr[7]
    if ident[6] != 1 or e_version != 1:
        raise ElfError("ELF version is not 1")
    if ident[7] != 0:
        raise ElfError(f"e_ident OS/ABI is {ident[7]}, not 0 (System V)")
    if e_type != ET_DYN:
        raise ElfError(f"e_type is {e_type}, not ET_DYN (3)")
    if e_machine != EM_BPF:
        raise ElfError(f"e_machine is {e_machine}, not EM_BPF (247)")
    if e_flags != 0:
        raise ElfError(f"e_flags is {e_flags:#x}; SBPFv0 needs 0")

    texts = [s for s in sections if s.name == ".text"]
    if len(texts) != 1:
        raise ElfError(f"{len(texts)} sections named .text; the loader needs exactly one")
    text = texts[0]
    if not text.flags & SHF_EXECINSTR or text.size == 0 or text.size % 8:
        raise ElfError(f".text (offset {text.offset}, size {text.size}) is not executable whole instructions")
    last_end = 0
    for s in sections[1:]:
        if not s.flags & SHF_ALLOC:
            continue
        if s.addr != s.offset:
            raise ElfError(f"section {s.name}: sh_addr {s.addr:#x} != sh_offset {s.offset:#x}")
        if s.offset < last_end:
            raise ElfError(f"section {s.name} at offset {s.offset:#x} overlaps or precedes the previous section")
        last_end = s.offset + s.size
        if s.flags & SHF_WRITE or s.type == SHT_NOBITS or s.name.startswith((".data", ".bss")):
            raise ElfError(f"section {s.name} is writable; SBPFv0 programs may have none")
        if s.flags & SHF_EXECINSTR and s is not text:
            raise ElfError(f"section {s.name} is executable; only .text may be")
    if not (text.addr <= e_entry < text.addr + text.size) or (e_entry - text.addr) % 8:
        raise ElfError(f"e_entry {e_entry:#x} is not an instruction of .text")

    dyn_calls = _check_dynamic(elf, sections, text)
    _check_code(elf, text, dyn_calls, len(elf))


def _check_dynamic(elf: bytes, sections: list[Section], text: Section) -> set[int]:
    """Offsets (in the file) of the calls bound by dynamic relocations."""
    dynamic = [s for s in sections if s.type == SHT_DYNAMIC]
    if not dynamic:
        if any(s.type in (SHT_REL, SHT_DYNSYM) for s in sections):
            raise ElfError("dynamic symbols or relocations without a .dynamic section")
        return set()
    tags: dict[int, int] = {}
    for off in range(dynamic[0].offset, dynamic[0].offset + dynamic[0].size, DYN.size):
        tag, val = DYN.unpack_from(elf, off)
        if tag == DT_NULL:
            break
        tags[tag] = val

    def at(tag: int, kind: int, what: str) -> Section:
        if tag not in tags:
            raise ElfError(f".dynamic has no {what}")
        found = [s for s in sections if s.addr == tags[tag] and s.flags & SHF_ALLOC and s.type == kind]
        if not found:
            raise ElfError(f".dynamic {what} {tags[tag]:#x} is not the address of a section of type {kind}")
        return found[0]

    symtab = at(DT_SYMTAB, SHT_DYNSYM, "DT_SYMTAB")
    strtab = at(DT_STRTAB, SHT_STRTAB, "DT_STRTAB")
    if tags.get(DT_SYMENT) != SYM.size:
        raise ElfError(f"DT_SYMENT is {tags.get(DT_SYMENT)}, not {SYM.size}")
    if tags.get(DT_STRSZ) != strtab.size:
        raise ElfError(f"DT_STRSZ {tags.get(DT_STRSZ)} != size of the string table {strtab.size}")
    rel = at(DT_REL, SHT_REL, "DT_REL")
    if tags.get(DT_RELENT) != REL.size:
        raise ElfError(f"DT_RELENT is {tags.get(DT_RELENT)}, not {REL.size}")
    if tags.get(DT_RELSZ) != rel.size:
        raise ElfError(f"DT_RELSZ {tags.get(DT_RELSZ)} != size of {rel.name} {rel.size}")
    strings = elf[strtab.offset : strtab.offset + strtab.size]
    n_syms = symtab.size // SYM.size
    calls: set[int] = set()
    for off in range(rel.offset, rel.offset + rel.size, REL.size):
        r_offset, r_info = REL.unpack_from(elf, off)
        kind, sym_i = r_info & 0xFFFFFFFF, r_info >> 32
        where = f"dynamic relocation at {r_offset:#x}"
        if kind != R_BPF_64_32:
            raise ElfError(f"{where}: type {kind}; only R_BPF_64_32 (syscalls) is expected")
        if not (text.offset <= r_offset < text.offset + text.size) or (r_offset - text.offset) % 8:
            raise ElfError(f"{where} is not on an instruction of .text")
        opcode = elf[r_offset]
        (imm,) = struct.unpack_from("<i", elf, r_offset + 4)
        if opcode != OP_CALL or imm != -1:
            raise ElfError(f"{where} is not on a `call -1` (opcode {opcode:#x}, imm {imm})")
        if not 0 < sym_i < n_syms:
            raise ElfError(f"{where}: symbol index {sym_i} is not in .dynsym")
        name_off, _info, _other, shndx, value, _size = SYM.unpack_from(elf, symtab.offset + sym_i * SYM.size)
        name = cstr(strings, name_off)
        if shndx != SHN_UNDEF or value != 0:
            raise ElfError(f"{where}: symbol {name!r} is defined; a syscall symbol must be undefined")
        if name not in SYSCALLS:
            raise ElfError(f"{where}: {name!r} is not a syscall the runtime registers")
        calls.add(r_offset)
    return calls


def _check_code(elf: bytes, text: Section, dyn_calls: set[int], file_size: int) -> None:
    n = text.size // 8
    pc = 0
    while pc < n:
        off = text.offset + pc * 8
        opcode = elf[off]
        (imm,) = struct.unpack_from("<i", elf, off + 4)
        if opcode == OP_LDDW:
            if pc + 1 >= n or elf[off + 8] != 0:
                raise ElfError(f"lddw at .text+{pc * 8:#x} has no second half")
            addr = (imm & 0xFFFFFFFF) | struct.unpack_from("<I", elf, off + 12)[0] << 32
            if MM_PROGRAM_START <= addr < 2 * MM_PROGRAM_START and addr - MM_PROGRAM_START >= file_size:
                raise ElfError(f"lddw at .text+{pc * 8:#x} loads {addr:#x}, past the end of the program")
            pc += 2
            continue
        if opcode == OP_CALL:
            if imm == -1:
                if off not in dyn_calls:
                    raise ElfError(f"`call -1` at .text+{pc * 8:#x} has no dynamic relocation (unbound syscall)")
            elif not 0 <= pc + 1 + imm < n:
                raise ElfError(f"call at .text+{pc * 8:#x} jumps to instruction {pc + 1 + imm}, outside .text")
        pc += 1


def main(argv: list[str]) -> int:
    status = 0
    for name in argv:
        try:
            validate(Path(name).read_bytes())
            print(f"{name}: ok")
        except (ElfError, OSError) as e:
            print(f"sbf_check: error: {name}: {e}", file=sys.stderr)
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
