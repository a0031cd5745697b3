"""Reading a workbook in the export's default format (codes) back into responses.

Columns are found by their header, so their order does not matter, but every column the
questionnaire has must be there and no other. The `codebook`, `partnerships`, `history` and
`confirmations` sheets are for people and are not read. Every problem is collected (with its sheet, row and column)
before anything is written, so one import run tells everything there is to fix.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from exchange.cells import CellError, as_code, as_moment, plain
from exchange.export import FORMAT_PROPERTY, QUESTIONNAIRE_PROPERTY
from exchange.imports import ImportedResponse, ImportPlan, Problem
from exchange.layout import RESPONSES, ROW_STATUSES, CellReader, SheetLayout, map_headers, workbook_layout
from surveys.definition.structure import QuestionNode, structure_for
from surveys.models import Partnership, QuestionnaireVersion, RepeatRow, Response, Wave
from surveys.services.lineage import version_correspondence
from surveys.uploads import UploadRefused, max_rows, upload_check
from surveys.values import ORIGIN, STATUS, Values

STATUSES = [s.value for s in Response.Status]
# Rows read between two calls of a reader's progress callback.
PROGRESS_EVERY = 500
Progress = Callable[[int], None]
logger = logging.getLogger(__name__)
# Stop collecting after this many: a file that wrong has a systematic fault.
MAX_PROBLEMS = 500


class _Sheet:
    """One sheet's header, mapped onto the layout's columns (`layout.map_headers`)."""

    def __init__(self, layout: SheetLayout, header: list[Any], problems: list[Problem]) -> None:
        self.layout = layout
        self.name = layout.name
        titles = []
        for raw in header:
            title = plain(raw)
            titles.append(None if title is None else str(title).strip())
        read = map_headers(layout, titles)
        self.to_layout = read.to_layout
        self.ok = not read.problems
        for position, title, message in read.problems:
            letter = get_column_letter(position + 1) if position is not None else ""
            problems.append(Problem(self.name, message, 1, title, letter))
        self.letters = {i: get_column_letter(p + 1) for p, i in self.to_layout.items()}

    def problem(self, row: int, column: int, message: str) -> Problem:
        return Problem(self.name, message, row, self.layout.headers[column], self.letters.get(column, ""))


class _TooManyRows(Exception):
    """A sheet beyond the row limit: the reading stops there (what follows is not judged)."""

    def __init__(self, sheet: str, limit: int) -> None:
        self.problem = Problem(
            sheet, f"the sheet has more than {limit:,} rows, the most an import takes (EXCHANGE_MAX_ROWS)."
        )


def _rows(
    ws: Any, sheet: _Sheet, problems: list[Problem], progress: Progress | None = None
) -> Iterator[tuple[int, dict[int, Any]]]:
    """(row number, {layout column: value}) of every non-empty data row, up to the row limit."""
    limit = max_rows()
    for number, row in enumerate(ws.iter_rows(min_row=2), start=2):
        if number > limit + 1:
            raise _TooManyRows(sheet.name, limit)
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
        cells: dict[int, Any] = {}
        for position, cell in enumerate(row):
            value = cell.value
            if value is None:
                continue
            column = sheet.to_layout.get(position)
            if cell.data_type == "f":
                where = sheet.layout.headers[column] if column is not None else ""
                problems.append(
                    Problem(
                        sheet.name,
                        f"the cell holds a formula ({value}): type its value instead.",
                        number,
                        where,
                        get_column_letter(position + 1),
                    )
                )
                continue
            value = plain(value)
            if value is None:
                continue
            if column is None:
                problems.append(
                    Problem(
                        sheet.name, "a value in a column without a header.", number, "", get_column_letter(position + 1)
                    )
                )
                continue
            cells[column] = value
        if cells:
            yield number, cells


def workbook_read(
    *, wave: Wave, file: str | Path | IO[bytes], progress: Progress | None = None, name: str = ""
) -> ImportPlan:
    """The responses of a workbook in the export's format, with every problem found.

    The file is checked against the upload limits first (`surveys.uploads`); a damaged one
    gives a problem, not an exception. `progress` is called with a number of rows read, every
    PROGRESS_EVERY rows.
    """
    plan = ImportPlan()
    problems = plan.problems
    try:
        upload_check(file, name=name or ".xlsx")
    except UploadRefused as exc:
        problems.append(Problem("", str(exc)))
        return plan
    try:
        book = load_workbook(file, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError):
        problems.append(Problem("", "the file is not an Excel workbook (.xlsx)."))
        return plan
    except Exception as exc:
        logger.warning("damaged workbook: %r", exc)
        problems.append(Problem("", f"the workbook is damaged ({type(exc).__name__}): save it again as .xlsx."))
        return plan
    try:
        _read_book(book, wave, plan, progress)
    except _TooManyRows as exc:
        plan.responses = []
        problems.append(exc.problem)
    except (zipfile.BadZipFile, zlib.error, EOFError, SyntaxError, ValueError, KeyError, OSError) as exc:
        # A sheet's part truncated or not XML: found only while reading it.
        logger.warning("damaged workbook: %r", exc)
        plan.responses = []
        problems.append(Problem("", f"the workbook is damaged ({type(exc).__name__}): save it again as .xlsx."))
    finally:
        book.close()
    return plan


def _read_book(book: Any, wave: Wave, plan: ImportPlan, progress: Progress | None = None) -> None:
    problems = plan.problems
    properties = {p.name: getattr(p, "value", None) for p in book.custom_doc_props}
    if properties.get(FORMAT_PROPERTY) == "labels":
        problems.append(
            Problem(
                "",
                "this workbook was exported with texts (--labels), for reading; import reads the default export with codes.",
            )
        )
        return
    questionnaire = wave.version.questionnaire.code
    if properties.get(QUESTIONNAIRE_PROPERTY) not in (None, questionnaire):
        problems.append(
            Problem(
                "",
                f"this workbook is an export of the questionnaire {properties[QUESTIONNAIRE_PROPERTY]}; "
                f"the wave {wave.slug} uses {questionnaire}.",
            )
        )
        return
    structure = structure_for(wave.version)
    layout = workbook_layout(structure)
    acronyms = set(Partnership.objects.values_list("acronym", flat=True))
    reader = CellReader(acronyms=acronyms)
    zone = ZoneInfo(settings.TIME_ZONE)

    sheets = {name.lower(): name for name in book.sheetnames}
    needed = [layout.responses] + [s for _, s in layout.repeats]
    for sheet_layout in needed:
        if sheet_layout.name.lower() not in sheets:
            problems.append(Problem(sheet_layout.name, f"the workbook has no sheet {sheet_layout.name}."))
    if problems:
        return

    # The responses sheet: one row per partnership.
    ws = book[sheets[RESPONSES]]
    sheet = _Sheet(layout.responses, _header(ws), problems)
    found: dict[str, ImportedResponse] = {}
    found_at: dict[str, int] = {}
    if sheet.ok:
        for number, cells in _rows(ws, sheet, problems, progress):
            if len(problems) >= MAX_PROBLEMS:
                break
            imported = _response_row(sheet, number, cells, reader, acronyms, zone, problems)
            if imported is None:
                continue
            if imported.acronym in found:
                problems.append(
                    sheet.problem(
                        number, 0, f"{imported.acronym} has a row already (row {found_at[imported.acronym]})."
                    )
                )
                continue
            found[imported.acronym] = imported
            found_at[imported.acronym] = number

    # One sheet per repeat question: rows of the partnerships above.
    responses_read = sheet.ok
    claims: list[_Claim] = []  # rows the file says were carried from the previous wave
    for node, sheet_layout in layout.repeats:
        ws = book[sheets[sheet_layout.name.lower()]]
        sheet = _Sheet(sheet_layout, _header(ws), problems)
        if not (sheet.ok and responses_read):
            continue
        tables: dict[str, dict[int, Values]] = {}
        for number, cells in _rows(ws, sheet, problems, progress):
            if len(problems) >= MAX_PROBLEMS:
                break
            acronym = _text_cell(sheet, number, cells, 0, problems)
            position = cells.get(2)
            if acronym is None:
                continue
            if acronym not in found:
                problems.append(
                    sheet.problem(
                        number, 0, f"{acronym} has no row in the sheet responses: add it there or remove this row."
                    )
                )
                continue
            position = _row_number(position)
            if position is None:
                message = (
                    "the row number is missing."
                    if cells.get(2) is None
                    else f"'{cells[2]}' is not a row number (1, 2, …)."
                )
                problems.append(sheet.problem(number, 2, message))
                continue
            table = tables.setdefault(acronym, {})
            if position in table:
                problems.append(sheet.problem(number, 2, f"{acronym} has a row {position} already."))
                continue
            cell_problems: list[tuple[int, str]] = []
            row = table[position] = reader.values(sheet_layout, cells.get, cell_problems)
            problems.extend(sheet.problem(number, c, m) for c, m in cell_problems)
            carried = _row_status(sheet, number, cells, problems)
            if carried is not None:
                status, from_row, columns = carried
                claims.append(_Claim(sheet, number, node, acronym, position, status, from_row, row, columns))
        for acronym, table in tables.items():
            found[acronym].values[node.code] = [table[p] for p in sorted(table)]

    if claims:
        _carry(wave, claims, problems)

    for imported in found.values():
        if imported.status == Response.Status.NOT_STARTED and imported.values:
            problems.append(
                Problem(
                    RESPONSES,
                    f"{imported.acronym} has answers but the status not_started: set the status to draft or submitted.",
                    found_at[imported.acronym],
                    "status",
                )
            )
    plan.responses = list(found.values())
    if len(problems) > MAX_PROBLEMS:
        del problems[MAX_PROBLEMS:]


def _row_number(value: Any) -> int | None:
    """A row number (1, 2, …) of a cell, or None if it is none."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return None


