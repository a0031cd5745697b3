"""The SQL side of the reports: answer rows of completed responses, grouped and counted.

Every function here runs one query, whatever the number of responses or
questions: each groups *all* questions of a wave at once (GROUP BY question, option, …,
the partnership's group), never one query per question. Only `submitted` responses count;
drafts and responses not started never reach an indicator (the population is the only
place they appear).

The counts of a whole wave are read from its tallies (`tally_counts`, `tally_respondents`,
kept by `reports.tallies`); the scans of answer rows (`answer_counts`, `respondents`, `dates`)
serve a part of a wave (`Scope.members`: the panel of a comparison, or the others) and are
the reference the tallies are tested against.

The results are plain rows (tuples and small dataclasses) that `reports.indicators` turns
into indicators; nothing here knows what an indicator looks like.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from surveys.bulk import fetch_columns, fetch_sql, fetch_tuples
from surveys.models import Answer, CollaborationConfirmation, Partnership, Question, RepeatRow, Response, Wave
from surveys.services.responses import DERIVED_NEW_FIELD

from .models import NamedPartnership, RespondentTally, ResponseFigure, Tally

GROUP = "response__partnership__group"
ACRONYM = "response__partnership__acronym"


@dataclass(frozen=True)
class Scope:
    """The responses of a wave, each flagged whether its partnership also completed another
    wave (`panel_with`): the panel of a comparison comes out of the same scan as the whole
    wave, as one more GROUP BY column, instead of scanning the answers twice."""

    wave_id: int
    panel_with: int | None = None
    # Only the submitted responses in the panel ("panel") or not in it ("others").
    members: str | None = None
    # Those responses when the caller knows them already: the scan then walks their answer
    # rows by the response index, without working out who is in the panel again.
    response_ids: tuple[int, ...] | None = None

    def _flagged(self, qs: QuerySet[Any], prefix: str) -> QuerySet[Any]:
        if self.panel_with is None or self.members is not None:
            return qs.annotate(in_panel=Value(self.members == "panel", output_field=BooleanField()))
        other = FilteredRelation(
            f"{prefix}partnership__responses",
            condition=Q(
                **{
                    f"{prefix}partnership__responses__wave_id": self.panel_with,
                    f"{prefix}partnership__responses__status": Response.Status.SUBMITTED,
                }
            ),
        )
        return qs.annotate(other_response=other).annotate(
            in_panel=Case(
                When(other_response__id__isnull=False, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )

    def responses(self) -> QuerySet[Response]:
        return self._flagged(Response.objects.filter(wave_id=self.wave_id), "")

    def member_ids(self) -> QuerySet[Response, Any]:
        """The submitted responses of the scope, as a subquery: the database walks the answer
        rows of these responses only (by their response index), not the whole wave's."""
        qs = Response.objects.filter(wave_id=self.wave_id, status=Response.Status.SUBMITTED)
        if self.members is not None and self.panel_with is not None:
            other = Response.objects.filter(
                wave_id=self.panel_with, status=Response.Status.SUBMITTED, partnership_id=OuterRef("partnership_id")
            )
            qs = qs.filter(Exists(other) if self.members == "panel" else ~Exists(other))
        return qs.values("id")

    def of_questions(self, qs: QuerySet[Any], question_ids: list[int]) -> QuerySet[Any]:
        """Rows of these questions. For a part of a wave the question filter is an expression
        (`question_id + 0`) that no index serves: otherwise SQLite walks the answers of these
        questions in every wave by the question index instead of the few responses' rows."""
        if self.members is None:
            return qs.filter(question_id__in=question_ids)
        return qs.annotate(plain_question=F("question_id") + 0).filter(plain_question__in=question_ids)

    def answers(self) -> QuerySet[Answer]:
        if self.response_ids is not None:
            # An id that no response has stands for "none": the query still runs, so that a
            # report makes the same queries whoever is in the panel.
            qs = Answer.objects.filter(response_id__any_of=list(self.response_ids) or [0])
        elif self.members is not None:
            qs = Answer.objects.filter(response_id__in=self.member_ids())
        else:
            qs = Answer.objects.filter(response__wave_id=self.wave_id, response__status=Response.Status.SUBMITTED)
        return self._flagged(qs, "response__")

    def repeat_rows(self) -> QuerySet[RepeatRow]:
        """The rows of repeat tables, those marked ended included: a row carried from the
        previous wave and marked ended is kept in the response but not counted as current
        (the callers tell them apart; reports/tallies.py agrees)."""
        if self.response_ids is not None:  # these responses, whatever their status (see `answers`)
            qs = RepeatRow.objects.filter(response_id__any_of=list(self.response_ids) or [0])
            return self._flagged(qs, "response__")
        qs = RepeatRow.objects.filter(response__wave_id=self.wave_id, response__status=Response.Status.SUBMITTED)
        return self._flagged(qs, "response__")


