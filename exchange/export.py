"""A wave's responses as one workbook, streamed: memory stays flat however many responses.

Responses are read in chunks (in the order of the partnership's acronym, which orders the
sheets), with the answers and repeat rows of a chunk in two queries as plain tuples; one pass
over them gives every response's cells (`exchange.answer_cells`, which tests hold to the
cells that `surveys.values` and `CellWriter` give), and the rows go to the sheets at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.db.models import QuerySet

from exchange.answer_cells import AnswerCells
from exchange.confirmations_sheet import confirmations_sheet_write
from exchange.history_sheet import history_sheet_write
from exchange.layout import CODEBOOK, PARTNERSHIPS, CellWriter, SheetLayout, Unticked, workbook_layout
from exchange.resources import (
    CodebookResource,
    PartnershipRow,
    PartnershipStatusResource,
    codebook_entries,
    message_dates,
)
from exchange.xlsx import SheetRows, StreamingWorkbook
from surveys.bulk import IdList, collector_paused, fetch_tuples, iter_tuples
from surveys.definition.structure import structure_for
from surveys.models import Answer, Contact, Partnership, RepeatRow, Response, Wave

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
    changes: int | None = None  # rows of the history sheet, when asked for
    claims: int | None = None  # rows of the confirmations sheet, when asked for


def _responses(wave: Wave, status: str) -> QuerySet[Response]:
    query = Response.objects.filter(wave=wave)
    if status == Status.SUBMITTED:
        query = query.filter(status=Response.Status.SUBMITTED)
    return query


def _response_chunks(wave: Wave, status: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Responses of the wave in acronym order, `size` at a time.

    One query read through a server-side cursor (binary rows on PostgreSQL): paging with
    LIMIT would sort the wave's responses again for every page.
    """
    rows = (
        _responses(wave, status)
        .order_by("partnership__acronym")
        .values_list(
            "id",
            "partnership_id",
            "partnership__acronym",
            "partnership__name",
            "partnership__group",
            "status",
            "submitted_at",
        )
    )
    return iter_tuples(rows, size)


Progress = Callable[[int], None]


