#!/usr/bin/env python
"""Load benchmark of the respondent journey: 20 concurrent respondents on section pages.

Starts gunicorn (2 processes x 4 threads) on its own database (PostgreSQL when DATABASE_URL
is set, else a temporary SQLite file), opens an Annex A wave for 20 partnerships and lets 20
client threads each walk the six sections: a GET of the page, then a POST that saves it with
"Next" (a redirect), for BENCH_SECONDS seconds. Prints pages per second and the 50th/95th
percentile latency. Target (issue 2): over 400 pages/s with a 95th percentile under 100 ms.
"""

from __future__ import annotations

import http.client
import os
import re
import sys
import threading
import time
from urllib.parse import urlencode

from benchlib import GUNICORN_THREADS, GUNICORN_WORKERS, PORT, bench_env, collectstatic, gunicorn, open_wave, p50_p95

SECONDS = float(os.getenv("BENCH_SECONDS", "15"))
CLIENTS = int(os.getenv("BENCH_CLIENTS", "20"))

SECTIONS = [
    ("respondent", {"R1": "Bench Person", "R2": "Manager"}),
    (
        "activities",
        {"A1": ["events_missions", "intelligence"], "A1.events_missions.comment": "Missions", "A2": ["JP", "CN"]},
    ),
    ("barriers", {"A3": ["sme_engagement"]}),
    (
        "achievements",
        {
            "A4": "1",
            "A5.rows": "1",
            "A5.0.counterpart_type": "cluster",
            "A5.0.organisation": "X",
            "A5.0.country": "JP",
            "A6": "no",
        },
    ),
    ("benefits", {"A8": ["knowledge_sharing"]}),
    ("practices", {"A10": "A practice"}),
]


def setup(env: dict[str, str]) -> list[str]:
    pairs = open_wave(
        env, questionnaire="escp-4i-progress", programme="escp-4i", group="strand-1", prefix="BENCH", count=CLIENTS
    )
    return [key for _, key in pairs]


def walk(key: str, stop: float, latencies: list[float], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    cookies = ""
    while time.monotonic() < stop:
        for code, data in SECTIONS:
            path = f"/r/{key}/section/{code}/"
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookies})
            page = conn.getresponse()
            body = page.read().decode()
            latencies.append(time.perf_counter() - started)
            for header, value in page.getheaders():
                if header.lower() == "set-cookie" and value.startswith("csrftoken="):
                    cookies = value.split(";", 1)[0]
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
            lock = re.search(r'name="lock_version" value="(\d+)"', body)
            if page.status != 200 or not token or not lock:
                errors.append(f"GET {path}: {page.status}")
                continue
            form = {"csrfmiddlewaretoken": token.group(1), "lock_version": lock.group(1), "action": "next", **data}
            started = time.perf_counter()
            conn.request(
                "POST",
                path,
                body=urlencode(form, doseq=True),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookies,
                    "Referer": f"http://127.0.0.1:{PORT}{path}",
                },
            )
            answer = conn.getresponse()
            answer.read()
            latencies.append(time.perf_counter() - started)
            if answer.status != 302:
                errors.append(f"POST {path}: {answer.status}")
            if time.monotonic() >= stop:
                break


def main() -> int:
    env = bench_env()
    keys = setup(env)
    collectstatic(env)
    with gunicorn(env):
        latencies: list[float] = []
        errors: list[str] = []
        stop = time.monotonic() + SECONDS
        threads = [threading.Thread(target=walk, args=(key, stop, latencies, errors)) for key in keys]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    p50, p95 = p50_p95(latencies)
    engine = "postgresql" if "postgres" in env["DATABASE_URL"] else "sqlite"
    print(
        f"journey: {len(keys)} respondents, {engine}, gunicorn {GUNICORN_WORKERS}x{GUNICORN_THREADS}, {elapsed:.1f} s"
    )
    print(f"  pages per second: {len(latencies) / elapsed:.0f} (GET and POST of section pages)")
    print(f"  latency p50: {p50:.1f} ms, p95: {p95:.1f} ms")
    print(f"  errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
