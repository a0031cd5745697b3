"""Reads behind the messages page of a wave (counts, failures, partnerships)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from outreach.models import Kind, Message
from surveys.models import Invitation, Response, Wave
from surveys.services.waves import format_moment

# In the order of a message's life, as plain strings (JSON keys).
STATUSES: list[str] = [s.value for s in Message.Status]


def wave_status(wave: Wave, *, failures: int = 50) -> dict[str, Any]:
    """Counts of a wave's messages by kind and status, and its latest failures (two queries)."""
    counts = {kind: dict.fromkeys(STATUSES, 0) for kind in Kind.values}
    totals = dict.fromkeys(STATUSES, 0)
    for row in Message.objects.filter(wave=wave).values("kind", "status").annotate(n=Count("id")).order_by():
        counts[row["kind"]][row["status"]] = row["n"]
        totals[row["status"]] += row["n"]
    failed = (
        Message.objects.filter(wave=wave)
        .filter(Q(status=Message.Status.FAILED) | Q(status=Message.Status.QUEUED, attempts__gt=0))
        .select_related("contact__partnership")
        .order_by("-updated_at")[:failures]
    )
    return {
        "wave": wave.slug,
        "counts": counts,
        "totals": totals,
        "pending": totals[Message.Status.QUEUED] + totals[Message.Status.SENDING],
        "problems": [
            {
                "id": m.pk,
                "contact": m.contact.name,
                "email": m.contact.email,
                "partnership": m.contact.partnership.acronym,
                "kind": m.get_kind_display(),
                "status": m.get_status_display(),
                "attempts": m.attempts,
                "error": m.last_error,
                "retry_at": format_moment(m.send_after) if m.status == Message.Status.QUEUED else "",
            }
            for m in failed
        ],
        "updated_at": timezone.now().isoformat(),
    }


@dataclass(frozen=True)
class PartnershipRow:
    response: Response
    deadline: str
    extended: bool
    contacts: int
    invited: int
    reminders: int
    last_sent_at: dt.datetime | None


def wave_partnerships(wave: Wave) -> list[PartnershipRow]:
    """One row per partnership of the wave: status, deadline and what it was sent (three queries)."""
    responses = list(Response.objects.filter(wave=wave).select_related("partnership", "wave"))
    stats = {
        row["contact__partnership_id"]: row
        for row in Message.objects.filter(wave=wave)
        .values("contact__partnership_id")
        .annotate(
            invited=Count("contact", filter=Q(kind=Kind.INVITATION, status=Message.Status.SENT), distinct=True),
            reminders=Count("id", filter=Q(kind=Kind.REMINDER, status=Message.Status.SENT)),
            last_sent_at=Max("sent_at"),
        )
        .order_by()
    }
    contacts = dict(
        Invitation.objects.filter(wave=wave)
        .reachable()
        .values("contact__partnership_id")
        .annotate(n=Count("id"))
        .values_list("contact__partnership_id", "n")
        .order_by()
    )
    rows = []
    for response in responses:
        s = stats.get(response.partnership_id, {})
        rows.append(
            PartnershipRow(
                response=response,
                deadline=format_moment(response.effective_deadline),
                extended=response.effective_deadline > wave.closes_at,
                contacts=contacts.get(response.partnership_id, 0),
                invited=s.get("invited", 0),
                reminders=s.get("reminders", 0),
                last_sent_at=s.get("last_sent_at"),
            )
        )
    return rows
