"""Staff review of submitted responses: mark one checked, or send it back with a message.

A send-back is a reopen (surveys.services.responses.response_reopen) that carries a message:
the response becomes a draft again, the event keeps the message, and outreach emails it to
the partnership's contacts with their link (it listens to `signals.response_sent_back`).
Every submission, check and send-back stays in `ResponseEvent`, so a response that goes
back and forth keeps its whole history.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from surveys.models import Response, ResponseEvent
from surveys.services.history import event_record
from surveys.services.responses import response_reopen

# A send-back message goes into an email: long enough for a paragraph of corrections.
MESSAGE_MAX = 4000


@transaction.atomic
def response_check(*, response_id: int, by: User | None, now: dt.datetime | None = None) -> ResponseEvent:
    """Mark a submitted response checked by staff (refused when it is not submitted)."""
    now = now or timezone.now()
    response = Response.objects.select_for_update(of=("self",)).select_related("partnership").get(pk=response_id)
    if not response.is_submitted:
        raise ValidationError(f"{response.partnership.acronym} is not submitted: only a submission can be checked.")
    return event_record(response=response, kind=ResponseEvent.Kind.CHECKED, at=now, user=by)


def send_back_message_clean(message: str) -> str:
    text = message.strip()
    if not text:
        raise ValidationError(
            {"message": "Write what the partnership should correct: the message goes to its contacts."}
        )
    if len(text) > MESSAGE_MAX:
        raise ValidationError({"message": f"At most {MESSAGE_MAX} characters (this one has {len(text)})."})
    return text


@transaction.atomic
def response_send_back(*, response_id: int, by: User | None, message: str, now: dt.datetime | None = None) -> Response:
    """Reopen a submitted response and tell its contacts why (the message is emailed with their link)."""
    text = send_back_message_clean(message)
    response = Response.objects.select_related("partnership").get(pk=response_id)
    if not response.is_submitted:
        raise ValidationError(f"{response.partnership.acronym} is not submitted: there is nothing to send back.")
    return response_reopen(response_id=response_id, now=now, by=by, message=text)


def pending_send_back(response: Response) -> ResponseEvent | None:
    """The send-back a draft is waiting to be corrected for: the latest event when it is a
    send-back and the response has not been submitted again since (None otherwise).

    Only a response reopened once can have one, so the usual draft costs no query."""
    if response.is_submitted or response.reopened_at is None:
        return None
    latest = ResponseEvent.objects.filter(response=response).select_related("by_user").order_by("-at", "-pk").first()
    return latest if latest is not None and latest.kind == ResponseEvent.Kind.SENT_BACK else None


def _latest_kind() -> Subquery:
    return Subquery(ResponseEvent.objects.filter(response=OuterRef("pk")).order_by("-at", "-pk").values("kind")[:1])


class ReviewCounts(NamedTuple):
    submitted: int = 0
    checked: int = 0
    sent_back: int = 0


def review_counts(*, wave_ids: list[int]) -> dict[int, ReviewCounts]:
    """Per wave: responses submitted, of those checked since their last submission, and sent
    back (drafts again whose latest event is a send-back). One query."""
    rows = (
        Response.objects.filter(wave_id__in=wave_ids)
        .annotate(latest=_latest_kind())
        .values("wave_id")
        .annotate(
            submitted=Count("pk", filter=Q(status=Response.Status.SUBMITTED)),
            checked=Count("pk", filter=Q(status=Response.Status.SUBMITTED, latest=ResponseEvent.Kind.CHECKED)),
            sent_back=Count("pk", filter=~Q(status=Response.Status.SUBMITTED) & Q(latest=ResponseEvent.Kind.SENT_BACK)),
        )
    )
    counts = {w: ReviewCounts() for w in wave_ids}
    for row in rows:
        counts[row["wave_id"]] = ReviewCounts(row["submitted"], row["checked"], row["sent_back"])
    return counts
