"""Queueing and sending messages: invitations, reminders, confirmations, extensions, send-backs.

Delivery is at least once: a worker claims a message (conditional UPDATE queued→sending)
right before it talks to the SMTP server and marks it sent right after the server accepted
it. A worker that dies between those two moments leaves the row claimed; the recovery task
queues it again after `OUTREACH_CLAIM_TIMEOUT`, so the contact may get that one message
twice. We chose this over at most once because a lost invitation costs a partnership's
answer, while a rare duplicate costs a second of a coordinator's attention.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from outreach.emails import Trio, render, trios_for_wave
from outreach.models import KEY_PLACEHOLDER, Kind, Message, OutreachPolicy
from surveys.models import DeadlineExtension, Invitation, Response, Wave
from surveys.models.waves import InvitationQuerySet
from surveys.services.waves import access_keys_mint, format_moment, invitations_sync

log = logging.getLogger(__name__)

# After this many attempts a message that keeps meeting transient errors is marked failed
# (the backoff doubles from one minute, capped at an hour: about eight hours in all).
MAX_ATTEMPTS = 8
# Manual reminders skip a contact who got an invitation or a reminder this recently, so
# that a double click on "send reminders now" sends nothing twice.
MANUAL_REMINDER_GAP = dt.timedelta(hours=24)
# A task may run a little before a row's send_after (clocks of different machines).
CLOCK_TOLERANCE = dt.timedelta(seconds=5)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after `attempts` failed ones: 1, 2, 4… minutes, at most 1 hour."""
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


@dataclass
class QueueResult:
    queued: int = 0
    skipped: int = 0
    message_ids: list[int] = field(default_factory=list)


def policy_for(wave: Wave) -> OutreachPolicy:
    policy, _ = OutreachPolicy.objects.get_or_create(wave=wave)
    return policy


def _invited(wave: Wave) -> InvitationQuerySet:
    return Invitation.objects.filter(wave=wave).reachable()


def _lock_wave(wave: Wave) -> Wave:
    # Serialises the queueing services of one wave (two admins clicking at once).
    return Wave.objects.select_for_update(of=("self",)).get(pk=wave.pk)


def _queue(
    *,
    wave: Wave,
    kind: str,
    contact_ids: Iterable[int],
    now: dt.datetime,
    extension: DeadlineExtension | None = None,
    review_id: int | None = None,
    previous: dict[int, int] | None = None,
) -> list[int]:
    """Create one message of `kind` per contact, numbered after the contact's previous ones
    (`previous`: the last number by contact, when the caller read it already)."""
    contact_ids = list(contact_ids)
    if not contact_ids:
        return []
    if previous is None:
        previous = dict(
            Message.objects.filter(wave=wave, kind=kind, contact_id__in=contact_ids)
            .values("contact_id")
            .annotate(top=Max("sequence"))
            .values_list("contact_id", "top")
        )
    created = Message.objects.bulk_create(
        Message(
            wave=wave,
            contact_id=contact_id,
            kind=kind,
            sequence=previous.get(contact_id, 0) + 1,
            send_after=now,
            extension=extension,
            review_id=review_id,
        )
        for contact_id in contact_ids
    )
    ids = [m.pk for m in created]
    messages_dispatch(message_ids=ids, now=now)
    return ids


