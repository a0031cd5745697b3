"""The one writer of a response's audit trail and review events.

Every path that changes answers (the journey's section save, "no change since last year",
the prefill from the previous wave, the import, the admin's deletions) calls
`history_record` with the values before and after: the difference is computed once, in
memory, from values the caller already holds, and written with one bulk insert, so a section
save costs one query more and no read. Reopening and sending back change no answer: they are
review events (`event_record`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User

from surveys.definition.structure import QuestionNode, Structure
from surveys.models import AnswerChange, Contact, Response, ResponseEvent
from surveys.types import type_of
from surveys.values import Values, is_empty


def value_text(node: QuestionNode, value: Any) -> str:
    """A value as a person reads it, whole: option labels, numbers, every row of a table."""
    if is_empty(node, value):
        return ""
    return type_of(node).history_text(node, value)


def history_changes(
    *, structure: Structure, codes: Iterable[str], before: Values, after: Values
) -> list[tuple[str, str, str]]:
    """(question code, old text, new text) of each of these questions whose text differs."""
    changes = []
    for code in codes:
        node = structure.by_code[code]
        old, new = value_text(node, before.get(code)), value_text(node, after.get(code))
        if old != new:
            changes.append((code, old, new))
    return changes


def history_record(
    *,
    response: Response,
    structure: Structure,
    codes: Iterable[str],
    before: Values,
    after: Values,
    source: str,
    at: dt.datetime,
    contact: Contact | None = None,
    user: User | None = None,
    name: str = "",
) -> int:
    """Write one AnswerChange per changed question (one INSERT, none when nothing changed).

    Who: the contact (the journey), the staff user, or else `name` (the command an import
    came from)."""
    changes = history_changes(structure=structure, codes=codes, before=before, after=after)
    if changes:
        AnswerChange.objects.bulk_create(
            AnswerChange(
                response=response,
                wave_id=response.wave_id,
                partnership_id=response.partnership_id,
                at=at,
                by_contact=contact,
                by_user=user,
                by_name=name[:200],
                source=source,
                question_code=code,
                old_value=old,
                new_value=new,
            )
            for code, old, new in changes
        )
    return len(changes)


def event_record(
    *,
    response: Response,
    kind: str,
    at: dt.datetime,
    contact: Contact | None = None,
    user: User | None = None,
    message: str = "",
) -> ResponseEvent:
    return ResponseEvent.objects.create(
        response=response, kind=kind, at=at, by_contact=contact, by_user=user, message=message
    )
