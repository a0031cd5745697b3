"""Deleting responses or answer rows (the admin's delete pages and action call these).

Both tell the apps above through `surveys.signals` before the rows go (so the report takes
out what it counted while the answers are still there) and, for answers, after (so a
submitted response is counted again with the answers it has left).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from surveys import signals
from surveys.models import Answer, Response


def _lock(response_ids: Iterable[int]) -> list[int]:
    # In id order, like every other writer that locks several responses, so two of them
    # cannot deadlock; serialised with the journey's saves and submissions of these responses.
    return list(
        Response.objects.select_for_update(of=("self",))
        .filter(pk__in=list(response_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def responses_delete(*, response_ids: Iterable[int]) -> int:
    """Delete these responses with their answers; returns how many were deleted."""
    ids = _lock(response_ids)
    if not ids:
        return 0
    signals.answers_changing.send(sender=Response, response_ids=ids)
    Response.objects.filter(pk__in=ids).delete()
    return len(ids)


@transaction.atomic
def answers_delete(*, answer_ids: Iterable[int]) -> int:
    """Delete these answer rows; returns how many were deleted."""
    answer_ids = list(answer_ids)
    ids = _lock(Answer.objects.filter(pk__in=answer_ids).values_list("response_id", flat=True).distinct())
    if not ids:
        return 0
    signals.answers_changing.send(sender=Response, response_ids=ids)
    deleted, _ = Answer.objects.filter(pk__in=answer_ids).delete()
    signals.answers_changed.send(sender=Response, response_ids=ids)
    return deleted