def messages_dispatch(*, message_ids: list[int], now: dt.datetime | None = None) -> int:
    """Hand queued messages to the broker in batches, once the current transaction commits.

    With `OUTREACH_RATE_PER_MINUTE` set, the batches get successive start times after any
    messages already waiting, so that all workers together keep to the rate. Returns the
    number of batches.
    """
    if not message_ids:
        return 0
    now = now or timezone.now()
    ids = sorted(message_ids)
    size = max(1, settings.OUTREACH_BATCH_SIZE)
    rate = settings.OUTREACH_RATE_PER_MINUTE
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    # Without a rate every batch may go at once: no ETA (a worker holds ETA tasks in memory).
    etas: list[dt.datetime | None] = []
    if rate:
        pace = dt.timedelta(seconds=60 / rate)
        latest = (
            Message.objects.filter(status=Message.Status.QUEUED, send_after__gt=now)
            .exclude(pk__in=ids)
            .aggregate(latest=Max("send_after"))["latest"]
        )
        start = max(now, latest + pace) if latest else now
        for i, batch in enumerate(batches):
            eta = start + pace * (i * size)
            etas.append(eta)
            Message.objects.filter(pk__in=batch).update(send_after=eta, dispatched_at=now)
    else:
        for batch in batches:
            etas.append(None)
            Message.objects.filter(pk__in=batch).update(dispatched_at=now)

    def publish() -> None:
        from outreach.tasks import send_batch

        for batch, eta in zip(batches, etas, strict=True):
            options: dict[str, Any] = {}
            if settings.OUTREACH_QUEUE:
                options["queue"] = settings.OUTREACH_QUEUE
            if eta is not None and eta > timezone.now():
                options["eta"] = eta
            send_batch.apply_async(args=[batch], **options)

    # robust: a broker that is down must not undo or break the request that queued the
    # rows; they stay queued and the recovery task dispatches them again.
    transaction.on_commit(publish, robust=True)
    return len(batches)


# ---------------------------------------------------------------------------- sending


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    cancelled: int = 0
    skipped: int = 0  # claimed by someone else, or not due yet


