"""The export's `confirmations` sheet, on request: the claims of collaboration and the answers
of the partnerships named (issue 15, confirmed collaborations).

Partnership A's submitted answers naming partnership B (a question or repeat field of type
partnership) are a claim that B's contacts confirm, decline or comment on
(`surveys.services.collaborations`, whose rules this sheet follows: only submitted answers
claim, nobody claims on itself, and only a partnership with a response in the wave can be
asked). B's answer is kept apart from B's answers (`CollaborationConfirmation`), so no other
sheet has it.

One line per place A names B: the question (a table's code for a table's row) and the row's
number in A's table, as in that table's sheet, so a line leads back to the cell it comes from.
A's claim on B is one (the report counts pairs): a partnership named in two rows of A's table
gets two lines with the one answer B gave. Written through the workbook's sheet API like every
other sheet (`exchange.xlsx` renders texts formula-safe, `surveys.spreadsheet`'s rule), read
through a server-side cursor in chunks, a few queries per chunk. The import never reads it
(`exchange.reader` reads the `responses` and repeat sheets only).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from exchange.layout import CONFIRMATIONS
from exchange.xlsx import CELL_TEXT_MAX, StreamingWorkbook
from surveys.bulk import IdList, fetch_tuples, iter_tuples
from surveys.models import Answer, AnswerChange, CollaborationConfirmation, Question, Response, Wave

COLUMNS = [
    "partnership",
    "group",
    "named",
    "question",
    "row",
    "purpose",
    "answer",
    "comment",
    "answered_by",
    "answered_at",
]
TEXTS = [
    "Acronym of the partnership whose answers name the other",
    "Group of the partnership",
    "Acronym of the partnership named, asked to confirm",
    "Question naming it (the table's code for a row of a table)",
    "Row of that table, as in the table's sheet (empty outside a table)",
    "What the naming partnership wrote in that row: its text fields, joined with ' · '",
    "Answer of the partnership named: confirmed, declined, not_answered",
    "Comment of the partnership named",
    "Who answered: a contact of the partnership named (name <email>)",
    "When (Europe/Brussels time)",
]
WIDTHS = [14, 12, 14, 10, 6, 50, 14, 50, 36, 20]
CHUNK = 2000

NOT_ANSWERED = "not_answered"
Status = CollaborationConfirmation.Status
# A comment only leaves the claim waiting, as the report counts it (reports.confirmations).
ANSWERS = {Status.CONFIRMED: "confirmed", Status.DECLINED: "declined", Status.PENDING: NOT_ANSWERED}
ANSWER_LABELS = {"confirmed": "Confirmed", "declined": "Declined", NOT_ANSWERED: "Not answered yet"}
TEXT_TYPES = [Question.Type.TEXT, Question.Type.LONG_TEXT]


def _cut(text: str) -> str:
    """A text whole in the database; in a cell, at most what Excel holds."""
    return text if len(text) <= CELL_TEXT_MAX else text[: CELL_TEXT_MAX - 1] + "…"


def _purposes(row_ids: list[int]) -> dict[int, str]:
    """Each table row's purpose as the report writes it: its text fields, stripped, in the
    fields' order, joined with " · " (`reports.report.named_from_scan`)."""
    texts: dict[int, list[str]] = defaultdict(list)
    if row_ids:
        for row, text in fetch_tuples(
            Answer.objects.filter(repeat_row_id__any_of_ids=IdList(row_ids), question__type__in=TEXT_TYPES)
            .exclude(text="")
            .order_by("repeat_row_id", "question__position", "id")
            .values_list("repeat_row_id", "text")
        ):
            if text.strip():
                texts[row].append(text.strip())
    return {row: " · ".join(parts) for row, parts in texts.items()}


def _claims(wave: Wave) -> QuerySet[Answer, tuple[Any, ...]]:
    """The answers of the wave's submitted responses that name another registered partnership,
    by the claimant's acronym, question and table row: (claimant's response, acronym, group,
    partnership named, its acronym, question code, table row, its number)."""
    return (
        Answer.objects.filter(
            response__wave_id=wave.pk,
            response__status=Response.Status.SUBMITTED,
            question__type=Question.Type.PARTNERSHIP,
            partnership__isnull=False,
        )
        .exclude(partnership_id=F("response__partnership_id"))
        # Questionnaire order: positions count within a section, and a field's within its table.
        .annotate(place=Coalesce("question__parent__position", "question__position"))
        .order_by(
            "response__partnership__acronym",
            "question__section__position",
            "place",
            "repeat_row__position",
            "question__position",
            "id",
        )
        .values_list(
            "response_id",
            "response__partnership__acronym",
            "response__partnership__group",
            "partnership_id",
            "partnership__acronym",
            Coalesce("question__parent__code", "question__code"),
            "repeat_row_id",
            "repeat_row__position",
        )
    )


def _answers(*, claimant_ids: IdList, response_ids: IdList) -> dict[tuple[int, int], list[Any]]:
    """(answering response, claimant) -> status, comment, contact's name and email, when."""
    if not response_ids.ids:
        return {}
    rows = CollaborationConfirmation.objects.filter(
        claimant_id__any_of_ids=claimant_ids, response_id__any_of_ids=response_ids
    ).values_list(
        "response_id", "claimant_id", "status", "comment", "answered_by__name", "answered_by__email", "answered_at"
    )
    return {(response_id, claimant_id): rest for response_id, claimant_id, *rest in fetch_tuples(rows)}


def confirmations_sheet_write(book: StreamingWorkbook, *, wave: Wave, labels: bool) -> int:
    """Add the `confirmations` sheet to `book`: every claim of the wave and the answer of the
    partnership named. Returns the lines written.

    Whatever the export's `--status`: the claims are those of submitted responses already,
    and an answer counts once given, whether the answering response is submitted or not (as
    in the report and on the journey's page)."""
    sheet = book.add_sheet(CONFIRMATIONS, COLUMNS, widths=WIDTHS, header_texts=TEXTS if labels else None)
    for chunk in iter_tuples(_claims(wave), CHUNK):
        named_ids = IdList({row[3] for row in chunk})
        # The response of each partnership named: only one in the wave can answer.
        asked = dict(
            fetch_tuples(
                Response.objects.filter(wave_id=wave.pk, partnership_id__any_of_ids=named_ids).values_list(
                    "partnership_id", "id"
                )
            )
        )
        answers = _answers(claimant_ids=IdList({row[0] for row in chunk}), response_ids=IdList(asked.values()))
        purposes = _purposes([row[6] for row in chunk if row[6] is not None])
        for claimant, acronym, group, named_id, named, code, row_id, position in chunk:
            answering = asked.get(named_id)
            if answering is None:
                continue  # named, but not part of the wave: nobody to ask
            status, comment, name, email, at = answers.get(
                (answering, claimant), (Status.PENDING, "", None, None, None)
            )
            answer = ANSWERS[status]
            sheet.write(
                {
                    0: acronym,
                    1: group,
                    2: named,
                    3: code,
                    4: position,
                    5: _cut(purposes.get(row_id, "")) if row_id is not None else None,
                    6: ANSWER_LABELS[answer] if labels else answer,
                    7: _cut(comment),
                    8: AnswerChange.author_text(None, name, email, ""),
                    9: at.replace(microsecond=0) if at else None,
                }
            )
    return sheet.rows
