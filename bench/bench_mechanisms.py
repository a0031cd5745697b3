#!/usr/bin/env python
"""Each speed mechanism beside the plain path, in the same run (issue 14, item 4), so that
a mechanism is kept only where a figure says it pays.

For each size of BENCH_SIZES (default 1000,10000), on the data of `bench_reports.py` (its
BENCH_REUSE database `bench_reports_<N>`, built by it when missing) and of `bench_export.py`
(database `bench_export`, built by it when a wave is missing):

- the whole report (JSON contract, with the comparison): as shipped (tallies, garbage
  collector paused), then with one mechanism off at a time, and by SQL GROUP BY
  over the answer rows (`wave_report(scan=True)`, the plain path; collector paused);
- what the tallies cost the writers: `tallies_add` and `tallies_remove` of one response (a
  submission and a reopening each pay one), the report's check, a wave's rebuild;
- the export to Excel (codes) in a fresh process: as shipped (forked writer process,
  collector paused), without the writer process, with the collector on.

Best of BENCH_REPEAT (3) runs. PostgreSQL only (DATABASE_URL names the server; the
databases above are made beside it). Prints a Markdown table (docs/speed-mechanisms.md).
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


def measure_reports(n: int) -> dict[str, float]:
    """In a process of its own (the database is a setting): the report's rows at size n."""
    _setup(f"bench_reports_{n}")
    from django.db import transaction

    import reports.report as report_module
    from reports.report import as_json, wave_report
    from reports.tallies import tallies_add, tallies_check, tallies_rebuild, tallies_remove
    from surveys.models import Response, Wave

    wave = Wave.objects.get(slug="bench-2019")
    assert wave.previous_id is not None
    both = [wave.pk, wave.previous_id]
    assert tallies_check(wave_ids=both).clean
    as_json(wave_report(wave))  # warm: structure cache, connections
    out: dict[str, float] = {}
    out["report"] = _best(lambda: as_json(wave_report(wave)))
    paused = report_module.collector_paused
    report_module.collector_paused = contextlib.nullcontext  # type: ignore[assignment]
    try:
        out["report_gc_on"] = _best(lambda: as_json(wave_report(wave)))
    finally:
        report_module.collector_paused = paused
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


def measure_export(slug: str, *, gc_on: bool) -> None:
    """In a fresh process (peak memory its own): `bench_export.measure`, the collector on
    if asked."""
    _setup("bench_export")
    import bench_export

    if gc_on:
        import exchange.export

        exchange.export.collector_paused = contextlib.nullcontext  # type: ignore[assignment]
    bench_export.measure(slug, labels=False)


def _export_run(slug: str, *, writer: bool, gc_on: bool) -> dict[str, Any]:
    env = {**os.environ, "EXCHANGE_WRITER_PROCESS": "true" if writer else "false"}
    args = [sys.executable, __file__, "--export", slug] + (["--gc-on"] if gc_on else [])
    runs = [
        json.loads(
            subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT, env=env).stdout.splitlines()[-1]
        )
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
        measure_export(sys.argv[2], gc_on="--gc-on" in sys.argv)
        return 0
    if not os.getenv("DATABASE_URL", "").startswith("postgres"):
        print("bench_mechanisms needs DATABASE_URL=postgres://… (the server for its databases)")
        return 1
    for n in SIZES:
        if not _exists(f"bench_reports_{n}", "SELECT 1 FROM surveys_wave WHERE slug = 'bench-2019'"):
            print(f"building bench_reports_{n} (bench_reports.py, BENCH_REUSE=1)…", flush=True)
            _subprocess(
                str(HERE / "bench_reports.py"),
                env={**os.environ, "BENCH_REUSE": "1", "BENCH_RESPONSES": str(n)},
                check=False,
            )
    slugs = ", ".join(f"'bench-{n}'" for n in SIZES)
    if not _exists(
        "bench_export", f"SELECT 1 FROM surveys_wave WHERE slug IN ({slugs}) HAVING COUNT(*) = {len(SIZES)}"
    ):
        print("building bench_export (bench_export.py)…", flush=True)
        _subprocess(
            str(HERE / "bench_export.py"), env={**os.environ, "BENCH_SIZES": ",".join(map(str, SIZES))}, check=False
        )

    reports = {n: json.loads(_subprocess(__file__, "--reports", str(n)).splitlines()[-1]) for n in SIZES}
    exports = {
        n: {
            "shipped": _export_run(f"bench-{n}", writer=True, gc_on=False),
            "no_writer": _export_run(f"bench-{n}", writer=False, gc_on=False),
            "gc_on": _export_run(f"bench-{n}", writer=True, gc_on=True),
        }
        for n in SIZES
    }
    head = " | ".join(f"{n:,} responses" for n in SIZES)
    print(f"\n| what | mechanism | {head} |\n| --- | --- |{' --- |' * len(SIZES)}")

    def row(what: str, mechanism: str, cells: list[str]) -> None:
        print(f"| {what} | {mechanism} | {' | '.join(cells)} |")

    def seconds(key: str) -> list[str]:
        return [f"{reports[n][key]:.3f} s" for n in SIZES]

    row("report", "as shipped: tallies, collector paused", seconds("report"))
    row("report", "collector on", seconds("report_gc_on"))
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
    for key, label in (
        ("shipped", "as shipped: forked writer process, collector paused"),
        ("no_writer", "writer process off (one process)"),
        ("gc_on", "collector on"),
    ):
        cells = [f"{exports[n][key]['seconds']:.2f} s, {exports[n][key]['total_peak_mb']:.0f} MB" for n in SIZES]
        row("export (codes)", label, cells)
    return 0


if __name__ == "__main__":
    sys.exit(main())
