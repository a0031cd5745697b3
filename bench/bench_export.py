#!/usr/bin/env python
"""Export of a wave to Excel at scale: 10,000 and 100,000 responses of Annex A (ESCP-4i).

Builds two waves in its own database (PostgreSQL database `bench_export` on the server of
DATABASE_URL when it is set, dropped and created anew; else a temporary SQLite file), with
realistic answers: ticked options with comments and numbers, "other" texts, countries,
numbers, yes/no, repeat tables of agreements and partnerships, long texts. Then exports each
wave in a fresh subprocess, so that the peak memory (ru_maxrss) is that run's alone, and
prints the time and the peak memory of each, with codes (what import reads) and with texts.

Targets: 10,000 responses in under 2 s with codes; peak memory at 100,000 no more than 1.3
times the peak at 10,000 (the export streams). BENCH_SIZES=1000,10000 for a quicker run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZES = [int(n) for n in os.getenv("BENCH_SIZES", "10000,100000").split(",")]
DATABASE = "bench_export"
BATCH = 20000
NON_EU = ["CN", "JP", "US", "CA", "BR", "IN", "KR", "SG", "MX", "ZA", "AU", "TR", "MA", "CL", "VN"]
WORDS = [
    "cluster",
    "partnership",
    "mission",
    "agreement",
    "SMEs",
    "internationalisation",
    "market",
    "Japan",
    "Canada",
    "partners",
    "workshop",
    "matchmaking",
    "delegation",
    "visit",
    "joint",
    "strategy",
    "investment",
    "innovation",
    "supply",
    "chain",
    "digital",
]


def configure_database() -> str | None:
    url = os.getenv("DATABASE_URL", "")
    os.environ["DEBUG"] = "true"
    os.environ["REDIS_URL"] = ""
    if url.startswith("postgres"):
        import psycopg

        parsed = urlparse(url)
        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            conn.execute(f"CREATE DATABASE {DATABASE}")
        os.environ["DATABASE_URL"] = parsed._replace(path=f"/{DATABASE}").geturl()
        return None
    folder = tempfile.mkdtemp(prefix="bench-export-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    return folder


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escp_survey.settings")
    import django

    django.setup()


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def build(sizes: list[int]) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        _build(sizes, connection)
    if connection.vendor == "postgresql":
        # Right after the bulk load autovacuum would vacuum and analyse the new tables during
        # the measured exports and skew them: done here at once (outside the transaction,
        # which VACUUM requires), so that the figures do not depend on when it runs.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _build(sizes: list[int], connection: Any) -> None:
    from django.utils import timezone

    from surveys.definition.loader import bundled_paths, questionnaire_load, read_file
    from surveys.definition.structure import structure_for
    from surveys.models import Questionnaire, Wave

    for path in bundled_paths():
        questionnaire_load(definition=read_file(path), source=str(path))
    version = Questionnaire.objects.get(code="escp-4i-progress").latest_version()
    assert version is not None
    structure = structure_for(version)
    now = timezone.now()
    total = max(sizes)
    rng = random.Random(2019)

    def insert(table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
        batch: list[tuple[Any, ...]] = []
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
            for row in rows:
                batch.append(row)
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)

    insert(
        "surveys_partnership",
        ["id", "acronym", "name", "programme", "group", "created_at", "updated_at"],
        (
            (i, f"P{i:06d}", f"Partnership number {i}", "escp-4i", "strand-1" if i % 3 else "strand-2", now, now)
            for i in range(1, total + 1)
        ),
    )
    insert(
        "surveys_contact",
        ["id", "partnership_id", "name", "email", "is_active", "created_at", "updated_at"],
        ((i, i, f"Coordinator {i}", f"coordinator@p{i}.example.org", True, now, now) for i in range(1, total + 1)),
    )
    by = structure.by_code
    q = {code: node.question.pk for code, node in by.items()}
    options = {code: {o.code: o.pk for o in node.options} for code, node in by.items()}
    a5 = {f.code: f for f in by["A5"].fields}
    a7 = {f.code: f for f in by["A7"].fields}
    counterparts = [o.pk for o in a5["counterpart_type"].options]
    yes_no = {o.code: o.pk for o in a5["new_since_previous"].options}
    answer_id = repeat_id = response_id = invitation_id = 0
    repeat_rows: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []

    def add(response: int, question: int, *, option: int | None = None, repeat: int | None = None,
            partnership: int | None = None, country: str = "", text: str = "", comment: str = "",
            number: int | None = None, date: dt.date | None = None) -> None:  # fmt: skip
        nonlocal answer_id
        answer_id += 1
        answers.append(
            (
                answer_id,
                response,
                question,
                option,
                None,
                repeat,
                partnership,
                country,
                text,
                comment,
                number,
                date,
                now,
                now,
            )
        )

    def flush() -> None:
        insert(
            "surveys_repeatrow",
            ["id", "response_id", "question_id", "position", "created_at", "updated_at"],
            iter(repeat_rows),
        )
        insert(
            "surveys_answer",
            ["id", "response_id", "question_id", "option_id", "matrix_row_id", "repeat_row_id", "partnership_id",
             "country", "text", "comment", "number", "date", "created_at", "updated_at"],
            iter(answers),
        )  # fmt: skip
        repeat_rows.clear()
        answers.clear()

    for size in sizes:
        wave = Wave.objects.create(
            version=version,
            slug=f"bench-{size}",
            title=f"Bench {size}",
            opens_at=now - dt.timedelta(days=30),
            closes_at=now - dt.timedelta(days=1),
        )
        first_response = response_id + 1
        insert(
            "surveys_response",
            [
                "id",
                "wave_id",
                "partnership_id",
                "status",
                "prefill_choice",
                "started_at",
                "submitted_at",
                "created_at",
                "updated_at",
            ],
            (
                (
                    first_response + i,
                    wave.pk,
                    i + 1,
                    "submitted",
                    "",
                    now,
                    now - dt.timedelta(minutes=i % 5000),
                    now,
                    now,
                )
                for i in range(size)
            ),
        )
        response_id += size
        insert(
            "surveys_invitation",
            ["id", "wave_id", "contact_id", "created_at", "updated_at"],
            ((invitation_id + i + 1, wave.pk, i + 1, now, now) for i in range(size)),
        )
        invitation_id += size
        for offset in range(size):
            r = first_response + offset
            add(r, q["R1"], text=f"Coordinator {offset + 1}")
            add(r, q["R2"], text="Project manager")
            add(r, q["R3"], text=f"coordinator@p{offset + 1}.example.org")
            for code in ("A1", "A3"):
                picks = rng.sample([c for c in options[code] if c != "other"], rng.randint(2, 6))
                for pick in picks:
                    add(r, q[code], option=options[code][pick], comment=sentence(rng, 8) if rng.random() < 0.6 else "")
                if rng.random() < 0.15:
                    add(r, q[code], option=options[code]["other"], text=sentence(rng, 3))
            for country in rng.sample(NON_EU, rng.randint(1, 4)):
                add(r, q["A2"], country=country)
            agreements = rng.randint(0, 5)
            add(r, q["A4"], number=agreements)
            for position in range(1, agreements + 1):
                repeat_id += 1
                repeat_rows.append((repeat_id, r, q["A5"], position, now, now))
                add(r, a5["counterpart_type"].question.pk, option=rng.choice(counterparts), repeat=repeat_id)
                add(r, a5["organisation"].question.pk, text=f"Cluster {rng.randint(1, 999)}", repeat=repeat_id)
                add(r, a5["country"].question.pk, country=rng.choice(NON_EU), repeat=repeat_id)
                add(r, a5["description"].question.pk, text=sentence(rng, 15), repeat=repeat_id)
                add(
                    r,
                    a5["signed_on"].question.pk,
                    date=dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 150)),
                    repeat=repeat_id,
                )
                add(r, a5["new_since_previous"].question.pk, option=yes_no[rng.choice(["yes", "no"])], repeat=repeat_id)
            dialogue = rng.random() < 0.5
            add(r, q["A6"], option=options["A6"]["yes" if dialogue else "no"])
            if dialogue:
                for position in range(1, rng.randint(1, 2) + 1):
                    repeat_id += 1
                    repeat_rows.append((repeat_id, r, q["A7"], position, now, now))
                    add(r, a7["partnership"].question.pk, partnership=rng.randint(1, total), repeat=repeat_id)
                    add(r, a7["purpose"].question.pk, text=sentence(rng, 12), repeat=repeat_id)
            for code in ("A8", "A9"):
                for pick in rng.sample(list(options[code]), rng.randint(2, 6)):
                    number = rng.randint(1, 20) if pick == "partnership_agreements" else None
                    add(
                        r,
                        q[code],
                        option=options[code][pick],
                        comment=sentence(rng, 6) if rng.random() < 0.4 else "",
                        number=number,
                    )
            add(r, q["A10"], text=sentence(rng, 40))
            add(r, q["A11"], text=sentence(rng, 20))
            if len(answers) >= BATCH * 5:
                flush()
        flush()
        print(f"Built bench-{size}: {size} responses, {answer_id} answers so far, {repeat_id} repeat rows", flush=True)


def current_rss() -> int:
    """Resident memory of this process in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


class RssSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.005):
            self.peak = max(self.peak, current_rss())

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def measure(slug: str, labels: bool) -> None:
    """In a fresh process: export one wave, print JSON with the time and peak memory."""
    # As in production: no query log, no debug cursor.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    setup_django()
    from exchange.export import wave_export
    from surveys.definition.structure import structure_for
    from surveys.models import Wave

    wave = Wave.objects.select_related("version__questionnaire").get(slug=slug)
    structure_for(wave.version)
    # ru_maxrss would include whatever start-up peaked at, so the resident size is sampled
    # during the export instead (every 5 ms, from /proc).
    before = current_rss()
    sampler = RssSampler()
    sampler.start()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        start = time.perf_counter()
        summary = wave_export(wave=wave, target=path, labels=labels)
        seconds = time.perf_counter() - start
        size = path.stat().st_size
    sampler.stop()
    peak = max(sampler.peak, current_rss())
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak / 2**20,
                "total_peak_mb": peak / 2**20,
                "before_mb": before / 2**20,
                "responses": summary.responses,
                "file_mb": size / 1e6,
            }
        )
    )


def run_measure(slug: str, labels: bool) -> dict[str, Any]:
    args = [sys.executable, __file__, "--measure", slug] + (["--labels"] if labels else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT, env=os.environ)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        measure(sys.argv[2], labels="--labels" in sys.argv)
        return 0
    folder = configure_database()
    try:
        setup_django()
        start = time.perf_counter()
        build(SIZES)
        print(f"Data built in {time.perf_counter() - start:.1f} s ({os.environ['DATABASE_URL'].split(':')[0]})")
        results: dict[tuple[int, bool], dict[str, Any]] = {}
        for size in SIZES:
            for labels in (False, True):
                result = run_measure(f"bench-{size}", labels)
                results[(size, labels)] = result
                print(
                    f"export {size:>7} responses, {'texts' if labels else 'codes':<5}: {result['seconds']:6.2f} s, "
                    f"peak memory {result['peak_mb']:6.1f} MB (before the export: {result['before_mb']:.1f} MB) "
                    f"file {result['file_mb']:.1f} MB",
                    flush=True,
                )
        ok = True
        if 10000 in SIZES:
            seconds = results[(10000, False)]["seconds"]
            print(f"target: 10,000 with codes under 2 s: {seconds:.2f} s {'OK' if seconds < 2 else 'MISSED'}")
            ok &= seconds < 2
        if 10000 in SIZES and 100000 in SIZES:
            ratio = results[(100000, False)]["total_peak_mb"] / results[(10000, False)]["total_peak_mb"]
            print(
                "target: peak memory (both processes) at 100,000 / at 10,000 at most 1.3: "
                f"{ratio:.2f} {'OK' if ratio <= 1.3 else 'MISSED'}"
            )
            ok &= ratio <= 1.3
        return 0 if ok else 1
    finally:
        if folder and os.getenv("BENCH_KEEP"):
            print(f"Kept {os.environ['DATABASE_URL']}")
        elif folder:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            from django.db import connections

            connections.close_all()


if __name__ == "__main__":
    sys.exit(main())
