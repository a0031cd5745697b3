"""One cell of an imported file to one value, checked the way the journey checks answers.

Both readers (our workbook and LimeSurvey's export) call these; each raises `CellError`
with a message for staff that says what is wrong, and the reader adds where it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from exchange.xlsx import cell_text
from surveys.types.base import CellError as CellError
from surveys.types.choices import as_countries as as_countries
from surveys.types.scalars import as_code as as_code
from surveys.types.scalars import as_date as as_date
from surveys.types.scalars import as_number as as_number
from surveys.types.scalars import as_text as as_text

# The checks of a cell's value are the question types' (surveys.types), imported from here by
# both readers; this module keeps what is the exchange's own.


def plain(value: Any) -> Any:
    """A cell value with Excel's escapes undone and empty texts as None."""
    if isinstance(value, str):
        value = cell_text(value)
        return value if value.strip() else None
    return value


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