@dataclass(frozen=True)
class CountRow:
    """Answer rows of one kind in one group: the workhorse of every count indicator.

    The key is (question, option, matrix row, country, named partnership, group, panel);
    for a field of a repeat table `question_id` is the field's question and `n` counts
    table rows.
    """

    question_id: int
    option_id: int | None
    matrix_row_id: int | None
    country: str
    partnership_id: int | None
    group: str
    panel: bool
    n: int
    number_sum: Decimal | None
    number_n: int
    comments: int
    texts: int


# A figure shown per partnership: (question, option (0 or None: none), partnership id, whole,
# fraction). `whole` is the number when it is a whole one (the rows of a repeat table, most
# numbers), else None and `fraction` holds the number: a Decimal is read and built only for
# the few numbers that need one. The rows of a question and option come together. The group
# a figure counts under is its partnership's, from the register (the report has it already).
FigureRow = tuple[int, int | None, int, int | None, Decimal | None]
# The figures of one question and option as columns: (question, option, partnership ids,
# wholes, fractions), the three columns in the same order.
FigureColumns = tuple[int, int | None, Sequence[int], Sequence[int | None], Sequence[Decimal | None]]


def figure_columns(rows: Iterable[FigureRow]) -> list[FigureColumns]:
    """Figure rows (those of a question and option together) as columns."""
    out: list[FigureColumns] = []
    for (question, option), chunk in groupby(rows, key=itemgetter(0, 1)):
        _, _, partnerships, wholes, fractions = zip(*chunk, strict=True)
        out.append((question, option, partnerships, wholes, fractions))
    return out


@dataclass
class WaveRows:
    """Every row the indicators of a wave need; the last column of each says `in panel`."""

    population: list[tuple[str, str, bool, int]] = field(default_factory=list)  # group, status, panel, responses
    counts: list[CountRow] = field(default_factory=list)
    # question, group, panel, respondents, respondents with a non-exclusive option
    respondents: list[tuple[int, str, bool, int, int]] = field(default_factory=list)
    # Numbers and rows of repeat tables per partnership, by question and option (see FigureRow)
    figures: list[FigureRow] = field(default_factory=list)
    dates: list[tuple[int, dt.date, str, bool, int]] = field(default_factory=list)  # question, date, group, panel, rows


def population(scope: Scope) -> list[tuple[str, str, bool, int]]:
    """Responses of the wave per group and status (invited = all of them)."""
    rows = scope.responses().values_list("partnership__group", "status", "in_panel").annotate(n=Count("id")).order_by()  # type: ignore[misc]
    return [(g, s, bool(p), n) for g, s, p, n in rows]


def answer_counts(scope: Scope) -> list[CountRow]:
    """All answer rows counted by what they hold, per group (one query for every question)."""
    rows = (
        scope.answers()
        # The fields of an ended row (carried from the previous wave) are not counted, like the row.
        .exclude(repeat_row__status=RepeatRow.Status.ENDED)
        .values_list("question_id", "option_id", "matrix_row_id", "country", "partnership_id", GROUP, "in_panel")
        .annotate(
            n=Count("id"),
            number_sum=Sum("number"),
            number_n=Count("number"),
            comments=Count("id", filter=~Q(comment="")),
            texts=Count("id", filter=~Q(text="")),
        )
        .order_by()
    )
    return [
        CountRow(
            question_id=q,
            option_id=o,
            matrix_row_id=m,
            country=c,
            partnership_id=p,
            group=g,
            panel=bool(panel),
            n=n,
            number_sum=Decimal(s) if s is not None else None,
            number_n=nn,
            comments=cm,
            texts=tx,
        )
        for q, o, m, c, p, g, panel, n, s, nn, cm, tx in rows
    ]