@dataclass
class _Claim:
    """A row of a repeat sheet whose status says it was carried from the previous wave."""

    sheet: _Sheet
    number: int  # its line in the sheet
    node: QuestionNode
    acronym: str
    position: int  # its row number in the table
    status: str
    from_row: int | None
    row: Values  # its values, which get the origin once it is found
    columns: tuple[int, int]  # of its status and of the previous row's number


def _row_status(
    sheet: _Sheet, number: int, cells: dict[int, Any], problems: list[Problem]
) -> tuple[str, int | None, tuple[int, int]] | None:
    """(status, previous row number, their columns) of a carried, confirmed or ended row; None for a new one.

    An empty status cell, or a sheet without the column (workbooks written before it), is
    "new"; so is every row of a LimeSurvey import (`exchange.limesurvey`).
    """
    layout = sheet.layout
    if layout.status is None or layout.from_row is None:
        return None
    raw_status, raw_from = cells.get(layout.status), cells.get(layout.from_row)
    status = RepeatRow.Status.NEW.value
    if raw_status is not None:
        try:
            status = as_code(raw_status)
        except CellError:
            status = str(raw_status)
        if status not in ROW_STATUSES:
            problems.append(
                sheet.problem(
                    number, layout.status, f"'{status}' is not a row status: write {', '.join(ROW_STATUSES)}."
                )
            )
            return None
    from_row = _row_number(raw_from)
    if raw_from is not None and from_row is None:
        problems.append(sheet.problem(number, layout.from_row, f"'{raw_from}' is not a row number (1, 2, …)."))
        return None
    if status == RepeatRow.Status.NEW:
        if from_row is not None:
            problems.append(
                sheet.problem(
                    number,
                    layout.from_row,
                    "a new row is carried from no row of the previous wave: clear this cell, "
                    "or set the status to carried, confirmed or ended.",
                )
            )
        return None
    return status, from_row, (layout.status, layout.from_row)


