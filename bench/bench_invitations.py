#!/usr/bin/env python
"""10,000 invitations through a real Celery worker to a local SMTP server (aiosmtpd).

Prints messages per second (from the "send invitations" call until the last one is marked
sent) and duplicates (addresses that got more than one; must be 0). Target: 100 messages per
second on 2 cores (LimeSurvey: 20 per second on the same machine).

Needs PostgreSQL: DATABASE_URL names a server where it may create and drop its own database
(`<name>_bench_invitations`). The broker is Redis where REDIS_URL is set, else the embedded
filesystem broker in a temporary folder. Environment: BENCH_INVITATIONS (default 10000),
BENCH_WORKERS (worker processes, default 4: sending waits on the network more than on the CPU).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOTAL = int(os.getenv("BENCH_INVITATIONS", "10000"))
WORKERS = int(os.getenv("BENCH_WORKERS", "4"))
TARGET = 100.0


class Counting:
    """SMTP handler that counts deliveries per recipient."""

    def __init__(self) -> None:
        self.per_address: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.per_address.update(envelope.rcpt_tos)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_database(url: str, *, create: bool) -> str:
    """(Re)create or drop the benchmark's own database next to DATABASE_URL's; return its URL."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    name = f"{cfg['NAME']}_bench_invitations"
    admin = psycopg.connect(
        dbname="postgres",
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        autocommit=True,
    )
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            admin.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def main() -> int:
    url = os.getenv("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("skipped: needs DATABASE_URL=postgres://… (several worker processes write at once; SQLite would")
        print("measure its own write lock). For example DATABASE_URL=postgres://postgres@127.0.0.1:5432/escp")
        return 0
    port = free_port()
    queue = f"bench-invitations-{uuid.uuid4().hex[:8]}"
    broker_dir = tempfile.mkdtemp(prefix="escp-bench-broker-")
    env = {
        "DATABASE_URL": bench_database(url, create=True),
        "DEBUG": "true",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "OUTREACH_QUEUE": queue,
        "CELERY_BROKER_DIR": broker_dir,
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escp_survey.settings")
    import django

    django.setup()
    import datetime as dt

    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from outreach.models import Message
    from outreach.services import invitations_send
    from surveys.definition.loader import normalise, questionnaire_load
    from surveys.models import Contact, Partnership
    from surveys.services.waves import wave_open

    call_command("migrate", verbosity=0)
    version = questionnaire_load(
        definition=normalise(
            {
                "code": "bench",
                "title": "Benchmark survey",
                "version": 1,
                "groups": ["cluster-organisation"],
                "sections": [{"code": "s", "title": "S", "questions": [{"code": "Q", "type": "text", "text": "Q?"}]}],
            }
        )
    ).version
    partnerships = Partnership.objects.bulk_create(
        Partnership(
            acronym=f"ORG{n:05d}", name=f"Cluster organisation {n}", programme="eccp", group="cluster-organisation"
        )
        for n in range(TOTAL // 2 + TOTAL % 2)
    )
    Contact.objects.bulk_create(
        Contact(partnership=partnerships[n // 2], name=f"Contact {n}", email=f"contact{n}@org{n // 2}.example.org")
        for n in range(TOTAL)
    )
    now = timezone.now()
    wave = wave_open(
        version=version, slug="bench", opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=30)
    )

    handler = Counting()
    # aiosmtpd logs every SMTP command at INFO: that would be most of the work here.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "escp_survey", "worker", "--concurrency", str(WORKERS),
            "--queues", queue, "--loglevel", "WARNING", "--hostname", f"{queue}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
    )  # fmt: skip
    try:
        time.sleep(4)  # let the worker boot: the figure is about sending, not start-up
        broker = "Redis" if settings.REDIS_URL else "filesystem broker"
        print(f"{TOTAL} invitations, {WORKERS} worker processes, {broker}, batches of {settings.OUTREACH_BATCH_SIZE}")
        started = time.monotonic()
        invitations_send(wave=wave)
        queued_in = time.monotonic() - started
        deadline = started + 600
        while time.monotonic() < deadline:
            pending = Message.objects.filter(status__in=["queued", "sending"]).count()
            if pending == 0:
                break
            time.sleep(0.25)
        elapsed = time.monotonic() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        controller.stop()
    statuses = Counter(Message.objects.values_list("status", flat=True))
    delivered = sum(handler.per_address.values())
    duplicates = sum(n - 1 for n in handler.per_address.values() if n > 1)
    rate = statuses.get("sent", 0) / elapsed
    print(f"queued in {queued_in:.2f} s; all sent in {elapsed:.1f} s")
    print(f"messages per second: {rate:.0f} (target {TARGET:.0f}: {'met' if rate >= TARGET else 'NOT met'})")
    print(f"delivered: {delivered}, distinct addresses: {len(handler.per_address)}, duplicates: {duplicates}")
    print(f"rows: {dict(statuses)}")
    from django.db import connections

    connections.close_all()
    bench_database(url, create=False)
    ok = duplicates == 0 and len(handler.per_address) == TOTAL and statuses.get("sent", 0) == TOTAL
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
