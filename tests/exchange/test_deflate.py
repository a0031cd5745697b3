"""The export's sheets compressed as they are written read back whole, the workbook streams
rows to several sheets in order, and a cell the workbook cannot hold stops the export."""

from __future__ import annotations

import datetime as dt
import random
import zipfile
import zlib
from io import BytesIO
from pathlib import Path

import pytest

from exchange.deflate import DeflatedPart, crc32_combine, write_member
from exchange.export import wave_export
from exchange.xlsx import StreamingWorkbook
from surveys.models import Response, Wave
from tests.exchange.conftest import answer, read_cells


@pytest.mark.parametrize(("first", "second"), [(b"", b""), (b"abc", b""), (b"", b"xyz"), (b"head", b"tail" * 1000)])
def test_crc32_combine_gives_the_crc_of_the_concatenation(first: bytes, second: bytes) -> None:
    assert crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == zlib.crc32(first + second)


def test_crc32_combine_on_random_lengths() -> None:
    rng = random.Random(5)
    for _ in range(20):
        a = rng.randbytes(rng.randint(0, 5000))
        b = rng.randbytes(rng.randint(1, 70000))
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_a_member_compressed_in_three_parts_reads_back_whole(tmp_path: Path) -> None:
    body = DeflatedPart(tmp_path / "body")
    pieces = [f"<row r='{i}'>{'x' * (i % 50)}</row>".encode() for i in range(20000)]
    for piece in pieces:
        body.write(piece)
    target = BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("before.txt", "one")
        write_member(out, "sheet.xml", b"<head>", body, b"</head>")
        out.writestr("after.txt", "two")
    with zipfile.ZipFile(target) as back:
        assert back.testzip() is None  # every CRC checks out
        assert back.read("sheet.xml") == b"<head>" + b"".join(pieces) + b"</head>"
        assert back.read("after.txt") == b"two"


def test_an_error_of_the_writer_reaches_the_caller(every_type_wave: Wave, tmp_path: Path) -> None:
    answer(
        every_type_wave,
        "GCA",
        {"T1": "x" * 40000},
        status=Response.Status.SUBMITTED,
        submitted_at=dt.datetime(2019, 5, 20, tzinfo=dt.UTC),
    )
    target = tmp_path / "out.xlsx"
    with pytest.raises(ValueError, match="40000 characters"):
        wave_export(wave=every_type_wave, target=target)
    assert not target.exists() or target.stat().st_size == 0


def test_rows_of_several_sheets_arrive_in_order(tmp_path: Path) -> None:
    book = StreamingWorkbook(properties={})
    first = book.add_sheet("first", ["n", "text"], widths=[5, 10], header_texts=["N", "Text"])
    second = book.add_sheet("second", ["n"], widths=[5])
    for n in range(1, 501):
        first.write({1: f"=row {n}", 0: n})
        if n % 3 == 0:
            second.write({0: n})
    book.save(tmp_path / "book.xlsx")
    cells = read_cells(tmp_path / "book.xlsx")
    assert cells["first"][2:] == [[n, f"=row {n}"] for n in range(1, 501)]
    assert cells["second"][1:] == [[n] for n in range(3, 501, 3)]


def test_a_zip_of_compressed_members_only_gets_its_directory(tmp_path: Path) -> None:
    # Mode "w" marks the zip modified from the start: no member written by zipfile is needed.
    body = DeflatedPart(tmp_path / "body")
    body.write(b"<row/>" * 1000)
    target = BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        write_member(out, "sheet.xml", b"<head>", body, b"</head>")
    with zipfile.ZipFile(target) as back:
        assert back.testzip() is None and back.read("sheet.xml") == b"<head>" + b"<row/>" * 1000 + b"</head>"


def test_a_zip_opened_to_append_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.zip"
    with zipfile.ZipFile(path, "w") as out:
        out.writestr("before.txt", "one")
    body = DeflatedPart(tmp_path / "body")
    with zipfile.ZipFile(path, "a") as out, pytest.raises(ValueError, match="mode 'w' or 'x'"):
        write_member(out, "sheet.xml", b"<head>", body, b"</head>")
    body.close()
    with zipfile.ZipFile(path) as back:
        assert back.namelist() == ["before.txt"]
