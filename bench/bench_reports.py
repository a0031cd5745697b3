#!/usr/bin/env python
"""Reports at scale: a wave of 100,000 completed responses (ESCP-4i questionnaire, every
answer kind: options with comments and numbers, countries, numbers, repeat tables with
choice/country/date/partnership fields, texts) following a previous wave of the same size.

Prints the time to build the data, of the whole report (JSON contract, including the
comparison with the previous wave and the panel of partnerships that answered both), of the
dashboard page (cold: figures rendered; warm: figures from the cache) and the query counts.

Own database: PostgreSQL database `bench_reports` on the server of DATABASE_URL when it is
set (dropped and created anew), else a temporary SQLite file. BENCH_RESPONSES=10000 for a
quicker run; BENCH_KEEP=1 keeps the SQLite file for a closer look; BENCH_REUSE=1 keeps the
data between runs and builds it only when missing (SQLite file `bench-reports-<N>.sqlite3`
in the system's temporary folder, or the PostgreSQL database `bench_reports_<N>`).

The answers are bulk-loaded behind the services' back, so the tallies the report reads are
recomputed with `rebuild_tallies` afterwards (its time is printed apart). Target: the whole
report of 100,000 responses in under 2 seconds.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
N = int(os.getenv("BENCH_RESPONSES", "100000"))
TEMPLATES = 1000

ANSWER_COLUMNS = "question_id, option_id, matrix_row_id, partnership_id, country, text, comment, number, date"


def clone(copies: list[tuple[int, int]]) -> None:
    """Copy the answers and repeat rows of template responses to other responses, in SQL."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_copy (response_id bigint, template_id bigint)")
        cursor.executemany("INSERT INTO bench_copy VALUES (%s, %s)", copies)
        cursor.execute(
            "INSERT INTO surveys_repeatrow (response_id, question_id, position, created_at, updated_at) "
            "SELECT c.response_id, r.question_id, r.position, r.created_at, r.updated_at "
            "FROM surveys_repeatrow r JOIN bench_copy c ON c.template_id = r.response_id"
        )
        cursor.execute(
            f"INSERT INTO surveys_answer (response_id, repeat_row_id, {ANSWER_COLUMNS}, created_at, updated_at) "
            f"SELECT c.response_id, nr.id, {', '.join('a.' + col.strip() for col in ANSWER_COLUMNS.split(','))}, "
            "a.created_at, a.updated_at "
            "FROM surveys_answer a JOIN bench_copy c ON c.template_id = a.response_id "
            "LEFT JOIN surveys_repeatrow tr ON tr.id = a.repeat_row_id "
            "LEFT JOIN surveys_repeatrow nr ON nr.response_id = c.response_id "
            "AND nr.question_id = tr.question_id AND nr.position = tr.position"
        )
        cursor.execute("DROP TABLE bench_copy")


REUSE = bool(os.getenv("BENCH_REUSE"))


