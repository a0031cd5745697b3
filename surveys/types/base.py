"""What every question type is made of: its values, the base class and the readers it is given.

A type's module (scalars, choices, tables) subclasses `QuestionType` once per type and
registers it (`surveys.types.register`). The apps above the engine give a type what only they
know through the small protocols below (`FormReader` from the journey, `CellReading` and
`CellWriting` from the exchange), so that the types stay in the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from surveys.definition.structure import QuestionNode
    from surveys.models import Answer, RepeatRow, Response


@dataclass(frozen=True)
class Ticked:
    comment: str = ""
    number: Decimal | None = None
    text: str = ""


@dataclass(frozen=True)
class Choice:
    option: str
    text: str = ""


@dataclass(frozen=True)
class PartnershipValue:
    acronym: str = ""
    text: str = ""


def number_text(value: Decimal | None) -> str:
    """A number as a person writes it: 12, 12.5 (no trailing zeros, no exponent)."""
    if value is None:
        return ""
    normal = value.normalize()
    text = format(normal, "f")
    return text


def is_empty(node: QuestionNode, value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str | list | dict):
        return len(value) == 0
    if isinstance(value, PartnershipValue):
        return not value.acronym and not value.text
    return False


# The longest text and long text a person may type.
TEXT_MAX = 1000
LONG_TEXT_MAX = 20000


class CellError(ValueError):
    """A cell holds something the question cannot take; the message says what."""


Raw = dict[str, Any]
Problem = tuple[Any, str]  # (column index, message)
Cells = list[tuple[Any, Any]]  # (column, cell) pairs in column order


@dataclass(frozen=True)
class CellColumn:
    """One workbook column of a question, as its type describes it (exchange.layout lays it out).

    `suffix` follows the question's header (`""`: the header itself, `[opt]`, `[opt][comment]`);
    `width` is the least width; `code` the option or row code; `kind` the codebook's kind.
    `role` says which cells it holds: `value` (the value), `other_text` (the text of "Other"),
    `tick`, `comment`, `number` (of the option `item`), `row` (the level of the matrix row `item`).
    """

    suffix: str
    text: str
    width: float
    code: str = ""
    kind: str = "question"
    role: str = "value"
    item: Any = None


class FormReader(Protocol):
    """What the journey's parser of a section's POST gives a type (journey.forms._Parser)."""

    data: Any
    raw: Raw
    errors: dict[str, str]

    def text(self, name: str, limit: int = ...) -> str: ...

    def many(self, name: str) -> list[str]: ...

    def number(self, name: str, node: QuestionNode | None = None, *, minimum: Decimal | None = None) -> Any: ...

    def date(self, name: str) -> Any: ...

    def question(self, node: QuestionNode, prefix: str) -> Any: ...

    def partnerships_offered(self, node: QuestionNode) -> Any: ...

    def countries_read(self, values: list[str], *, exclude_eu: bool) -> tuple[list[str], list[str]]: ...


class CellWriting(Protocol):
    """What the exchange's writer of a workbook gives a type (exchange.layout.CellWriter)."""

    labels: bool
    partnership_names: dict[str, str]

    def countries_cell(self, codes: list[str]) -> str: ...


class CellReading(Protocol):
    """What the exchange's reader of a workbook gives a type (exchange.layout.CellReader)."""

    acronyms: set[str]

    def cell(
        self, col: int | None, get: Callable[[int], Any], parse: Callable[[Any], Any], problems: list[Problem]
    ) -> Any: ...


