#!/usr/bin/env python
"""Benchmark of the respondent's whole flow, against a bare Django view on the same server.

A flow is one coordinator (each flow a distinct partnership) opening the personal link
(welcome), then for every section of the annex a GET of the page and a POST that saves it
with "Next", then the review page and the submission. Flows alternate between Annex A
(ESCP-4i, 6 sections) and Annex B (ESCP-S3, 7 sections); the answers are complete (every
question shown is answered, tables with the rows asked), different per coordinator.

On a database of its own (PostgreSQL: the DATABASE_URL's name + "_bench_flow", created
afresh; else a temporary SQLite file), it prints:

1. In process, per kind of request (Django test client on the same database and settings):
   median CPU ms (time.process_time) and queries (CaptureQueriesContext), and the size of
   the section pages; the same for the bare view.
2. Over HTTP, gunicorn 2 processes x 4 threads on 127.0.0.1: flows/s and requests/s with
   p50/p95 per kind of request, at 1 and at 20 concurrent clients (BENCH_FLOWS flows at
   most, BENCH_SECONDS at most); then section pages alone (GET) and the bare view returning
   a page of the same size, for BENCH_PAGE_SECONDS each at 1 and 20 clients, and the ratios.
3. That every answer sent is stored: it reloads every submitted response and compares it
   with what was posted; it fails (exit 1) on any answer lost or any request refused.

The machine may be shared: the figures are indicative, compare them within one run.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie
from typing import Any

from benchlib import (
    GUNICORN_THREADS,
    GUNICORN_WORKERS,
    ROOT,
    Browser,
    bench_env,
    collectstatic,
    gunicorn,
    open_wave,
    p50_p95,
)

CLIENTS = int(os.getenv("BENCH_CLIENTS", "20"))
FLOWS = int(os.getenv("BENCH_FLOWS", "100"))  # at CLIENTS clients; a tenth of it at 1 client
SECONDS = float(os.getenv("BENCH_SECONDS", "120"))
PAGE_SECONDS = float(os.getenv("BENCH_PAGE_SECONDS", "8"))
IN_PROCESS_FLOWS = 4  # per annex; the first warms the caches
# Per annex and way: flows whose section POSTs are measured with the audit trail written and
# with its writer disabled (issue 15 item 6), in turns.
HISTORY_FLOWS = int(os.getenv("BENCH_HISTORY_FLOWS", "6"))
ANNEXES = [
    ("escp-4i-progress", "escp-4i", "strand-1", "FLA"),
    ("escp-s3-progress", "escp-s3", "s3", "FLB"),
]
KINDS = ["welcome", "section GET", "section POST", "review", "submit"]
# The targets (issue 17), checked at the end.
TARGET_CPU_MS = {"section GET": 4, "section POST": 8, "submit": 10}
TARGET_QUERIES = {"section GET": 3, "section POST": 6, "submit": 8}
TARGET_PAGE_KB = 25
TARGET_FLOWS = 60
TARGET_PAGE_RATIO = 1 / 7
TARGET_P95_MS = 100


# Complete answers, from the definition ------------------------------------------------------


def fill(node: Any, values: dict[str, Any], tag: str) -> Any:
    """A valid answer to this question, its texts marked with the coordinator's tag."""
    from surveys.models import Question
    from surveys.values import Choice, PartnershipValue, Ticked, rows_expected

    T = Question.Type
    q = node.question
    if node.type == T.MULTI_CHOICE:
        picked = [o for o in node.options if not o.exclusive and not o.is_other][:2]
        return {
            o.code: Ticked(
                comment=f"Comment {o.code} {tag}" if o.comment else "",
                number=Decimal(3) if o.number_label else None,
            )
            for o in picked
        }
    if node.type in (T.SINGLE_CHOICE, T.YES_NO):
        return Choice(option=next(o.code for o in node.options if not o.is_other))
    if node.type == T.RATING_MATRIX:
        return {row.code: node.options[-1].code for row in node.rows}
    if node.type == T.NUMBER:
        number = Decimal(2)
        if q.min_value is not None:
            number = max(number, q.min_value)
        if q.max_value is not None:
            number = min(number, q.max_value)
        return number
    if node.type in (T.TEXT, T.LONG_TEXT):
        return f"{node.code} of {tag}"
    if node.type == T.DATE:
        return dt.date(2019, 5, 13)
    if node.type == T.COUNTRIES:
        return ["JP", "CN"][: q.max_items or 2]
    if node.type == T.PARTNERSHIP:
        return PartnershipValue(text=f"Partner of {tag}")
    if node.type == T.REPEAT:
        count = rows_expected(node, values) or 2
        return [{f.code: fill(f, values, f"{tag} row {i}") for f in node.fields} for i in range(count)]
    raise ValueError(node.type)