def respondents(
    scope: Scope, *, question_ids: list[int], exclusive_option_ids: list[int]
) -> list[tuple[int, str, bool, int, int]]:
    """Completed responses with at least one answer row, for questions that may hold several
    rows per response (the others' respondents are their answer counts).

    The second count leaves out the responses whose only answer is an exclusive option
    ("None"), which is what "at least one result" means in the report.
    """
    if not question_ids:
        return []
    non_exclusive = (
        Count("response_id", distinct=True, filter=~Q(option_id__in=exclusive_option_ids))
        if exclusive_option_ids
        else Count("response_id", distinct=True)
    )
    rows = (
        scope.of_questions(scope.answers(), question_ids)
        .values_list("question_id", GROUP, "in_panel")
        .annotate(n=Count("response_id", distinct=True), non_exclusive=non_exclusive)
        .order_by()
    )
    return [(q, g, bool(p), n, ne) for q, g, p, n, ne in rows]


# The figures of a repeat table per partnership, under the table's question (which has no
# options of its own): its current rows (option 0, shown as None), and under these two ids
# the rows new since the previous wave and the rows carried from it and marked ended. A row
# is new when it was not carried (status "new": added in this wave, or in a response that did
# not start from last year's answers) unless the respondent said it is not new (a "no" to the
# table's `new_since_previous`; on a prefilled response that field is derived from the status
# anyway). Table 1 adds them up.
NEW_ROWS = -1
ENDED_ROWS = -2


def old_row_answer() -> QuerySet[Answer]:
    """The answer saying that a table row is not new since the previous wave (to `Exists`)."""
    return Answer.objects.filter(
        repeat_row_id=OuterRef("pk"),
        question__code=DERIVED_NEW_FIELD,
        question__type=Question.Type.YES_NO,
        option__code="no",
    )


def repeat_rows_per_partnership(scope: Scope) -> list[FigureRow]:
    """The rows of each table per partnership: current, new since the previous wave, ended
    (see NEW_ROWS); a count of 0 is no figure. One query."""
    ended = Q(status=RepeatRow.Status.ENDED)
    rows = (
        scope.repeat_rows()
        .annotate(said_old=Exists(old_row_answer()))
        .values_list("question_id", "response__partnership_id")
        .annotate(
            n=Count("id", filter=~ended),
            new_rows=Count("id", filter=Q(status=RepeatRow.Status.NEW, said_old=False)),
            ended_rows=Count("id", filter=ended),
        )
        .order_by("question_id")
    )
    figures: list[FigureRow] = [
        (q, option, p, n, None)
        for q, p, *counts in rows
        for option, n in zip((None, NEW_ROWS, ENDED_ROWS), counts, strict=True)
        if n
    ]
    # Each question and option together (`figure_columns`), in the tallies' order.
    figures.sort(key=lambda f: (f[0], f[1] or 0))
    return figures


def _whole(number: Decimal) -> int | None:
    return int(number) if number == number.to_integral_value() else None


def numbers(scope: Scope, *, question_ids: list[int]) -> list[FigureRow]:
    """Every number answered to these questions (outside repeat tables) with its partnership:
    medians and per-partnership figures need the values themselves. One row per response
    and number at most: the rows grow with the responses, the query count does not."""
    if not question_ids:
        return []
    rows = (
        scope.answers()
        .filter(question_id__in=question_ids, repeat_row__isnull=True, number__isnull=False)
        .values_list("question_id", "option_id", "response__partnership_id", "number")
        .order_by("question_id", "option_id")
    )
    # (`v is not None` holds for every row: it only tells the type checker so.)
    return [(q, o, p, w, None if w is not None else v) for q, o, p, v in rows if v is not None for w in [_whole(v)]]


def figures(wave_id: int) -> list[FigureColumns]:
    """The per-partnership figures of a wave's tallied responses (`ResponseFigure`): numbers
    and rows of repeat tables, one per response and figure, read by the wave index, as
    columns per question and option."""
    rows = (
        ResponseFigure.objects.filter(wave_id=wave_id)
        # Whole figures come as ints (parsing a numeric costs psycopg three times an int): a
        # Decimal is read only for a number with decimals.
        .annotate(fraction=Case(When(whole__isnull=True, then=F("number")), default=None))
        # No group: the register's, which a sync has made the one each figure counts under.
        .values_list("question_id", "option_id", "partnership_id", "whole", "fraction")
        # The order of the read index: no sort (partnerships are put in acronym order in Python,
        # where the register's order is known).
        .order_by("question_id", "option_id", "partnership_id")
    )
    if connections[rows.db].vendor != "postgresql":
        return figure_columns(fetch_tuples(rows))
    # PostgreSQL hands each question and option over as three arrays, which psycopg reads in
    # C: no tuple per figure to build and take apart again (half the Python time of the read
    # at 100,000 responses). The aggregates of a group see its rows in one order, so the
    # arrays stay aligned; that order is the index's in practice, and the report sorts the
    # partnerships anyway when it is not.
    sql, params = rows.query.sql_with_params()
    columns = (
        "SELECT question_id, option_id, array_agg(partnership_id), array_agg(whole), array_agg(fraction) "  # noqa: S608 (the ORM's own SQL, its values as parameters)
        f"FROM ({sql}) AS figures GROUP BY question_id, option_id ORDER BY question_id, option_id"
    )
    return fetch_sql(rows.db, columns, params)  # type: ignore[return-value]


