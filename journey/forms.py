"""The form of one section page, built at run time from the version's questions.

Django's `Form` fits poorly here: a ticked option owns a comment box and a number box, a
repeat table holds a variable number of typed rows, and errors must point at the exact
input. So this form parses the POST itself into the values of `surveys.values`, keeps every
raw input so that a page with errors shows exactly what was typed, and uses Django's form
fields only to clean single values.

Input names (an id is the name with '.' replaced by '-'):

| question             | inputs                                                           |
| multi_choice Q       | Q (one checkbox per option), Q.<opt>.comment, Q.<opt>.number,    |
|                      | Q.other.text                                                     |
| single_choice/yes_no | Q (radios), Q.other.text                                         |
| rating_matrix        | Q.<row> (radios)                                                 |
| countries            | Q (checkboxes; a select when at most one country)                |
| partnership          | Q (select of the designated partnerships, grouped; "__other__"   |
|                      | for one not listed), Q.other.text                                |
| repeat               | Q.rows (row count), Q.<i>.<field> and the field's own sub-inputs  |
| other types          | Q                                                                |
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import QueryDict

from journey.countries import countries_offered, countries_read
from journey.partnerships import PartnershipChoices
from surveys.definition.structure import QuestionNode, SectionNode, Structure
from surveys.types import type_of
from surveys.types.base import LONG_TEXT_MAX as LONG_TEXT_MAX
from surveys.types.base import TEXT_MAX, Raw
from surveys.types.choices import OTHER_PARTNERSHIP as OTHER_PARTNERSHIP
from surveys.types.scalars import form_date, form_number
from surveys.types.tables import max_rows
from surveys.values import Values, hidden_codes

# Control characters other than tab and line breaks: PostgreSQL refuses NUL in text, and none
# of them belongs in an answer (they arrive from pasted binary or crafted posts).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def input_id(name: str) -> str:
    return "id-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def country_choices(node: QuestionNode) -> list[tuple[str, str]]:
    return countries_offered(exclude_eu=node.question.exclude_eu)


# Raw input <-> values ----------------------------------------------------------------------


def raw_from_value(node: QuestionNode, value: Any, prefix: str) -> Raw:
    """The inputs that would show this stored value."""
    return type_of(node).raw(node, value, prefix)


@dataclass
class Parsed:
    values: Values = field(default_factory=dict)
    raw: Raw = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class _Parser:
    def __init__(self, data: QueryDict, partnerships: PartnershipChoices) -> None:
        self.data = data
        self.partnerships = partnerships
        self.raw: Raw = {}
        self.errors: dict[str, str] = {}

    def text(self, name: str, limit: int = TEXT_MAX) -> str:
        value = self.data.get(name, "")
        self.raw[name] = value
        value = value.replace("\r\n", "\n").strip()
        if CONTROL_CHARACTERS.search(value):
            self.errors[name] = (
                "This text contains a control character (such as NUL) that cannot be saved: "
                "please retype or remove the character."
            )
        elif len(value) > limit:
            self.errors[name] = f"Please shorten this text to at most {limit} characters (it has {len(value)})."
        return value

    def many(self, name: str) -> list[str]:
        values = [v for v in self.data.getlist(name) if v != ""]
        self.raw[name] = values
        return values

    def number(self, name: str, node: QuestionNode | None = None, *, minimum: Decimal | None = None) -> Decimal | None:
        text = self.text(name)
        number, message = form_number(text, node, typed=self.raw[name], minimum=minimum)
        if message:
            self.errors[name] = message
        return number

    def date(self, name: str) -> dt.date | None:
        day, message = form_date(self.text(name))
        if message:
            self.errors[name] = message
        return day

    def question(self, node: QuestionNode, prefix: str) -> Any:
        return type_of(node).parse(self, node, prefix)

    def partnerships_offered(self, node: QuestionNode) -> Any:
        return self.partnerships.of(node)

    def countries_read(self, values: list[str], *, exclude_eu: bool) -> tuple[list[str], list[str]]:
        return countries_read(values, exclude_eu=exclude_eu)


def parse_section(
    section: SectionNode,
    data: QueryDict,
    *,
    partnerships: PartnershipChoices,
    structure: Structure,
    stored: Callable[[], Values],
) -> Parsed:
    """Parse a section's POST: values of its questions, the raw inputs and format errors.

    Questions that the submitted answers hide are parsed (to keep what was typed) but their
    errors are dropped: nobody must fix an answer to a question they will not be asked.
    `stored` gives the saved answers, which only that filter needs: a page without errors
    (the usual case) never reads them.
    """
    parser = _Parser(data, partnerships)
    values: Values = {}
    for node in section.questions:
        value = parser.question(node, node.code)
        if value is not None:
            values[node.code] = value
    errors: dict[str, str] = {}
    if parser.errors:
        merged = {k: v for k, v in stored().items() if k not in {n.code for n in section.questions}} | values
        hidden = hidden_codes(structure, merged)
        errors = {name: message for name, message in parser.errors.items() if name.split(".", 1)[0] not in hidden}
    return Parsed(values=values, raw=parser.raw, errors=errors)


def raw_for_section(section: SectionNode, values: Values) -> Raw:
    raw: Raw = {}
    for node in section.questions:
        raw.update(raw_from_value(node, values.get(node.code), node.code))
    return raw


def add_row(parsed: Parsed, node: QuestionNode) -> bool:
    rows = parsed.values.setdefault(node.code, [])
    if len(rows) >= max_rows(node):
        parsed.errors[node.code] = f"A table holds at most {max_rows(node)} rows."
        return False
    rows.append({})
    count_name = f"{node.code}.rows"
    parsed.raw[count_name] = str(len(rows))
    return True


def remove_row(parsed: Parsed, node: QuestionNode, index: int) -> None:
    """Remove one row, shifting the raw inputs of the rows after it."""
    rows = parsed.values.get(node.code) or []
    if not 0 <= index < len(rows):
        return
    del rows[index]
    prefix = f"{node.code}."
    shifted: Raw = {}
    for name, value in parsed.raw.items():
        if name.startswith(prefix) and name[len(prefix) :].split(".", 1)[0].isdigit():
            i_text, rest = name[len(prefix) :].split(".", 1)
            i = int(i_text)
            if i == index:
                continue
            shifted[f"{prefix}{i - 1 if i > index else i}.{rest}"] = value
        else:
            shifted[name] = value
    shifted[f"{node.code}.rows"] = str(len(rows))
    parsed.raw = shifted
    parsed.errors = {k: v for k, v in parsed.errors.items() if not k.startswith(prefix)}


def keep_stored_where_invalid(section: SectionNode, parsed: Parsed, stored: Values) -> None:
    """Replace, in `parsed.values`, each piece that has an error by its stored value.

    A page with an invalid input still saves everything else: the invalid piece keeps what
    was saved before (the person's new input stays on the page with its message). The piece
    is one question, one field of one table row, or the comment, number or text of one
    ticked option. A message about a box left next to an unticked option concerns nothing
    that can be saved, so it changes nothing here.
    """
    nodes = {n.code: n for n in section.questions}
    for name in parsed.errors:
        code, _, rest = name.partition(".")
        node = nodes.get(code)
        if node is None:
            continue
        type_of(node).keep_stored(node, parsed.values, code, rest, stored.get(code))


def section_input_limit(section: SectionNode) -> tuple[int, int]:
    """The most inputs, and bytes, a post of this page can hold within the definition's maxima.

    Django refuses a post of more than DATA_UPLOAD_MAX_NUMBER_FIELDS inputs (1,000) before a
    view runs: Annex A's agreements table passes it at 166 rows of its 500. The journey reads
    its posts itself with this limit instead. Bytes allow three per character of every text
    at its maximum length (plain letters post as one, accented ones as six).
    """
    inputs = 0
    characters = 0
    for node in section.questions:
        n, c = _inputs_of(node)
        inputs += n
        characters += c
    # The page's own inputs (token, lock version, action, confirmation, restored edit) and room.
    inputs += 20
    return inputs, 3 * characters + 100 * inputs + 10_000


def _inputs_of(node: QuestionNode) -> tuple[int, int]:
    return type_of(node).inputs(node, lambda n: len(country_choices(n)))
