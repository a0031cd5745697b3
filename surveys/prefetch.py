"""A response's small per-response lists read inside another SELECT (one query fewer each).

The section states and the repeat rows of a response are a few dozen rows at most; each
would be a query of its own. `with_lists` annotates a Response queryset with both as JSON
text (PostgreSQL `json_agg`, SQLite `json_group_array`: one correlated subquery each), and
`states_of` / `rows_of` read them back. Only a SELECT that is not a locking one may carry
them fresh: on PostgreSQL a `SELECT … FOR UPDATE` that waited for the lock evaluates its
subqueries with the snapshot taken before it waited, so the saves read them with a SELECT
of their own once the lock is held (`surveys.services.responses`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db.models import Aggregate, OuterRef, QuerySet, Subquery, TextField
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from surveys.models import RepeatRow, Response, SectionState

STATE_FIELDS = ("id", "section_id", "lock_version", "complete", "saved_at")
ROW_FIELDS = ("id", "question_id", "position", "status", "carried_from")


class JSONRows(Aggregate):
    """The grouped rows' fields as a JSON array of arrays, as text."""

    output_field = TextField()
    # Django's Aggregate takes several expressions; the template puts them in one array.
    template = "CAST(JSON_AGG(JSON_BUILD_ARRAY(%(expressions)s)) AS TEXT)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="JSON_GROUP_ARRAY(JSON_ARRAY(%(expressions)s))", **extra)


def _rows_subquery(queryset: QuerySet[Any], fields: tuple[str, ...]) -> Subquery:
    return Subquery(
        queryset.filter(response=OuterRef("pk")).order_by().values("response").annotate(j=JSONRows(*fields)).values("j")
    )


def with_lists(queryset: QuerySet[Response]) -> QuerySet[Response]:
    """The responses with their section states and repeat rows (`states_json`, `rows_json`)."""
    return queryset.annotate(
        states_json=_rows_subquery(SectionState.objects.all(), STATE_FIELDS),
        rows_json=_rows_subquery(RepeatRow.objects.all(), ROW_FIELDS),
    )


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
    for pk, section_id, lock_version, complete, saved_at in json.loads(response.states_json or "[]"):
        state = SectionState.from_db(
            db,
            ["id", "response_id", *STATE_FIELDS[1:]],
            [pk, response.pk, section_id, lock_version, bool(complete), _moment(saved_at)],
        )
        states[section_id] = state
    return states


def rows_of(response: Response) -> list[tuple[int, int, str, int | None]]:
    """The repeat rows read by `with_lists`, as `load_values` takes them: (id, question id,
    status, carried from), by question and position."""
    rows = json.loads(response.rows_json or "[]")
    rows.sort(key=lambda r: (r[1], r[2]))
    return [(pk, question_id, status, carried_from) for pk, question_id, _, status, carried_from in rows]