def wave_export(
    *,
    wave: Wave,
    target: str | Path | BinaryIO,
    labels: bool = False,
    status: str = Status.ALL,
    chunk: int = CHUNK,
    history: bool = False,
    confirmations: bool = False,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write the wave's workbook (see docs/exchange.md) to a path or binary file; with
    `history`, a sheet of every change to the answers (`exchange.history_sheet`); with
    `confirmations`, a last sheet of the claims of collaboration and their answers
    (`exchange.confirmations_sheet`); `progress(n)` is told how many responses are written
    so far, after each chunk."""
    if status not in Status.CHOICES:
        raise ValueError(f"status must be one of {', '.join(Status.CHOICES)}")
    with collector_paused():
        return _export(
            wave,
            target,
            labels=labels,
            status=status,
            chunk=chunk,
            history=history,
            confirmations=confirmations,
            progress=progress,
        )


def responses_count(wave: Wave, status: str) -> int:
    """How many responses the export of `status` writes."""
    return _responses(wave, status).count()


def _export(
    wave: Wave,
    target: str | Path | BinaryIO,
    *,
    labels: bool,
    status: str,
    chunk: int,
    history: bool = False,
    confirmations: bool = False,
    progress: Progress | None = None,
) -> ExportSummary:
    structure = structure_for(wave.version)
    layout = workbook_layout(structure)
    writer = CellWriter(labels=labels)
    book = StreamingWorkbook(
        properties={
            FORMAT_PROPERTY: "labels" if labels else "codes",
            WAVE_PROPERTY: wave.slug,
            QUESTIONNAIRE_PROPERTY: wave.version.questionnaire.code,
        }
    )
    try:
        summary = _write(
            book, wave, structure, layout, writer, labels=labels, status=status, chunk=chunk, progress=progress
        )
        if history:
            summary.changes = history_sheet_write(
                book, wave=wave, submitted_only=status == Status.SUBMITTED, labels=labels
            )
        if confirmations:
            summary.claims = confirmations_sheet_write(book, wave=wave, labels=labels)
        book.save(target)
    except BaseException:
        book.discard()
        raise
    return summary


def _partnerships(ids: set[int]) -> dict[int, tuple[str, str]]:
    return {
        pid: (acronym, name)
        for pid, acronym, name in fetch_tuples(
            Partnership.objects.filter(id__any_of_ids=IdList(ids)).values_list("id", "acronym", "name")
        )
    }


def origin_rows(ids: set[int]) -> dict[int, int]:
    """The previous wave's rows that rows were carried from: id -> row number in their table."""
    return dict(fetch_tuples(RepeatRow.objects.filter(id__any_of_ids=IdList(ids)).values_list("id", "position")))


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
    progress: Progress | None,
) -> ExportSummary:
    responses_sheet = _sheet(book, layout.responses, labels, freeze=1)
    answer_cells = AnswerCells(layout, writer)
    unticked = Unticked(layout.responses)  # after AnswerCells, which prepared the option cells
    submitted_state = Response.Status.SUBMITTED
    repeat_sheets = [_sheet(book, sheet_layout, labels, freeze=3) for _, sheet_layout in layout.repeats]
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
    total = repeat_total = 0

    for rows in _response_chunks(wave, status, chunk):
        # Each query of the chunk takes its ids as one value (surveys.bulk.IdList).
        ids = IdList(r[0] for r in rows)
        repeat_rows = fetch_tuples(
            RepeatRow.objects.filter(response_id__any_of_ids=ids)
            .order_by("response_id", "question_id", "position")
            .values_list("response_id", "id", "question_id", "status", "carried_from")
        )
        # No ORDER BY: sorting a chunk's answers costs the database more than it saves here
        # (`collect` takes them in any order). Read at once rather than through a
        # server-side cursor, which costs a third more for a chunk's few MB.
        answers = fetch_tuples(
            Answer.objects.filter(response_id__any_of_ids=ids).order_by().values_list(*answer_cells.fields)
        )
        by_response = answer_cells.collect(repeat_rows, answers, _partnerships, origin_rows)
        contacts: dict[int, list[str]] = defaultdict(list)
        partnership_ids = IdList(r[1] for r in rows)
        # From the contacts of these partnerships (index on partnership) to their invitation
        # (unique on wave and contact): no scan of the wave's invitations per chunk.
        for partnership_id, name, email in fetch_tuples(
            Contact.objects.filter(
                partnership_id__any_of_ids=partnership_ids,
                invitations__wave=wave,
                invitations__revoked_at__isnull=True,
            )
            .order_by("partnership_id", "name")
            .values_list("partnership_id", "name", "email")
        ):
            contacts[partnership_id].append(f"{name} <{email}>")
        sent = message_dates(wave, partnership_ids, zone)

        for response_id, partnership_id, acronym, name, group, state, submitted_at in rows:
            found = by_response.pop(response_id, None)
            top, repeats = found if found is not None else ({}, [[] for _ in repeat_sheets])
            shown_status = status_labels[state] if labels else state
            submitted = submitted_at.replace(microsecond=0) if submitted_at else None
            # The cells dicts are this response's own (fresh from `collect`): filled in place.
            unticked.fill(top, submitted=state == submitted_state)
            top[0], top[1], top[2], top[3] = acronym, group, shown_status, submitted
            responses_sheet.write(top)
            for sheet, sheet_rows in zip(repeat_sheets, repeats, strict=True):
                for position, cells in enumerate(sheet_rows, start=1):
                    cells[0], cells[1], cells[2] = acronym, group, position
                    sheet.write(cells)
                repeat_total += len(sheet_rows)
            dates = sent.get(partnership_id, {})
            partnerships_sheet.write(
                dict(
                    enumerate(
                        status_resource.row_cells(
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
        if progress is not None:
            progress(total)

    for entry in codebook_entries(structure, layout):
        codebook_sheet.write(dict(enumerate(codebook.export_resource(entry))))
    return ExportSummary(responses=total, repeat_rows=repeat_total)
