"""Answer rows straight to cells: the export's fast path.

`surveys.values.values_from_rows` turns answer rows into values and `CellWriter` turns values
into cells. Both stay the definition (the import maps cells back to values through the same
layout), but an export of tens of thousands of responses would build and drop a value object
per answer. Here each question's columns are looked up once per workbook, by option id
(for rows with an option) or question id, and one pass over a chunk's answer rows fills every response's cells. The result must be
exactly the cells that `CellWriter.cells(values_from_rows(...))` gives:
tests/exchange/test_answer_cells.py compares the two for every question type, in both modes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from exchange.layout import ROW_STATUSES, CellWriter, SheetLayout, WorkbookLayout
from surveys.types import type_of
from surveys.values import CARRIED_STATUSES

# The columns of a chunk's answer query, in this order. Partnerships are read by id and
# looked up once per chunk: a join would hash the whole register for every chunk.
ANSWER_FIELDS = (
    "response_id",
    "question_id",
    "option_id",
    "matrix_row_id",
    "repeat_row_id",
    "partnership_id",
    "country",
    "text",
    "comment",
    "number",
    "date",
    "id",
)
# What a plan does with an answer row. Rows that carry an option (ticks, choices, scale
# levels) are planned by option id, which is unique across questions: one lookup finds the
# option's columns, and its question is checked against the row's. The others by question id.
_TICK = 0  # multi choice: (question, _TICK, tick, comment, number, other text) columns
_CHOICE = 1  # single choice, yes/no: (question, _CHOICE, column, cell, other text column)
_LEVEL = 2  # rating matrix: (question, _LEVEL, matrix row id -> column, cell)
_TEXT_VALUE = 3  # text, long text: (_TEXT_VALUE, column)
_NUMBER_VALUE = 4  # number: (_NUMBER_VALUE, column)
_DATE_VALUE = 5  # date: (_DATE_VALUE, column)
_COUNTRIES = 6  # countries: (_COUNTRIES, column); collected, joined in id order once all are read
_PARTNERSHIP = 7  # partnership: (_PARTNERSHIP, column): acronym (or "ACRONYM (name)"), else the text typed

# The loop of `collect` tests these kinds as literals (constants, not global lookups).
assert tuple(range(8)) == (_TICK, _CHOICE, _LEVEL, _TEXT_VALUE, _NUMBER_VALUE, _DATE_VALUE, _COUNTRIES, _PARTNERSHIP)

# By the answer column holding a type's value (surveys.types, `value_column`).
_VALUE_KINDS: dict[str, int] = {
    "number": _NUMBER_VALUE,
    "text": _TEXT_VALUE,
    "date": _DATE_VALUE,
    "country": _COUNTRIES,
    "partnership": _PARTNERSHIP,
}

Cells = dict[int, Any]


class SheetPlan:
    """For one sheet: how answer rows become cells, by option id and by question id."""

    def __init__(self, sheet: SheetLayout, writer: CellWriter) -> None:
        self.by_option: dict[int, tuple[Any, ...]] = {}
        self.by_question: dict[int, tuple[Any, ...]] = {}
        # A repeat sheet's row status and previous row number (`CellWriter.cells` writes them).
        self.status = sheet.status
        self.from_row = sheet.from_row
        self.status_cells = {code: writer.status_cell(code) for code in ROW_STATUSES}
        writer.prepare(sheet)
        for nc in sheet.nodes:
            node = nc.node
            qtype = type_of(node)
            kind = qtype.options_kind
            cells = {o.pk: nc.option_cells[o.code] for o in node.options}
            if kind == "tick":
                for oc in nc.options:
                    other = nc.other_text if oc.option.is_other else None
                    self.by_option[oc.option.pk] = (node.id, _TICK, oc.tick, oc.comment, oc.number, other)
            elif kind == "choice":
                for pk, cell in cells.items():
                    self.by_option[pk] = (node.id, _CHOICE, nc.value, cell, nc.other_text)
            elif kind == "level":
                columns = {row.pk: col for row, col in nc.rows}
                for pk, cell in cells.items():
                    self.by_option[pk] = (node.id, _LEVEL, columns, cell)
            else:
                self.by_question[node.id] = (_VALUE_KINDS[qtype.value_column], nc.value)


class AnswerCells:
    """The cells of the `responses` sheet and of each repeat sheet, response by response."""

    def __init__(self, layout: WorkbookLayout, writer: CellWriter) -> None:
        self.labels = writer.labels
        self.fields = ANSWER_FIELDS
        self.responses = SheetPlan(layout.responses, writer)
        self.repeats = [SheetPlan(sheet, writer) for _, sheet in layout.repeats]
        self._repeat_of = {node.id: i for i, (node, _) in enumerate(layout.repeats)}
        self._country_names = writer._country_names

    def partnership_cell(self, acronym: str, name: str) -> str:
        """A registered partnership as `CellWriter` writes it: its acronym, with labels "ACRONYM (name)"."""
        return f"{acronym} ({name})" if self.labels and name else acronym

    def countries_cell(self, codes: list[str]) -> str:
        if self.labels:
            names = self._country_names
            return "; ".join(names.get(c, c) for c in codes)
        return ",".join(codes)

    def collect(
        self,
        repeat_rows: Iterable[tuple[int, int, int, str, int | None]],
        answers: Iterable[tuple[Any, ...]],
        partnerships: Callable[[set[int]], dict[int, tuple[str, str]]],
        origin_rows: Callable[[set[int]], dict[int, int]],
    ) -> dict[int, tuple[Cells, list[list[Cells]]]]:
        """Response id -> (its `responses` cells, per repeat sheet the cells of each row).

        `repeat_rows`: (response id, row id, question id, status, carried from) in position
        order; `answers`: tuples of `ANSWER_FIELDS` in any order (a countries list is put in
        the order of the answers' ids); `partnerships`: partnership ids -> (acronym, name),
        `origin_rows`: the previous wave's row ids -> their row numbers; each called once.
        """
        result: dict[int, tuple[Cells, list[list[Cells]]]] = {}
        sheets = len(self.repeats)
        rows: dict[int, tuple[Cells, dict[int, tuple[Any, ...]], dict[int, tuple[Any, ...]]]] = {}
        repeat_of = self._repeat_of
        carried: list[tuple[Cells, int, int]] = []  # (cells, column, origin row id)
        for response_id, row_id, question_id, status, origin in repeat_rows:
            sheet = repeat_of.get(question_id)
            if sheet is None:
                continue
            entry = result.get(response_id)
            if entry is None:
                entry = result[response_id] = ({}, [[] for _ in range(sheets)])
            sheet_plan = self.repeats[sheet]
            cells: Cells = {}
            # As `surveys.values.row_status` reads a stored row: new unless carried with an origin.
            if origin is None or status not in CARRIED_STATUSES:
                status = "new"
            elif sheet_plan.from_row is not None:
                carried.append((cells, sheet_plan.from_row, origin))
            if sheet_plan.status is not None:
                cells[sheet_plan.status] = sheet_plan.status_cells[status]
            entry[1][sheet].append(cells)
            rows[row_id] = (cells, sheet_plan.by_option, sheet_plan.by_question)

        top_options, top_questions = self.responses.by_option, self.responses.by_question
        linked: list[tuple[Cells, int, int]] = []  # (cells, column, partnership id)
        countries: list[tuple[Cells, int]] = []  # where a list of (answer id, code) waits to be joined
        current = None
        top: Cells = {}
        # Unpacked into locals rather than indexed: this loop runs once per answer row. Empty
        # comments, texts and numbers are not stored: the sheet writer skips them anyway, and
        # every cell stored is pickled to the writer process.
        for (
            response_id,
            question_id,
            option_id,
            matrix_row_id,
            row_id,
            partnership_id,
            country,
            text,
            comment,
            number,
            date,
            answer_id,
        ) in answers:
            if response_id != current:
                current = response_id
                entry = result.get(current)
                if entry is None:
                    entry = result[current] = ({}, [[] for _ in range(sheets)])
                top = entry[0]
            if row_id is None:
                cells, by_option, by_question = top, top_options, top_questions
            else:
                repeat = rows.get(row_id)
                if repeat is None:
                    continue
                cells, by_option, by_question = repeat
            if option_id is not None:
                plan = by_option.get(option_id)
                if plan is not None and plan[0] == question_id:
                    kind = plan[1]
                    if kind == 0:  # _TICK
                        cells[plan[2]] = 1
                        if comment and plan[3] is not None:
                            cells[plan[3]] = comment
                        if number is not None and plan[4] is not None:
                            cells[plan[4]] = number
                        if text and plan[5] is not None:
                            cells[plan[5]] = text
                    elif kind == 1:  # _CHOICE
                        cells[plan[2]] = plan[3]
                        if text and plan[4] is not None:
                            cells[plan[4]] = text
                    else:  # _LEVEL
                        column = plan[2].get(matrix_row_id)
                        if column is not None:
                            cells[column] = plan[3]
                    continue
            # No option, or not one of this question's: a value (as `values_from_rows` reads it).
            plan = by_question.get(question_id)
            if plan is None:
                continue
            kind = plan[0]
            if kind == 3:  # _TEXT_VALUE
                if text:
                    cells[plan[1]] = text
            elif kind == 4:  # _NUMBER_VALUE
                if number is not None:
                    cells[plan[1]] = number
            elif kind == 5:  # _DATE_VALUE
                if date is not None:
                    cells[plan[1]] = date
            elif kind == 6:  # _COUNTRIES
                codes = cells.get(plan[1])
                if codes is None:
                    cells[plan[1]] = [(answer_id, country)]
                    countries.append((cells, plan[1]))
                else:
                    codes.append((answer_id, country))
            elif partnership_id is not None:  # _PARTNERSHIP, registered
                linked.append((cells, plan[1], partnership_id))
            elif text:  # _PARTNERSHIP, typed
                cells[plan[1]] = text

        for cells, column in countries:
            cells[column] = self.countries_cell([code for _, code in sorted(cells[column])])
        if linked:
            known = partnerships({pid for _, _, pid in linked})
            for cells, column, pid in linked:
                acronym, name = known[pid]
                cells[column] = self.partnership_cell(acronym, name)
        if carried:
            # A previous row since deleted (that response re-imported) has no number to give.
            numbers = origin_rows({origin for _, _, origin in carried})
            for cells, column, origin in carried:
                number = numbers.get(origin)
                if number is not None:
                    cells[column] = number
        return result
