"""What the load benchmarks share: their database, the gunicorn they start, an HTTP client.

Not a benchmark itself (run_all.py runs only bench_*.py). Load goes only to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PORT = int(os.getenv("BENCH_PORT", "8765"))
# The same server configuration for every figure: 2 processes x 4 threads (2 cores).
GUNICORN_WORKERS = "2"
GUNICORN_THREADS = "4"


def bench_env(*, database_suffix: str = "") -> dict[str, str]:
    """The environment of the server and of the setup scripts.

    With `database_suffix`, a PostgreSQL DATABASE_URL names a database of its own (the name
    plus the suffix), dropped and created afresh: never the database the URL names.
    """
    env = dict(
        os.environ,
        SECRET_KEY="bench-secret",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_COOKIES="false",
        SECURE_SSL_REDIRECT="false",
    )
    url = env.get("DATABASE_URL", "")
    if not url:
        tmp = tempfile.mkdtemp(prefix="bench-")
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    elif url.startswith("postgres"):
        if database_suffix:
            base, _, name = url.rpartition("/")
            env["DATABASE_URL"] = f"{base}/{name.split('?')[0]}{database_suffix}"
        ensure_database(env["DATABASE_URL"], fresh=bool(database_suffix))
    return env


def ensure_database(url: str, *, fresh: bool = False) -> None:
    """Create the PostgreSQL database named in the URL if it does not exist yet (or afresh)."""
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
        if fresh:
            admin.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


def django_shell(env: dict[str, str], script: str) -> str:
    """Run a script in `manage.py shell` on the bench database; its standard output."""
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


# Open one wave of a questionnaire for `count` new partnerships of a group, with one
# contact each, and print one personal link key per partnership ("KEY <acronym> <key>").
OPEN_WAVE = """
import datetime as dt
from django.core.management import call_command
from django.utils import timezone
from surveys.models import Contact, Partnership, Questionnaire
from surveys.services.waves import wave_open, access_key_mint
call_command("migrate", verbosity=0)
call_command("load_questionnaires", verbosity=0)
code, programme, group, prefix, count = {args!r}
for i in range(count):
    p, _ = Partnership.objects.get_or_create(acronym=f"{{prefix}}{{i:03d}}", defaults={{"programme": programme, "group": group}})
    Contact.objects.get_or_create(partnership=p, email=f"c{{i}}@{{prefix.lower()}}.bench.example.org", defaults={{"name": f"C {{i}}"}})
version = Questionnaire.objects.get(code=code).latest_version()
now = timezone.now()
wave = wave_open(version=version, slug=f"bench-{{prefix.lower()}}-{{int(now.timestamp())}}", opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=1), groups=[group])
for invitation in wave.invitations.select_related("contact__partnership").filter(contact__partnership__acronym__startswith=prefix):
    print("KEY", invitation.contact.partnership.acronym, access_key_mint(invitation=invitation))
"""


def open_wave(
    env: dict[str, str], *, questionnaire: str, programme: str, group: str, prefix: str, count: int
) -> list[tuple[str, str]]:
    """(acronym, key) of `count` partnerships' personal links to a new wave of this questionnaire."""
    out = django_shell(env, OPEN_WAVE.format(args=(questionnaire, programme, group, prefix, count)))
    return sorted((line.split()[1], line.split()[2]) for line in out.splitlines() if line.startswith("KEY "))


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, app: str = "escp_survey.wsgi") -> Iterator[None]:
    """gunicorn on 127.0.0.1:PORT for the duration of the block (bench/ on its path)."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--pythonpath",
            str(HERE),
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            GUNICORN_WORKERS,
            "--threads",
            GUNICORN_THREADS,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        # No access log: gunicorn.conf.py (read from ROOT) writes one line a request to
        # standard output, thousands of lines amid the figures; errors are still shown.
        env={**env, "GUNICORN_ACCESS_LOG": ""},
    )
    try:
        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
                conn.request("GET", "/")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)


class Browser:
    """One respondent's connection: keeps its cookies, reads the page's CSRF token."""

    def __init__(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.cookies: dict[str, str] = {}
        self.token = ""

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _read(self) -> tuple[int, str, dict[str, str]]:
        page = self.conn.getresponse()
        body = page.read().decode()
        headers: dict[str, str] = {}
        for header, value in page.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            headers[header.lower()] = value
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if found:
            self.token = found.group(1)
        return page.status, body, headers

    def get(self, path: str) -> tuple[int, str, dict[str, str], float]:
        started = time.perf_counter()
        self.conn.request("GET", path, headers={"Cookie": self._cookie_header()})
        status, body, headers = self._read()
        return status, body, headers, time.perf_counter() - started

    def post(self, path: str, data: dict[str, object]) -> tuple[int, str, dict[str, str], float]:
        form = {"csrfmiddlewaretoken": self.token, **data}
        started = time.perf_counter()
        self.conn.request(
            "POST",
            path,
            body=urlencode(form, doseq=True),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": self._cookie_header(),
                "Referer": f"http://127.0.0.1:{PORT}{path}",
            },
        )
        status, body, headers = self._read()
        return status, body, headers, time.perf_counter() - started


def p50_p95(latencies: list[float]) -> tuple[float, float]:
    """The 50th and 95th percentiles, in milliseconds."""
    if len(latencies) < 2:
        only = latencies[0] * 1000 if latencies else 0.0
        return only, only
    q = statistics.quantiles(latencies, n=100)
    return q[49] * 1000, q[94] * 1000
