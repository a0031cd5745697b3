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
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.getenv("BENCH_PORT", "8765"))
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
    env = dict(env, BENCH_CLIENTS=str(CLIENTS))
    script = """
import datetime as dt
from django.core.management import call_command
from django.utils import timezone
from surveys.models import Contact, Partnership, Questionnaire
from surveys.services.waves import wave_open, access_key_mint
call_command("migrate", verbosity=0)
call_command("load_questionnaires", verbosity=0)
for i in range(int(__import__("os").environ["BENCH_CLIENTS"])):
    p, _ = Partnership.objects.get_or_create(acronym=f"BENCH{i:02d}", defaults={"programme": "escp-4i", "group": "strand-1"})
    Contact.objects.get_or_create(partnership=p, email=f"c{i}@bench.example.org", defaults={"name": f"C {i}"})
version = Questionnaire.objects.get(code="escp-4i-progress").latest_version()
now = timezone.now()
wave = wave_open(version=version, slug=f"bench-{int(now.timestamp())}", opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=1))
for invitation in wave.invitations.all():
    print("KEY", access_key_mint(invitation=invitation))
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.split()[1] for line in out.splitlines() if line.startswith("KEY ")]


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


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in the URL if it does not exist yet."""
    if not url.startswith("postgres"):
        return
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    admin = psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


def main() -> int:
    env = dict(os.environ, SECRET_KEY="bench-secret", DEBUG="false", ALLOWED_HOSTS="127.0.0.1", SECURE_COOKIES="false")
    tmp = None
    if not env.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="bench-journey-")
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    ensure_database(env["DATABASE_URL"])
    keys = setup(env)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "escp_survey.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/")
                break
            except OSError:
                time.sleep(0.2)
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
    finally:
        server.terminate()
        server.wait(timeout=10)
    quantiles = statistics.quantiles(latencies, n=100)
    engine = "postgresql" if "postgres" in env["DATABASE_URL"] else "sqlite"
    print(f"journey: {len(keys)} respondents, {engine}, gunicorn 2x4, {elapsed:.1f} s")
    print(f"  pages per second: {len(latencies) / elapsed:.0f} (GET and POST of section pages)")
    print(f"  latency p50: {quantiles[49] * 1000:.1f} ms, p95: {quantiles[94] * 1000:.1f} ms")
    print(f"  errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
