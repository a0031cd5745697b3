"""The export's writer process and its compressed-as-written sheets give the same workbook
as writing in one process, and its errors reach the caller."""

from __future__ import annotations

import datetime as dt
import random
import zipfile
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from django.test import override_settings

from exchange import pipeline
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


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(data)) as book:
        # The document properties hold the time of writing.
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def _export(wave: Wave, *, process: bool, labels: bool = False) -> bytes:
    target = BytesIO()
    with override_settings(EXCHANGE_WRITER_PROCESS=process):
        wave_export(wave=wave, target=target, labels=labels)
    return target.getvalue()


@pytest.mark.parametrize("labels", [False, True])
def test_the_writer_process_writes_the_same_workbook(answered_wave: Wave, labels: bool) -> None:
    forked = _export(answered_wave, process=True, labels=labels)
    alone = _export(answered_wave, process=False, labels=labels)
    assert _members(forked) == _members(alone)
    acronyms = [row[0] for row in read_cells(BytesIO(forked))["responses"][1:]]
    assert {"GCA", "ELBE"} <= set(acronyms) and acronyms == sorted(acronyms)


def test_the_writer_process_is_used_where_it_can_be_forked() -> None:
    with override_settings(EXCHANGE_WRITER_PROCESS=True):
        book = pipeline.new_workbook(properties={})
        try:
            assert isinstance(book, pipeline.ForkedWorkbook)
        finally:
            book.discard()
    with override_settings(EXCHANGE_WRITER_PROCESS=False):
        book = pipeline.new_workbook(properties={})
        assert isinstance(book, StreamingWorkbook)
        book.discard()


def test_a_daemonic_process_writes_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # A Celery pool process may not have children of its own.
    monkeypatch.setattr(pipeline.multiprocessing.current_process(), "daemon", True)
    assert not pipeline.writer_process_possible()


@pytest.mark.parametrize("process", [True, False])
def test_an_error_of_the_writer_reaches_the_caller(every_type_wave: Wave, process: bool, tmp_path: Path) -> None:
    answer(
        every_type_wave,
        "GCA",
        {"T1": "x" * 40000},
        status=Response.Status.SUBMITTED,
        submitted_at=dt.datetime(2019, 5, 20, tzinfo=dt.UTC),
    )
    target = tmp_path / "out.xlsx"
    with override_settings(EXCHANGE_WRITER_PROCESS=process), pytest.raises(ValueError, match="40000 characters"):
        wave_export(wave=every_type_wave, target=target)
    assert not target.exists() or target.stat().st_size == 0


def test_rows_sent_in_many_batches_arrive_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "BATCH", 7)
    monkeypatch.setattr(pipeline, "QUEUED", 2)
    book = pipeline.ForkedWorkbook(properties={})
    first = book.add_sheet("first", ["n", "text"], widths=[5, 10])
    second = book.add_sheet("second", ["n"], widths=[5])
    for n in range(1, 501):
        first.write({0: n, 1: f"row {n}"})
        if n % 3 == 0:
            second.write({0: n})
    book.save(tmp_path / "book.xlsx")
    cells = read_cells(tmp_path / "book.xlsx")
    assert cells["first"][1:] == [[n, f"row {n}"] for n in range(1, 501)]
    assert cells["second"][1:] == [[n] for n in range(3, 501, 3)]


@pytest.mark.parametrize("render_here_from", [0, 1])
def test_rows_rendered_by_the_reader_when_the_writer_is_behind_give_the_same_workbook(
    answered_wave: Wave, monkeypatch: pytest.MonkeyPatch, render_here_from: int
) -> None:
    # 0: every batch rendered here; 1 with tiny batches: cells and text in turns.
    monkeypatch.setattr(pipeline, "BATCH", 1)
    monkeypatch.setattr(pipeline, "RENDER_HERE_FROM", render_here_from)
    for labels in (False, True):
        assert _members(_export(answered_wave, process=True, labels=labels)) == _members(
            _export(answered_wave, process=False, labels=labels)
        )


def test_rows_rendered_by_the_reader_arrive_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "BATCH", 7)
    monkeypatch.setattr(pipeline, "RENDER_HERE_FROM", 0)
    book = pipeline.ForkedWorkbook(properties={})
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


def test_an_error_met_rendering_in_the_reader_reaches_the_caller(
    every_type_wave: Wave, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pipeline, "RENDER_HERE_FROM", 0)
    answer(every_type_wave, "GCA", {"T1": "x" * 40000}, status=Response.Status.DRAFT)
    with override_settings(EXCHANGE_WRITER_PROCESS=True), pytest.raises(ValueError, match="40000 characters"):
        wave_export(wave=every_type_wave, target=tmp_path / "out.xlsx")


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