# The statuses of responses as `wave_responses` gives them: by their position here.
STATUSES: tuple[str, ...] = tuple(Response.Status.values)


def wave_responses(wave_id: int) -> list[list[Any]]:
    """Every response of a wave, as columns: ids, partnerships, statuses (as their position in
    `STATUSES`). The report takes the population, the panel and the completed responses from
    them (the partnerships' groups come from the register)."""
    # A small int is read and compared faster than a text, hundreds of thousands of times.
    status = Case(*(When(status=s, then=Value(i)) for i, s in enumerate(STATUSES)), output_field=IntegerField())
    rows = (
        Response.objects.filter(wave_id=wave_id)
        .annotate(status_index=status)
        .values_list("id", "partnership_id", "status_index")
    )
    return fetch_columns(rows)


def register() -> list[list[Any]]:
    """Every partnership of the register, as columns: ids, acronyms, groups. One query, the
    size of the register: the report names and orders partnerships from it instead of
    joining it to every figure row."""
    return fetch_columns(Partnership.objects.values_list("id", "acronym", "group"))


def dates(scope: Scope, *, question_ids: list[int]) -> list[tuple[int, dt.date, str, bool, int]]:
    """Date answers counted per day (years are summed in Python: no date function per row)."""
    if not question_ids:
        return []
    rows = (
        scope.of_questions(scope.answers(), question_ids)
        .filter(date__isnull=False)
        # A date field of an ended row is not counted, like the row (the tallies agree).
        .exclude(repeat_row__status=RepeatRow.Status.ENDED)
        .values_list("question_id", "date", GROUP, "in_panel")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(q, d, g, bool(p), n) for q, d, g, p, n in rows]


@dataclass(frozen=True)
class QuestionKinds:
    """Ids of the questions each selector needs, taken from the questionnaire's structure."""

    several_rows: list[int]  # top-level questions that may have several answer rows per response
    numbered: list[int]  # number questions and multiple choices with number boxes (top-level)
    dated: list[int]  # date questions and date fields
    exclusive_options: list[int]


def tally_counts(wave_id: int) -> list[tuple[CountRow, int]]:
    """The tallies of a wave as count rows, each with the year of its dates (0: none)."""
    rows = (
        Tally.objects.filter(wave_id=wave_id)
        .exclude(n=0)
        .values_list(
            "question_id",
            "option_id",
            "matrix_row_id",
            "country",
            "partnership_id",
            "group",
            "year",
            "n",
            "number_sum",
            "number_n",
            "comments",
            "texts",
        )
        .order_by()
    )
    return [
        (
            CountRow(
                question_id=q,
                option_id=o or None,
                matrix_row_id=m or None,
                country=c,
                partnership_id=p or None,
                group=g,
                panel=False,
                n=n,
                number_sum=Decimal(s),
                number_n=nn,
                comments=cm,
                texts=tx,
            ),
            y,
        )
        for q, o, m, c, p, g, y, n, s, nn, cm, tx in rows
    ]


def tally_respondents(wave_id: int) -> list[tuple[int, str, int, int]]:
    """Respondents per question and group from the tallies: (question, group, respondents,
    respondents with a non-exclusive answer)."""
    rows = (
        RespondentTally.objects.filter(wave_id=wave_id)
        .exclude(respondents=0)
        .values_list("question_id", "group", "respondents", "non_exclusive")
        .order_by()
    )
    return list(rows)


def wave_rows(scope: Scope, *, kinds: QuestionKinds) -> WaveRows:
    """Everything the indicators of one wave need: six queries at most."""
    return WaveRows(
        population=population(scope),
        counts=answer_counts(scope),
        respondents=respondents(scope, question_ids=kinds.several_rows, exclusive_option_ids=kinds.exclusive_options),
        figures=[*numbers(scope, question_ids=kinds.numbered), *repeat_rows_per_partnership(scope)],
        dates=dates(scope, question_ids=kinds.dated),
    )


# Collaborations and qualitative answers ------------------------------------------------------