def complete_answers(structure: Any, tag: str) -> dict[str, dict[str, Any]]:
    """Answers of every question shown, by section code."""
    from surveys.values import hidden_codes

    values: dict[str, Any] = {}
    by_section: dict[str, dict[str, Any]] = {}
    for section in structure.sections:
        mine = by_section.setdefault(section.code, {})
        for node in section.questions:
            if node.code in hidden_codes(structure, values):
                continue
            values[node.code] = mine[node.code] = fill(node, values, tag)
    return by_section


@dataclass
class Coordinator:
    key: str
    annex: str
    acronym: str
    answers: dict[str, dict[str, Any]]
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)


def coordinators(keys: dict[str, list[tuple[str, str]]]) -> dict[str, list[Coordinator]]:
    from journey.forms import raw_for_section
    from surveys.definition.structure import structure_for
    from surveys.models import Questionnaire

    result: dict[str, list[Coordinator]] = {}
    for code, pairs in keys.items():
        structure = structure_for(Questionnaire.objects.get(code=code).latest_version())
        result[code] = []
        for acronym, key in pairs:
            answers = complete_answers(structure, acronym)
            c = Coordinator(key=key, annex=code, acronym=acronym, answers=answers)
            for section in structure.sections:
                c.posts[section.code] = raw_for_section(section, answers[section.code])
            result[code].append(c)
    return result


def interleave(groups: dict[str, list[Coordinator]], count: int) -> list[Coordinator]:
    """`count` coordinators taken from the annexes in turn (removed from the groups)."""
    taken = []
    while len(taken) < count and any(groups.values()):
        for pool in groups.values():
            if pool and len(taken) < count:
                taken.append(pool.pop(0))
    return taken


# One flow ------------------------------------------------------------------------------------


class Flows:
    """Latencies per kind of request, sizes of section pages, errors; shared by threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.done: list[Coordinator] = []

    def note(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def fail(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def lock_of(body: str) -> str:
    import re

    found = re.search(r'name="lock_version" value="(\d+)"', body)
    return found.group(1) if found else "0"


def run_flow(c: Coordinator, flows: Flows, sections: list[str]) -> None:
    browser = Browser()
    base = f"/r/{c.key}/"
    status, _, _, seconds = browser.get(base)
    flows.note("welcome", seconds)
    if status != 200:
        return flows.fail(f"{c.acronym} welcome: {status}")
    for code in sections:
        path = f"{base}section/{code}/"
        status, body, _, seconds = browser.get(path)
        flows.note("section GET", seconds)
        if status != 200:
            return flows.fail(f"{c.acronym} GET {code}: {status}")
        form = {**c.posts[code], "action": "next", "lock_version": lock_of(body)}
        status, body, _, seconds = browser.post(path, form)
        flows.note("section POST", seconds)
        if status != 302:
            return flows.fail(f"{c.acronym} POST {code}: {status} {body[:300]!r}")
    status, _, _, seconds = browser.get(f"{base}review/")
    flows.note("review", seconds)
    if status != 200:
        return flows.fail(f"{c.acronym} review: {status}")
    status, _, headers, seconds = browser.post(f"{base}submit/", {})
    flows.note("submit", seconds)
    if status != 302 or not headers.get("location", "").endswith("/done/"):
        return flows.fail(f"{c.acronym} submit: {status} {headers.get('location')}")
    with flows.lock:
        flows.done.append(c)
    return None


def run_flows(todo: list[Coordinator], clients: int, sections: dict[str, list[str]]) -> tuple[Flows, float]:
    flows = Flows()
    queue = list(todo)
    stop = time.monotonic() + SECONDS

    def worker() -> None:
        while time.monotonic() < stop:
            with flows.lock:
                if not queue:
                    return
                c = queue.pop(0)
            run_flow(c, flows, sections[c.annex])

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return flows, time.monotonic() - started


def run_pages(paths: list[str], clients: int) -> tuple[int, list[float], list[str], float]:
    """Each client GETs its pages in turn for PAGE_SECONDS: count, latencies, errors, seconds."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + PAGE_SECONDS

    def worker(mine: list[str]) -> None:
        browser = Browser()
        local: list[float] = []
        i = 0
        while time.monotonic() < stop:
            status, _, _, seconds = browser.get(mine[i % len(mine)])
            local.append(seconds)
            if status != 200:
                with lock:
                    errors.append(f"GET {mine[i % len(mine)]}: {status}")
            i += 1
        with lock:
            latencies.extend(local)

    per_client = [paths[i::clients] or paths for i in range(clients)]
    threads = [threading.Thread(target=worker, args=(mine,)) for mine in per_client]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors, time.monotonic() - started


