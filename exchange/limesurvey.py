"""LimeSurvey's response export (Excel or CSV, "answer codes") as a second import source.

A mapping file (YAML, documented with an example in docs/exchange.md) says which LimeSurvey
column holds the partnership, and for each of our questions which LimeSurvey question (and
subquestion, answer and row codes) it comes from. The rows become the same values our own
workbook gives, checked by the same cell rules, and are written by the same service, so a
wave collected in LimeSurvey can become the previous wave of a new one.

Every LimeSurvey column must be mapped or listed under `ignore` (LimeSurvey's own metadata
columns are known): an import that silently left answers behind would defeat its purpose.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from exchange.cells import (
    CellError,
    as_code,
    as_countries,
    as_date,
    as_moment,
    as_number,
    as_text,
    plain,
)
from exchange.imports import ImportedResponse, ImportPlan, Problem
from surveys.definition.structure import QuestionNode, Structure, structure_for
from surveys.models import Partnership, Question, Response, Wave
from surveys.uploads import UploadRefused, csv_check, max_rows, rows_check, upload_check
from surveys.values import Choice, PartnershipValue, Ticked, Values

logger = logging.getLogger(__name__)

T = Question.Type
MAPPING = "mapping"
# Columns of LimeSurvey's export that hold no answer.
METADATA = {
    "id",
    "token",
    "submitdate",
    "lastpage",
    "startlanguage",
    "seed",
    "startdate",
    "datestamp",
    "ipaddr",
    "refurl",
    "interviewtime",
    "firstname",
    "lastname",
    "email",
    "emailstatus",
}
METADATA_PATTERN = re.compile(r"^(attribute_\d+|groupTime\d+|.+Time)$")
TICKED = {"Y", "y", "1", "yes", "Yes"}
UNTICKED = {"N", "n", "0", "no", "No"}
OTHER_ANSWER = "-oth-"
YES_NO = {"Y": "yes", "N": "no"}


@dataclass
class QuestionMap:
    """Where one of our questions comes from in LimeSurvey's export."""

    ours: str
    code: str
    options: dict[str, str] | None = None  # LimeSurvey subquestion/answer code -> our option (or country) code
    rows: dict[str, str] | list[str] | None = None  # matrix: LS row -> our row; repeat: LS row codes in order
    levels: dict[str, str] | None = None  # matrix: LS answer code -> our level code
    numbers: dict[str, str] = field(default_factory=dict)  # our option code -> LS column with its number
    fields: dict[str, QuestionMap] = field(default_factory=dict)  # repeat: our field -> column template


@dataclass
class Mapping:
    partnership_column: str
    partnership_values: dict[str, str]
    zone: ZoneInfo
    ignore: set[str]
    questions: list[QuestionMap]


def _str_map(value: Any, path: str, problems: list[Problem]) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(Problem(MAPPING, f"{path}: must be a mapping of codes (LimeSurvey: ours)."))
        return None
    return {str(k): str(v) for k, v in value.items()}


def _question_map(ours: str, data: Any, path: str, problems: list[Problem]) -> QuestionMap | None:
    if isinstance(data, str | int):
        return QuestionMap(ours=ours, code=str(data))
    if not isinstance(data, dict):
        problems.append(Problem(MAPPING, f"{path}: give the LimeSurvey code, or a mapping with code, options…"))
        return None
    unknown = set(data) - {"code", "column", "options", "rows", "levels", "numbers", "fields"}
    if unknown:
        problems.append(Problem(MAPPING, f"{path}: unknown keys {', '.join(sorted(map(str, unknown)))}."))
    rows = data.get("rows")
    if rows is not None and not isinstance(rows, list):
        rows = _str_map(rows, f"{path}.rows", problems)
    elif isinstance(rows, list):
        rows = [str(r) for r in rows]
    qmap = QuestionMap(
        ours=ours,
        code=str(data.get("code") or data.get("column") or ours),
        options=_str_map(data.get("options"), f"{path}.options", problems),
        rows=rows,
        levels=_str_map(data.get("levels"), f"{path}.levels", problems),
        numbers=_str_map(data.get("numbers"), f"{path}.numbers", problems) or {},
    )
    for name, spec in (data.get("fields") or {}).items():
        sub = _question_map(str(name), spec, f"{path}.fields.{name}", problems)
        if sub is not None:
            qmap.fields[str(name)] = sub
    return qmap


