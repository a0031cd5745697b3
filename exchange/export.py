"""A wave's responses as one workbook, streamed: memory stays flat however many responses.

Responses are read in chunks (keyset on the partnership's acronym, which orders the
sheets), with the answers and repeat rows of a chunk in two queries; each response's values
come from `surveys.values.values_from_rows`, the one mapping between answer rows and values,
and go to the sheets at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, cast

from exchange.layout import CODEBOOK, PARTNERSHIPS, CellWriter, SheetLayout, workbook_layout
from exchange.resources import (
    CodebookResource,
    PartnershipRow,
    PartnershipStatusResource,
    codebook_entries,
    message_dates,
)
from exchange.xlsx import SheetRows, StreamingWorkbook
from surveys.definition.structure import structure_for
from surveys.models import Answer, Contact, Partnership, RepeatRow, Response, Wave
from surveys.values import values_from_rows

CHUNK = 1000
FORMAT_PROPERTY = "escp_survey_format"
WAVE_PROPERTY = "escp_survey_wave"
QUESTIONNAIRE_PROPERTY = "escp_survey_questionnaire"


class Status:
    ALL = "all"
    SUBMITTED = "submitted"
    CHOICES = (SUBMITTED, ALL)


@dataclass
class ExportSummary:
    responses: int
    repeat_rows: int


class _Acronym:
    __slots__ = ("acronym",)

    def __init__(self, acronym: str) -> None:
        self.acronym = acronym


class _AnswerRow:
    """The fields of an Answer that `values_from_rows` reads, without a model instance each."""

    __slots__ = (
        "comment",
        "country",
        "date",
        "matrix_row_id",
        "number",
        "option_id",
        "partnership",
        "question_id",
        "repeat_row_id",
        "text",
    )

    def __init__(
        self,
        question_id: int,
        option_id: int | None,
        matrix_row_id: int | None,
        repeat_row_id: int | None,
        partnership: _Acronym | None,
        country: str,
        text: str,
        comment: str,
        number: Decimal | None,
        date: dt.date | None,
    ) -> None:
        self.question_id = question_id
        self.option_id = option_id
        self.matrix_row_id = matrix_row_id
        self.repeat_row_id = repeat_row_id
        self.partnership = partnership
        self.country = country
        self.text = text
        self.comment = comment
        self.number = number
        self.date = date


def _response_chunks(wave: Wave, status: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Responses of the wave in acronym order, `size` at a time.

    One query read through a cursor (server-side on PostgreSQL): paging with LIMIT would
    sort the wave's responses again for every page.
    """
    query = Response.objects.filter(wave=wave)
    if status == Status.SUBMITTED:
        query = query.filter(status=Response.Status.SUBMITTED)
    rows = query.order_by("partnership__acronym").values_list(
        "id",
        "partnership_id",
        "partnership__acronym",
        "partnership__name",
        "partnership__group",
        "status",
        "submitted_at",
    )
    chunk: list[tuple[Any, ...]] = []
    for row in rows.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def wave_export(
    *, wave: Wave, target: str | Path | BinaryIO, labels: bool = False, status: str = Status.ALL, chunk: int = CHUNK
) -> ExportSummary:
    """Write the wave's workbook (see docs/exchange.md) to a path or binary file."""
    if status not in Status.CHOICES:
        raise ValueError(f"status must be one of {', '.join(Status.CHOICES)}")
    structure = structure_for(wave.version)
    layout = workbook_layout(structure)
    names = dict(Partnership.objects.values_list("acronym", "name")) if labels else {}
    writer = CellWriter(labels=labels, partnership_names=names)
    book = StreamingWorkbook(
        properties={
            FORMAT_PROPERTY: "labels" if labels else "codes",
            WAVE_PROPERTY: wave.slug,
            QUESTIONNAIRE_PROPERTY: wave.version.questionnaire.code,
        }
    )
    try:
        summary = _write(book, wave, structure, layout, writer, labels=labels, status=status, chunk=chunk)
        book.save(target)
    except BaseException:
        book.discard()
        raise
    return summary


def _sheet(book: StreamingWorkbook, layout: SheetLayout, labels: bool, freeze: int) -> SheetRows:
    return book.add_sheet(
        layout.name,
        layout.headers,
        widths=[c.width for c in layout.columns],
        header_texts=[c.text for c in layout.columns] if labels else None,
        freeze_columns=freeze,
    )


