#!/usr/bin/env python
"""Each speed mechanism beside the plain path, in the same run (issue 14, item 4), so that
a mechanism is kept only where a figure says it pays.

For each size of BENCH_SIZES (default 1000,10000), on the data of `bench_reports.py` (its
BENCH_REUSE database `bench_reports_<N>`, built by it when missing) and of `bench_export.py`
(database `bench_export`, built by it when a wave is missing):

- the whole report (JSON contract, with the comparison): as shipped (tallies, column
  fetches, garbage collector paused), then with one mechanism off at a time, and by SQL
  GROUP BY over the answer rows (`wave_report(scan=True)`, the plain path; collector paused);
- what the tallies cost the writers: `tallies_add` and `tallies_remove` of one response (a
  submission and a reopening each pay one), the report's check, a wave's rebuild;
- the export to Excel (codes) in a fresh process, with its peak memory: as shipped, then
  with one mechanism off at a time (the collector paused, the column fetches), and the
  plain path: every cell written by XlsxWriter itself
  (`constant_memory=True`, `PlainWorkbook` below) instead of the hand-written renderer
  (`exchange.xlsx`), in one process.

"Column fetches off" reads through the plain ORM instead of `surveys.bulk`'s binary
cursors and arrays: `list(queryset)` for `fetch_tuples`, columns zipped from those rows for
`fetch_columns`, Django's cursor for `fetch_sql`, `queryset.iterator()` for `iter_tuples`
(exactly the paths `surveys.bulk` takes on SQLite).

Best of BENCH_REPEAT (3) runs. PostgreSQL only (DATABASE_URL names the server; the
databases above are made beside it). Prints a Markdown table (docs/speed-mechanisms.md).
BENCH_ONLY=reports or BENCH_ONLY=export runs one half.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
SIZES = [int(n) for n in os.getenv("BENCH_SIZES", "1000,10000").split(",")]
REPEAT = int(os.getenv("BENCH_REPEAT", "3"))


def _url(database: str) -> str:
    return urlparse(os.environ["DATABASE_URL"])._replace(path=f"/{database}").geturl()


def _exists(database: str, query: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(_url(database)) as conn:
            return conn.execute(query).fetchone() is not None
    except psycopg.OperationalError:  # no such database yet
        return False


def _best(fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _setup(database: str) -> None:
    os.environ["DATABASE_URL"] = _url(database)
    os.environ["DEBUG"] = "false"
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escp_survey.settings")
    import django

    django.setup()


def plain_tuples(queryset: Any) -> list[tuple[Any, ...]]:
    """`surveys.bulk.fetch_tuples` by the plain ORM."""
    return list(queryset)


def plain_columns(queryset: Any) -> list[list[Any]]:
    """`surveys.bulk.fetch_columns` by the plain ORM: the rows, zipped into columns."""
    from django.core.exceptions import EmptyResultSet

    queryset = queryset.order_by()
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        compiler.as_sql()
    except EmptyResultSet:
        return [[] for _ in compiler.select]
    rows = list(queryset)
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in compiler.select]


def plain_sql(alias: str, sql: str, params: Any) -> list[tuple[Any, ...]]:
    """`surveys.bulk.fetch_sql` through Django's own cursor (text results)."""
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def plain_iter(queryset: Any, size: int) -> Any:
    """`surveys.bulk.iter_tuples` by the plain ORM: `iterator()` in lists of `size`."""
    chunk: list[tuple[Any, ...]] = []
    for row in queryset.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextlib.contextmanager
def patched(module: Any, **names: Any) -> Any:
    saved = {name: getattr(module, name) for name in names}
    for name, value in names.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


def measure_reports(n: int) -> dict[str, float]:
    """In a process of its own (the database is a setting): the report's rows at size n."""
    _setup(f"bench_reports_{n}")
    from django.db import transaction

    import reports.report as report_module
    import reports.selectors as selectors_module
    from reports.report import as_json, wave_report
    from reports.tallies import tallies_add, tallies_check, tallies_rebuild, tallies_remove
    from surveys.models import Response, Wave

    wave = Wave.objects.get(slug="bench-2019")
    assert wave.previous_id is not None
    both = [wave.pk, wave.previous_id]
    assert tallies_check(wave_ids=both).clean
    shipped = as_json(wave_report(wave))  # warm: structure cache, connection
    out: dict[str, float] = {}
    out["report"] = _best(lambda: as_json(wave_report(wave)))
    with patched(report_module, collector_paused=contextlib.nullcontext):
        out["report_gc_on"] = _best(lambda: as_json(wave_report(wave)))
    with patched(selectors_module, fetch_tuples=plain_tuples, fetch_columns=plain_columns, fetch_sql=plain_sql):
        assert as_json(wave_report(wave)) == shipped
        out["report_plain_fetch"] = _best(lambda: as_json(wave_report(wave)))
    out["report_scan"] = _best(lambda: as_json(wave_report(wave, scan=True)))
    out["check"] = _best(lambda: tallies_check(wave_ids=both))

    ids = list(Response.objects.filter(wave=wave, status="submitted").order_by("pk").values_list("pk", flat=True)[:50])
    removes, adds = [], []
    for response_id in ids:
        with transaction.atomic():
            start = time.perf_counter()
            assert tallies_remove(response_id=response_id)
            removes.append(time.perf_counter() - start)
            start = time.perf_counter()
            assert tallies_add(response_id=response_id)
            adds.append(time.perf_counter() - start)
    out["tallies_add"] = statistics.median(adds)
    out["tallies_remove"] = statistics.median(removes)
    start = time.perf_counter()
    tallies_rebuild(wave=wave)
    out["rebuild"] = time.perf_counter() - start
    return out


