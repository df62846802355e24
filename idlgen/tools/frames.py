"""The engine's frame stream (docs/engine.md): how a producer hands versioned batches to the relayer.

    magic   8 bytes  b"IDLGFRM1"
    frame   u32 little-endian length n, then n bytes: the carrier argument exactly as the program
            reads it (for the bundled program, `settle_batch.data`: one version byte, then the Borsh
            body of that version)
    ...     frames until the end of the stream; a stream may hold no frame at all

A length prefix instead of a delimiter, because Borsh bodies may contain any byte. The magic makes
"the producer printed text" an error at offset 0 instead of a garbage frame.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from idlgen.diagnostics import IdlgenError

MAGIC = b"IDLGFRM1"
MAX_FRAME = 1 << 24  # far above any batch that fits a transaction; a larger length is a corrupt stream


def read_frames(data: bytes, shown: str) -> list[bytes]:
    """Every frame's payload; IdlgenError naming `shown` and the byte offset when the stream is bad."""
    if data[: len(MAGIC)] != MAGIC:
        got = data[: len(MAGIC)]
        raise IdlgenError(f"offset 0: not a frame stream: expected the magic {MAGIC.decode()!r}, got {got!r}",
                          file=shown)
    out: list[bytes] = []
    o = len(MAGIC)
    while o < len(data):
        if len(data) - o < 4:
            raise IdlgenError(f"offset {o}: frame {len(out)}: truncated length ({len(data) - o} of 4 bytes)",
                              file=shown)
        (n,) = struct.unpack_from("<I", data, o)
        if n > MAX_FRAME:
            raise IdlgenError(f"offset {o}: frame {len(out)}: length {n} is larger than {MAX_FRAME}", file=shown)
        if len(data) - o - 4 < n:
            raise IdlgenError(f"offset {o}: frame {len(out)}: length {n}, only {len(data) - o - 4} bytes left",
                              file=shown)
        out.append(data[o + 4: o + 4 + n])
        o += 4 + n
    return out


def write_frames(payloads: Iterable[bytes]) -> bytes:
    """The stream for `payloads` (what a producer writes; used by tests and tools that replay frames)."""
    parts = [MAGIC]
    for p in payloads:
        parts += [struct.pack("<I", len(p)), p]
    return b"".join(parts)