def _smtp_error(exc: Exception) -> tuple[bool, bool, str]:
    """(permanent, connection unusable, text) for an error raised while sending.

    Permanent: the server refused this recipient or this message for good (5xx). Errors of
    the connection or of our own configuration (login, sender) are transient: fixing the
    relay lets the messages go out without anyone resending them.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        text = "; ".join(
            f"{address}: {code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
            for address, (code, reply) in exc.recipients.items()
        )
        return all(code >= 500 for code in codes), False, f"Recipient refused: {text}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False, True, f"SMTP login refused: {exc.smtp_code} {exc.smtp_error!r}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return False, False, f"Sender refused: {exc.smtp_code} {exc.smtp_error!r}"
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return exc.smtp_code >= 500, False, f"SMTP {exc.smtp_code}: {reply}"
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return False, True, f"SMTP connection failed: {exc!r}"
    if isinstance(exc, smtplib.SMTPException):
        return False, True, f"SMTP error: {exc!r}"
    return True, False, f"{type(exc).__name__}: {exc}"


def _not_relevant(message: Message, invitation: Invitation | None, response: Response | None, now: dt.datetime) -> str:
    """Why a queued message should no longer go out ('' when it should)."""
    if invitation is None or invitation.revoked_at is not None:
        return "The contact's invitation was revoked."
    if not message.contact.is_active:
        return "The contact is inactive."
    if response is None:
        return "The contact's partnership has no response in this wave."
    if message.kind == Kind.CONFIRMATION:
        return ""
    if response.is_submitted:
        return "The partnership submitted its response before this message went out."
    if response.wave.closed_at is not None and response.wave.closed_at <= now:
        return "The wave was closed before this message went out."
    if not response.accepts_answers(now):
        return "The deadline passed before this message went out."
    return ""


def message_context(message: Message, response: Response, link: str) -> dict[str, Any]:
    partnership = message.contact.partnership
    version = message.wave.version
    return {
        "contact_name": message.contact.name,
        "partnership": partnership.acronym,
        "partnership_name": partnership.name or partnership.acronym,
        "population": version.population_singular,
        "population_plural": version.population_plural,
        "questionnaire": version.title,
        "wave": message.wave.title,
        "deadline": format_moment(response.effective_deadline),
        "link": link,
        "minutes_needed": version.minutes_needed,
        "organisation": settings.ORGANISATION_NAME,
        "submitted_at": format_moment(response.submitted_at) if response.submitted_at else "",
        "submitted_by": response.submitted_by.name if response.submitted_by else "",
        "review_message": message.review.message if message.review else "",
    }


def link_for(key: str) -> str:
    return settings.SITE_URL + reverse("journey:welcome", args=[key])


def recipient(name: str, email: str) -> str:
    """'Name <address>' (the name quoted when it holds commas and such) for Django to encode: it
    encodes a non-ASCII name and a non-ASCII domain (email.utils.formataddr refuses the latter)."""
    if any(ch in name for ch in '()<>[]:;@\\,."'):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{email}>"


def build_email(message: Message, trio: Trio, context: dict[str, Any]) -> EmailMultiAlternatives:
    rendered = render(trio, context)
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient(message.contact.name, message.contact.email)],
        reply_to=[settings.OUTREACH_REPLY_TO] if settings.OUTREACH_REPLY_TO else None,
        headers={
            # Lets out-of-office robots know not to answer, and support find the row.
            "Auto-Submitted": "auto-generated",
            "X-ESCP-Message": str(message.pk),
        },
    )
    email.attach_alternative(rendered.html, "text/html")
    return email


def messages_send(*, message_ids: list[int], connection: Any = None) -> SendReport:
    """Claim these messages and send them over one SMTP connection.

    The claim is one conditional UPDATE (queued → sending, with a token of this run), so rows
    already sent or claimed by another worker are skipped. Each message is marked sent right
    after the SMTP server accepted it. A transient error puts the row back in the queue with
    a backoff; an error of the connection also stops the batch and puts the rest back a
    minute later. A batch never holds its claims longer than half `OUTREACH_CLAIM_TIMEOUT`.
    """
    report = SendReport()
    token = uuid.uuid4()
    now = timezone.now()
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        claimed = Message.objects.filter(
            pk__in=message_ids, status=Message.Status.QUEUED, send_after__lte=now + CLOCK_TOLERANCE
        ).update(
            status=Message.Status.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    report.skipped = len(set(message_ids)) - claimed
    if not claimed:
        return report
    rows = list(
        Message.objects.filter(pk__in=message_ids, claim_token=token)
        .select_related("contact__partnership", "wave__version", "review")
        .order_by("pk")
    )
    wave_ids = {m.wave_id for m in rows}
    invitations = {
        (i.wave_id, i.contact_id): i
        for i in Invitation.objects.filter(wave_id__in=wave_ids, contact_id__in={m.contact_id for m in rows})
    }
    responses = {
        (r.wave_id, r.partnership_id): r
        for r in Response.objects.filter(
            wave_id__in=wave_ids, partnership_id__in={m.contact.partnership_id for m in rows}
        ).select_related("wave", "submitted_by")
    }
    trios: dict[int, dict[str, Trio] | str] = {}
    for wave_id in wave_ids:
        try:
            trios[wave_id] = trios_for_wave(wave_id)
        except ValidationError as exc:
            trios[wave_id] = f"The wave's email template is invalid: {'; '.join(exc.messages)}"

    sendable: list[tuple[Message, Invitation, Response]] = []
    for message in rows:
        invitation = invitations.get((message.wave_id, message.contact_id))
        response = responses.get((message.wave_id, message.contact.partnership_id))
        reason = _not_relevant(message, invitation, response, now)
        if reason:
            _finish(message, token, status=Message.Status.CANCELLED, error=reason)
            report.cancelled += 1
        else:
            assert invitation is not None and response is not None
            sendable.append((message, invitation, response))
    keys = _keys_mint([invitation for _, invitation, _ in sendable])

    connection = connection or get_connection(fail_silently=False)
    opened = False
    rate = settings.OUTREACH_RATE_PER_MINUTE
    started = next_slot = time.monotonic()
    hold_at_most = settings.OUTREACH_CLAIM_TIMEOUT / 2
    try:
        with _commits_without_waiting_for_disk():
            for index, ((message, _, response), key) in enumerate(zip(sendable, keys, strict=True)):
                if time.monotonic() - started > hold_at_most:
                    # Slow relay or low rate: give the rest back before recovery thinks we died.
                    rest = [m.pk for m, _, _ in sendable[index:]]
                    Message.objects.filter(pk__in=rest).update(attempts=F("attempts") - 1)
                    report.skipped += _release(rest, token, delay=dt.timedelta(0))
                    break
                if rate:
                    time.sleep(max(0.0, next_slot - time.monotonic()))
                    next_slot = max(next_slot, time.monotonic()) + 60 / rate
                try:
                    wave_trios = trios[message.wave_id]
                    if isinstance(wave_trios, str):
                        raise ValueError(wave_trios)
                    email = build_email(
                        message, wave_trios[message.kind], message_context(message, response, link_for(key))
                    )
                    if not opened:
                        connection.open()
                        opened = True
                    connection.send_messages([email])
                except Exception as exc:
                    permanent, broken, text = _smtp_error(exc)
                    if permanent:
                        log.warning("message %s failed: %s", message.pk, text)
                        _finish(message, token, status=Message.Status.FAILED, error=text)
                        report.failed += 1
                    elif message.attempts >= MAX_ATTEMPTS:
                        error = f"Gave up after {message.attempts} attempts: {text}"
                        _finish(message, token, status=Message.Status.FAILED, error=error)
                        report.failed += 1
                    else:
                        log.info("message %s will be retried: %s", message.pk, text)
                        _release([message.pk], token, delay=backoff(message.attempts), error=text)
                        report.retrying += 1
                    if broken:
                        # The rest were not tried: their attempt does not count.
                        rest = [m.pk for m, _, _ in sendable[index + 1 :]]
                        Message.objects.filter(pk__in=rest).update(attempts=F("attempts") - 1)
                        report.skipped += _release(rest, token, delay=backoff(1))
                        break
                    continue
                done = Message.objects.filter(pk=message.pk, claim_token=token).update(
                    status=Message.Status.SENT,
                    sent_at=timezone.now(),
                    to_email=message.contact.email,
                    subject=email.subject,
                    text_body=_without_key(str(email.body), key),
                    html_body=_without_key(_html_of(email), key),
                    last_error="",
                    claim_token=None,
                    updated_at=timezone.now(),
                )
                if not done:
                    log.warning("message %s was sent after its claim had been given up; it may go twice", message.pk)
                report.sent += 1
    finally:
        if opened:
            try:
                connection.close()
            except Exception:  # a failed QUIT changes nothing that was sent
                log.info("closing the SMTP connection failed", exc_info=True)
    return report


def _without_key(body: str, key: str) -> str:
    """A body as sent, for the message row: the personal key must not be stored."""
    return body.replace(key, KEY_PLACEHOLDER)


def _html_of(email: EmailMultiAlternatives) -> str:
    return next((str(content) for content, mimetype in email.alternatives if mimetype == "text/html"), "")


def _keys_mint(invitations: list[Invitation]) -> list[str]:
    """A fresh personal link key per message, in one INSERT."""
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        return access_keys_mint(invitations=invitations)


def _release(ids: list[int], token: uuid.UUID, *, delay: dt.timedelta, error: str | None = None) -> int:
    """Give claimed messages back to the queue, due after `delay`; the recovery task
    dispatches them again."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "status": Message.Status.QUEUED,
        "claim_token": None,
        "claimed_at": None,
        "dispatched_at": None,
        "send_after": now + delay,
        "updated_at": now,
    }
    if error is not None:
        fields["last_error"] = error
    return Message.objects.filter(pk__in=ids, claim_token=token).update(**fields)


