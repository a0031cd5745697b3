"""A response's per-response lists read inside another SELECT (one query fewer each).

The section states, the repeat rows and the answers of a response are a few hundred rows at
most; each would be a query of its own. `with_lists` annotates a Response queryset with
them as JSON text (PostgreSQL `json_agg`, SQLite `json_group_array`: one correlated subquery
each, all read in the statement's one snapshot; the outer query's Response is its base
table), and `states_of`, `rows_of` and `values_of` read them back. Only a SELECT that is not
a locking one may carry them fresh: on PostgreSQL a `SELECT … FOR UPDATE` that waited for
the lock evaluates its subqueries with the snapshot taken before it waited, so the saves
read them with a SELECT of their own once the lock is held (`surveys.services.responses`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.db import connection
from django.db.models import QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from surveys.definition.structure import Structure
from surveys.models import Answer, Partnership, RepeatRow, Response, SectionState
from surveys.values import Values, values_from_rows

NUMBER_PLACES = Decimal(1).scaleb(-Answer._meta.get_field("number").decimal_places)  # type: ignore[union-attr]

# (FROM, the columns in the order read back below) of each list. Written out rather than as
# ORM subqueries: compiling three correlated subqueries with Django's compiler took about
# 1.5 ms of CPU a request, this text none.
STATES = (f"{SectionState._meta.db_table} s", "s.id, s.section_id, s.lock_version, s.complete, s.saved_at")
ROWS = (f"{RepeatRow._meta.db_table} s", "s.id, s.question_id, s.position, s.status, s.carried_from")
ANSWERS = (
    f"{Answer._meta.db_table} s LEFT JOIN {Partnership._meta.db_table} p ON p.id = s.partnership_id",
    "s.id, s.question_id, s.option_id, s.matrix_row_id, s.repeat_row_id, p.acronym, s.country, s.text, "
    # As text: a JSON number would be read as a float.
    "s.comment, CAST(s.number AS TEXT), CAST(s.date AS TEXT)",
)


def _list(source: tuple[str, str]) -> RawSQL:
    """The rows of `source` of the outer query's response as a JSON array of arrays, as text
    (NULL for none)."""
    tables, columns = source
    if connection.vendor == "postgresql":
        aggregate = f"CAST(JSON_AGG(JSON_BUILD_ARRAY({columns})) AS TEXT)"
    else:
        aggregate = f"JSON_GROUP_ARRAY(JSON_ARRAY({columns}))"
    outer = f'"{Response._meta.db_table}"."id"'
    # Constants only, no value: nothing to escape.
    sql = f"SELECT {aggregate} FROM {tables} WHERE s.response_id = {outer}"  # noqa: S608
    return RawSQL(sql, (), output_field=TextField())  # noqa: S611


def with_lists(queryset: QuerySet[Response], *, answers: bool = True) -> QuerySet[Response]:
    """The responses with their section states and repeat rows (`states_json`, `rows_json`),
    and, unless `answers=False`, their answers (`answers_json`)."""
    queryset = queryset.annotate(states_json=_list(STATES), rows_json=_list(ROWS))
    if answers:
        queryset = queryset.annotate(answers_json=_list(ANSWERS))
    return queryset


def has_answers(response: Response) -> bool:
    """Whether `with_lists` read this response's answers."""
    return hasattr(response, "answers_json")


def _moment(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    moment = parse_datetime(value)
    if moment is not None and timezone.is_naive(moment):
        # SQLite keeps UTC without its offset.
        moment = timezone.make_aware(moment, dt.UTC)
    return moment


def states_of(response: Response) -> dict[int, SectionState]:
    """The section states read by `with_lists`, by section id (instances with those fields)."""
    states = {}
    db = response._state.db
    for pk, section_id, lock_version, complete, saved_at in json.loads(getattr(response, "states_json", None) or "[]"):
        state = SectionState.from_db(
            db,
            ["id", "response_id", "section_id", "lock_version", "complete", "saved_at"],
            [pk, response.pk, section_id, lock_version, bool(complete), _moment(saved_at)],
        )
        states[section_id] = state
    return states


def rows_of(response: Response) -> list[tuple[int, int, str, int | None]]:
    """The repeat rows read by `with_lists`, as `load_values` takes them: (id, question id,
    status, carried from), by question and position."""
    rows = json.loads(getattr(response, "rows_json", None) or "[]")
    rows.sort(key=lambda r: (r[1], r[2]))
    return [(pk, question_id, status, carried_from) for pk, question_id, _, status, carried_from in rows]


@dataclass(slots=True)
class AnswerRow:
    """An answer as `with_lists` read it: the columns `values_from_rows` reads (the question
    types' `merge_row`), with the partnership's acronym. A plain object rather than an
    `Answer`: Django's model `__init__` (its signals, a descriptor per field) for the 20–60
    answers of a page cost about 0.4 ms of CPU a request (docs/journey-speed.md, fourth
    round); nothing saves or relates these."""

    id: int
    response_id: int
    question_id: int
    option_id: int | None
    matrix_row_id: int | None
    repeat_row_id: int | None
    partnership: Partnership | None
    country: str
    text: str
    comment: str
    number: Decimal | None
    date: dt.date | None


def _answers_of(response: Response) -> list[AnswerRow]:
    """The answers read by `with_lists`, in id order, as `values_from_rows` takes them."""
    return [
        AnswerRow(
            id=pk,
            response_id=response.pk,
            question_id=question_id,
            option_id=option_id,
            matrix_row_id=matrix_row_id,
            repeat_row_id=repeat_row_id,
            # An instance that is not saved: the acronym is all the values hold of it.
            partnership=None if acronym is None else Partnership(acronym=acronym),
            country=country,
            text=text,
            comment=comment,
            # As the ORM reads them: the column's decimal places, a date.
            number=None if number is None else Decimal(number).quantize(NUMBER_PLACES),
            date=None if date is None else dt.date.fromisoformat(date),
        )
        for (
            pk,
            question_id,
            option_id,
            matrix_row_id,
            repeat_row_id,
            acronym,
            country,
            text,
            comment,
            number,
            date,
        ) in sorted(json.loads(getattr(response, "answers_json", None) or "[]"))
    ]


def values_of(response: Response, structure: Structure) -> Values:
    """The answers read by `with_lists(…, answers=True)` as values (`surveys.values`)."""
    # Duck-typed: an AnswerRow has every attribute of an Answer that values_from_rows reads.
    return values_from_rows(structure, cast("list[Answer]", _answers_of(response)), rows_of(response))
