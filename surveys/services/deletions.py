"""Deleting responses or answer rows (the admin's delete pages and action call these).

Both tell the apps above through `surveys.signals` before the rows go (so the report takes
out what it counted while the answers are still there) and, for answers, after (so a
submitted response is counted again with the answers it has left). Both write the audit
trail (source "deleted in the admin", by the staff user): a deleted response's entries stay,
kept by wave and partnership, the last of them its answers going.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from surveys import signals
from surveys.definition.structure import structure_for
from surveys.models import Answer, AnswerChange, Response
from surveys.services.history import history_record
from surveys.services.responses import section_flags_refresh
from surveys.values import Values, load_values


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
def responses_delete(*, response_ids: Iterable[int], by: User | None = None, now: dt.datetime | None = None) -> int:
    """Delete these responses with their answers; returns how many were deleted."""
    ids = _lock(response_ids)
    if not ids:
        return 0
    signals.answers_changing.send(sender=Response, response_ids=ids)
    _record(ids, {}, by=by, now=now or timezone.now())
    Response.objects.filter(pk__in=ids).delete()
    return len(ids)


def _record(ids: list[int], before: dict[int, Values], *, by: User | None, now: dt.datetime) -> None:
    """The audit trail of a deletion: `before` given, what was removed since; else every answer."""
    for response in Response.objects.filter(pk__in=ids).select_related("wave__version").order_by("pk"):
        structure = structure_for(response.wave.version)
        values = load_values(response, structure)
        old, new = (before[response.pk], values) if before else (values, {})
        if before:
            # The submission trusts the sections' flags: the answers left decide them.
            section_flags_refresh(response=response, structure=structure, values=values)
        history_record(
            response=response,
            structure=structure,
            codes=[n.code for n in structure.questions()],
            before=old,
            after=new,
            source=AnswerChange.Source.ADMIN_DELETE,
            at=now,
            user=by,
        )


@transaction.atomic
def answers_delete(*, answer_ids: Iterable[int], by: User | None = None, now: dt.datetime | None = None) -> int:
    """Delete these answer rows; returns how many were deleted."""
    answer_ids = list(answer_ids)
    ids = _lock(Answer.objects.filter(pk__in=answer_ids).values_list("response_id", flat=True).distinct())
    if not ids:
        return 0
    signals.answers_changing.send(sender=Response, response_ids=ids)
    before = {
        r.pk: load_values(r, structure_for(r.wave.version))
        for r in Response.objects.filter(pk__in=ids).select_related("wave__version")
    }
    deleted, _ = Answer.objects.filter(pk__in=answer_ids).delete()
    _record(ids, before, by=by, now=now or timezone.now())
    signals.answers_changed.send(sender=Response, response_ids=ids)
    return deleted