def _commit_without_waiting_for_disk() -> None:
    """Let PostgreSQL commit the current transaction without waiting for its WAL flush.

    Claims, keys and "sent" marks are commits; waiting for the disk made them most of the
    sending time. Only a crash of the database server itself can lose such a commit (its
    last fraction of a second), and losing one only ever puts a message back in the queue:
    it may then go twice, never not at all (at least once, see the module docstring).
    """
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@contextmanager
def _commits_without_waiting_for_disk() -> Iterator[None]:
    """The same for the autocommitted "sent" marks of a batch, restored afterwards."""
    if db.vendor != "postgresql":
        yield
        return
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _finish(message: Message, token: uuid.UUID, *, status: str, error: str) -> None:
    Message.objects.filter(pk=message.pk, claim_token=token).update(
        status=status, last_error=error, claim_token=None, updated_at=timezone.now()
    )


@dataclass
class RecoverReport:
    requeued: int = 0
    gave_up: int = 0
    dispatched: int = 0


@transaction.atomic
def messages_recover(*, now: dt.datetime | None = None) -> RecoverReport:
    """Requeue messages claimed by a worker that died and dispatch queued ones left behind.

    Safe to repeat (the periodic task runs it every minute): a message claimed less than
    `OUTREACH_CLAIM_TIMEOUT` ago or dispatched recently is left alone.
    """
    now = now or timezone.now()
    stale_after = dt.timedelta(seconds=settings.OUTREACH_CLAIM_TIMEOUT)
    stale = Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - stale_after)
    report = RecoverReport()
    report.gave_up = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Message.Status.FAILED,
        claim_token=None,
        last_error=f"The worker sending it stopped each time ({MAX_ATTEMPTS} attempts).",
        updated_at=now,
    )
    report.requeued = stale.update(
        status=Message.Status.QUEUED,
        claim_token=None,
        claimed_at=None,
        dispatched_at=None,
        last_error="The worker sending it stopped before it was marked sent; queued again "
        "(it arrives twice if the SMTP server had already accepted it).",
        updated_at=now,
    )
    due = Message.objects.filter(status=Message.Status.QUEUED, send_after__lte=now).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - stale_after, send_after__lt=now - stale_after)
    )
    ids = list(due.values_list("pk", flat=True))
    messages_dispatch(message_ids=ids, now=now)
    report.dispatched = len(ids)
    if report.requeued or report.gave_up or report.dispatched:
        log.info("recovered messages: %s", report)
    return report


