"""Answer rows straight to cells: the export's fast path.

`surveys.values.values_from_rows` turns answer rows into values and `CellWriter` turns values
into cells. Both stay the definition (the import maps cells back to values through the same
layout), but an export of tens of thousands of responses would build and drop a value object
per answer. Here each question's columns are looked up once per workbook, by question id,
and one pass over a chunk's answer rows fills every response's cells. The result must be
exactly the cells that `CellWriter.cells(values_from_rows(...))` gives:
tests/exchange/test_answer_cells.py compares the two for every question type, in both modes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from exchange.layout import CellWriter, SheetLayout, WorkbookLayout
from surveys.models import Question

T = Question.Type

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
(
    _RESPONSE,
    _QUESTION,
    _OPTION,
    _MATRIX_ROW,
    _REPEAT_ROW,
    _PARTNERSHIP_ID,
    _COUNTRY,
    _TEXT,
    _COMMENT,
    _NUMBER,
    _DATE,
    _ID,
) = range(12)

# What a question's plan does with one of its answer rows.
_VALUE = 0  # the answer's field `plan[2]` into column `plan[1]` (number, text, date)
_TICKS = 1  # multi choice: option id -> (tick, comment, number, other text) columns
_CHOICE = 2  # single choice, yes/no: option id -> cell, into `plan[1]`; its text into `plan[3]`
_LEVELS = 3  # rating matrix: matrix row id -> column; option id -> cell
_COUNTRIES = 4  # countries: collected in `plan[1]`, joined in id order once all are read
_PARTNERSHIP = 5  # partnership: acronym (or "ACRONYM (name)" with labels), else the text typed

# The loop of `collect` tests these kinds as literals (constants, not global lookups).
assert (_VALUE, _TICKS, _CHOICE, _LEVELS, _COUNTRIES, _PARTNERSHIP) == (0, 1, 2, 3, 4, 5)

_VALUE_FIELDS: dict[str, int] = {T.NUMBER: _NUMBER, T.TEXT: _TEXT, T.LONG_TEXT: _TEXT, T.DATE: _DATE}

Cells = dict[int, Any]


class SheetPlan:
    """For one sheet: each question id (or field id) -> how its answer rows become cells."""

    def __init__(self, sheet: SheetLayout, writer: CellWriter) -> None:
        self.by_question: dict[int, tuple[Any, ...]] = {}
        writer.prepare(sheet)
        for nc in sheet.nodes:
            node = nc.node
            qtype = node.type
            by_code = {o.code: o.pk for o in node.options}
            cells = {by_code[code]: cell for code, cell in nc.option_cells.items()}
            plan: tuple[Any, ...]
            if qtype == T.MULTI_CHOICE:
                plan = (
                    _TICKS,
                    {
                        oc.option.pk: (oc.tick, oc.comment, oc.number, nc.other_text if oc.option.is_other else None)
                        for oc in nc.options
                    },
                )
            elif qtype in (T.SINGLE_CHOICE, T.YES_NO):
                plan = (_CHOICE, nc.value, cells, nc.other_text)
            elif qtype == T.RATING_MATRIX:
                plan = (_LEVELS, {row.pk: col for row, col in nc.rows}, cells)
            elif qtype == T.COUNTRIES:
                plan = (_COUNTRIES, nc.value)
            elif qtype == T.PARTNERSHIP:
                plan = (_PARTNERSHIP, nc.value)
            else:
                plan = (_VALUE, nc.value, _VALUE_FIELDS[qtype])
            self.by_question[node.id] = plan


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
        repeat_rows: Iterable[tuple[int, int, int]],
        answers: Iterable[tuple[Any, ...]],
        partnerships: Callable[[set[int]], dict[int, tuple[str, str]]],
    ) -> dict[int, tuple[Cells, list[list[Cells]]]]:
        """Response id -> (its `responses` cells, per repeat sheet the cells of each row).

        `repeat_rows`: (response id, row id, question id) in position order; `answers`: tuples
        of `ANSWER_FIELDS` in any order (a countries list is put in the order of the answers'
        ids); `partnerships`: partnership ids -> (acronym, name), called once.
        """
        result: dict[int, tuple[Cells, list[list[Cells]]]] = {}
        sheets = len(self.repeats)
        rows: dict[int, tuple[Cells, dict[int, tuple[Any, ...]]]] = {}
        repeat_of = self._repeat_of
        for response_id, row_id, question_id in repeat_rows:
            sheet = repeat_of.get(question_id)
            if sheet is None:
                continue
            entry = result.get(response_id)
            if entry is None:
                entry = result[response_id] = ({}, [[] for _ in range(sheets)])
            cells: Cells = {}
            entry[1][sheet].append(cells)
            rows[row_id] = (cells, self.repeats[sheet].by_question)

        top_plans = self.responses.by_question
        linked: list[tuple[Cells, int, int]] = []  # (cells, column, partnership id)
        countries: list[tuple[Cells, int]] = []  # where a list of (answer id, code) waits to be joined
        current = None
        top: Cells = {}
        # Unpacked into locals rather than indexed: this loop runs once per answer row.
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
                cells = top
                plan = top_plans.get(question_id)
            else:
                repeat = rows.get(row_id)
                if repeat is None:
                    continue
                cells = repeat[0]
                plan = repeat[1].get(question_id)
            if plan is None:
                continue
            kind = plan[0]
            if kind == 1:  # _TICKS
                columns = plan[1].get(option_id)
                if columns is None:
                    continue
                tick, comment_column, number_column, other = columns
                cells[tick] = 1
                if comment_column is not None:
                    cells[comment_column] = comment
                if number_column is not None:
                    cells[number_column] = number
                if other is not None:
                    cells[other] = text
            elif kind == 0:  # _VALUE
                field = plan[2]
                cells[plan[1]] = text if field == _TEXT else number if field == _NUMBER else date
            elif kind == 2:  # _CHOICE
                cell = plan[2].get(option_id)
                if cell is None:
                    continue
                cells[plan[1]] = cell
                if plan[3] is not None:
                    cells[plan[3]] = text
            elif kind == 3:  # _LEVELS
                column = plan[1].get(matrix_row_id)
                cell = plan[2].get(option_id)
                if column is not None and cell is not None:
                    cells[column] = cell
            elif kind == 4:  # _COUNTRIES
                codes = cells.get(plan[1])
                if codes is None:
                    cells[plan[1]] = [(answer_id, country)]
                    countries.append((cells, plan[1]))
                else:
                    codes.append((answer_id, country))
            elif partnership_id is not None:  # _PARTNERSHIP, registered
                linked.append((cells, plan[1], partnership_id))
            else:  # _PARTNERSHIP, typed
                cells[plan[1]] = text

        for cells, column in countries:
            cells[column] = self.countries_cell([code for _, code in sorted(cells[column])])
        if linked:
            known = partnerships({pid for _, _, pid in linked})
            for cells, column, pid in linked:
                acronym, name = known[pid]
                cells[column] = self.partnership_cell(acronym, name)
        return result