def _carry(wave: Wave, claims: list[_Claim], problems: list[Problem]) -> None:
    """Each carried row's origin: the row of that number in the partnership's table in the
    previous wave, read from the response the target was prefilled from or else from the
    partnership's response in the wave's previous wave (a few queries for the whole file)."""
    acronyms = {c.acronym for c in claims}
    sources: dict[str, int] = {}
    if wave.previous_id is not None:
        sources.update(
            Response.objects.filter(wave_id=wave.previous_id, partnership__acronym__in=acronyms).values_list(
                "partnership__acronym", "id"
            )
        )
    sources.update(
        Response.objects.filter(wave=wave, partnership__acronym__in=acronyms, prefilled_from__isnull=False).values_list(
            "partnership__acronym", "prefilled_from_id"
        )
    )
    source_waves = {
        pk: (slug, version_id)
        for pk, slug, version_id in Response.objects.filter(id__in=sources.values()).values_list(
            "id", "wave__slug", "wave__version_id"
        )
    }
    versions = QuestionnaireVersion.objects.in_bulk({v for _, v in source_waves.values()})
    # Per version of a source: the question of each repeat question of the wave (same code or same_as).
    old_questions = {
        pk: {p.new.code: p.old.id for p in version_correspondence(old=version, new=wave.version).pairs}
        for pk, version in versions.items()
    }
    rows: dict[tuple[int, int, int], int] = {}
    counts: dict[tuple[int, int], int] = {}
    for of_response, of_question, position, pk in RepeatRow.objects.filter(response_id__in=source_waves).values_list(
        "response_id", "question_id", "position", "id"
    ):
        rows[of_response, of_question, position] = pk
        counts[of_response, of_question] = counts.get((of_response, of_question), 0) + 1
    carried_by: dict[int, int] = {}  # previous row id -> the row (number) of the file carrying it
    for claim in claims:
        code = claim.node.code
        status_column, from_column = claim.columns
        source = sources.get(claim.acronym)
        where: str = "the previous wave"
        question_id: int | None = None
        if source is not None:
            slug, version_id = source_waves[source]
            where = f"the previous wave ({slug})"
            question_id = old_questions[version_id].get(code)
        if source is None:
            message = (
                f"the row is {claim.status}, but the wave {wave.slug} follows no previous wave to carry it from: "
                "set the status to new."
                if wave.previous_id is None
                else f"the row is {claim.status}, but {claim.acronym} has no response in {where} to carry it from: "
                "set the status to new."
            )
            problems.append(claim.sheet.problem(claim.number, status_column, message))
        elif question_id is None:
            problems.append(
                claim.sheet.problem(
                    claim.number,
                    status_column,
                    f"the row is {claim.status}, but {where} did not ask {code}: set the status to new.",
                )
            )
        elif claim.from_row is None:
            problems.append(
                claim.sheet.problem(
                    claim.number,
                    from_column,
                    f"a {claim.status} row needs the number of the row it comes from in {claim.acronym}'s table "
                    f"{code} of {where}: give it, or set the status to new.",
                )
            )
        elif (row_id := rows.get((source, question_id, claim.from_row))) is None:
            count = counts.get((source, question_id), 0)
            problems.append(
                claim.sheet.problem(
                    claim.number,
                    from_column,
                    f"{claim.acronym}'s table {code} in {where} has no row {claim.from_row} "
                    f"(it has {count or 'no'} row{'s' if count != 1 else ''}).",
                )
            )
        elif row_id in carried_by:
            problems.append(
                claim.sheet.problem(
                    claim.number,
                    from_column,
                    f"row {claim.from_row} of {where} is carried by row {carried_by[row_id]} of this table already.",
                )
            )
        else:
            carried_by[row_id] = claim.position
            claim.row[STATUS], claim.row[ORIGIN] = claim.status, row_id


