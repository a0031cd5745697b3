"""The workbook format: which column holds what, and how a value becomes cells and back.

One place decides the columns, so the writer and the reader cannot disagree. Sheets:

- `responses`: `partnership`, `group`, `status`, `submitted_at`, then question by question
  in questionnaire order (repeat questions have their own sheet):

  | question              | columns                                                          |
  | multi_choice Q        | per option: Q[opt] (1 ticked, 0 seen and not ticked: `Unticked`),|
  |                       | Q[opt][comment] where the                                         |
  |                       | option has a comment box, Q[opt][number] where it has a number    |
  |                       | box; Q[other] and Q[other][text] for "Other (please specify)"     |
  | single_choice, yes_no | Q (the option code: yes/no for yes_no); Q[other][text] with other |
  | rating_matrix         | Q[row] per row (the scale code)                                   |
  | countries             | Q (ISO codes separated by commas)                                 |
  | partnership           | Q (a registered acronym, or the free text for another one)        |
  | other types           | Q                                                                 |

- one sheet per repeat question Q, named by its code: `partnership`, `group`, `row`, the
  row's status `Q[_status]` (new, carried, confirmed, ended: `RepeatRow.Status`) and
  `Q[_from_row]` (for a row carried from the previous wave, its row number in that wave's
  table), then one
  column per field, `Q[field]` (and `Q[field][other][text]` for a choice field with other).
  Field codes begin with a letter or digit, so `_status` and `_from_row` are no field's.
  The two status columns are optional on import (older workbooks have none: every row new).
  A field's header holds brackets, which no code may, so no field can take the name of a
  key column (Annex A's A7 has a field coded `partnership`). Workbooks written before
  (field columns named by the bare field code) are still read: see `legacy` below and
  `exchange.reader`.

No question of the `responses` sheet may be coded like one of its key columns
(`RESERVED_CODES`); `layout_problems` says whether the workbook of a definition could be
read back, and the loader refuses a definition for which it could not.

Codes that are whole numbers (the "1" to "5" of a rating scale) are written as numbers so
that a spreadsheet can average them; the reader turns them back into codes. With `labels`,
the writer puts texts instead of codes (option labels, country names, partnership names)
and a second header row with each column's text: a file for reading, which the reader
refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django_countries import countries
from openpyxl.utils import get_column_letter

from exchange.cells import CellError
from surveys.definition.structure import QuestionNode, Structure
from surveys.models import MatrixRow, Option, Question, RepeatRow
from surveys.types import type_of
from surveys.types.base import Problem as Problem
from surveys.values import ORIGIN, Values, row_status

T = Question.Type
RESPONSES = "responses"
CODEBOOK = "codebook"
PARTNERSHIPS = "partnerships"
HISTORY = "history"  # written on request only (exchange.history_sheet), never read
CONFIRMATIONS = "confirmations"  # written on request only (exchange.confirmations_sheet), never read
RESPONSE_COLUMNS = ["partnership", "group", "status", "submitted_at"]
REPEAT_COLUMNS = ["partnership", "group", "row"]
# After the key columns of a repeat sheet Q: `Q[_status]`, `Q[_from_row]`. The underscore
# (which no code may begin with, surveys.definition.loader.CODE_RE) keeps them apart from
# the fields (`Q[status]` may be a field's column), as `_status` is in the values.
STATUS_SUFFIX = "_status"
FROM_ROW_SUFFIX = "_from_row"
ROW_STATUSES = [s.value for s in RepeatRow.Status]
ROW_STATUS_LABELS = dict(RepeatRow.Status.choices)
STATUS_TEXT = "Status of the row: " + ", ".join(ROW_STATUSES) + " (new: added in this wave)"
FROM_ROW_TEXT = "Row it was carried from, in the partnership's table of the previous wave (empty for a new row)"
# Codes a top-level question cannot have: its column would take a key column's name.
RESERVED_CODES = frozenset(RESPONSE_COLUMNS)
# Characters Excel refuses in a sheet name.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Excel's limits on sheet names.
SHEET_NAME_MAX = 31
_WHOLE = re.compile(r"^(0|[1-9][0-9]{0,14})$")

FIXED_TEXTS = {
    "partnership": "Acronym of the partnership",
    "group": "Group of the partnership",
    "status": "Status of the response: not_started, draft or submitted",
    "submitted_at": "Submitted on (Europe/Brussels time)",
    "row": "Row of the table (1, 2, …)",
}
FIXED_WIDTHS = {"partnership": 16, "group": 11, "status": 11, "submitted_at": 19, "row": 6}


def code_cell(code: str) -> str | int:
    """A code as written: whole-number codes as numbers, others as text."""
    return int(code) if _WHOLE.match(code) else code


@dataclass(frozen=True)
class Column:
    header: str
    text: str
    width: float
    question: str = ""
    code: str = ""
    kind: str = ""
    # The header an export before the bracketed field columns gave it (repeat fields only).
    legacy: str = ""
    # A column the import does without (the row status of a repeat sheet: older workbooks,
    # written before it, have none).
    optional: bool = False


@dataclass
class OptionColumns:
    option: Option
    tick: int
    comment: int | None
    number: int | None


@dataclass
class NodeColumns:
    """Where the cells of one question (or repeat field) are in its sheet."""

    node: QuestionNode
    value: int | None = None
    other_text: int | None = None
    options: list[OptionColumns] = field(default_factory=list)
    rows: list[tuple[MatrixRow, int]] = field(default_factory=list)
    # Cells written for each option code (codes, or labels when writing for reading).
    option_cells: dict[str, Any] = field(default_factory=dict)


def _width(header: str, base: float) -> float:
    # From the whole header, so that `A1[partners_third_countries]` is not cut off; longer
    # than 45 characters, the header wraps (see exchange.xlsx).
    return max(base, min(len(header) + 3, 45))


@dataclass
class SheetLayout:
    name: str
    columns: list[Column]
    nodes: list[NodeColumns]
    fixed: list[str]
    # Repeat sheets: the columns of the row's status and of the previous wave's row number.
    status: int | None = None
    from_row: int | None = None

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def _add(self, column: Column) -> int:
        self.columns.append(column)
        return len(self.columns) - 1

    def add_node(self, node: QuestionNode, prefix: str, legacy: str = "") -> None:
        """Append the columns of a question; `prefix` is its header (its code, or `Q[field]`
        for a field of the repeat question Q, whose old header was `legacy`, the field's code)."""
        nc = NodeColumns(node=node)
        start = len(self.columns)
        code = node.code
        for spec in type_of(node).columns(node):
            header = prefix + spec.suffix
            index = self._add(Column(header, spec.text, _width(header, spec.width), code, spec.code, spec.kind))
            if spec.role == "value":
                nc.value = index
            elif spec.role == "other_text":
                nc.other_text = index
            elif spec.role == "tick":
                nc.options.append(OptionColumns(option=spec.item, tick=index, comment=None, number=None))
            elif spec.role == "comment":
                nc.options[-1].comment = index
            elif spec.role == "number":
                nc.options[-1].number = index
            elif spec.role == "row":
                nc.rows.append((spec.item, index))
            else:
                raise ValueError(f"unknown role of a column: {spec.role}")
        if legacy:
            for i in range(start, len(self.columns)):
                c = self.columns[i]
                self.columns[i] = replace(c, legacy=legacy + c.header[len(prefix) :])
        self.nodes.append(nc)


@dataclass
class WorkbookLayout:
    responses: SheetLayout
    repeats: list[tuple[QuestionNode, SheetLayout]]


def field_header(question: str, field_code: str) -> str:
    """The column of a repeat question's field: `A7[partnership]`."""
    return f"{question}[{field_code}]"


def sheet_name_problem(code: str) -> str | None:
    if SHEET_NAME_FORBIDDEN.search(code):
        return f"the repeat question {code} cannot name a sheet: Excel refuses the characters [ ] : * ? / \\"
    if len(code) > SHEET_NAME_MAX:
        return f"the repeat question {code} cannot name a sheet: Excel allows {SHEET_NAME_MAX} characters"
    if code.lower() in (RESPONSES, CODEBOOK, PARTNERSHIPS, HISTORY, CONFIRMATIONS):
        return f"the repeat question {code} cannot name a sheet: '{code.lower()}' is one of the workbook's own sheets"
    return None


def _status_column(question: str, suffix: str, text: str, width: float) -> Column:
    header = field_header(question, suffix)
    return Column(header, text, _width(header, width), kind="fixed", optional=True)


def workbook_layout(structure: Structure) -> WorkbookLayout:
    responses = SheetLayout(
        name=RESPONSES,
        columns=[Column(h, FIXED_TEXTS[h], FIXED_WIDTHS[h], kind="fixed") for h in RESPONSE_COLUMNS],
        nodes=[],
        fixed=RESPONSE_COLUMNS,
    )
    repeats: list[tuple[QuestionNode, SheetLayout]] = []
    for node in structure.questions():
        if node.type == T.REPEAT:
            problem = sheet_name_problem(node.code)
            if problem:
                raise ValueError(problem)
            sheet = SheetLayout(
                name=node.code,
                columns=[Column(h, FIXED_TEXTS[h], FIXED_WIDTHS[h], kind="fixed") for h in REPEAT_COLUMNS],
                nodes=[],
                fixed=REPEAT_COLUMNS,
            )
            sheet.status = sheet._add(_status_column(node.code, STATUS_SUFFIX, STATUS_TEXT, 12))
            sheet.from_row = sheet._add(_status_column(node.code, FROM_ROW_SUFFIX, FROM_ROW_TEXT, 8))
            for f in node.fields:
                sheet.add_node(f, field_header(node.code, f.code), legacy=f.code)
            repeats.append((node, sheet))
        else:
            responses.add_node(node, node.code)
    return WorkbookLayout(responses=responses, repeats=repeats)


@dataclass
class HeaderMap:
    """A sheet's header read against its layout: file position -> layout column, and problems."""

    to_layout: dict[int, int]
    # (file position or None, header, message)
    problems: list[tuple[int | None, str, str]]
    legacy: bool


def map_headers(sheet: SheetLayout, titles: Sequence[str | None]) -> HeaderMap:
    """Which layout column each title of a header row is, by name.

    A repeat sheet written before field columns were bracketed (`partnership, group, row,
    partnership, purpose` for A7) is read by the old names: it is taken as old when no
    title is a bracketed field header and some title is an old one. There a field may bear
    a key column's name; the first column of that name is the key (the old export wrote the
    keys first), the next one the field.
    """
    fields = [c for c in sheet.columns if c.legacy]
    present = {t for t in titles if t}
    legacy = bool(fields) and not present & {c.header for c in fields} and bool(present & {c.legacy for c in fields})
    expected: dict[str, list[int]] = {}
    for i, c in enumerate(sheet.columns):
        expected.setdefault(c.legacy if legacy and c.legacy else c.header, []).append(i)
    to_layout: dict[int, int] = {}
    problems: list[tuple[int | None, str, str]] = []
    first_at: dict[str, int] = {}
    for position, title in enumerate(titles):
        if not title:
            continue
        waiting = expected.get(title)
        if waiting:
            to_layout[position] = waiting.pop(0)
        elif title in first_at:
            problems.append(
                (position, title, f"the column {title} appears twice (also in {_letter(first_at[title])}).")
            )
        else:
            problems.append((position, title, f"unknown column {title}: {UNKNOWN_HINT}"))
        first_at.setdefault(title, position)
    for title, waiting in expected.items():
        for i in waiting:
            if not sheet.columns[i].optional:
                problems.append((None, title, f"the column {title} is missing."))
    return HeaderMap(to_layout=to_layout, problems=problems, legacy=legacy)


UNKNOWN_HINT = "the questionnaire of this wave has no such question or option (see the codebook of an export)."


def _letter(position: int) -> str:
    return get_column_letter(position + 1)


def layout_problems(structure: Structure) -> list[str]:
    """Why a workbook exported with this questionnaire could not be read back, if it could not.

    The loader refuses such a definition (`surveys.definition.loader`): each sheet name must
    be one Excel takes and the reader finds, and each sheet's header, read by the reader's
    own `map_headers`, must give every column once.
    """
    problems = [
        f"the question {node.code} cannot be coded '{node.code}': the sheet {RESPONSES} has a key column of that name "
        f"({', '.join(RESPONSE_COLUMNS)} are kept for them)"
        for node in structure.questions()
        if node.code.lower() in RESERVED_CODES
    ]
    names: dict[str, str] = {}
    for node in structure.questions():
        if node.type != T.REPEAT:
            continue
        problem = sheet_name_problem(node.code)
        if problem:
            problems.append(problem)
        elif node.code.lower() in names:
            problems.append(
                f"the repeat questions {names[node.code.lower()]} and {node.code} would name the same sheet "
                "(Excel does not tell upper from lower case in sheet names)"
            )
        names.setdefault(node.code.lower(), node.code)
    if problems:
        return problems
    layout = workbook_layout(structure)
    for sheet in [layout.responses] + [s for _, s in layout.repeats]:
        read = map_headers(sheet, sheet.headers)
        problems.extend(
            f"the sheet {sheet.name} of its export could not be read back: {message}" for _, _, message in read.problems
        )
        if not read.problems and sorted(read.to_layout.values()) != list(range(len(sheet.columns))):
            problems.append(f"the sheet {sheet.name} of its export could not be read back: its columns are ambiguous")
    return problems


class Unticked:
    """Zeros for the options of a multiple choice that a respondent saw and did not tick.

    A respondent saw a question when the response is submitted and the question was shown
    (its `shown_if` holds on the response's own cells, as `surveys.values.hidden_codes`
    decides), or when at least one of its options is ticked. Elsewhere (not asked: a draft
    that did not answer it, a hidden question, a response not started) the ticks stay empty.
    The cells alone decide, so an imported workbook exports again to the same cells.
    Only the `responses` sheet has multiple choices (a repeat field cannot be one).
    """

    def __init__(self, sheet: SheetLayout) -> None:
        # Needs the option cells of `CellWriter.prepare`.
        by_code = {nc.node.code: nc for nc in sheet.nodes}
        self._steps: list[tuple[str, Callable[[dict[int, Any]], bool] | None, str, list[int]]] = []
        for nc in sheet.nodes:
            rule = nc.node.question.shown_if
            ticks = [oc.tick for oc in nc.options]  # a multiple choice's (its type's `tick` columns)
            if not rule and not ticks:
                continue
            shown = self._rule(by_code.get(rule["question"]), rule["equals"]) if rule else None
            self._steps.append((nc.node.code, shown, rule["question"] if rule else "", ticks))

    @staticmethod
    def _rule(target: NodeColumns | None, equals: str) -> Callable[[dict[int, Any]], bool]:
        if target is None:
            return lambda cells: False
        if target.options:  # a multiple choice
            tick = next((oc.tick for oc in target.options if oc.option.code == equals), None)
            return lambda cells: tick is not None and cells.get(tick) == 1
        column, cell = target.value, target.option_cells.get(equals)
        return lambda cells: column is not None and cells.get(column) == cell

    def fill(self, cells: dict[int, Any], *, submitted: bool) -> None:
        hidden: set[str] = set()
        for code, shown, target, ticks in self._steps:
            if shown is not None and (target in hidden or not shown(cells)):
                hidden.add(code)
                continue
            if ticks and (submitted or any(cells.get(t) == 1 for t in ticks)):
                for tick in ticks:
                    if tick not in cells:
                        cells[tick] = 0


# Writing ------------------------------------------------------------------------------------


class CellWriter:
    """Turns values into (column, cell) pairs, in column order."""

    def __init__(
        self,
        *,
        labels: bool,
        partnership_names: dict[str, str] | None = None,
        origin_rows: dict[int, int] | None = None,
    ) -> None:
        """`origin_rows`: the previous wave's RepeatRow id -> its row number, for the
        `Q[_from_row]` cell of the rows carried from it."""
        self.labels = labels
        self.partnership_names = partnership_names or {}
        self.origin_rows = origin_rows or {}
        self._country_names = {str(code): str(name) for code, name in countries} if labels else {}

    def prepare(self, sheet: SheetLayout) -> None:
        for nc in sheet.nodes:
            nc.option_cells = {o.code: (o.label if self.labels else code_cell(o.code)) for o in nc.node.options}

    def status_cell(self, status: str) -> str:
        """A repeat row's status as written: its code, with labels its text."""
        return ROW_STATUS_LABELS[status] if self.labels else status

    def cells(self, sheet: SheetLayout, values: dict[str, Any], out: list[tuple[Any, Any]]) -> None:
        if sheet.status is not None:  # a row of a repeat table: its status first, in column order
            status = row_status(values)
            out.append((sheet.status, self.status_cell(status)))
            origin = self.origin_rows.get(values[ORIGIN]) if status != RepeatRow.Status.NEW else None
            if sheet.from_row is not None and origin is not None:
                out.append((sheet.from_row, origin))
        for nc in sheet.nodes:
            value = values.get(nc.node.code)
            if value is not None:
                self.node_cells(nc, value, out)

    def node_cells(self, nc: NodeColumns, value: Any, out: list[tuple[Any, Any]]) -> None:
        type_of(nc.node).to_cells(self, nc, value, out)

    def countries_cell(self, codes: list[str]) -> str:
        """Countries as codes ("CN,US"), with labels as names ("China; United States")."""
        if self.labels:
            return "; ".join(self._country_names.get(c, c) for c in codes)
        return ",".join(codes)


# Reading ------------------------------------------------------------------------------------


class CellReader:
    """Turns the cells of one row back into values, collecting a problem per faulty cell."""

    def __init__(self, *, acronyms: set[str]) -> None:
        self.acronyms = acronyms

    def values(self, sheet: SheetLayout, get: Callable[[int], Any], problems: list[Problem]) -> Values:
        values: Values = {}
        for nc in sheet.nodes:
            value = type_of(nc.node).from_cells(self, nc, get, problems)
            if value is not None:
                values[nc.node.code] = value
        return values

    def cell(
        self, col: int | None, get: Callable[[int], Any], parse: Callable[[Any], Any], problems: list[Problem]
    ) -> Any:
        if col is None:
            return None
        raw = get(col)
        if raw is None:
            return None
        try:
            return parse(raw)
        except CellError as exc:
            problems.append((col, str(exc)))
            return None
