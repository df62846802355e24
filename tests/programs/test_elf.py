"""The project's SBF linker and ELF checker: the builds pass the loader's rules, and each rule bites."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from programs.ledger import Ledger, LoadError
from programs.tools.elf import EHDR, SHDR, ElfError, read_sections
from programs.tools.sbf_check import validate
from programs.tools.sbf_link import link

STAGES = ("v1_only", "current", "v3_hardfork")


def _so(build_dir: Path, stage: str = "current") -> bytes:
    return (build_dir / f"godark_settlement-{stage}.so").read_bytes()


@pytest.mark.parametrize("stage", STAGES)
def test_builds_validate_and_load(build_dir: Path, stage: str) -> None:
    elf = _so(build_dir, stage)
    validate(elf)
    Ledger(elf)  # LiteSVM accepts it (a rejected ELF raises LoadError)


def _section(elf: bytes, name: str) -> tuple[int, int]:
    """(index, header offset) of section `name`."""
    hdr, sections = read_sections(elf)
    i = next(i for i, s in enumerate(sections) if s.name == name)
    return i, hdr[6] + i * SHDR.size


def _section_offset(elf: bytes, name: str) -> int:
    _, sections = read_sections(elf)
    return next(sec.offset for sec in sections if sec.name == name)


def _mutate(elf: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(elf)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def _first(elf: bytes, opcode: int, imm: int | None = None) -> int:
    _, sections = read_sections(elf)
    text = next(s for s in sections if s.name == ".text")
    for off in range(text.offset, text.offset + text.size, 8):
        if elf[off] == opcode and (imm is None or struct.unpack_from("<i", elf, off + 4)[0] == imm):
            return off
    raise AssertionError("no such instruction")


def _cases(elf: bytes) -> list[tuple[str, bytes, str]]:
    _, text_hdr = _section(elf, ".text")
    _, dynstr_hdr = _section(elf, ".dynstr")
    dynstr_off = struct.unpack_from("<Q", elf, dynstr_hdr + 24)[0]
    name_at = elf.index(b"sol_log_data\0", dynstr_off)
    renamed = bytearray(elf)
    renamed[name_at : name_at + 12] = b"sol_log_dat0"
    call = _first(elf, 0x85, -1)
    lddw = _first(elf, 0x18)
    local_call = next(off for off in range(0, len(elf) - 8, 8)
                      if elf[off] == 0x85 and struct.unpack_from("<i", elf, off + 4)[0] not in (-1,)
                      and off >= _section_offset(elf, ".text"))
    return [
        ("e_type", _mutate(elf, 16, "<H", 2), "e_type is 2"),
        ("e_machine", _mutate(elf, 18, "<H", 62), "e_machine is 62"),
        ("e_flags", _mutate(elf, 48, "<I", 2), "e_flags is 0x2"),
        ("entry outside .text", _mutate(elf, 24, "<Q", 4), "e_entry 0x4"),
        ("sh_addr != sh_offset", _mutate(elf, text_hdr + 16, "<Q", 0), "sh_addr 0x0"),
        ("writable .text", _mutate(elf, text_hdr + 8, "<Q", 7), "writable"),
        ("unknown syscall", bytes(renamed), "'sol_log_dat0' is not a syscall"),
        ("unbound call -1", _unbind(elf, call), "no dynamic relocation"),
        ("relocated call changed", _mutate(elf, call + 4, "<i", 1 << 20), "is not on a `call -1`"),
        ("relative call out of .text", _mutate(elf, local_call + 4, "<i", 1 << 20), "outside .text"),
        ("lddw past the end", _mutate(_mutate(elf, lddw + 12, "<I", 1), lddw + 4, "<I", 0x7FFF0000), "past the end"),
        ("truncated", elf[: len(elf) // 2], "out of bounds"),
    ]


def _unbind(elf: bytes, call: int) -> bytes:
    """The same ELF with the dynamic relocation of the call at `call` moved to another call -1."""
    _, rel_hdr = _section(elf, ".rel.dyn")
    rel_off, rel_size = struct.unpack_from("<QQ", elf, rel_hdr + 24)
    out = bytearray(elf)
    for off in range(rel_off, rel_off + rel_size, 16):
        if struct.unpack_from("<Q", elf, off)[0] == call:
            other = struct.unpack_from("<Q", elf, rel_off if off != rel_off else rel_off + 16)[0]
            struct.pack_into("<Q", out, off, other)
    return bytes(out)


def test_each_rule_is_checked(build_dir: Path) -> None:
    elf = _so(build_dir)
    for what, bad, message in _cases(elf):
        with pytest.raises(ElfError, match=message.replace("(", r"\(").replace(")", r"\)").replace("`", ".")):
            validate(bad)
        assert what


# An unknown syscall name is accepted by LiteSVM's loader (it fails only when called), so it is not here.
@pytest.mark.parametrize("what", ["e_machine", "e_flags", "truncated"])
def test_the_loader_agrees_with_the_checker(build_dir: Path, what: str) -> None:
    bad = next(b for w, b, _ in _cases(_so(build_dir)) if w == what)
    with pytest.raises(LoadError):
        Ledger(bad)


def _compile(tmp_path: Path, source: str) -> bytes:
    c = tmp_path / "t.c"
    c.write_text(source)
    o = tmp_path / "t.o"
    subprocess.run(["clang-14", "-target", "bpf", "-mcpu=v1", "-O2", "-ffreestanding", "-fno-builtin", "-nostdlib",
                    "-c", str(c), "-o", str(o)], check=True)
    return o.read_bytes()


def test_link_resolves_calls_rodata_and_syscalls(tmp_path: Path) -> None:
    obj = _compile(tmp_path, """
        typedef unsigned long long u64;
        extern void sol_log_(const char *, u64);
        static const char MSG[] = "from rodata";
        __attribute__((noinline)) u64 helper(u64 x) { return x + 40; }
        u64 entrypoint(const unsigned char *in) { sol_log_(MSG, sizeof(MSG) - 1); return helper(in[0] + 2); }
    """)
    elf = link(obj)
    validate(elf)
    assert link(obj) == elf  # deterministic
    hdr = EHDR.unpack_from(elf, 0)
    assert hdr[1] == 3 and hdr[2] == 247 and hdr[7] == 0
    ledger = Ledger(elf)
    r = ledger.send([_ix(ledger)])
    assert r.code == 42 and "Program log: from rodata" in r.logs  # 0 accounts -> in[0] == 0 -> 0 + 2 + 40


def _ix(ledger: Ledger):  # type: ignore[no-untyped-def]
    from solders.instruction import Instruction

    return Instruction(ledger.program_id, b"", [])


def test_link_refuses_writable_data(tmp_path: Path) -> None:
    obj = _compile(tmp_path, "unsigned long long counter = 1;\n"
                             "unsigned long long entrypoint(void *in) { (void)in; return counter++; }\n")
    with pytest.raises(ElfError, match=r"section \.data .* writable data"):
        link(obj)


def test_link_needs_an_entrypoint(tmp_path: Path) -> None:
    obj = _compile(tmp_path, "unsigned long long start(void *in) { (void)in; return 0; }\n")
    with pytest.raises(ElfError, match="no function 'entrypoint'"):
        link(obj)