def _header(ws: Any) -> list[Any]:
    for row in ws.iter_rows(min_row=1, max_row=1, values_only=True):
        return list(row)
    return []


def _text_cell(sheet: _Sheet, number: int, cells: dict[int, Any], column: int, problems: list[Problem]) -> str | None:
    raw = cells.get(column)
    if raw is None:
        problems.append(sheet.problem(number, column, f"the {sheet.layout.headers[column]} is missing."))
        return None
    try:
        return as_code(raw)
    except CellError as exc:
        problems.append(sheet.problem(number, column, str(exc)))
        return None


def _response_row(
    sheet: _Sheet,
    number: int,
    cells: dict[int, Any],
    reader: CellReader,
    acronyms: set[str],
    zone: ZoneInfo,
    problems: list[Problem],
) -> ImportedResponse | None:
    before = len(problems)
    acronym = _text_cell(sheet, number, cells, 0, problems)
    if acronym is not None and acronym not in acronyms:
        problems.append(
            sheet.problem(number, 0, f"unknown partnership {acronym}: no partnership has this acronym in the register.")
        )
    status = _text_cell(sheet, number, cells, 2, problems)
    if status is not None and status not in STATUSES:
        problems.append(sheet.problem(number, 2, f"'{status}' is not a status: write {', '.join(STATUSES)}."))
    submitted_at = None
    if cells.get(3) is not None:
        try:
            submitted_at = as_moment(cells[3], zone)
        except CellError as exc:
            problems.append(sheet.problem(number, 3, str(exc)))
    if status == Response.Status.SUBMITTED and cells.get(3) is None:
        problems.append(sheet.problem(number, 3, "a submitted response needs the time it was submitted."))
    if status in (Response.Status.DRAFT, Response.Status.NOT_STARTED) and submitted_at is not None:
        problems.append(
            sheet.problem(number, 3, f"only a submitted response has a submission time (the status is {status}).")
        )
    cell_problems: list[tuple[int, str]] = []
    values = reader.values(sheet.layout, cells.get, cell_problems)
    problems.extend(sheet.problem(number, c, m) for c, m in cell_problems)
    if acronym is None or status is None or len(problems) > before:
        # Still reported as found, so its repeat rows are not called orphans.
        return ImportedResponse(acronym=acronym, status="", submitted_at=None, values={}) if acronym else None
    return ImportedResponse(
        acronym=acronym,
        status=status,
        submitted_at=submitted_at,
        values=values,
        source=f"sheet {sheet.name}, row {number}",
    )