# A partnership named by a completed response: (reporter's acronym, reporter's group, acronym
# of the partnership named ("" when named in free text), its group, the free text, the purpose
# written in the same table row, whether the row was marked ended), ordered by reporter,
# question and table row. An ended row (carried from the previous wave, the coordinator said
# it has ended) is no current collaboration: `report.collaborations` keeps it apart.
NamedRow = tuple[str, str, str, str, str, str, bool]
# The same, as kept with the tallies: (reporter's id, group, id of the partnership named or None,
# free text, purpose, ended), ordered by reporter id, question and table row.
TalliedNamedRow = tuple[int, str, int | None, str, str, bool]


def named_partnerships(scope: Scope) -> list[tuple[int | None, str, str, str, str, str, bool]]:
    """Answers naming a partnership, from a scan: (table row, reporter, reporter's group,
    named, named's group, text, ended); the purposes come from `repeat_row_texts`."""
    ended = Case(
        When(repeat_row__status=RepeatRow.Status.ENDED, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    rows = (
        scope.answers()
        .filter(question__type=Question.Type.PARTNERSHIP)
        .annotate(ended=ended)
        .values_list("repeat_row_id", ACRONYM, GROUP, "partnership__acronym", "partnership__group", "text", "ended")
        .order_by(ACRONYM, "question_id", "repeat_row_id")
    )
    return [(r, a, g, na or "", ng or "", t, bool(e)) for r, a, g, na, ng, t, e in rows]


def repeat_row_texts(scope: Scope, *, repeat_question_ids: list[int]) -> list[tuple[int, int, str]]:
    """Text fields of the rows of these repeat tables: (repeat row, field question, text)."""
    if not repeat_question_ids:
        return []
    rows = (
        scope.answers()
        .filter(repeat_row__question_id__in=repeat_question_ids)
        .filter(question__type__in=[Question.Type.TEXT, Question.Type.LONG_TEXT])
        .exclude(text="")
        .values_list("repeat_row_id", "question_id", "text")
        .order_by("repeat_row_id", "question__position")
    )
    return list(rows)


def tallied_named_partnerships(wave_id: int) -> list[TalliedNamedRow]:
    """The partnerships named by a wave's tallied responses, with their purposes
    (`NamedPartnership`, kept with the tallies): one read in the order of its index."""
    rows = (
        NamedPartnership.objects.filter(wave_id=wave_id)
        .values_list("reporter_id", "group", "partnership_id", "text", "purpose", "ended")
        .order_by("reporter_id", "question_id", "repeat_row_id")
    )
    return fetch_tuples(rows)


def collaboration_answers(wave_id: int) -> list[tuple[str, str, str, str]]:
    """What the partnerships named answered to the claims of a wave (`reports.confirmations`):
    (claimant's acronym, answering partnership's acronym, status, comment)."""
    rows = CollaborationConfirmation.objects.filter(response__wave_id=wave_id).values_list(
        "claimant__partnership__acronym", "response__partnership__acronym", "status", "comment"
    )
    return list(rows)


def text_answers(scope: Scope, *, group: str | None = None, question_ids: list[int] | None = None) -> QuerySet[Answer]:
    """Comments and text answers of completed responses, in questionnaire order.

    Returned as a queryset so that the page can paginate it in the database.
    """
    qs = scope.answers().filter(~Q(text="") | ~Q(comment=""))
    if group is not None:
        qs = qs.filter(**{GROUP: group})
    if question_ids is not None:
        qs = qs.filter(question_id__in=question_ids)
    return qs.annotate(
        acronym=F(ACRONYM),
        group=F(GROUP),
        # The text of a row the coordinator marked ended is shown, but said to be of an ended row.
        row_ended=Case(
            When(repeat_row__status=RepeatRow.Status.ENDED, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        # A repeat table's fields sort where their table stands in the questionnaire.
        place=Coalesce("question__parent__position", "question__position"),
    ).order_by(
        "question__section__position",
        "place",
        "question__position",
        "option__position",
        ACRONYM,
        "repeat_row__position",
        "id",
    )


def wave_list() -> QuerySet[Wave]:
    """Waves with their population counts, newest first (one query)."""
    return (
        Wave.objects.select_related("version__questionnaire", "previous")
        .annotate(
            n_invited=Count("responses", distinct=True),
            n_started=Count("responses", filter=~Q(responses__status=Response.Status.NOT_STARTED), distinct=True),
            n_completed=Count("responses", filter=Q(responses__status=Response.Status.SUBMITTED), distinct=True),
        )
        .order_by("-opens_at", "slug")
    )