@transaction.atomic
def messages_retry(*, message_ids: list[int], now: dt.datetime | None = None) -> int:
    """Queue failed (or not sent) messages again, e.g. after an address was corrected."""
    now = now or timezone.now()
    ids = list(
        Message.objects.filter(
            pk__in=message_ids, status__in=[Message.Status.FAILED, Message.Status.CANCELLED]
        ).values_list("pk", flat=True)
    )
    Message.objects.filter(pk__in=ids).update(
        status=Message.Status.QUEUED, attempts=0, send_after=now, dispatched_at=None, updated_at=now
    )
    messages_dispatch(message_ids=ids, now=now)
    return len(ids)


# ------------------------------------------------------------------------- invitations


def _refuse_if_closed(wave: Wave, now: dt.datetime, what: str) -> None:
    if wave.closed_at is not None:
        raise ValidationError(
            f"The wave {wave.slug} closed on {format_moment(wave.closed_at)}: extend its deadline before sending {what}."
        )


@transaction.atomic
def invitations_send(*, wave: Wave, now: dt.datetime | None = None) -> QueueResult:
    """Queue an invitation for every invited contact of the wave who has none yet.

    Running it again queues nothing new (the unique constraint on messages backs this up
    when two admins click at once).
    """
    now = now or timezone.now()
    wave = _lock_wave(wave)
    _refuse_if_closed(wave, now, "invitations")
    invitations_sync(wave=wave)
    already = Message.objects.filter(wave=wave, kind=Kind.INVITATION)
    contact_ids = list(
        _invited(wave).exclude(contact_id__in=already.values("contact_id")).values_list("contact_id", flat=True)
    )
    Message.objects.bulk_create(
        (Message(wave=wave, contact_id=c, kind=Kind.INVITATION, sequence=0, send_after=now) for c in contact_ids),
        ignore_conflicts=True,
    )
    ids = list(
        already.filter(
            contact_id__in=contact_ids, dispatched_at__isnull=True, status=Message.Status.QUEUED
        ).values_list("pk", flat=True)
    )
    messages_dispatch(message_ids=ids, now=now)
    return QueueResult(queued=len(ids), skipped=_invited(wave).count() - len(ids), message_ids=ids)


