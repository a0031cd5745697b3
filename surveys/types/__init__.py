"""The question types: one class per type, one module per family, found through `TYPES`.

Everything that depends on a question's type lives in its class (docs/question-types.md):
its definition keys and their check (surveys.definition.loader), answer rows <-> values
(surveys.values), its text for a person (surveys.display, the history), the journey's inputs
and their check (journey.forms), workbook cells <-> values (exchange.layout) and which
report builder summarises it (reports.report). Those modules look the type up here.

    scalars   number, text, long_text, date
    choices   multi_choice, single_choice, yes_no, rating_matrix, countries, partnership
    tables    repeat
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from surveys.types import choices, scalars, tables
from surveys.types.base import QuestionType

if TYPE_CHECKING:
    from surveys.definition.structure import QuestionNode

# In the order in which the loader names the known types (and the field's choices list them).
TYPES: dict[str, QuestionType] = {}


def register(question_type: QuestionType) -> QuestionType:
    """Make a type known by its code (a second type of the same code replaces the first)."""
    TYPES[question_type.code] = question_type
    return question_type


def type_of(node: QuestionNode) -> QuestionType:
    """The type of a question (or of a field of a repeat table)."""
    return TYPES[node.type]


_ORDER = [
    *("multi_choice", "single_choice", "rating_matrix", "yes_no", "number", "text", "long_text", "date"),
    *("countries", "repeat", "partnership"),
]
# A type added to a family's TYPES comes after these, in the order of its module.
for _type in sorted(
    [*scalars.TYPES, *choices.TYPES, *tables.TYPES],
    key=lambda t: _ORDER.index(t.code) if t.code in _ORDER else len(_ORDER),
):
    register(_type)

__all__ = ["TYPES", "QuestionType", "register", "type_of"]
