"""A real Celery worker against the machine's Redis, sending to a local SMTP server (aiosmtpd).

The worker is a separate process, so it must see the test's rows: these tests commit
(`transaction=True`) to the PostgreSQL test database and hand its name to the worker. An
in-memory SQLite test database cannot be shared, so without PostgreSQL and Redis they are
skipped, except in CI (CI_REQUIRE_SERVICES=1), where they must run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.utils import timezone

from escp_survey.celery import app as celery_app
from outreach.models import Message
from outreach.services import invitations_send, messages_recover
from surveys.definition.loader import normalise, questionnaire_load
from surveys.models import Wave
from surveys.services.waves import wave_open
from tests.factories import ContactFactory, PartnershipFactory

from .conftest import TINY

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _eager_tasks() -> Iterator[None]:
    # Overrides the conftest's: here tasks really go through Redis to the worker.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _services() -> None:
    problems = []
    if connection.vendor != "postgresql":
        problems.append("a PostgreSQL test database (DATABASE_URL): a worker process cannot share in-memory SQLite")
    if not settings.REDIS_URL:
        problems.append("Redis (REDIS_URL)")
    if problems:
        reason = "needs " + " and ".join(problems)
        if os.getenv("CI_REQUIRE_SERVICES"):
            pytest.fail(f"CI must run the worker tests but this run {reason}")
        pytest.skip(reason)


class Recorder:
    """An SMTP handler that keeps what it accepted; `before_accept` may refuse a message."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.before_accept: Callable[[int], bool] | None = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.before_accept is not None and self.before_accept(len(self.received)):
                return "451 4.3.0 Try again later"
            header = message_from_bytes(envelope.content)["X-ESCP-Message"]
            self.received.extend((rcpt, header) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    # aiosmtpd logs every SMTP command at INFO: that would be most of the work here.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


def database_url() -> str:
    d = connection.settings_dict
    auth = quote(d["USER"] or "")
    if d["PASSWORD"]:
        auth += ":" + quote(d["PASSWORD"])
    return f"postgres://{auth}@{d['HOST'] or 'localhost'}:{d['PORT'] or 5432}/{d['NAME']}"


class Workers:
    """Starts Celery workers on a queue of this test's own, and kills them at the end."""

    def __init__(self, port: int, tmp: Path) -> None:
        self.queue = f"outreach-test-{uuid.uuid4().hex[:12]}"
        self.port = port
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "OUTREACH_QUEUE": self.queue,
            "OUTREACH_BATCH_SIZE": "10",
            "LOG_LEVEL": "WARNING",
        }
        log = (self.tmp / f"worker-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "escp_survey", "worker",
                "--concurrency", "1", "--queues", self.queue, "--loglevel", "WARNING",
                "--hostname", f"{self.queue}-{len(self.procs)}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        # The whole group: the worker and its pool process, mid-batch, without any cleanup.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.tmp.glob("worker-*.log")))

    def stop(self) -> None:
        for proc in self.procs:
            self.kill(proc)
            proc.wait(timeout=10)


@pytest.fixture
def workers(smtp: tuple[Recorder, int], settings: Any, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(smtp[1], tmp_path)
    settings.OUTREACH_QUEUE = pool.queue
    settings.OUTREACH_BATCH_SIZE = 10
    yield pool
    pool.stop()
    import redis

    redis.Redis.from_url(settings.REDIS_URL).delete(pool.queue)


def open_wave(partnerships: int) -> Wave:
    """A wave open now for `partnerships` partnerships of two contacts each."""
    version = questionnaire_load(definition=normalise(TINY, source="tests"), source="tests").version
    for n in range(partnerships):
        p = PartnershipFactory(acronym=f"P{n:02d}", group="strand-1")
        ContactFactory(partnership=p, name=f"First {n}", email=f"first{n}@p{n}.example.org")
        ContactFactory(partnership=p, name=f"Second {n}", email=f"second{n}@p{n}.example.org")
    now = timezone.now()
    return wave_open(
        version=version, slug="live", opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=20)
    )


def wait_for(condition: Callable[[], bool], workers: Workers, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    counts = dict(Counter(Message.objects.values_list("status", flat=True)))
    counts["left"] = list(
        Message.objects.exclude(status="sent").values_list(
            "pk", "status", "attempts", "send_after", "dispatched_at", "last_error"
        )
    )  # type: ignore[assignment]
    counts["now"] = timezone.now()  # type: ignore[assignment]
    pytest.fail(f"timed out waiting for {what}; messages {counts}\n{workers.logs()}")


def sent(wave: Wave) -> int:
    return Message.objects.filter(wave=wave, status=Message.Status.SENT).count()


def test_it_sends_every_invitation_exactly_once_through_a_real_worker(
    smtp: tuple[Recorder, int], workers: Workers
) -> None:
    recorder, _ = smtp
    wave = open_wave(15)
    workers.start()

    result = invitations_send(wave=wave)
    wait_for(lambda: sent(wave) == 30, workers, "30 invitations")

    assert result.queued == 30
    per_address = Counter(rcpt for rcpt, _ in recorder.received)
    assert len(per_address) == 30
    assert set(per_address.values()) == {1}
    # Each email carries the id of its row, and that row says it went to that address.
    rows = dict(Message.objects.filter(wave=wave).values_list("pk", "to_email"))
    assert {rows[int(header)] for _, header in recorder.received} == set(per_address)


def test_it_sends_every_invitation_exactly_once_when_the_worker_is_killed_mid_batch(
    smtp: tuple[Recorder, int], workers: Workers
) -> None:
    recorder, _ = smtp
    wave = open_wave(25)
    first = workers.start()
    killed = threading.Event()

    def kill_at_the_26th(accepted: int) -> bool:
        # The worker dies while the server holds its 26th message, before answering it: that
        # message and the last four of its batch of ten are claimed but not sent.
        if accepted == 25 and not killed.is_set():
            workers.kill(first)
            killed.set()
            return True
        return False

    recorder.before_accept = kill_at_the_26th
    invitations_send(wave=wave)
    wait_for(killed.is_set, workers, "the worker to be killed")
    first.wait(timeout=10)
    statuses = Counter(Message.objects.filter(wave=wave).values_list("status", flat=True))
    assert statuses == {"sent": 25, "sending": 5, "queued": 20}

    workers.start()
    # The periodic recovery, as it runs once the claim is older than OUTREACH_CLAIM_TIMEOUT.
    report = messages_recover(now=timezone.now() + dt.timedelta(seconds=settings.OUTREACH_CLAIM_TIMEOUT + 60))
    wait_for(lambda: sent(wave) == 50, workers, "all 50 invitations")

    assert report.requeued == 5
    per_address = Counter(rcpt for rcpt, _ in recorder.received)
    assert len(per_address) == 50
    assert set(per_address.values()) == {1}