def _write(
    book: StreamingWorkbook,
    wave: Wave,
    structure: Any,
    layout: Any,
    writer: CellWriter,
    *,
    labels: bool,
    status: str,
    chunk: int,
) -> ExportSummary:
    responses_sheet = _sheet(book, layout.responses, labels, freeze=1)
    writer.prepare(layout.responses)
    repeat_sheets: dict[str, tuple[SheetLayout, SheetRows]] = {}
    for node, sheet_layout in layout.repeats:
        writer.prepare(sheet_layout)
        repeat_sheets[node.code] = (sheet_layout, _sheet(book, sheet_layout, labels, freeze=3))
    codebook = CodebookResource()
    codebook_sheet = book.add_sheet(
        CODEBOOK, codebook.get_export_headers(), widths=CodebookResource.WIDTHS, freeze_columns=0
    )
    status_resource = PartnershipStatusResource()
    partnerships_sheet = book.add_sheet(
        PARTNERSHIPS, status_resource.get_export_headers(), widths=PartnershipStatusResource.WIDTHS
    )
    status_labels = dict(Response.Status.choices)
    zone = book.zone
    acronyms: dict[str, _Acronym] = {}
    total = repeat_total = 0

    for rows in _response_chunks(wave, status, chunk):
        ids = [r[0] for r in rows]
        answers: dict[int, list[_AnswerRow]] = defaultdict(list)
        for response_id, question_id, option_id, matrix_row_id, repeat_row_id, acronym, *cells in (
            Answer.objects.filter(response_id__in=ids)
            .order_by("response_id", "repeat_row_id", "id")
            .values_list(
                "response_id",
                "question_id",
                "option_id",
                "matrix_row_id",
                "repeat_row_id",
                "partnership__acronym",
                "country",
                "text",
                "comment",
                "number",
                "date",
            )
            .iterator(chunk_size=5000)
        ):
            holder = None
            if acronym is not None:
                holder = acronyms.get(acronym) or acronyms.setdefault(acronym, _Acronym(acronym))
            answers[response_id].append(
                _AnswerRow(question_id, option_id, matrix_row_id, repeat_row_id, holder, *cells)  # type: ignore[arg-type]
            )
        repeat_rows: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for response_id, row_id, question_id in (
            RepeatRow.objects.filter(response_id__in=ids)
            .order_by("response_id", "question_id", "position")
            .values_list("response_id", "id", "question_id")
        ):
            repeat_rows[response_id].append((row_id, question_id))
        contacts: dict[int, list[str]] = defaultdict(list)
        partnership_ids = [r[1] for r in rows]
        # From the contacts of these partnerships (index on partnership) to their invitation
        # (unique on wave and contact): no scan of the wave's invitations per chunk.
        for partnership_id, name, email in (
            Contact.objects.filter(
                partnership_id__in=partnership_ids, invitations__wave=wave, invitations__revoked_at__isnull=True
            )
            .order_by("partnership_id", "name")
            .values_list("partnership_id", "name", "email")
        ):
            contacts[partnership_id].append(f"{name} <{email}>")
        sent = message_dates(wave, partnership_ids, zone)

        for response_id, partnership_id, acronym, name, group, state, submitted_at in rows:
            values = values_from_rows(
                structure, cast(Any, answers.pop(response_id, [])), repeat_rows.pop(response_id, [])
            )
            shown_status = status_labels[state] if labels else state
            submitted = submitted_at.replace(microsecond=0) if submitted_at else None
            out: list[tuple[Any, Any]] = [(0, acronym), (1, group), (2, shown_status), (3, submitted)]
            writer.cells(layout.responses, values, out)
            responses_sheet.write(out)
            for code, (sheet_layout, sheet) in repeat_sheets.items():
                for position, row in enumerate(values.get(code) or [], start=1):
                    out = [(0, acronym), (1, group), (2, position)]
                    writer.cells(sheet_layout, row, out)
                    sheet.write(out)
                    repeat_total += 1
            dates = sent.get(partnership_id, {})
            partnerships_sheet.write(
                list(
                    enumerate(
                        status_resource.export_resource(
                            PartnershipRow(
                                acronym=acronym,
                                name=name,
                                group=group,
                                status=shown_status,
                                submitted_at=submitted,
                                contacts=contacts.get(partnership_id, []),
                                invited=dates.get("invitation", []),
                                reminded=dates.get("reminder", []),
                            )
                        )
                    )
                )
            )
            total += 1

    for entry in codebook_entries(structure, layout):
        codebook_sheet.write(list(enumerate(codebook.export_resource(entry))))
    return ExportSummary(responses=total, repeat_rows=repeat_total)
