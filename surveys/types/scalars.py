"""Types holding one value in one answer row, one input and one cell: number, text, long text, date.

The number and date checks are here once, with both wordings of their messages: the
journey's (to the respondent) and the exchange's (to staff, about a cell).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils.formats import date_format

from surveys.models import Question
from surveys.types.base import (
    LONG_TEXT_MAX,
    TEXT_MAX,
    CellError,
    CellReading,
    FormReader,
    QuestionType,
    Raw,
    number_text,
)

if TYPE_CHECKING:
    from surveys.definition.structure import QuestionNode

T = Question.Type

# The date formats a typed date is read in: the journey's field and an imported cell alike.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
# Answer.number keeps 14 digits before the point: larger numbers are refused.
NUMBER_LIMIT = Decimal("1e13")


# Numbers ---------------------------------------------------------------------------------


def decimal_of(text: str) -> Decimal | None:
    """A typed number (spaces ignored, a decimal comma accepted), None if it is not one."""
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    # Accept a decimal comma, as many European respondents write it.
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True)
class NumberProblem:
    """Why a number does not fit its question: `kind` is whole, decimals, bounds or large."""

    kind: str
    decimals: int = 0
    bounds: str = ""  # "from 0 to 10", "of at least 0", "of at most 10"

    def form_message(self) -> str:
        if self.kind == "whole":
            return "Please enter a whole number."
        if self.kind == "decimals":
            return f"Please enter at most {self.decimals} decimals."
        if self.kind == "bounds":
            return f"Please enter a number {self.bounds}."
        return "This number is too large."

    def cell_message(self, number: Decimal) -> str:
        text = number_text(number)
        if self.kind == "whole":
            return f"{text} is not a whole number."
        if self.kind == "decimals":
            return f"{text} has more than {self.decimals} decimals."
        if self.kind == "bounds":
            return f"{text} is out of bounds: the question takes numbers {self.bounds}."
        return f"{text} is too large."


def number_problem(
    number: Decimal, node: QuestionNode | None, *, minimum: Decimal | None = None
) -> NumberProblem | None:
    """What is wrong with a number for a question's bounds and decimals (for an option's
    number, `node` is None: whole, from `minimum`)."""
    q = node.question if node else None
    decimals = q.decimals if q else 0
    if decimals == 0 and number != number.to_integral_value():
        return NumberProblem("whole")
    if decimals and number.as_tuple().exponent < -decimals:  # type: ignore[operator]
        return NumberProblem("decimals", decimals=decimals)
    low = q.min_value if q else minimum
    high = q.max_value if q else None
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            bounds = f"from {number_text(low)} to {number_text(high)}"
        elif low is not None:
            bounds = f"of at least {number_text(low)}"
        else:
            bounds = f"of at most {number_text(high)}"
        return NumberProblem("bounds", bounds=bounds)
    if abs(number) >= NUMBER_LIMIT:
        return NumberProblem("large")
    return None


def form_number(
    text: str, node: QuestionNode | None, *, typed: str, minimum: Decimal | None = None
) -> tuple[Decimal | None, str]:
    """A typed number and the message for the respondent ("" if none); `typed`: the input as posted."""
    if not text.replace(" ", "").replace("\u00a0", ""):
        return None, ""
    number = decimal_of(text)
    if number is None:
        return None, f"“{typed}” is not a number: please enter digits only, such as 12."
    problem = number_problem(number, node, minimum=minimum)
    if problem is not None:
        return None, problem.form_message()
    return number, ""


# Dates -----------------------------------------------------------------------------------


def date_of(text: str) -> dt.date | None:
    """A typed date in one of DATE_FORMATS, from 1900 to 2200; None if it is not one."""
    for fmt in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if 1900 <= day.year <= 2200:
            return day
    return None


def form_date(text: str) -> tuple[dt.date | None, str]:
    """A typed date and the message for the respondent ("" if none)."""
    if not text:
        return None, ""
    day = date_of(text)
    if day is None:
        return None, f"“{text}” is not a date: please enter it as YYYY-MM-DD, for example 2019-05-13."
    return day, ""


# Cells -----------------------------------------------------------------------------------


def as_text(value: Any) -> str:
    """A text answer; a number or date that a spreadsheet made of it is turned back to text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise CellError(f"{value} is not a text.")
    if isinstance(value, int | Decimal):
        return number_text(Decimal(value))
    if isinstance(value, float):
        return number_text(Decimal(repr(value)))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise CellError(f"{value!r} is not a text.")