def mapping_parse(text: str) -> tuple[Mapping | None, list[Problem]]:
    """Read a mapping file; problems name the place in the file."""
    problems: list[Problem] = []
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return None, [Problem(MAPPING, f"not valid YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(MAPPING, "the file must hold a mapping with partnership and questions.")]
    unknown = set(data) - {"partnership", "timezone", "ignore", "questions"}
    if unknown:
        problems.append(Problem(MAPPING, f"unknown keys {', '.join(sorted(map(str, unknown)))}."))
    partnership = data.get("partnership") or {}
    if isinstance(partnership, str):
        partnership = {"column": partnership}
    if not isinstance(partnership, dict) or not partnership.get("column"):
        problems.append(
            Problem(MAPPING, "partnership: give the column that names the partnership (e.g. column: token).")
        )
        partnership = {"column": "token"}
    values = _str_map(partnership.get("values"), "partnership.values", problems) or {}
    try:
        zone = ZoneInfo(str(data.get("timezone") or settings.TIME_ZONE))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem(MAPPING, f"timezone: '{data.get('timezone')}' is not a time zone such as Europe/Brussels.")
        )
        zone = ZoneInfo(settings.TIME_ZONE)
    ignore = data.get("ignore") or []
    if not isinstance(ignore, list):
        problems.append(Problem(MAPPING, "ignore: must be a list of LimeSurvey columns."))
        ignore = []
    questions = data.get("questions")
    if not isinstance(questions, dict) or not questions:
        problems.append(Problem(MAPPING, "questions: map at least one of our question codes to LimeSurvey's."))
        questions = {}
    maps = [
        m for ours, spec in questions.items() if (m := _question_map(str(ours), spec, f"questions.{ours}", problems))
    ]
    mapping = Mapping(
        partnership_column=str(partnership["column"]),
        partnership_values=values,
        zone=zone,
        ignore={str(c) for c in ignore},
        questions=maps,
    )
    return mapping, problems


# Reading the export --------------------------------------------------------------------------


@dataclass
class Table:
    sheet: str
    header: list[str]
    rows: list[tuple[int, dict[str, Any]]]


def _read_table(file: str | Path | IO[bytes], name: str) -> Table | Problem:
    try:
        upload_check(file, name=name)
        data = file.read() if hasattr(file, "read") else Path(file).read_bytes()  # type: ignore[union-attr]
        if data[:2] != b"PK":
            csv_check(data)
        return _parse_table(data, name)
    except UploadRefused as exc:
        return Problem("", str(exc))
    except Exception as exc:
        logger.warning("damaged LimeSurvey file %s: %r", name, exc)
        return Problem("", f"the file cannot be read, it is damaged ({type(exc).__name__}): export it again.")


def _parse_table(data: bytes, name: str) -> Table | Problem:
    limit = max_rows()
    if data[:2] == b"PK":
        try:
            # Not data_only: an answer that an old LimeSurvey wrote as a formula (the formula
            # injection it was fixed for) is read as the text the respondent typed.
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError):
            return Problem("", "the file is neither a LimeSurvey Excel export (.xlsx) nor a CSV export.")
        ws = book.worksheets[0]
        rows_iter = ws.iter_rows(values_only=True)
        header = [str(plain(h) or "").strip() for h in next(rows_iter, [])]
        rows = []
        for number, values in enumerate(rows_iter, start=2):
            if number > limit + 1:
                book.close()
                rows_check(number - 1, f"the sheet {ws.title}")
            cells = {h: plain(v) for h, v in zip(header, values, strict=False) if h}
            if any(v is not None for v in cells.values()):
                rows.append((number, cells))
        book.close()
        return Table(sheet=ws.title, header=header, rows=rows)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Problem("", "the CSV file is not UTF-8: export it from LimeSurvey again with UTF-8 encoding.")
    # LimeSurvey separates with commas by default, with semicolons or tabs on request; the
    # header line (codes only, no quotes inside) tells which.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for number, values in enumerate(reader, start=2):
        if number > limit + 1:
            rows_check(number - 1, "the CSV file")
        cells = {h: (v if v.strip() else None) for h, v in zip(header, values, strict=False) if h}
        if any(v is not None for v in cells.values()):
            rows.append((number, cells))
    return Table(sheet=name or "CSV", header=header, rows=rows)


