"""A question type that exists only for the tests: a percentage, written in one module.

It proves that one module is enough for a type (docs/question-types.md): registered, a
definition may ask `type: percentage`, the journey reads and checks it, the answers store
it, the workbook writes and reads it, the review page and the history show it, and the
reports summarise it as a number.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from surveys.definition.structure import QuestionNode
from surveys.types import TYPES, register
from surveys.types.base import CellError, CellReading, FormReader, QuestionType, Raw, number_text
from surveys.types.scalars import as_decimal, decimal_of

CODE = "percentage"


class Percentage(QuestionType):
    """A number from 0 to 100, written with or without "%", kept with at most one decimal."""

    code = CODE
    label = "Percentage"
    keys = frozenset({"decimals"})
    report_kind = "number"
    value_column = "number"
    cell_width = 10
    template = "number"

    def check_definition(self, ck: Any, data: dict[str, Any], q: dict[str, Any], path: str) -> None:
        q["decimals"] = ck.whole(data, "decimals", path) or 0
        if q["decimals"] > 1:
            ck.error(f"{path}.decimals", "a percentage keeps at most 1 decimal")

    def short_text(self, node: QuestionNode, value: Any) -> str:
        return f"{number_text(value)} %"

    def display_text(self, node: QuestionNode, value: Any, partnership_names: dict[str, str]) -> str:
        return f"{number_text(value)} %"

    def raw(self, node: QuestionNode, value: Any, prefix: str) -> Raw:
        return {} if value is None else {prefix: number_text(value)}

    def problem(self, node: QuestionNode, number: Decimal) -> str:
        if not 0 <= number <= 100:
            return "a percentage is from 0 to 100"
        if number.as_tuple().exponent < -node.question.decimals:  # type: ignore[operator]
            return f"a percentage here has at most {node.question.decimals} decimals"
        return ""

    def parse(self, reader: FormReader, node: QuestionNode, prefix: str) -> Any:
        text = reader.text(prefix).removesuffix("%").strip()
        if not text:
            return None
        number = decimal_of(text)
        message = "Please enter a percentage, such as 12.5." if number is None else self.problem(node, number)
        if message or number is None:
            reader.errors[prefix] = message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")
            return None
        return number

    def read_cell(self, reader: CellReading, node: QuestionNode, value: Any) -> Any:
        number = as_decimal(value.removesuffix("%") if isinstance(value, str) else value)
        message = self.problem(node, number)
        if message:
            raise CellError(f"{number_text(number)}: {message}.")
        return number


def install() -> QuestionType:
    return register(Percentage())


def uninstall() -> None:
    TYPES.pop(CODE, None)
