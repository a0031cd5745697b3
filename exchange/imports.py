"""What an import brings, and where a problem was found.

Readers (`reader.py` for our workbook, `limesurvey.py` for LimeSurvey's export) turn a file
into an `ImportPlan`: the responses it holds, as values, and every problem found, each with
its sheet, row and column. Only a plan without problems is written (`services.py`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from surveys.values import Values


@dataclass(frozen=True)
class Problem:
    sheet: str
    message: str
    row: int | None = None
    column: str = ""
    letter: str = ""

    def __str__(self) -> str:
        where = [f"sheet {self.sheet}"] if self.sheet else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}" + (f" ({self.letter})" if self.letter else ""))
        elif self.letter:
            where.append(f"column {self.letter}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class ImportedResponse:
    acronym: str
    status: str
    submitted_at: dt.datetime | None
    values: Values
    # Where the response was read, for messages: "sheet responses, row 4".
    source: str = ""


@dataclass
class ImportPlan:
    responses: list[ImportedResponse] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class ImportRefused(Exception):
    """The file has problems; nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the file")