class _Row:
    """One LimeSurvey row: reading a column marks it as used and parse errors as problems."""

    def __init__(self, table: Table, number: int, cells: dict[str, Any], problems: list[Problem]) -> None:
        self.table = table
        self.number = number
        self.cells = cells
        self.problems = problems
        self.letters = {h: get_column_letter(i + 1) for i, h in enumerate(table.header)}

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.table.sheet, message, self.number, column, self.letters.get(column, "")))

    def get(self, column: str, parse: Callable[[Any], Any] = lambda v: v) -> Any:
        raw = self.cells.get(column)
        if raw is None:
            return None
        try:
            return parse(raw)
        except CellError as exc:
            self.problem(column, str(exc))
            return None


def _ls_tick(value: Any) -> bool:
    text = as_code(value)
    if text in TICKED:
        return True
    if text in UNTICKED or text == "":
        return False
    raise CellError(f"'{text}' is not a LimeSurvey tick (Y or empty).")


def _columns_of(qmap: QuestionMap, node: QuestionNode) -> list[str]:
    """The LimeSurvey columns a question's mapping reads."""
    code = qmap.code
    qtype = node.type
    if qtype == T.MULTI_CHOICE or (qtype == T.COUNTRIES and qmap.options):
        subs = list(qmap.options) if qmap.options else [o.code for o in node.options if not o.is_other]
        columns = [f"{code}[{s}]" for s in subs] + [f"{code}[{s}comment]" for s in subs]
        columns += [f"{code}[other]", f"{code}[othercomment]", *qmap.numbers.values()]
        return columns
    if qtype in (T.SINGLE_CHOICE, T.YES_NO):
        return [code, f"{code}[other]", f"{code}[comment]"]
    if qtype == T.RATING_MATRIX:
        subs = list(qmap.rows) if isinstance(qmap.rows, dict) else [r.code for r in node.rows]
        return [f"{code}[{s}]" for s in subs]
    if qtype == T.REPEAT:
        rows = list(qmap.rows or [])
        return [f.code.replace("{row}", r) for f in qmap.fields.values() for r in rows]
    return [code]


