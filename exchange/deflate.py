"""Zip members compressed while their content is still being produced.

A sheet's rows are compressed as they are written (raw deflate, flushed to a byte boundary
at the end), so that closing the workbook does not read and compress tens of megabytes
again. The sheet's head and tail, which depend on the final row count, are compressed
apart when the workbook is saved: deflate streams flushed with Z_SYNC_FLUSH end on a byte
boundary without a final block, so head + rows + tail concatenate into one valid stream
(what pigz does). The member's CRC-32 is combined from the CRCs of the three parts.
"""

from __future__ import annotations

import shutil
import time
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

# Level 1: the sheets are large and repetitive; it compresses them to about a sixth at
# several times the speed of the default level.
LEVEL = 1
# Rendered text is compressed in pieces of about this many characters.
PIECE = 1 << 20


def _gf2_times(matrix: list[int], vector: int) -> int:
    total = 0
    row = 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from crc32(A), crc32(B) and len(B): zlib's crc32_combine, which
    Python's zlib module does not expose (a few hundred operations, whatever the length)."""
    if length2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << (n - 1) for n in range(1, 32)]  # the operator for one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


class DeflatedPart:
    """Bytes compressed as they come into a temporary file, with their CRC and size."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: BinaryIO | None = path.open("wb")
        self._zip = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        self.crc = 0
        self.size = 0
        self.compressed = 0

    def write(self, data: bytes) -> None:
        assert self._fh is not None
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        out = self._zip.compress(data)
        self.compressed += len(out)
        self._fh.write(out)

    def close(self) -> None:
        """End on a byte boundary without a final block: more deflate data may follow."""
        if self._fh is None:
            return
        out = self._zip.flush(zlib.Z_SYNC_FLUSH)
        self.compressed += len(out)
        self._fh.write(out)
        self._fh.close()
        self._fh = None


def write_member(out: zipfile.ZipFile, name: str, head: bytes, body: DeflatedPart, tail: bytes) -> None:
    """Add `head + body + tail` to an open zip as one deflated member, `body` as compressed.

    The zip must be opened with mode "w" or "x": those mark it modified from the start, so
    that closing it writes the central directory with this member (zipfile has no public
    way to mark a zip opened with "a" modified)."""
    if out.mode not in ("w", "x"):
        raise ValueError(f"write_member needs a zip opened with mode 'w' or 'x', not {out.mode!r}")
    body.close()
    start = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    head_z = start.compress(head) + start.flush(zlib.Z_SYNC_FLUSH)
    end = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    tail_z = end.compress(tail) + end.flush(zlib.Z_FINISH)
    crc = crc32_combine(crc32_combine(zlib.crc32(head), body.crc, body.size), zlib.crc32(tail), len(tail))

    info = zipfile.ZipInfo(name, time.localtime(time.time())[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size = len(head) + body.size + len(tail)
    info.compress_size = len(head_z) + body.compressed + len(tail_z)
    info.CRC = crc
    # What ZipFile.writestr does, with data compressed beforehand: the local header, the
    # data, then the entry is registered for the central directory written on close.
    fp = out.fp
    assert fp is not None
    info.header_offset = fp.tell()
    zip64 = info.file_size > zipfile.ZIP64_LIMIT or info.compress_size > zipfile.ZIP64_LIMIT
    fp.write(info.FileHeader(zip64))
    fp.write(head_z)
    with body.path.open("rb") as data:
        shutil.copyfileobj(data, fp, 1 << 20)
    fp.write(tail_z)
    out.filelist.append(info)
    out.NameToInfo[name] = info
    out.start_dir = fp.tell()