# In process ----------------------------------------------------------------------------------


def statements(captured: list[dict[str, Any]]) -> int:
    """Queries as the issue's targets count them: the transactions' BEGIN and COMMIT left out
    (Django logs them on PostgreSQL; issue 17's first two rounds counted them)."""
    return sum(1 for q in captured if q["sql"] not in ("BEGIN", "COMMIT"))


def in_process(
    todo: list[Coordinator], sections: dict[str, list[str]]
) -> tuple[dict[str, list[tuple[float, int]]], list[int]]:
    """(CPU ms, queries) of every request by kind, and the sizes of the section pages."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    measured: dict[str, list[tuple[float, int]]] = defaultdict(list)
    sizes: list[int] = []

    def measure(kind: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        with CaptureQueriesContext(connection) as queries:
            started = time.process_time()
            response = call(*args, **kwargs)
            cpu = (time.process_time() - started) * 1000
        measured[kind].append((cpu, statements(queries.captured_queries)))
        return response

    # One client (one handler: a new one loads the middleware again, whitenoise scanning
    # every static file, 70 ms that no served request pays); each flow a fresh set of cookies.
    client = Client()
    for c in todo:
        client.cookies = SimpleCookie()
        base = f"/r/{c.key}/"
        measure("welcome", client.get, base)
        for code in sections[c.annex]:
            page = measure("section GET", client.get, f"{base}section/{code}/")
            assert page.status_code == 200, (c.acronym, code, page.status_code)
            sizes.append(len(page.content))
            form = {**c.posts[code], "action": "next", "lock_version": lock_of(page.content.decode())}
            saved = measure("section POST", client.post, f"{base}section/{code}/", form)
            assert saved.status_code == 302, (c.acronym, code, saved.status_code, saved.content[:2000])
        measure("review", client.get, f"{base}review/")
        done = measure("submit", client.post, f"{base}submit/")
        assert done.status_code == 302 and done["Location"].endswith("/done/"), (c.acronym, done.status_code)
    size = int(statistics.mean(sizes))
    for _ in range(20):
        measure("bare view", client.get, f"/bench-bare/?bytes={size}")
    return measured, sizes


def history_cost(
    todo: list[Coordinator], sections: dict[str, list[str]]
) -> dict[bool, list[tuple[float, float, int, float]]]:
    """Section POSTs with the audit trail (True) and with its writer disabled, here only
    (False): (wall ms, CPU ms, queries, ms of the history's INSERT as the database
    connection timed it) each. Flows go in pairs (Annex A, Annex B), pairs
    in turns with and without, so that the machine's load falls on both alike; the first
    pair warms the caches and is not counted. Every POST is a section's first save, so every
    answered question makes an entry: the most a save writes."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import surveys.services.responses as responses

    written = responses.history_record

    def disabled(**kwargs: Any) -> int:
        return 0

    measured: dict[bool, list[tuple[float, float, int, float]]] = {True: [], False: []}
    client = Client()
    try:
        for number, c in enumerate(todo):
            pair = number // 2
            with_history = pair % 2 == 1
            responses.history_record = written if with_history else disabled  # type: ignore[assignment]
            client.cookies = SimpleCookie()
            base = f"/r/{c.key}/"
            client.get(base)
            for code in sections[c.annex]:
                page = client.get(f"{base}section/{code}/")
                form = {**c.posts[code], "action": "next", "lock_version": lock_of(page.content.decode())}
                with CaptureQueriesContext(connection) as queries:
                    wall, cpu = time.perf_counter(), time.process_time()
                    saved = client.post(f"{base}section/{code}/", form)
                    cpu, wall = (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000
                assert saved.status_code == 302, (c.acronym, code, saved.status_code)
                if pair > 0:
                    inserts = sum(
                        float(q["time"]) * 1000 for q in queries.captured_queries if "surveys_answerchange" in q["sql"]
                    )
                    measured[with_history].append((wall, cpu, statements(queries.captured_queries), inserts))
    finally:
        responses.history_record = written
    return measured


# Answers stored ------------------------------------------------------------------------------


def lost_answers(done: list[Coordinator]) -> tuple[int, int, list[str]]:
    """(answers checked, answers lost, what differs) over the submitted flows."""
    from surveys.definition.structure import structure_for
    from surveys.models import AccessKey, Response
    from surveys.models.waves import hash_key
    from surveys.values import load_values

    checked = lost = 0
    problems: list[str] = []
    for c in done:
        invitation = AccessKey.objects.select_related("invitation__contact").get(key_hash=hash_key(c.key)).invitation
        response = Response.objects.select_related("wave__version").get(
            wave_id=invitation.wave_id, partnership_id=invitation.contact.partnership_id
        )
        stored = load_values(response, structure_for(response.wave.version))
        if response.status != Response.Status.SUBMITTED:
            problems.append(f"{c.acronym}: not submitted ({response.status})")
            lost += 1
        for section in c.answers.values():
            for code, value in section.items():
                checked += 1
                if stored.get(code) != value:
                    lost += 1
                    problems.append(f"{c.acronym} {code}: sent {value!r}, stored {stored.get(code)!r}")
    return checked, lost, problems


# Report --------------------------------------------------------------------------------------


def median(pairs: list[tuple[float, int]], index: int) -> float:
    return statistics.median(p[index] for p in pairs) if pairs else 0.0


def main() -> int:
    env = bench_env(database_suffix="_bench_flow")
    per_annex = IN_PROCESS_FLOWS + (FLOWS // 10 + FLOWS) // 2 + 2 + CLIENTS // 2 + 1 + 1 + 2 * HISTORY_FLOWS
    keys: dict[str, list[tuple[str, str]]] = {}
    for code, programme, group, prefix in ANNEXES:
        keys[code] = open_wave(
            env, questionnaire=code, programme=programme, group=group, prefix=prefix, count=per_annex
        )
    collectstatic(env)

    os.environ.update(env)
    sys.path.insert(1, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escp_survey.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bare_urls"
    from surveys.definition.structure import structure_for
    from surveys.models import Questionnaire

    sections = {
        code: [s.code for s in structure_for(Questionnaire.objects.get(code=code).latest_version()).sections]
        for code, *_ in ANNEXES
    }
    pools = coordinators(keys)
    measured_flows = interleave(pools, 2 * IN_PROCESS_FLOWS)
    measured, sizes = in_process(measured_flows, sections)
    history = history_cost(interleave(pools, 2 + 4 * HISTORY_FLOWS), sections)
    page_size = int(statistics.mean(sizes))
    page_paths = [f"/r/{c.key}/section/{code}/" for c in interleave(pools, CLIENTS) for code in sections[c.annex]]
    one = interleave(pools, max(2, FLOWS // 10))
    many = interleave(pools, FLOWS)

    engine = "postgresql" if "postgres" in env["DATABASE_URL"] else "sqlite"
    print(f"flow: {engine}, gunicorn {GUNICORN_WORKERS}x{GUNICORN_THREADS} on 127.0.0.1, {os.cpu_count()} cores")
    print("  (the machine may be shared: figures are indicative; compare them within this run)")
    print(f"\nin process, median over {len(measured_flows)} flows (Annex A and B in turn):")
    print(f"  {'request':<14}{'CPU ms':>8}{'queries':>9}{'max q.':>8}")
    for kind in [*KINDS, "bare view"]:
        pairs = measured[kind]
        print(f"  {kind:<14}{median(pairs, 0):>8.1f}{median(pairs, 1):>9.0f}{max(p[1] for p in pairs):>8}")
    bare_cpu = median(measured["bare view"], 0)
    print(
        f"  section page HTML: mean {page_size / 1024:.1f} KB, max {max(sizes) / 1024:.1f} KB "
        f"(bare view page: {page_size} bytes); section GET CPU / bare view CPU: "
        f"{median(measured['section GET'], 0) / bare_cpu:.1f}x"
    )

    print(f"\nsection POST with the audit trail and without (its writer disabled), median of {len(history[True])}:")
    print(f"  {'':<22}{'wall ms':>9}{'CPU ms':>8}{'queries':>9}")
    for way, label in ((True, "with history"), (False, "history writer off")):
        rows = history[way]
        print(
            f"  {label:<22}{statistics.median(r[0] for r in rows):>9.1f}"
            f"{statistics.median(r[1] for r in rows):>8.1f}{statistics.median(r[2] for r in rows):>9.0f}"
        )
    extra = statistics.median(p[0] for p in history[True]) - statistics.median(p[0] for p in history[False])
    print(f"  the history costs a save {extra:+.1f} ms (wall, median against median)")
    insert = statistics.mean(p[3] for p in history[True])
    print(f"  its INSERT alone: {insert:.2f} ms a save on average (the connection's timing, to the ms)")

    errors: list[str] = []
    done: list[Coordinator] = []
    results: dict[str, float] = {}
    with gunicorn(env, app="bare_wsgi"):
        for clients, todo in ((1, one), (CLIENTS, many)):
            flows, elapsed = run_flows(todo, clients, sections)
            errors += flows.errors
            done += flows.done
            requests = sum(len(v) for v in flows.latencies.values())
            results[f"flows {clients}"] = len(flows.done) / elapsed
            print(
                f"\nflows at c={clients}: {len(flows.done)} flows in {elapsed:.1f} s: "
                f"{len(flows.done) / elapsed:.1f} flows/s, {requests / elapsed:.0f} requests/s"
            )
            for kind in KINDS:
                p50, p95 = p50_p95(flows.latencies[kind])
                print(f"  {kind:<14} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({len(flows.latencies[kind])})")
        for clients in (1, CLIENTS):
            count, latencies, page_errors, elapsed = run_pages(page_paths, clients)
            errors += page_errors
            bare_count, bare_latencies, bare_errors, bare_elapsed = run_pages(
                [f"/bench-bare/?bytes={page_size}"], clients
            )
            errors += bare_errors
            rate, bare_rate = count / elapsed, bare_count / bare_elapsed
            p50, p95 = p50_p95(latencies)
            b50, b95 = p50_p95(bare_latencies)
            results[f"pages {clients}"], results[f"p95 {clients}"] = rate, p95
            results[f"ratio {clients}"] = rate / bare_rate
            print(f"\nsection pages (GET) at c={clients}: {rate:.0f} pages/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms")
            print(f"  bare view, {page_size} bytes:   {bare_rate:.0f} pages/s, p50 {b50:.1f} ms, p95 {b95:.1f} ms")
            print(f"  ratio to the bare view: 1/{bare_rate / rate:.1f}")

    checked, lost, problems = lost_answers(done)
    print(f"\nanswers: {checked} answers of {len(done)} submitted flows checked, {lost} lost")
    for problem in problems[:10]:
        print(f"  LOST {problem}")
    for error in errors[:10]:
        print(f"  ERROR {error}")

    print("\ntargets (issue 17):")
    for kind, limit in TARGET_CPU_MS.items():
        cpu = median(measured[kind], 0)
        print(f"  {kind} CPU {cpu:.1f} ms <= {limit}: {'met' if cpu <= limit else 'NOT met'}")
    for kind, limit in TARGET_QUERIES.items():
        most = max(p[1] for p in measured[kind])
        print(f"  {kind} queries {most} <= {limit}: {'met' if most <= limit else 'NOT met'}")
    print(
        f"  section page {max(sizes) / 1024:.1f} KB < {TARGET_PAGE_KB}: "
        f"{'met' if max(sizes) < TARGET_PAGE_KB * 1024 else 'NOT met'}"
    )
    ratio, p95 = results[f"ratio {CLIENTS}"], results[f"p95 {CLIENTS}"]
    print(f"  pages c={CLIENTS} ratio 1/{1 / ratio:.1f} >= 1/7: {'met' if ratio >= TARGET_PAGE_RATIO else 'NOT met'}")
    print(f"  pages c={CLIENTS} p95 {p95:.0f} ms < {TARGET_P95_MS}: {'met' if p95 < TARGET_P95_MS else 'NOT met'}")
    flows_rate = results[f"flows {CLIENTS}"]
    print(
        f"  flows c={CLIENTS} {flows_rate:.1f}/s >= {TARGET_FLOWS}: {'met' if flows_rate >= TARGET_FLOWS else 'NOT met'}"
    )
    if lost or errors:
        print(f"\nFAILED: {lost} answers lost, {len(errors)} requests refused")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
