"""One cell of an imported file to one value, checked the way the journey checks answers.

Both readers (our workbook and LimeSurvey's export) call these; each raises `CellError`
with a message for staff that says what is wrong, and the reader adds where it is.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django_countries import countries

from exchange.xlsx import cell_text
from surveys.countries import EU_COUNTRIES
from surveys.definition.structure import QuestionNode
from surveys.models import Question
from surveys.values import DATE_FORMATS, number_text

T = Question.Type
# The journey refuses larger numbers too (and Answer.number keeps 14 digits before the point).
NUMBER_LIMIT = Decimal("1e13")
COUNTRY_SEPARATORS = re.compile(r"[,;]")
COUNTRY_CODES = frozenset(str(code) for code, _ in countries)


class CellError(ValueError):
    """A cell holds something the question cannot take; the message says what."""


def plain(value: Any) -> Any:
    """A cell value with Excel's escapes undone and empty texts as None."""
    if isinstance(value, str):
        value = cell_text(value)
        return value if value.strip() else None
    return value


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
        text = value.strip().replace(" ", "").replace("\u00a0", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(f"'{value}' is not a number.") from None
    else:
        raise CellError(f"{value!r} is not a number.")
    if not number.is_finite():
        raise CellError(f"'{value}' is not a number.")
    return number


def as_number(node: QuestionNode | None, value: Any, *, minimum: Decimal | None = None) -> Decimal:
    """A number within the question's bounds and decimals (an option's number: whole, from 0)."""
    number = as_decimal(value)
    q = node.question if node else None
    decimals = q.decimals if q else 0
    if decimals == 0 and number != number.to_integral_value():
        raise CellError(f"{number_text(number)} is not a whole number.")
    if decimals and number.as_tuple().exponent < -decimals:  # type: ignore[operator]
        raise CellError(f"{number_text(number)} has more than {decimals} decimals.")
    low = q.min_value if q else minimum
    high = q.max_value if q else None
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            bounds = f"from {number_text(low)} to {number_text(high)}"
        elif low is not None:
            bounds = f"of at least {number_text(low)}"
        else:
            bounds = f"of at most {number_text(high)}"
        raise CellError(f"{number_text(number)} is out of bounds: the question takes numbers {bounds}.")
    if abs(number) >= NUMBER_LIMIT:
        raise CellError(f"{number_text(number)} is too large.")
    return number


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise CellError(f"{value:%Y-%m-%d %H:%M} has a time; a date is expected.")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in DATE_FORMATS:
            try:
                day = dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            if 1900 <= day.year <= 2200:
                return day
        raise CellError(f"'{value}' is not a date: write it as YYYY-MM-DD, for example 2019-05-13.")
    raise CellError(f"{value!r} is not a date: write it as YYYY-MM-DD, for example 2019-05-13.")


def as_moment(value: Any, zone: dt.tzinfo) -> dt.datetime:
    """A date and time in `zone` (Excel has no time zones), to the second."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(0))
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise CellError(
                f"'{value}' is not a date and time: write it as YYYY-MM-DD HH:MM:SS, for example 2019-05-20 14:30:00."
            ) from None
    else:
        raise CellError(f"{value!r} is not a date and time.")
    # A spreadsheet keeps times as fractions of a day; undo the rounding to whole seconds.
    if moment.microsecond:
        moment = (moment + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def as_option(node: QuestionNode, value: Any, *, what: str = "option") -> str:
    code = as_code(value)
    if node.option(code) is None:
        known = ", ".join(o.code for o in node.options)
        raise CellError(f"'{code}' is not an {what} of {node.code} (its codes: {known}).")
    return code


def as_tick(value: Any) -> bool:
    if value in (1, True, "1"):
        return True
    if value in (0, False, "0"):
        return False
    raise CellError(f"'{value}' is not a tick: write 1 when the option is ticked, 0 or nothing when it is not.")


def as_countries(node: QuestionNode, value: Any) -> list[str]:
    """ISO codes separated by commas, in the order given (a repeated code counts once)."""
    if not isinstance(value, str):
        raise CellError(f"{value!r} is not a list of country codes (such as CN, US).")
    codes = [c.strip().upper() for c in COUNTRY_SEPARATORS.split(value) if c.strip()]
    unknown = [c for c in codes if c not in COUNTRY_CODES]
    if unknown:
        raise CellError(f"{', '.join(unknown)}: not ISO 3166 country codes (write codes such as CN, US).")
    if node.question.exclude_eu:
        inside = [c for c in codes if c in EU_COUNTRIES]
        if inside:
            raise CellError(f"{', '.join(inside)}: {node.code} takes only countries outside the EU.")
    codes = list(dict.fromkeys(codes))
    limit = node.question.max_items
    if limit and len(codes) > limit:
        raise CellError(f"{node.code} takes at most {limit} {'country' if limit == 1 else 'countries'}.")
    return codes
