"""Limits on imported files, checked before any parsing.

A 4 MB xlsx once drove a web worker to 7 GB: an xlsx is a zip, and its sheets may inflate a
thousandfold. So before a reader opens a file (our workbook, LimeSurvey's export, the
register), `upload_check` looks at what it is without parsing it:

- its size (`EXCHANGE_UPLOAD_MAX_MB`);
- for an xlsx, the zip's directory only: every entry's declared uncompressed size, summed
  (`EXCHANGE_UNCOMPRESSED_MAX_MB`), and each entry's ratio of uncompressed to compressed size
  (`EXCHANGE_ZIP_RATIO_MAX`: XML compresses about 10-30 times; a bomb, thousands). Python's
  zipfile never inflates an entry beyond its declared size, so the declared sizes bound what
  the parser can be given;
- for a CSV, its encoding (UTF-8) and its number of lines.

The readers count rows as they read (`EXCHANGE_MAX_ROWS` per sheet) and stop at the limit.
Each refusal is an `UploadRefused` with a message for the person who uploaded the file.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO

from django.conf import settings

MB = 1024 * 1024


class UploadRefused(ValueError):
    """The file is too large, damaged or of the wrong kind; the message says which."""


def max_bytes() -> int:
    return int(settings.EXCHANGE_UPLOAD_MAX_MB) * MB


def max_rows() -> int:
    return int(settings.EXCHANGE_MAX_ROWS)


def _size(file: str | Path | IO[bytes]) -> int:
    if isinstance(file, str | Path):
        return Path(file).stat().st_size
    position = file.tell()
    file.seek(0, 2)
    size = file.tell()
    file.seek(position)
    return size


def _head(file: str | Path | IO[bytes], count: int) -> bytes:
    if isinstance(file, str | Path):
        with open(file, "rb") as handle:
            return handle.read(count)
    position = file.tell()
    data = file.read(count)
    file.seek(position)
    return data


def size_check(size: int) -> None:
    limit = max_bytes()
    if size > limit:
        raise UploadRefused(
            f"the file is {size / MB:.1f} MB; at most {limit // MB} MB can be imported (EXCHANGE_UPLOAD_MAX_MB)."
        )


def zip_check(file: str | Path | IO[bytes]) -> None:
    """The zip directory of an xlsx: an xlsx at all, and not inflating beyond the limits."""
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise UploadRefused(
            "the file is not an Excel workbook (.xlsx), or it is damaged (truncated?): save it again as .xlsx."
        ) from None
    finally:
        if not isinstance(file, str | Path):
            file.seek(0)
    total = sum(e.file_size for e in entries)
    limit = int(settings.EXCHANGE_UNCOMPRESSED_MAX_MB) * MB
    if total > limit:
        raise UploadRefused(
            f"the workbook would take {total / MB:.0f} MB once uncompressed; at most {limit // MB} MB can be "
            "imported (EXCHANGE_UNCOMPRESSED_MAX_MB)."
        )
    ratio = int(settings.EXCHANGE_ZIP_RATIO_MAX)
    for entry in entries:
        if entry.file_size > MB and entry.file_size > ratio * max(entry.compress_size, 1):
            raise UploadRefused(
                f"the workbook's part {entry.filename} inflates {entry.file_size // max(entry.compress_size, 1)} "
                f"times (at most {ratio}): it is not a spreadsheet an export or Excel writes (a zip bomb?)."
            )


def csv_check(data: bytes) -> str:
    """The text of a CSV file (UTF-8), if its lines are within the limit."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused("the CSV file is not UTF-8: save or export it again with UTF-8 encoding.") from None
    rows_check(text.count("\n") - 1)
    return text


def rows_check(rows: int, where: str = "the file") -> None:
    limit = max_rows()
    if rows > limit:
        raise UploadRefused(f"{where} has more than {limit:,} rows, the most an import takes (EXCHANGE_MAX_ROWS).")


def upload_check(file: str | Path | IO[bytes], *, name: str = "") -> None:
    """Size, and for an xlsx (by name, or by content when it starts like a zip) its zip directory."""
    size_check(_size(file))
    suffix = Path(name or (str(file) if isinstance(file, str | Path) else "")).suffix.lower()
    if suffix == ".xlsx" or _head(file, 4) == b"PK\x03\x04":
        zip_check(file)
