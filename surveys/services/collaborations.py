"""Confirmed collaborations (issue 15): the claims naming a partnership, and its answers to them.

A *claim* is partnership A naming partnership B in a question or repeat field of type
partnership (a table row A marked ended is none). Claims are read from A's **submitted** answers only: a draft may still change,
and B's contacts should not be asked about a row A has not finished (a reopened response's
claims are hidden until it is submitted again; an answer already given is kept). One claim per
pair (A, B) of a wave, whatever the number of A's rows naming B: its purposes are the text
fields of those rows, in order. Its identity is the pair of responses, which stays when A's
rows are renumbered, and is what the report counts (pairs).

B's answer (`CollaborationConfirmation`) is kept apart from B's own answers: confirmed,
declined, or a comment only (still waiting); it can be given while B's response takes answers
(before the deadline), submitted or not.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from surveys.exceptions import ResponseClosed
from surveys.models import Answer, CollaborationConfirmation, Contact, Partnership, Question, RepeatRow, Response

Status = CollaborationConfirmation.Status
# A comment goes beside the answers: bounded like a long answer.
COMMENT_MAX = 5000


@dataclass(frozen=True)
class Claim:
    """A's claim to collaborate with B, and B's answer so far."""

    claimant_id: int  # A's response
    partnership: Partnership  # A
    purposes: tuple[str, ...]  # the text fields of A's rows naming B, without blanks or repeats
    status: str  # Status: pending when B has not answered
    comment: str
    answered_by: str  # the contact's name, "" when nobody answered
    answered_at: dt.datetime | None

    @property
    def pending(self) -> bool:
        return self.status == Status.PENDING


def _claims_naming(response: Response) -> dict[int, tuple[Partnership, tuple[str, ...]]]:
    """A's response id -> (A, purposes), for the submitted responses of the wave naming B."""
    named = (
        Answer.objects.filter(
            response__wave_id=response.wave_id,
            response__status=Response.Status.SUBMITTED,
            question__type=Question.Type.PARTNERSHIP,
            partnership_id=response.partnership_id,
        )
        .exclude(response_id=response.pk)
        # A row carried from the previous wave that A marked ended is no claim: A says the
        # collaboration is over (the report lists it as ended, not as current).
        .exclude(repeat_row__status=RepeatRow.Status.ENDED)
        .values_list("response_id", "repeat_row_id")
        .order_by("response__partnership__acronym", "question__position", "repeat_row__position")
    )
    rows: dict[int, list[int]] = {}
    for claimant, row in named:
        rows.setdefault(claimant, [])
        if row is not None:
            rows[claimant].append(row)
    texts: dict[int, list[str]] = defaultdict(list)
    all_rows = [r for ids in rows.values() for r in ids]
    if all_rows:
        for row, text in (
            Answer.objects.filter(
                repeat_row_id__in=all_rows, question__type__in=[Question.Type.TEXT, Question.Type.LONG_TEXT]
            )
            .exclude(text="")
            .values_list("repeat_row_id", "text")
            .order_by("repeat_row_id", "question__position")
        ):
            texts[row].append(text.strip())
    partnerships = {
        r.pk: r.partnership for r in Response.objects.filter(pk__in=list(rows)).select_related("partnership")
    }
    out: dict[int, tuple[Partnership, tuple[str, ...]]] = {}
    for claimant, row_ids in rows.items():
        purposes: list[str] = []
        for row in row_ids:
            purpose = " · ".join(t for t in texts.get(row, []) if t)
            if purpose and purpose not in purposes:
                purposes.append(purpose)
        out[claimant] = (partnerships[claimant], tuple(purposes))
    return out


def collaborations_for(response: Response) -> list[Claim]:
    """The claims naming the response's partnership (from the others' submitted answers),
    each with the answer its contacts gave, by the claimant's acronym."""
    claims = _claims_naming(response)
    answers = {
        c.claimant_id: c
        for c in CollaborationConfirmation.objects.filter(
            response=response, claimant_id__in=list(claims)
        ).select_related("answered_by")
    }
    out = []
    for claimant, (partnership, purposes) in claims.items():
        answer = answers.get(claimant)
        out.append(
            Claim(
                claimant_id=claimant,
                partnership=partnership,
                purposes=purposes,
                status=answer.status if answer else Status.PENDING,
                comment=answer.comment if answer else "",
                answered_by=answer.answered_by.name if answer and answer.answered_by else "",
                answered_at=answer.answered_at if answer else None,
            )
        )
    return out


@transaction.atomic
def collaboration_answer(
    *,
    response_id: int,
    claimant_id: int,
    status: str,
    comment: str = "",
    by: Contact | None,
    now: dt.datetime | None = None,
) -> CollaborationConfirmation | None:
    """B's answer to A's claim: confirmed, declined, or pending with a comment (pending
    without a comment takes the answer back: None). Refused (`ResponseClosed`) once B's
    response takes no answers, and (`ValidationError`) for a claim A does not make now."""
    now = now or timezone.now()
    response = Response.objects.select_for_update(of=("self",)).select_related("wave").get(pk=response_id)
    if not response.accepts_answers(now):
        raise ResponseClosed(f"{response} takes no answers now")
    if status not in Status.values:
        raise ValidationError(f"Unknown answer {status!r}.")
    if claimant_id not in _claims_naming(response):
        raise ValidationError("This collaboration is not (or no longer) reported by the other partnership.")
    comment = comment.strip()[:COMMENT_MAX]
    # Touched so that the report's fingerprint changes (reports.report.report_fingerprint).
    Response.objects.filter(pk=response.pk).update(updated_at=now)
    if status == Status.PENDING and not comment:
        CollaborationConfirmation.objects.filter(response=response, claimant_id=claimant_id).delete()
        return None
    confirmation, _ = CollaborationConfirmation.objects.update_or_create(
        response=response,
        claimant_id=claimant_id,
        defaults={"status": status, "comment": comment, "answered_by": by, "answered_at": now},
    )
    return confirmation
