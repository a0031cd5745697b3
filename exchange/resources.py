"""django-import-export resources for the workbook's flat sheets, one per sheet.

`codebook` and `partnerships` are plain tables (one object, one row), which is what a
Resource describes; the export streams their rows through `export_resource` one object at a
time rather than building a whole Dataset, so memory stays flat. The `responses` and repeat
sheets have columns that depend on the questionnaire and are laid out in `layout.py`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from import_export import fields, resources

from exchange.layout import ROW_STATUS_LABELS, SheetLayout, WorkbookLayout, code_cell
from surveys.bulk import IdList
from surveys.definition.structure import QuestionNode, Structure
from surveys.models import Question, Wave
from surveys.types import type_of

T = Question.Type


@dataclass(frozen=True)
class CodebookEntry:
    sheet: str
    column: str
    question: str
    code: str
    kind: str
    text: str


class CodebookResource(resources.Resource):
    """Every column of the data sheets and every code a cell may hold, with its text."""

    sheet = fields.Field(attribute="sheet", column_name="sheet")
    column = fields.Field(attribute="column", column_name="column")
    question = fields.Field(attribute="question", column_name="question")
    code = fields.Field(attribute="code", column_name="code")
    kind = fields.Field(attribute="kind", column_name="kind")
    text = fields.Field(attribute="text", column_name="text")

    WIDTHS = [12, 34, 12, 20, 12, 80]

    def dehydrate_code(self, entry: CodebookEntry) -> str | int:
        return code_cell(entry.code) if entry.kind in ("value", "level") else entry.code


def codebook_entries(structure: Structure, layout: WorkbookLayout) -> list[CodebookEntry]:
    entries: list[CodebookEntry] = []
    sheets: list[tuple[SheetLayout, str]] = [(layout.responses, "")] + [(s, n.code) for n, s in layout.repeats]
    for sheet, question in sheets:
        for index, column in enumerate(sheet.columns):
            if column.kind != "fixed":
                continue
            # A repeat row's status and origin columns are the table's (`A7[_status]`: question A7).
            of = question if index in (sheet.status, sheet.from_row) else ""
            entries.append(CodebookEntry(sheet.name, column.header, of, "", "fixed", column.text))
            if index == sheet.status:
                entries.extend(
                    CodebookEntry(sheet.name, column.header, of, code, "value", label)
                    for code, label in ROW_STATUS_LABELS.items()
                )
    for node in structure.questions():
        if node.type == T.REPEAT:
            sheet = next(s for n, s in layout.repeats if n.code == node.code)
            entries.append(CodebookEntry(sheet.name, "", node.code, "", f"question: {node.type}", node.question.text))
            for f in node.fields:
                entries.extend(_question_entries(sheet, f, node.code, field_of=node))
        else:
            entries.extend(_question_entries(layout.responses, node, node.code))
    return entries


def _question_entries(
    sheet: SheetLayout, node: QuestionNode, question: str, field_of: QuestionNode | None = None
) -> list[CodebookEntry]:
    columns = [c for c in sheet.columns if c.question == node.code and c.kind != "fixed"]
    value_column = next((c.header for c in columns if c.kind == "question"), "")
    kind = f"field: {node.type}" if field_of else f"question: {node.type}"
    entries = [
        CodebookEntry(sheet.name, value_column, question, node.code if field_of else "", kind, node.question.text)
    ]
    entries.extend(
        CodebookEntry(sheet.name, c.header, question, c.code, c.kind, c.text) for c in columns if c.kind != "question"
    )
    options_kind = type_of(node).options_kind
    if options_kind == "choice":
        entries.extend(
            CodebookEntry(sheet.name, value_column, question, o.code, "value", o.label) for o in node.options
        )
    elif options_kind == "level":
        entries.extend(
            CodebookEntry(sheet.name, f"{node.code}[…]", question, o.code, "level", o.label) for o in node.options
        )
    return entries


@dataclass
class PartnershipRow:
    acronym: str
    name: str
    group: str
    status: str
    submitted_at: dt.datetime | None
    contacts: list[str] = field(default_factory=list)
    invited: list[dt.date] = field(default_factory=list)
    reminded: list[dt.date] = field(default_factory=list)


class PartnershipStatusResource(resources.Resource):
    """Every partnership invited to the wave: contacts, invitation and reminder dates, status."""

    partnership = fields.Field(attribute="acronym", column_name="partnership")
    name = fields.Field(attribute="name", column_name="name")
    group = fields.Field(attribute="group", column_name="group")
    contacts = fields.Field(column_name="contacts")
    invited_on = fields.Field(column_name="invited_on")
    reminded_on = fields.Field(column_name="reminded_on")
    status = fields.Field(attribute="status", column_name="status")
    submitted_at = fields.Field(column_name="submitted_at")

    WIDTHS = [16, 40, 11, 60, 14, 24, 11, 19]

    def row_cells(self, row: PartnershipRow) -> list[Any]:
        """The cells `export_resource` gives, in its column order, without its per-field
        machinery (about 25 µs a row, a tenth of the time budget of a 10,000-row export).
        tests/exchange/test_export.py holds the two equal."""
        return [
            row.acronym,
            row.name,
            row.group,
            self.dehydrate_contacts(row),
            self.dehydrate_invited_on(row),
            self.dehydrate_reminded_on(row),
            row.status,
            self.dehydrate_submitted_at(row),
        ]

    def dehydrate_contacts(self, row: PartnershipRow) -> str:
        return "; ".join(row.contacts)

    def dehydrate_invited_on(self, row: PartnershipRow) -> str:
        return ", ".join(d.isoformat() for d in row.invited)

    def dehydrate_reminded_on(self, row: PartnershipRow) -> str:
        return ", ".join(d.isoformat() for d in row.reminded)

    def dehydrate_submitted_at(self, row: PartnershipRow) -> dt.datetime | None:
        # A datetime cell, not text: the workbook writer formats it.
        return row.submitted_at


def message_dates(wave: Wave, partnership_ids: list[int] | IdList, zone: Any) -> dict[int, dict[str, list[dt.date]]]:
    """Days on which invitations and reminders went to each partnership's contacts.

    Read from the outreach app's `Message` rows (kind invitation/reminder, `sent_at`) when
    that app is installed and has those fields; without it the cells stay empty.
    """
    if not apps.is_installed("outreach"):
        return {}
    try:
        message = apps.get_model("outreach", "Message")
    except LookupError:
        return {}
    names = {f.name for f in message._meta.get_fields()}
    if not {"wave", "contact", "kind", "sent_at"} <= names:
        return {}
    dates: dict[int, dict[str, set[dt.date]]] = defaultdict(lambda: {"invitation": set(), "reminder": set()})
    sent = (
        message.objects.filter(
            wave=wave,
            contact__partnership_id__any_of_ids=partnership_ids,
            kind__in=["invitation", "reminder"],
            sent_at__isnull=False,
        )
        .order_by()
        .values_list("contact__partnership_id", "kind", "sent_at")
    )
    for partnership_id, kind, sent_at in sent:
        dates[partnership_id][kind].add(sent_at.astimezone(zone).date())
    return {pid: {kind: sorted(days) for kind, days in kinds.items()} for pid, kinds in dates.items()}