class PlainSheet:
    """One sheet of `PlainWorkbook`: every cell through XlsxWriter's `write_*`."""

    def __init__(self, book: PlainWorkbook, sheet: Any, *, columns: int, header_rows: int) -> None:
        self._book = book
        self.sheet = sheet
        self.columns = columns
        self.header_rows = header_rows
        self.rows = 0

    def write(self, cells: dict[int, Any]) -> None:
        import datetime as dt
        from decimal import Decimal

        row = self.header_rows + self.rows
        self.rows += 1
        sheet, book = self.sheet, self._book
        for col, value in cells.items():
            if value is None or value == "":
                continue
            kind = type(value)
            if kind is str:
                sheet.write_string(row, col, value)
            elif kind is bool:
                sheet.write_boolean(row, col, value)
            elif kind is int or kind is float:
                sheet.write_number(row, col, value)
            elif kind is Decimal:
                sheet.write_number(row, col, float(value))
            elif kind is dt.datetime:
                local = value.astimezone(book.zone) if value.tzinfo else value
                sheet.write_datetime(row, col, local.replace(tzinfo=None), book.datetime_format)
            elif kind is dt.date:
                sheet.write_datetime(row, col, value, book.date_format)
            else:
                raise TypeError(f"cannot write a {kind.__name__}")


class PlainWorkbook:
    """The plain path of the export: the workbook written by XlsxWriter alone, in
    `constant_memory` mode (each sheet's rows to a temporary file as they come), with the
    export's formats, widths, frozen headers, filters and properties; one process."""

    def __init__(self, *, properties: dict[str, str]) -> None:
        import tempfile
        from zoneinfo import ZoneInfo

        from django.conf import settings

        from exchange.xlsx import workbook_formats
        from surveys.spreadsheet import SafeWorkbook

        self._dir = tempfile.TemporaryDirectory(prefix="bench-plain-")
        self._path = Path(self._dir.name) / "export.xlsx"
        self._book = SafeWorkbook(str(self._path), {"constant_memory": True, "tmpdir": self._dir.name})
        for name, value in properties.items():
            self._book.set_custom_property(name, value)
        _, formats = workbook_formats(self._book)
        self._header, self._header_text = formats["header"], formats["header_text"]
        self.date_format = self._book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime_format = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self._sheets: list[PlainSheet] = []

    def add_sheet(
        self,
        name: str,
        headers: list[str],
        *,
        widths: Any,
        header_texts: list[str] | None = None,
        freeze_columns: int = 1,
    ) -> PlainSheet:
        ws = self._book.add_worksheet(name)
        for col, header in enumerate(headers):
            ws.write_string(0, col, header, self._header)
        if header_texts is not None:
            ws.set_row(1, 45)
            for col, text in enumerate(header_texts):
                ws.write_string(1, col, text, self._header_text)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        header_rows = 2 if header_texts is not None else 1
        ws.freeze_panes(header_rows, freeze_columns)
        sheet = PlainSheet(self, ws, columns=len(headers), header_rows=header_rows)
        self._sheets.append(sheet)
        return sheet

    def save(self, target: Any) -> None:
        import shutil

        for sheet in self._sheets:
            last = max(sheet.columns - 1, 0)
            sheet.sheet.autofilter(sheet.header_rows - 1, 0, sheet.header_rows - 1 + sheet.rows, last)
        self._book.close()
        if isinstance(target, str | Path):
            shutil.copyfile(self._path, target)
        else:
            with open(self._path, "rb") as written:
                shutil.copyfileobj(written, target, 1 << 20)
        self._dir.cleanup()

    def discard(self) -> None:
        self._dir.cleanup()


EXPORT_VARIANTS = {
    # key: (label, collector on, plain fetches, XlsxWriter alone); all in one process.
    "shipped": ("as shipped: hand-written renderer, collector paused, column fetches", False, False, False),
    "gc_on": ("collector on", True, False, False),
    "plain_fetch": ("column fetches off: plain ORM values_list", False, True, False),
    "xlsxwriter": ("plain path: XlsxWriter constant_memory (collector paused, column fetches)", False, False, True),
    "plain": ("all plain: XlsxWriter, ORM values_list, collector on", True, True, True),
}