# --------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class _ContactHistory:
    contact_id: int
    invited_at: dt.datetime
    reminders: int
    last_reminder_at: dt.datetime | None
    last_contacted_at: dt.datetime


def _reminder_candidates(wave: Wave, now: dt.datetime) -> list[_ContactHistory]:
    """Contacts whose invitation went out and whose partnership can still submit."""
    if wave.closed_at is not None or wave.opens_at > now:
        return []
    open_partnerships = [
        r.partnership_id
        for r in Response.objects.filter(wave=wave).unsubmitted().select_related("wave")
        if r.accepts_answers(now)
    ]
    contacts = _invited(wave).filter(contact__partnership_id__in=open_partnerships).values("contact_id")
    rows = (
        Message.objects.filter(wave=wave, contact_id__in=contacts)
        .values("contact_id")
        .annotate(
            invited_at=Max("sent_at", filter=Q(kind=Kind.INVITATION, status=Message.Status.SENT)),
            reminders=Max("sequence", filter=Q(kind=Kind.REMINDER)),
            last_reminder_at=Max("created_at", filter=Q(kind=Kind.REMINDER)),
            last_contacted_at=Max("created_at", filter=Q(kind__in=[Kind.INVITATION, Kind.REMINDER])),
        )
        .filter(invited_at__isnull=False)
        .order_by("contact_id")
    )
    return [
        _ContactHistory(
            contact_id=r["contact_id"],
            invited_at=r["invited_at"],
            reminders=r["reminders"] or 0,
            last_reminder_at=r["last_reminder_at"],
            last_contacted_at=r["last_contacted_at"],
        )
        for r in rows
    ]


def reminder_due(history: _ContactHistory, policy: OutreachPolicy, now: dt.datetime) -> bool:
    """The policy: N days after the invitation, then every M days, at most K."""
    if history.reminders >= policy.max_reminders:
        return False
    if history.reminders == 0 or history.last_reminder_at is None:
        return now >= history.invited_at + dt.timedelta(days=policy.first_reminder_days)
    return now >= history.last_reminder_at + dt.timedelta(days=policy.reminder_interval_days)


@transaction.atomic
def reminders_send(*, wave: Wave, due_only: bool = False, now: dt.datetime | None = None) -> QueueResult:
    """Queue reminders to the invited contacts of partnerships that have not submitted.

    `due_only`: only those the wave's reminder policy says are due (the periodic task).
    Otherwise ("send reminders now") every such contact not contacted in the last 24 hours.
    """
    now = now or timezone.now()
    wave = _lock_wave(wave)
    if not due_only:
        _refuse_if_closed(wave, now, "reminders")
    policy = policy_for(wave)
    if due_only and not policy.reminders_enabled:
        return QueueResult()
    candidates = _reminder_candidates(wave, now)
    if due_only:
        chosen = [c.contact_id for c in candidates if reminder_due(c, policy, now)]
    else:
        chosen = [c.contact_id for c in candidates if c.last_contacted_at <= now - MANUAL_REMINDER_GAP]
    ids = _queue(wave=wave, kind=Kind.REMINDER, contact_ids=chosen, now=now)
    return QueueResult(queued=len(ids), skipped=len(candidates) - len(ids), message_ids=ids)