class QuestionType:
    """One question type: everything the product does that depends on the type.

    Subclasses set `code` (a `Question.Type` value) and override what differs; the defaults
    fit a type holding one value in one answer row, one input and one cell.
    """

    code: ClassVar[str]
    # A person's name of the type (the admin, the printable questionnaire, version changes);
    # the built-in types take Question.Type's labels.
    label: ClassVar[str] = ""
    # Definition: the keys a question of this type may declare beyond the common ones, those
    # under `plausibility:`, and whether it may be a field of a repeat table.
    keys: ClassVar[frozenset[str]] = frozenset()
    plausibility_keys: ClassVar[frozenset[str]] = frozenset()
    in_tables: ClassVar[bool] = True
    # Reports: which builder of reports.report summarises it ("" for none) and whether a
    # respondent may have several answer rows (counted as respondents, not rows).
    report_kind: ClassVar[str] = ""
    several_rows: ClassVar[bool] = False
    # Answer rows: the column of `Answer` holding the value of a type without options
    # (number, text, date, country, partnership; "" for the types answered by options). The
    # export's fast path (exchange.answer_cells) and the reports' queries read it.
    value_column: ClassVar[str] = ""
    # Workbook: the width of its value column.
    cell_width: ClassVar[int] = 14
    # The export's fast path from answer rows to cells (exchange.answer_cells) for a type
    # answered by options: "tick" (options ticked, with their boxes), "choice" (one option
    # chosen), "level" (one level per matrix row); "": by `value_column`.
    options_kind: ClassVar[str] = ""
    # The journey's template, journey/q/<name>.html ("": the type's code).
    template: ClassVar[str] = ""

    # Definition ---------------------------------------------------------------------------

    def check_definition(self, ck: Any, data: dict[str, Any], q: dict[str, Any], path: str) -> None:
        """Check the type's own keys of `data` (errors through `ck.error`) and fill them into `q`."""

    # Answer rows <-> values ----------------------------------------------------------------

    def merge_row(
        self,
        node: QuestionNode,
        into: dict[str, Any],
        answer: Answer,
        option_codes: dict[int, str],
        row_codes: dict[int, str],
    ) -> None:
        """Add one answer row to the values `into` (a question may have several rows); by
        default the one row's `value_column` is the value."""
        if not self.value_column:
            raise NotImplementedError(self.code)
        into[node.code] = getattr(answer, self.value_column)

    def answer_rows(
        self, response: Response, node: QuestionNode, value: Any, partnership_ids: dict[str, int]
    ) -> list[Answer]:
        """The answer rows that store a (non-empty) value; by default one row holding it in
        `value_column`."""
        if not self.value_column:
            raise ValueError(f"no answer rows for type {self.code}")
        from surveys.models import Answer  # surveys.models asks the registry for its choices

        return [Answer(response=response, question=node.question, **{self.value_column: value})]

    def add_rows(
        self,
        response: Response,
        node: QuestionNode,
        value: Any,
        partnership_ids: dict[str, int],
        answers: list[Answer],
        repeats: list[tuple[RepeatRow, list[Answer]]],
    ) -> None:
        """Add the rows storing a (non-empty) value: answer rows, or repeat rows with theirs."""
        answers.extend(self.answer_rows(response, node, value, partnership_ids))

    # Completeness -------------------------------------------------------------------------

    def completeness(self, node: QuestionNode, value: Any, values: dict[str, Any]) -> dict[str, str]:
        """What keeps an answered (or optional) question from being complete, beyond `required`:
        messages keyed by the input name they concern (`values`: all the response's answers)."""
        return {}

    # Text ----------------------------------------------------------------------------------

    def short_text(self, node: QuestionNode, value: Any) -> str:
        """A value in a few words (before `surveys.values.short_text` trims it)."""
        return str(value)

    def display_text(self, node: QuestionNode, value: Any, partnership_names: dict[str, str]) -> str:
        """One value as one line for a person (review page, printable copy): surveys.display."""
        return str(value)

    def shown_lines(
        self, node: QuestionNode, value: Any, partnership_names: dict[str, str]
    ) -> list[tuple[str, list[tuple[str, str]]]]:
        """A (non-empty) value as lines for a person, each with (label, text) details: surveys.display."""
        return [(self.display_text(node, value, partnership_names), [])]

    def shown_table(
        self, node: QuestionNode, value: Any, partnership_names: dict[str, str]
    ) -> tuple[list[str], list[list[str]]] | None:
        """A value shown as a table (headers, rows), even when empty; None: shown as lines."""
        return None

    def history_text(self, node: QuestionNode, value: Any) -> str:
        """A value whole, as the audit trail keeps it: surveys.services.history."""
        from surveys.values import short_text

        return short_text(node, value, 1_000_000)

    # The journey's form --------------------------------------------------------------------

    def raw(self, node: QuestionNode, value: Any, prefix: str) -> Raw:
        """The inputs that show a stored value (None: nothing stored)."""
        return {} if value is None else {prefix: value}

    def parse(self, reader: FormReader, node: QuestionNode, prefix: str) -> Any:
        """The value posted under `prefix` (None: no answer); errors go to `reader.errors`."""
        raise NotImplementedError(self.code)

    def keep_stored(self, node: QuestionNode, into: dict[str, Any], code: str, sub: str, saved: Any) -> None:
        """Put back, in the values posted `into`, the stored value `saved` of the piece an error
        concerns (`sub`: the input name after `code`, "" for the question whole)."""
        if saved is None:
            into.pop(code, None)
        else:
            into[code] = saved

    def inputs(self, node: QuestionNode, countries: Callable[[QuestionNode], int]) -> tuple[int, int]:
        """The most inputs, and characters, a post of this question holds (`countries`: how
        many countries a page offers for a question): journey.forms.section_input_limit."""
        return 1, len(node.code) + 60 + TEXT_MAX

    # Workbook cells <-> values -------------------------------------------------------------

    def columns(self, node: QuestionNode) -> list[CellColumn]:
        """The columns of a question in its sheet, in order: by default one value column."""
        return [CellColumn("", node.question.text, self.cell_width)]

    def to_cells(self, writer: CellWriting, nc: Any, value: Any, out: Cells) -> None:
        """Append the (column, cell) pairs of a value to `out` (`nc`: exchange.layout.NodeColumns)."""
        out.append((nc.value, value))

    def read_cell(self, reader: CellReading, node: QuestionNode, value: Any) -> Any:
        """The value of one (non-empty) cell; raises CellError with a message for staff."""
        raise NotImplementedError(self.code)

    def from_cells(self, reader: CellReading, nc: Any, get: Callable[[int], Any], problems: list[Problem]) -> Any:
        """The value in a row's cells (None: no answer), a problem per faulty cell."""
        node = nc.node
        return reader.cell(nc.value, get, lambda v: self.read_cell(reader, node, v), problems)