def as_code(value: Any) -> str:
    """A code: texts as they are (trimmed), whole numbers as digits (a spreadsheet turns "1" into 1)."""
    if isinstance(value, bool):
        raise CellError(f"{value} is not a code.")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    raise CellError(f"{value!r} is not a code.")


def as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError(f"{value} is not a number.")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        # repr gives the shortest text that reads back as the same float: 12.3, not 12.2999…
        number = Decimal(repr(value))
    elif isinstance(value, str):
        read = decimal_of(value)
        if read is None:
            raise CellError(f"'{value}' is not a number.")
        number = read
    else:
        raise CellError(f"{value!r} is not a number.")
    if not number.is_finite():
        raise CellError(f"'{value}' is not a number.")
    return number


def as_number(node: QuestionNode | None, value: Any, *, minimum: Decimal | None = None) -> Decimal:
    """A number within the question's bounds and decimals (an option's number: whole, from 0)."""
    number = as_decimal(value)
    problem = number_problem(number, node, minimum=minimum)
    if problem is not None:
        raise CellError(problem.cell_message(number))
    return number


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise CellError(f"{value:%Y-%m-%d %H:%M} has a time; a date is expected.")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        day = date_of(value.strip())
        if day is not None:
            return day
        raise CellError(f"'{value}' is not a date: write it as YYYY-MM-DD, for example 2019-05-13.")
    raise CellError(f"{value!r} is not a date: write it as YYYY-MM-DD, for example 2019-05-13.")


# The types -------------------------------------------------------------------------------


class Number(QuestionType):
    code = T.NUMBER
    value_column = "number"
    keys = frozenset({"min", "max", "decimals"})
    plausibility_keys = frozenset({"cumulative", "at_most_times_previous", "count_of"})
    report_kind = "number"
    cell_width = 10

    def check_definition(self, ck: Any, data: dict[str, Any], q: dict[str, Any], path: str) -> None:
        q["min"] = ck.number(data, "min", path)
        q["max"] = ck.number(data, "max", path)
        q["decimals"] = ck.whole(data, "decimals", path) or 0
        if q["decimals"] > 4:
            ck.error(f"{path}.decimals", "at most 4 decimals are kept")
        if q["min"] is not None and q["max"] is not None and Decimal(q["min"]) > Decimal(q["max"]):
            ck.error(f"{path}.min", "is above max")

    def short_text(self, node: QuestionNode, value: Any) -> str:
        return number_text(value)

    def display_text(self, node: QuestionNode, value: Any, partnership_names: dict[str, str]) -> str:
        return number_text(value)

    def raw(self, node: QuestionNode, value: Any, prefix: str) -> Raw:
        return {} if value is None else {prefix: number_text(value)}

    def parse(self, reader: FormReader, node: QuestionNode, prefix: str) -> Any:
        return reader.number(prefix, node)

    def read_cell(self, reader: CellReading, node: QuestionNode, value: Any) -> Any:
        return as_number(node, value)


class Text(QuestionType):
    code = T.TEXT
    value_column = "text"
    limit = TEXT_MAX
    cell_width = 30

    def history_text(self, node: QuestionNode, value: Any) -> str:
        return str(value)  # as typed, line breaks kept (short_text joins the lines)

    def parse(self, reader: FormReader, node: QuestionNode, prefix: str) -> Any:
        return reader.text(prefix, self.limit) or None

    def inputs(self, node: QuestionNode, countries: Any) -> tuple[int, int]:
        return 1, len(node.code) + 60 + self.limit

    def read_cell(self, reader: CellReading, node: QuestionNode, value: Any) -> Any:
        return as_text(value)


class LongText(Text):
    code = T.LONG_TEXT
    limit = LONG_TEXT_MAX
    cell_width = 50


class Date(QuestionType):
    code = T.DATE
    value_column = "date"
    report_kind = "years"
    cell_width = 11

    def short_text(self, node: QuestionNode, value: Any) -> str:
        return value.isoformat()

    def display_text(self, node: QuestionNode, value: Any, partnership_names: dict[str, str]) -> str:
        return date_format(value, "j F Y")

    def raw(self, node: QuestionNode, value: Any, prefix: str) -> Raw:
        return {} if value is None else {prefix: value.isoformat()}

    def parse(self, reader: FormReader, node: QuestionNode, prefix: str) -> Any:
        return reader.date(prefix)

    def read_cell(self, reader: CellReading, node: QuestionNode, value: Any) -> Any:
        return as_date(value)


TYPES = [Number(), Text(), LongText(), Date()]
