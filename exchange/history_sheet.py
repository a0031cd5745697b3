"""The export's `history` sheet, on request: one row per change to an answer in the wave.

Written through the workbook's sheet API like every other sheet (`Workbook.add_sheet`, rows
as cells; `exchange.xlsx` renders texts formula-safe, `surveys.spreadsheet`'s rule): one
extra sheet after the others, read from `AnswerChange` (`surveys.services.history` writes
it) in one query through a server-side cursor. The import never reads it (`exchange.reader`
reads the `responses` and repeat sheets only), so an export with it imports as one without.
"""

from __future__ import annotations

from exchange.layout import HISTORY
from exchange.xlsx import CELL_TEXT_MAX, StreamingWorkbook
from surveys.bulk import iter_tuples
from surveys.models import AnswerChange, Response, Wave

COLUMNS = ["partnership", "group", "at", "by", "source", "question", "old_value", "new_value"]
TEXTS = [
    "Acronym of the partnership",
    "Group of the partnership",
    "When (Europe/Brussels time)",
    "Who: a staff user, a contact (name <email>) or the command of an import",
    "From: journey, import, prefill (last year's answers), admin_delete",
    "Question code",
    "Value before, as a person reads it",
    "Value after, as a person reads it",
]
WIDTHS = [14, 12, 20, 36, 14, 12, 60, 60]
CHUNK = 2000


def _cut(text: str) -> str:
    """A value whole in the database; in a cell, at most what Excel holds."""
    return text if len(text) <= CELL_TEXT_MAX else text[: CELL_TEXT_MAX - 1] + "…"


def history_sheet_write(book: StreamingWorkbook, *, wave: Wave, submitted_only: bool, labels: bool) -> int:
    """Add the `history` sheet to `book`: the wave's answer changes by partnership, oldest
    first (a deleted response's too, unless `submitted_only`). Returns the rows written."""
    sheet = book.add_sheet(HISTORY, COLUMNS, widths=WIDTHS, header_texts=TEXTS if labels else None)
    changes = AnswerChange.objects.filter(wave=wave)
    if submitted_only:
        changes = changes.filter(response__status=Response.Status.SUBMITTED)
    sources = dict(AnswerChange.Source.choices)
    rows = changes.order_by("partnership__acronym", "at", "pk").values_list(
        "partnership__acronym",
        "partnership__group",
        "at",
        "by_user__username",
        "by_contact__name",
        "by_contact__email",
        "by_name",
        "source",
        "question_code",
        "old_value",
        "new_value",
    )
    for chunk in iter_tuples(rows, CHUNK):
        for acronym, group, at, username, name, email, by_name, source, code, old, new in chunk:
            sheet.write(
                {
                    0: acronym,
                    1: group,
                    2: at.replace(microsecond=0),
                    3: AnswerChange.author_text(username, name, email, by_name),
                    4: sources.get(source, source) if labels else source,
                    5: code,
                    6: _cut(old),
                    7: _cut(new),
                }
            )
    return sheet.rows
