"""Link clang's BPF relocatable object into an SBPFv0 program (ET_DYN) that solana-sbpf 0.10 loads.

Usage: python -m programs.tools.sbf_link IN.o OUT.so

Upstream ld.lld cannot emit an SBF program, so this writes the ELF itself. What it does:
- concatenates `.text` and every `.rodata*` section of the object (no writable data is allowed: a
  program has no `.data`/`.bss`);
- patches each `lddw` of a read-only symbol (R_BPF_64_64) to its final address,
  MM_PROGRAM_START + file offset, since the loader maps read-only data there;
- turns calls to functions defined in `.text` (R_BPF_64_32 against a defined symbol) into pc-relative
  calls, which the v0 loader registers itself;
- keeps calls to undefined symbols as `call -1` with an R_BPF_64_32 dynamic relocation against an
  undefined `.dynsym` symbol of that name: that is how the loader binds syscalls;
- lays out every section with sh_addr == sh_offset, in file order, and points e_entry at `entrypoint`.
The output depends only on the input bytes (no timestamps, no paths), so builds are reproducible.
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
    EHDR,
    EM_BPF,
    ET_DYN,
    ET_REL,
    MM_PROGRAM_START,
    OP_CALL,
    OP_LDDW,
    R_BPF_64_32,
    R_BPF_64_64,
    R_BPF_64_ABS64,
    REL,
    SHDR,
    SHF_ALLOC,
    SHF_EXECINSTR,
    SHF_WRITE,
    SHN_UNDEF,
    SHT_DYNAMIC,
    SHT_DYNSYM,
    SHT_NOBITS,
    SHT_PROGBITS,
    SHT_REL,
    SHT_STRTAB,
    SHT_SYMTAB,
    STB_GLOBAL,
    STT_FUNC,
    STT_SECTION,
    SYM,
    ElfError,
    Section,
    Symbol,
    read_sections,
    read_symbols,
)

ENTRYPOINT = "entrypoint"
# Sections of a clang object that carry nothing the program needs.
_IGNORED = (".llvm_addrsig", ".comment", ".note.GNU-stack")


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


class _StrTab:
    def __init__(self) -> None:
        self.data = bytearray(b"\0")
        self._at: dict[str, int] = {"": 0}

    def add(self, s: str) -> int:
        if s not in self._at:
            self._at[s] = len(self.data)
            self.data += s.encode() + b"\0"
        return self._at[s]


def _patch_rodata(
    obj: bytes, rs: Section, target: Section, *, symbols: list[Symbol], base: dict[int, int],
    rodata: bytearray, at: int,
) -> None:
    """Pointers stored in read-only data (clang's constant initializers): R_BPF_64_ABS64 against a
    read-only symbol. The program is mapped at a fixed address, so the final value is written here and
    no dynamic relocation is needed."""
    for off in range(rs.offset, rs.offset + rs.size, REL.size):
        r_offset, r_info = REL.unpack_from(obj, off)
        kind, sym = r_info & 0xFFFFFFFF, symbols[r_info >> 32]
        if kind != R_BPF_64_ABS64 or r_offset + 8 > target.size:
            raise ElfError(f"relocation type {kind} at {target.name}+{r_offset:#x} is not supported")
        if sym.shndx not in base:
            raise ElfError(f"{target.name}+{r_offset:#x} points at {sym.name!r}, not in .text/.rodata")
        (addend,) = struct.unpack_from("<q", rodata, at + r_offset)
        addr = MM_PROGRAM_START + base[sym.shndx] + (0 if sym.type == STT_SECTION else sym.value) + addend
        struct.pack_into("<Q", rodata, at + r_offset, addr)


def link(obj: bytes) -> bytes:
    """The SBPFv0 program for a BPF relocatable object; raises ElfError naming what it cannot link."""
    hdr, sections = read_sections(obj)
    if hdr[1] != ET_REL or hdr[2] != EM_BPF:
        raise ElfError(f"input is not a BPF relocatable object (e_type {hdr[1]}, e_machine {hdr[2]})")
    symtab_i = next((i for i, s in enumerate(sections) if s.type == SHT_SYMTAB), None)
    if symtab_i is None:
        raise ElfError("input has no .symtab")
    symbols = read_symbols(obj, sections[symtab_i], sections[sections[symtab_i].link])

    text_i = [i for i, s in enumerate(sections) if s.flags & SHF_EXECINSTR and s.size]
    if len(text_i) != 1 or sections[text_i[0]].name != ".text":
        raise ElfError(f"expected exactly one non-empty .text section, found {[sections[i].name for i in text_i]}")
    for i, s in enumerate(sections):
        if s.flags & SHF_ALLOC and (s.flags & SHF_WRITE or s.type == SHT_NOBITS) and s.size:
            raise ElfError(f"section {s.name} (index {i}) is writable data; an SBF program can have none")
    ro_i = [i for i, s in enumerate(sections) if s.name.startswith(".rodata") and s.flags & SHF_ALLOC]

    # Output layout: header, .text, merged .rodata, dynamic linking tables, names, section headers.
    text = sections[text_i[0]]
    text_off = _align(EHDR.size, 8)
    code = bytearray(obj[text.offset : text.offset + text.size])
    base: dict[int, int] = {text_i[0]: text_off}  # input section index -> output file offset
    rodata = bytearray()
    ro_off = _align(text_off + len(code), 8)
    for i in ro_i:
        s = sections[i]
        pad = _align(len(rodata), max(s.align, 1)) - len(rodata)
        rodata += b"\0" * pad
        base[i] = ro_off + len(rodata)
        rodata += obj[s.offset : s.offset + s.size]

    dynstr = _StrTab()
    dynsyms: list[bytes] = [b"\0" * SYM.size]
    dynsym_index: dict[str, int] = {}
    dyn_rels: list[tuple[int, int]] = []  # (offset of the call insn in .text, dynsym index)

    for rs in sections:
        if rs.type != SHT_REL:
            continue
        target = rs.info
        if target in ro_i:
            _patch_rodata(obj, rs, sections[target], symbols=symbols, base=base, rodata=rodata,
                          at=base[target] - ro_off)
            continue
        if target != text_i[0]:
            if sections[target].name in _IGNORED:
                continue
            raise ElfError(f"relocations against {sections[target].name} are not supported (only .text, .rodata)")
        for off in range(rs.offset, rs.offset + rs.size, REL.size):
            r_offset, r_info = REL.unpack_from(obj, off)
            kind, sym = r_info & 0xFFFFFFFF, symbols[r_info >> 32]
            if r_offset % 8 or r_offset + 8 > len(code):
                raise ElfError(f".text relocation at offset {r_offset:#x} is not on an instruction")
            opcode = code[r_offset]
            if kind == R_BPF_64_64:
                if opcode != OP_LDDW or r_offset + 16 > len(code):
                    raise ElfError(f"R_BPF_64_64 at .text+{r_offset:#x} is not on an lddw")
                if sym.shndx not in base:
                    raise ElfError(f"lddw at .text+{r_offset:#x} refers to {sym.name!r}, not in .text/.rodata")
                (addend,) = struct.unpack_from("<i", code, r_offset + 4)
                addr = MM_PROGRAM_START + base[sym.shndx] + (0 if sym.type == STT_SECTION else sym.value) + addend
                struct.pack_into("<I", code, r_offset + 4, addr & 0xFFFFFFFF)
                struct.pack_into("<I", code, r_offset + 12, addr >> 32)
            elif kind == R_BPF_64_32:
                if opcode != OP_CALL:
                    raise ElfError(f"R_BPF_64_32 at .text+{r_offset:#x} is not on a call")
                if sym.shndx == SHN_UNDEF:
                    if sym.name not in dynsym_index:
                        dynsym_index[sym.name] = len(dynsyms)
                        dynsyms.append(SYM.pack(dynstr.add(sym.name), (STB_GLOBAL << 4) | STT_FUNC, 0, 0, 0, 0))
                    struct.pack_into("<i", code, r_offset + 4, -1)
                    dyn_rels.append((r_offset, dynsym_index[sym.name]))
                elif sym.shndx == text_i[0]:
                    (addend,) = struct.unpack_from("<i", code, r_offset + 4)
                    dest = (0 if sym.type == STT_SECTION else sym.value) + (0 if addend == -1 else addend)
                    struct.pack_into("<i", code, r_offset + 4, dest // 8 - (r_offset // 8 + 1))
                else:
                    raise ElfError(f"call at .text+{r_offset:#x} to {sym.name!r} outside .text")
            else:
                raise ElfError(f"relocation type {kind} at .text+{r_offset:#x} ({sym.name!r}) is not supported")

    entry = next((s for s in symbols if s.name == ENTRYPOINT and s.shndx == text_i[0]), None)
    if entry is None:
        raise ElfError(f"no function {ENTRYPOINT!r} defined in .text")

    # The loader rejects empty tables, so sections (and .dynamic entries) with nothing in them are left out.
    has_dyn = bool(dyn_rels)
    dynamic_off = _align(ro_off + len(rodata), 8)
    dyn_tags = 8 if has_dyn else 0
    dynsym_off = dynamic_off + dyn_tags * DYN.size
    dynsym_data = b"".join(dynsyms) if has_dyn else b""
    dynstr_off = dynsym_off + len(dynsym_data)
    dynstr_data = bytes(dynstr.data) if has_dyn else b""
    rel_off = _align(dynstr_off + len(dynstr_data), 8)
    rel_data = b"".join(REL.pack(text_off + o, (i << 32) | R_BPF_64_32) for o, i in dyn_rels)
    dynamic = b"".join(
        DYN.pack(tag, val)
        for tag, val in (
            (DT_SYMTAB, dynsym_off),
            (DT_STRTAB, dynstr_off),
            (DT_STRSZ, len(dynstr_data)),
            (DT_SYMENT, SYM.size),
            (DT_REL, rel_off),
            (DT_RELSZ, len(rel_data)),
            (DT_RELENT, REL.size),
            (DT_NULL, 0),
        )
    ) if has_dyn else b""
    shstr_off = rel_off + len(rel_data)

    # (name, type, flags, offset, data, entsize, link name, info); link/info resolved once indices are known.
    plan: list[tuple[str, int, int, int, bytes, int, str, int]] = [
        (".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text_off, bytes(code), 0, "", 0),
        (".rodata", SHT_PROGBITS, SHF_ALLOC, ro_off, bytes(rodata), 0, "", 0),
        (".dynamic", SHT_DYNAMIC, SHF_ALLOC, dynamic_off, dynamic, DYN.size, ".dynstr", 0),
        (".dynsym", SHT_DYNSYM, SHF_ALLOC, dynsym_off, dynsym_data, SYM.size, ".dynstr", 1),
        (".dynstr", SHT_STRTAB, SHF_ALLOC, dynstr_off, dynstr_data, 0, "", 0),
        (".rel.dyn", SHT_REL, SHF_ALLOC, rel_off, rel_data, REL.size, ".dynsym", 0),
    ]
    plan = [p for p in plan if p[4]]
    shstr = _StrTab()
    for p in plan:
        shstr.add(p[0])
    shstr.add(".shstrtab")
    index = {p[0]: i + 1 for i, p in enumerate(plan)}
    shoff = _align(shstr_off + len(shstr.data), 8)
    heads = [Section("", 0, 0, 0, 0, 0, 0, 0, 0, 0)]
    for name, typ, flags, off, blob, entsize, link_name, info in plan:
        align = 1 if typ == SHT_STRTAB else 8
        heads.append(Section(name, typ, flags, off, off, len(blob), index.get(link_name, 0), info, align, entsize))
    heads.append(Section(".shstrtab", SHT_STRTAB, 0, 0, shstr_off, len(shstr.data), 0, 0, 1, 0))

    out = bytearray(shoff + SHDR.size * len(heads))
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    EHDR.pack_into(
        out, 0, ident, ET_DYN, EM_BPF, 1, text_off + entry.value, 0, shoff, 0, EHDR.size, 56, 0, SHDR.size,
        len(heads), len(heads) - 1,
    )
    for _name, _t, _f, off, blob, *_rest in plan:
        out[off : off + len(blob)] = blob
    out[shstr_off : shstr_off + len(shstr.data)] = shstr.data
    for i, h in enumerate(heads):
        SHDR.pack_into(
            out, shoff + i * SHDR.size, shstr.add(h.name), h.type, h.flags, h.addr, h.offset, h.size, h.link,
            h.info, h.align, h.entsize,
        )
    return bytes(out)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m programs.tools.sbf_link IN.o OUT.so", file=sys.stderr)
        return 2
    src, dst = Path(argv[0]), Path(argv[1])
    try:
        program = link(src.read_bytes())
    except ElfError as e:
        print(f"sbf_link: error: {src}: {e}", file=sys.stderr)
        return 2
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.write_bytes(program)
    tmp.replace(dst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