def reminders_queue_due(*, now: dt.datetime | None = None) -> int:
    """The periodic task: apply every open wave's reminder policy; returns how many queued."""
    now = now or timezone.now()
    waves = Wave.objects.filter(closed_at__isnull=True, opens_at__lte=now).exclude(
        outreach_policy__reminders_enabled=False
    )
    return sum(reminders_send(wave=wave, due_only=True, now=now).queued for wave in waves)


# ---------------------------------------------------------------------------- deadlines


def extension_queue(*, extension_id: int, partnership_ids: list[int], now: dt.datetime | None = None) -> list[int]:
    """Email an extension (`surveys.signals.deadline_extended`, inside its transaction) to the
    contacts of the partnerships concerned whose invitation went out or is going; the rows
    commit with the extension, the emails go once it has committed."""
    now = now or timezone.now()
    extension = DeadlineExtension.objects.select_related("wave").get(pk=extension_id)
    wave = extension.wave
    told = Message.objects.filter(
        wave=wave,
        kind=Kind.INVITATION,
        contact_id=OuterRef("contact_id"),
        status__in=[Message.Status.QUEUED, Message.Status.SENDING, Message.Status.SENT],
    )
    contact_ids = (
        Invitation.objects.filter(wave=wave, contact__partnership_id__in=partnership_ids)
        .reachable()
        .filter(Exists(told))
        .values_list("contact_id", flat=True)
    )
    return _queue(wave=wave, kind=Kind.EXTENSION, contact_ids=contact_ids, now=now, extension=extension)


# ------------------------------------------------------------------------- confirmation


@transaction.atomic
def confirmations_queue(*, response_id: int, now: dt.datetime | None = None) -> list[int]:
    """Queue the confirmation of a submission to every invited contact of the partnership.

    Called once the submission commits; calling it again for the same submission queues
    nothing (a contact confirmed since the submission is skipped).
    """
    now = now or timezone.now()
    response = Response.objects.select_for_update(of=("self",)).select_related("wave").get(pk=response_id)
    if not response.is_submitted or response.submitted_at is None:
        return []
    confirmed = Message.objects.filter(
        wave=response.wave, kind=Kind.CONFIRMATION, created_at__gte=response.submitted_at
    ).values("contact_id")
    # The contacts with their last confirmation's number, in one query (`_queue` asks no more).
    tops = dict(
        _invited(response.wave)
        .filter(contact__partnership_id=response.partnership_id)
        .exclude(contact_id__in=confirmed)
        .annotate(
            top=Subquery(
                Message.objects.filter(wave=response.wave, kind=Kind.CONFIRMATION, contact_id=OuterRef("contact_id"))
                .order_by("-sequence")
                .values("sequence")[:1]
            )
        )
        .values_list("contact_id", "top")
    )
    return _queue(
        wave=response.wave,
        kind=Kind.CONFIRMATION,
        contact_ids=list(tops),
        now=now,
        previous={c: top for c, top in tops.items() if top is not None},
    )


# ------------------------------------------------------------------------- send-back


@transaction.atomic
def sent_back_queue(*, response_id: int, event_id: int, now: dt.datetime | None = None) -> list[int]:
    """Email a send-back's message with their link to every invited contact of the partnership.

    Called once the send-back commits; calling it again for the same event queues nothing.
    """
    now = now or timezone.now()
    response = Response.objects.select_for_update(of=("self",)).select_related("wave").get(pk=response_id)
    already = Message.objects.filter(wave=response.wave, kind=Kind.SENT_BACK, review_id=event_id).values("contact_id")
    contact_ids = (
        _invited(response.wave)
        .filter(contact__partnership_id=response.partnership_id)
        .exclude(contact_id__in=already)
        .values_list("contact_id", flat=True)
    )
    return _queue(wave=response.wave, kind=Kind.SENT_BACK, contact_ids=contact_ids, now=now, review_id=event_id)