class _Converter:
    def __init__(self, mapping: Mapping, structure: Structure, acronyms: set[str]) -> None:
        self.mapping = mapping
        self.structure = structure
        self.acronyms = acronyms

    def value(self, qmap: QuestionMap, node: QuestionNode, row: _Row) -> Any:
        code = qmap.code
        qtype = node.type
        if qtype == T.MULTI_CHOICE:
            result: dict[str, Ticked] = {}
            subs = qmap.options or {o.code: o.code for o in node.options if not o.is_other}
            for sub, ours in subs.items():
                ticked = row.get(f"{code}[{sub}]", _ls_tick)
                comment = row.get(f"{code}[{sub}comment]", as_text) or ""
                number_column = qmap.numbers.get(ours)
                number = (
                    row.get(number_column, lambda v: as_number(None, v, minimum=Decimal(0))) if number_column else None
                )
                if ticked or comment or number is not None:
                    option = node.option(ours)
                    result[ours] = Ticked(comment=comment if option and option.comment else "", number=number)
                    if comment and option and not option.comment:
                        row.problem(f"{code}[{sub}comment]", f"our option {node.code}[{ours}] takes no comment.")
            other = row.get(f"{code}[other]", as_text)
            if other:
                if node.option("other") is None:
                    row.problem(f"{code}[other]", f"our question {node.code} has no 'other' option.")
                else:
                    result["other"] = Ticked(text=other)
            if row.get(f"{code}[othercomment]", as_text):
                row.problem(
                    f"{code}[othercomment]",
                    f"our {node.code}[other] keeps a text but no comment: map or ignore this column.",
                )
            exclusive = [o for o in node.options if o.exclusive and o.code in result]
            if exclusive and len(result) > 1:
                sub = next((s for s, o in subs.items() if o == exclusive[0].code), exclusive[0].code)
                row.problem(
                    f"{code}[{sub}]",
                    f"'{exclusive[0].label}' excludes every other option of {node.code}, but others are ticked too.",
                )
            return result or None
        if qtype in (T.SINGLE_CHOICE, T.YES_NO):
            answer = row.get(code, as_code)
            if answer is None:
                return None
            other = row.get(f"{code}[other]", as_text) or ""
            if answer == OTHER_ANSWER:
                if node.option("other") is None:
                    row.problem(code, f"our question {node.code} has no 'other' option.")
                    return None
                return Choice(option="other", text=other)
            table = qmap.options or (YES_NO if qtype == T.YES_NO else {})
            ours = table.get(answer, answer)
            if node.option(ours) is None:
                row.problem(
                    code,
                    f"'{answer}' maps to no option of {node.code} (its codes: {', '.join(o.code for o in node.options)}); add it to options in the mapping.",
                )
                return None
            return Choice(option=ours)
        if qtype == T.RATING_MATRIX:
            levels: dict[str, str] = {}
            rows = qmap.rows if isinstance(qmap.rows, dict) else {r.code: r.code for r in node.rows}
            for sub, ours in rows.items():
                answer = row.get(f"{code}[{sub}]", as_code)
                if answer is None:
                    continue
                level = (qmap.levels or {}).get(answer, answer)
                if node.option(level) is None:
                    row.problem(
                        f"{code}[{sub}]",
                        f"'{answer}' maps to no level of {node.code}'s scale; add it to levels in the mapping.",
                    )
                    continue
                levels[ours] = level
            return levels or None
        if qtype == T.COUNTRIES and qmap.options:
            chosen = [country for sub, country in qmap.options.items() if row.get(f"{code}[{sub}]", _ls_tick)]
            if not chosen:
                return None
            try:
                return as_countries(node, ",".join(chosen))
            except CellError as exc:
                row.problem(f"{code}[{next(iter(qmap.options))}]", str(exc))
                return None
        if qtype == T.REPEAT:
            table_rows = []
            for ls_row in qmap.rows or []:
                values: Values = {}
                for f in node.fields:
                    fmap = qmap.fields.get(f.code)
                    if fmap is None:
                        continue
                    column_map = QuestionMap(ours=f.code, code=fmap.code.replace("{row}", ls_row), options=fmap.options)
                    value = self.value(column_map, f, row)
                    if value is not None:
                        values[f.code] = value
                if values:
                    table_rows.append(values)
            return table_rows or None
        parsers: dict[str, Callable[[Any], Any]] = {
            T.NUMBER: lambda v: as_number(node, v),
            T.TEXT: as_text,
            T.LONG_TEXT: as_text,
            T.DATE: as_date,
            T.COUNTRIES: lambda v: as_countries(node, v) or None,
            T.PARTNERSHIP: self.partnership,
        }
        return row.get(code, parsers[qtype])

    def partnership(self, value: Any) -> PartnershipValue:
        text = as_text(value).strip()
        return PartnershipValue(acronym=text) if text in self.acronyms else PartnershipValue(text=text)


