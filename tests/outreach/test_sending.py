"""Sending claimed messages: errors, retries with backoff, claims, recovery, rate."""

from __future__ import annotations

import datetime as dt
import smtplib
import uuid
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outreach.models import Kind, Message
from outreach.services import MAX_ATTEMPTS, backoff, messages_dispatch, messages_recover, messages_send
from surveys.models import Contact, Wave

from .conftest import T0


class ScriptedBackend(LocmemBackend):
    """The in-memory backend, except that each send takes the next outcome of `script`."""

    script: list[Exception | None] = []

    def send_messages(self, email_messages: Any) -> int:
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        return super().send_messages(email_messages)


@pytest.fixture
def scripted(settings: Any) -> type[ScriptedBackend]:
    settings.EMAIL_BACKEND = f"{__name__}.ScriptedBackend"
    ScriptedBackend.script = []
    return ScriptedBackend


def queue(wave: Wave, *contacts: Contact, kind: str = Kind.INVITATION) -> list[int]:
    """Queued rows as the queueing services make them, without dispatching them."""
    return [
        Message.objects.create(
            wave=wave, contact=c, kind=kind, sequence=0 if kind == Kind.INVITATION else 1, send_after=T0
        ).pk
        for c in contacts
    ]


@pytest.fixture
def recover(django_capture_on_commit_callbacks: Any) -> Any:
    """The periodic recovery, with the batches it dispatches run in-process."""

    def run() -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return messages_recover()

    return run


def state(pk: int) -> tuple[str, int, str]:
    m = Message.objects.get(pk=pk)
    return m.status, m.attempts, m.last_error


def test_it_marks_a_refused_recipient_failed_and_sends_the_others(
    wave: Wave, people: dict[str, Contact], scripted: type[ScriptedBackend]
) -> None:
    ada, ben = queue(wave, people["ada"], people["ben"])
    scripted.script = [smtplib.SMTPRecipientsRefused({"ada@gca.example.org": (550, b"5.1.1 No such user")})]

    report = messages_send(message_ids=[ada, ben])

    assert (report.sent, report.failed) == (1, 1)
    assert state(ada) == ("failed", 1, "Recipient refused: ada@gca.example.org: 550 5.1.1 No such user")
    assert state(ben)[:2] == ("sent", 1)
    assert [m.to[0] for m in mail.outbox] == ["Ben Colleague <ben@gca.example.org>"]


def test_it_retries_a_temporary_refusal_after_a_minute(
    wave: Wave, people: dict[str, Contact], scripted: type[ScriptedBackend], frozen: Any, recover: Any
) -> None:
    (ada,) = queue(wave, people["ada"])
    scripted.script = [smtplib.SMTPRecipientsRefused({"ada@gca.example.org": (451, b"4.7.1 Greylisted")})]

    messages_send(message_ids=[ada])

    message = Message.objects.get(pk=ada)
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.last_error == "Recipient refused: ada@gca.example.org: 451 4.7.1 Greylisted"
    assert message.send_after == T0 + dt.timedelta(minutes=1)
    assert message.dispatched_at is None
    # Not before its time, even if a task turns up…
    frozen.shift(dt.timedelta(seconds=30))
    assert messages_send(message_ids=[ada]).skipped == 1
    assert recover().dispatched == 0
    # …then the periodic recovery hands it to a worker again.
    frozen.shift(dt.timedelta(seconds=31))
    assert recover().dispatched == 1
    assert state(ada) == ("sent", 2, "")
    assert len(mail.outbox) == 1


def test_it_stops_the_batch_when_the_connection_breaks_and_retries_all_later(
    wave: Wave, people: dict[str, Contact], scripted: type[ScriptedBackend], frozen: Any, recover: Any
) -> None:
    ada, ben, cleo = queue(wave, people["ada"], people["ben"], people["cleo"])
    scripted.script = [None, smtplib.SMTPServerDisconnected("Connection unexpectedly closed")]

    report = messages_send(message_ids=[ada, ben, cleo])

    assert (report.sent, report.retrying, report.skipped) == (1, 1, 1)
    assert state(ada)[0] == "sent"
    assert state(ben) == (
        "queued",
        1,
        "SMTP connection failed: SMTPServerDisconnected('Connection unexpectedly closed')",
    )
    # Cleo's was never tried: no attempt counted, a minute's wait like Ben's.
    cleo_row = Message.objects.get(pk=cleo)
    assert (cleo_row.status, cleo_row.attempts, cleo_row.send_after) == ("queued", 0, T0 + dt.timedelta(minutes=1))
    frozen.shift(dt.timedelta(minutes=1))
    recover()
    assert [state(pk)[0] for pk in (ada, ben, cleo)] == ["sent", "sent", "sent"]
    assert len(mail.outbox) == 3