def measure_export(slug: str, variant: str) -> None:
    """In a fresh process (peak memory its own): `bench_export.measure` of one variant."""
    _, gc_on, plain_fetch, xlsxwriter_alone = EXPORT_VARIANTS[variant]
    _setup("bench_export")
    import bench_export

    import exchange.export

    if gc_on:
        exchange.export.collector_paused = contextlib.nullcontext  # type: ignore[assignment]
    if plain_fetch:
        exchange.export.fetch_tuples = plain_tuples  # type: ignore[assignment]
        exchange.export.iter_tuples = plain_iter  # type: ignore[assignment]
    if xlsxwriter_alone:
        exchange.export.StreamingWorkbook = PlainWorkbook  # type: ignore[assignment]
    bench_export.measure(slug, labels=False)


def _export_run(slug: str, variant: str) -> dict[str, Any]:
    args = [sys.executable, __file__, "--export", slug, variant]
    runs = [
        json.loads(subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT).stdout.splitlines()[-1])
        for _ in range(REPEAT)
    ]
    return min(runs, key=lambda r: r["seconds"])


def _subprocess(*args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    # check=False for the builders: they exit with 1 when a target of theirs is missed.
    out = subprocess.run(
        [sys.executable, *args], check=check, capture_output=True, text=True, cwd=ROOT, env=env or os.environ
    )
    return out.stdout


def main() -> int:
    if sys.argv[1:2] == ["--reports"]:
        print(json.dumps(measure_reports(int(sys.argv[2]))))
        return 0
    if sys.argv[1:2] == ["--export"]:
        measure_export(sys.argv[2], sys.argv[3])
        return 0
    if not os.getenv("DATABASE_URL", "").startswith("postgres"):
        print("bench_mechanisms needs DATABASE_URL=postgres://… (the server for its databases)")
        return 1
    only = os.getenv("BENCH_ONLY", "")
    if only != "export":
        for n in SIZES:
            if not _exists(f"bench_reports_{n}", "SELECT 1 FROM surveys_wave WHERE slug = 'bench-2019'"):
                print(f"building bench_reports_{n} (bench_reports.py, BENCH_REUSE=1)…", flush=True)
                _subprocess(
                    str(HERE / "bench_reports.py"),
                    env={**os.environ, "BENCH_REUSE": "1", "BENCH_RESPONSES": str(n)},
                    check=False,
                )
    slugs = ", ".join(f"'bench-{n}'" for n in SIZES)
    if only != "reports" and not _exists(
        "bench_export", f"SELECT 1 FROM surveys_wave WHERE slug IN ({slugs}) HAVING COUNT(*) = {len(SIZES)}"
    ):
        print("building bench_export (bench_export.py)…", flush=True)
        _subprocess(
            str(HERE / "bench_export.py"), env={**os.environ, "BENCH_SIZES": ",".join(map(str, SIZES))}, check=False
        )

    head = " | ".join(f"{n:,} responses" for n in SIZES)
    print(f"\n| what | mechanism | {head} |\n| --- | --- |{' --- |' * len(SIZES)}", flush=True)

    def row(what: str, mechanism: str, cells: list[str]) -> None:
        print(f"| {what} | {mechanism} | {' | '.join(cells)} |", flush=True)

    if only != "export":
        reports = {n: json.loads(_subprocess(__file__, "--reports", str(n)).splitlines()[-1]) for n in SIZES}

        def seconds(key: str) -> list[str]:
            return [f"{reports[n][key]:.3f} s" for n in SIZES]

        row("report", "as shipped: tallies, column fetches, collector paused", seconds("report"))
        row("report", "collector on", seconds("report_gc_on"))
        row("report", "column fetches off: plain ORM values_list, Django's cursor", seconds("report_plain_fetch"))
        row("report", "plain path: SQL GROUP BY over the answer rows (no tallies)", seconds("report_scan"))
        row("report", "the tallies' check (in every report above)", seconds("check"))
        row(
            "submission",
            "tallies_add of one response (median)",
            [f"{reports[n]['tallies_add'] * 1000:.1f} ms" for n in SIZES],
        )
        row(
            "reopening",
            "tallies_remove of one response (median)",
            [f"{reports[n]['tallies_remove'] * 1000:.1f} ms" for n in SIZES],
        )
        row("repair", "tallies_rebuild of the wave", seconds("rebuild"))
    if only != "reports":
        variants = [v for v in os.getenv("BENCH_EXPORT", ",".join(EXPORT_VARIANTS)).split(",") if v]
        for key in variants:
            cells = []
            for n in SIZES:
                result = _export_run(f"bench-{n}", key)
                cells.append(f"{result['seconds']:.2f} s, {result['total_peak_mb']:.0f} MB")
            row("export (codes)", EXPORT_VARIANTS[key][0], cells)
    return 0


if __name__ == "__main__":
    sys.exit(main())