def limesurvey_read(*, wave: Wave, file: str | Path | IO[bytes], mapping_text: str, file_name: str = "") -> ImportPlan:
    """The responses of a LimeSurvey export, mapped onto the wave's questionnaire."""
    plan = ImportPlan()
    problems = plan.problems
    mapping, mapping_problems = mapping_parse(mapping_text)
    problems.extend(mapping_problems)
    if mapping is None:
        return plan
    structure = structure_for(wave.version)
    for qmap in mapping.questions:
        node = structure.by_code.get(qmap.ours)
        if node is None:
            problems.append(
                Problem(
                    MAPPING,
                    f"questions.{qmap.ours}: the questionnaire {wave.version.questionnaire.code} has no question {qmap.ours}.",
                )
            )
            continue
        _check_codes(qmap, node, problems)
    if problems:
        return plan
    table = _read_table(file, Path(file_name).name if file_name else "")
    if isinstance(table, Problem):
        problems.append(table)
        return plan

    # Every column is read by the mapping, known metadata, or ignored on purpose.
    used = {mapping.partnership_column} | set(METADATA) | mapping.ignore
    for qmap in mapping.questions:
        used.update(_columns_of(qmap, structure.by_code[qmap.ours]))
    for i, column in enumerate(table.header):
        if column and column not in used and not METADATA_PATTERN.match(column):
            problems.append(
                Problem(
                    table.sheet,
                    f"the column {column} is not mapped: map it to one of our questions or list it under ignore.",
                    1,
                    column,
                    get_column_letter(i + 1),
                )
            )
    if mapping.partnership_column not in table.header:
        problems.append(
            Problem(table.sheet, f"the column {mapping.partnership_column} that names the partnership is missing.", 1)
        )
    if problems:
        return plan

    acronyms = set(Partnership.objects.values_list("acronym", flat=True))
    converter = _Converter(mapping, structure, acronyms)
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = _Row(table, number, cells, problems)
        before = len(problems)
        key = row.get(mapping.partnership_column, as_code)
        if not key:
            row.problem(mapping.partnership_column, "the partnership is missing.")
            continue
        acronym = mapping.partnership_values.get(key, key)
        if acronym not in acronyms:
            row.problem(
                mapping.partnership_column,
                f"unknown partnership {acronym}: no partnership has this acronym in the register (map it under partnership.values).",
            )
            continue
        if acronym in seen:
            row.problem(
                mapping.partnership_column, f"{acronym} has a response already (row {seen[acronym]}): keep one of them."
            )
            continue
        seen[acronym] = number
        values: Values = {}
        for qmap in mapping.questions:
            value = converter.value(qmap, structure.by_code[qmap.ours], row)
            if value is not None:
                values[qmap.ours] = value
        submitted_at = row.get("submitdate", lambda v: as_moment(v, mapping.zone))
        status = (
            Response.Status.SUBMITTED
            if submitted_at
            else (Response.Status.DRAFT if values else Response.Status.NOT_STARTED)
        )
        if len(problems) == before:
            plan.responses.append(
                ImportedResponse(
                    acronym=acronym,
                    status=status,
                    submitted_at=submitted_at,
                    values=values,
                    source=f"sheet {table.sheet}, row {number}",
                )
            )
    return plan


def _check_codes(qmap: QuestionMap, node: QuestionNode, problems: list[Problem]) -> None:
    path = f"questions.{qmap.ours}"
    qtype = node.type
    if qmap.options and qtype != T.COUNTRIES:
        for sub, ours in qmap.options.items():
            if node.option(ours) is None:
                problems.append(
                    Problem(
                        MAPPING,
                        f"{path}.options.{sub}: {node.code} has no option '{ours}' (its codes: {', '.join(o.code for o in node.options)}).",
                    )
                )
    if qtype == T.RATING_MATRIX and isinstance(qmap.rows, dict):
        for sub, ours in qmap.rows.items():
            if node.row(ours) is None:
                problems.append(Problem(MAPPING, f"{path}.rows.{sub}: {node.code} has no row '{ours}'."))
    for ours in qmap.numbers:
        option = node.option(ours)
        if option is None or not option.number_label:
            problems.append(
                Problem(MAPPING, f"{path}.numbers.{ours}: {node.code} has no option '{ours}' with a number.")
            )
    if qtype == T.REPEAT:
        if not isinstance(qmap.rows, list) or not qmap.rows:
            problems.append(Problem(MAPPING, f"{path}.rows: list the LimeSurvey row codes of the table, in order."))
        for name, fmap in qmap.fields.items():
            f = node.field_node(name)
            if f is None:
                problems.append(Problem(MAPPING, f"{path}.fields.{name}: {node.code} has no field '{name}'."))
            elif "{row}" not in fmap.code:
                problems.append(
                    Problem(
                        MAPPING,
                        f"{path}.fields.{name}: the column must contain {{row}}, e.g. {qmap.code}[{{row}}_SQ001].",
                    )
                )
            else:
                _check_codes(fmap, f, problems)