def test_it_doubles_the_wait_and_gives_up_after_the_last_attempt(
    wave: Wave, people: dict[str, Contact], scripted: type[ScriptedBackend], frozen: Any
) -> None:
    (ada,) = queue(wave, people["ada"])
    assert [backoff(n).total_seconds() for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    for attempt in range(1, MAX_ATTEMPTS):
        scripted.script = [smtplib.SMTPServerDisconnected("down")]
        messages_send(message_ids=[ada])
        assert state(ada)[:2] == ("queued", attempt)
        frozen.shift(backoff(attempt))
    scripted.script = [smtplib.SMTPServerDisconnected("down")]

    messages_send(message_ids=[ada])

    assert state(ada) == (
        "failed",
        8,
        "Gave up after 8 attempts: SMTP connection failed: SMTPServerDisconnected('down')",
    )


def test_it_sends_a_message_once_when_its_task_runs_twice(wave: Wave, people: dict[str, Contact]) -> None:
    ids = queue(wave, people["ada"], people["ben"])

    first = messages_send(message_ids=ids)
    second = messages_send(message_ids=ids)

    assert (first.sent, second.sent, second.skipped) == (2, 0, 2)
    assert len(mail.outbox) == 2


def test_it_skips_a_message_another_worker_claimed(wave: Wave, people: dict[str, Contact]) -> None:
    ada, ben = queue(wave, people["ada"], people["ben"])
    Message.objects.filter(pk=ada).update(status="sending", claim_token=uuid.uuid4(), claimed_at=T0)

    report = messages_send(message_ids=[ada, ben])

    assert (report.sent, report.skipped) == (1, 1)
    assert state(ada)[0] == "sending"
    assert [m.to[0] for m in mail.outbox] == ["Ben Colleague <ben@gca.example.org>"]


def test_it_requeues_only_claims_older_than_the_timeout(
    wave: Wave, people: dict[str, Contact], settings: Any, frozen: Any, recover: Any
) -> None:
    settings.OUTREACH_CLAIM_TIMEOUT = 300
    ada, ben = queue(wave, people["ada"], people["ben"])
    Message.objects.filter(pk=ada).update(status="sending", claimed_at=T0 - dt.timedelta(seconds=301), attempts=1)
    Message.objects.filter(pk=ben).update(status="sending", claimed_at=T0 - dt.timedelta(seconds=299), attempts=1)

    report = recover()

    assert (report.requeued, report.dispatched) == (1, 1)
    assert state(ada)[:2] == ("sent", 2)
    assert state(ben)[:2] == ("sending", 1)
    assert len(mail.outbox) == 1
    # Running it again changes nothing.
    assert recover().requeued == 0


def test_it_gives_up_a_message_whose_worker_died_every_time(
    wave: Wave, people: dict[str, Contact], frozen: Any, recover: Any
) -> None:
    (ada,) = queue(wave, people["ada"])
    Message.objects.filter(pk=ada).update(
        status="sending", claimed_at=T0 - dt.timedelta(hours=1), attempts=MAX_ATTEMPTS
    )

    assert recover().gave_up == 1

    assert state(ada) == ("failed", 8, "The worker sending it stopped each time (8 attempts).")


def test_it_dispatches_again_a_queued_message_whose_task_was_lost(
    wave: Wave, people: dict[str, Contact], frozen: Any, recover: Any
) -> None:
    ada, ben = queue(wave, people["ada"], people["ben"])
    Message.objects.filter(pk=ada).update(
        dispatched_at=T0 - dt.timedelta(minutes=6), send_after=T0 - dt.timedelta(minutes=6)
    )
    Message.objects.filter(pk=ben).update(
        dispatched_at=T0 - dt.timedelta(minutes=4), send_after=T0 - dt.timedelta(minutes=4)
    )

    assert recover().dispatched == 1

    assert state(ada)[0] == "sent"
    assert state(ben)[0] == "queued"


def test_it_spreads_batches_over_time_to_keep_the_rate(
    wave: Wave, people: dict[str, Contact], settings: Any, frozen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.OUTREACH_RATE_PER_MINUTE = 30  # one every 2 seconds
    settings.OUTREACH_BATCH_SIZE = 2
    from outreach.tasks import send_batch

    published: list[tuple[list[int], Any]] = []
    monkeypatch.setattr(send_batch, "apply_async", lambda args, **o: published.append((args[0], o.get("eta"))))
    ids = queue(wave, people["ada"], people["ben"], people["cleo"])

    messages_dispatch(message_ids=ids)
    for callback in connection.run_on_commit:
        callback[1]()

    # Batches of two messages at two seconds each: the second starts 4 seconds later.
    assert published == [(ids[:2], None), (ids[2:], T0 + dt.timedelta(seconds=4))]
    assert [Message.objects.get(pk=pk).send_after for pk in ids] == [T0, T0, T0 + dt.timedelta(seconds=4)]


def test_it_queues_new_messages_after_those_already_waiting_for_the_rate(
    wave: Wave, people: dict[str, Contact], settings: Any, frozen: Any
) -> None:
    settings.OUTREACH_RATE_PER_MINUTE = 30
    (ada,) = queue(wave, people["ada"])
    Message.objects.filter(pk=ada).update(send_after=T0 + dt.timedelta(seconds=40))
    (ben,) = queue(wave, people["ben"])

    messages_dispatch(message_ids=[ben])

    assert Message.objects.get(pk=ben).send_after == T0 + dt.timedelta(seconds=42)


def test_it_uses_a_fixed_number_of_queries_per_message(wave: Wave, people: dict[str, Contact]) -> None:
    two = queue(wave, people["ada"], people["ben"])
    one = queue(wave, people["cleo"], kind=Kind.REMINDER)

    with CaptureQueriesContext(connection) as q2:
        messages_send(message_ids=two)
    with CaptureQueriesContext(connection) as q1:
        messages_send(message_ids=one)

    # Claims, keys and lookups are per batch; per message only the UPDATE that marks it sent.
    assert len(q2) - len(q1) == 1


def test_it_addresses_names_with_commas_and_non_ascii_domains(wave: Wave, people: dict[str, Contact]) -> None:
    Contact.objects.filter(pk=people["ada"].pk).update(name='Lovelace, Ada "A."', email="ada@bücher.example.org")
    (ada,) = queue(wave, people["ada"])

    messages_send(message_ids=[ada])

    (email,) = mail.outbox
    assert email.message()["To"] == '"Lovelace, Ada \\"A.\\"" <ada@xn--bcher-kva.example.org>'
    assert email.recipients() == ['"Lovelace, Ada \\"A.\\"" <ada@bücher.example.org>']