def configure_database() -> str | None:
    url = os.getenv("DATABASE_URL", "")
    os.environ["DEBUG"] = "true"
    # The bench measures the database and the rendering, not a shared Redis cache.
    os.environ["REDIS_URL"] = ""
    if url.startswith("postgres"):
        import psycopg

        parsed = urlparse(url)
        name = f"bench_reports_{N}" if REUSE else "bench_reports"
        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not (REUSE and exists):
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                conn.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = parsed._replace(path=f"/{name}").geturl()
        return None
    if REUSE:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/bench-reports-{N}.sqlite3"
        return None
    folder = tempfile.mkdtemp(prefix="bench-reports-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    return folder


def main() -> int:
    folder = configure_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escp_survey.settings")
    import django

    django.setup()
    try:
        return run()
    finally:
        if folder and not os.getenv("BENCH_KEEP"):
            shutil.rmtree(folder, ignore_errors=True)
        elif folder:
            print(f"Kept {os.environ['DATABASE_URL']}")


def timed(label: str, fn, repeat: int = 1):  # type: ignore[no-untyped-def]
    times = []
    result = None
    for _ in range(repeat):
        result = None  # the previous run's result is freed here, outside the timing
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    shown = (
        f"{min(times):.2f} s" if repeat == 1 else f"best {min(times):.2f} s, median {statistics.median(times):.2f} s"
    )
    print(f"{label:<52} {shown}", flush=True)
    return result, min(times)


def run() -> int:
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from reports.demo import fake_values
    from reports.models import Tally
    from reports.report import as_json, wave_report
    from surveys.definition.structure import structure_for
    from surveys.models import Answer, Partnership, Questionnaire, RepeatRow, Response, Wave
    from surveys.values import build_answer_rows

    print(f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, {N:,} responses per wave")
    call_command("migrate", verbosity=0)
    call_command("load_questionnaires", verbosity=0)
    version = Questionnaire.objects.get(code="escp-4i-progress").latest_version()
    assert version is not None
    structure = structure_for(version)
    nodes = structure.questions()

    def build() -> Wave:
        Partnership.objects.bulk_create(
            (
                Partnership(acronym=f"B{i:06d}", programme="escp-4i", group="strand-1" if i % 20 < 11 else "strand-2")
                for i in range(N)
            ),
            batch_size=5000,
        )
        ids = dict(Partnership.objects.values_list("acronym", "id"))
        acronyms = sorted(ids)
        now = timezone.now()
        previous = None
        for slug, days in (("bench-2018", 400), ("bench-2019", 30)):
            wave = Wave.objects.create(
                version=version,
                slug=slug,
                title=slug,
                opens_at=now - dt.timedelta(days=days),
                closes_at=now - dt.timedelta(days=days - 20),
                previous=previous,
            )
            previous = wave
            # 90% completed, 5% drafts, 5% not started: the indicators must ignore the last two.
            statuses = ["submitted"] * 18 + ["draft", "not_started"]
            Response.objects.bulk_create(
                (
                    Response(
                        wave=wave,
                        partnership_id=ids[a],
                        status=statuses[i % 20],
                        submitted_at=now if statuses[i % 20] == "submitted" else None,
                    )
                    for i, a in enumerate(acronyms)
                ),
                batch_size=5000,
            )
            responses = list(
                Response.objects.filter(wave=wave)
                .exclude(status="not_started")
                .select_related("partnership")
                .order_by("id")
            )
            # TEMPLATES responses get answers from the generator; the others copy one of them
            # inside the database (INSERT … SELECT), which builds millions of rows in seconds.
            templates = responses[:TEMPLATES]
            answers: list[Answer] = []
            repeats = []
            for response in templates:
                acronym = response.partnership.acronym
                index = int(acronym[1:])
                others = [acronyms[(index + k) % N] for k in (-1, 1, 7)]
                values = fake_values(structure, seed=f"{slug}:{acronym}", acronym=acronym, others=others)
                a, r = build_answer_rows(response=response, nodes=nodes, values=values, partnership_ids=ids)
                answers.extend(a)
                repeats.extend(r)
            created = RepeatRow.objects.bulk_create([row for row, _ in repeats], batch_size=5000)
            for row, (_, row_answers) in zip(created, repeats, strict=True):
                for answer in row_answers:
                    answer.repeat_row = row
                answers.extend(row_answers)
            Answer.objects.bulk_create(answers, batch_size=5000)
            copies = [(r.pk, templates[i % len(templates)].pk) for i, r in enumerate(responses[len(templates) :])]
            clone(copies)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return Wave.objects.get(slug="bench-2019")

    if REUSE and Wave.objects.filter(slug="bench-2019").exists():
        wave = Wave.objects.get(slug="bench-2019")
        print(f"{'Build both waves':<52} reused")
    else:
        wave, _ = timed("Build both waves (bulk inserts, copies in SQL)", build)
    print(f"{'Answer rows':<52} {Answer.objects.count():,}")
    for slug in ("bench-2018", "bench-2019"):
        timed(f"rebuild_tallies --wave {slug}", lambda slug=slug: call_command("rebuild_tallies", wave=slug))
    print(f"{'Tally rows (both waves)':<52} {Tally.objects.count():,}")
    if connection.vendor == "postgresql":
        # The rebuild rewrote the report's tables; autovacuum would clean and analyse them in
        # a while, done here at once so that the timings below do not depend on when it runs.
        with connection.cursor() as cursor:
            for table in ("reports_tally", "reports_responsefigure", "reports_namedpartnership"):
                cursor.execute(f"VACUUM ANALYZE {table}")

    with CaptureQueriesContext(connection) as ctx:
        report = wave_report(wave)
    print(f"{'Queries for the whole report':<52} {len(ctx.captured_queries)}")
    print(
        f"{'Completed responses in the report':<52} {report['population']['completed']['total']:,}"
        f" (panel {report['comparison']['panel']['size']['total']:,})"
    )
    _, best = timed("Whole report (JSON contract, with comparison)", lambda: as_json(wave_report(wave)), repeat=3)
    print(f"{'Target':<52} under 2 s: {'met' if best < 2 else 'NOT met'}")

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = reverse("reports:dashboard", args=[wave.slug])

    def page() -> int:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return len(response.content)

    from django.core.cache import cache

    cache.clear()
    size, _ = timed("Dashboard, cold (report computed, every figure drawn)", page)
    timed("Dashboard, warm (report and figures from the cache)", page, repeat=3)
    print(f"{'Dashboard page size':<52} {size / 1024:.0f} KiB")
    timed(
        "Excel report (xlsx, native charts)",
        lambda: client.get(reverse("reports:excel", args=[wave.slug])).content,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
