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
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict

from journey.countries import countries_offered, countries_read
from journey.partnerships import PartnershipChoices
from surveys.definition.structure import QuestionNode, SectionNode, Structure
from surveys.models import Question
from surveys.values import DATE_FORMATS, Choice, PartnershipValue, Ticked, Values, hidden_codes, number_text

T = Question.Type
OTHER_PARTNERSHIP = "__other__"
TEXT_MAX = 1000
LONG_TEXT_MAX = 20000
DEFAULT_MAX_ROWS = 500
# Control characters other than tab and line breaks: PostgreSQL refuses NUL in text, and none
# of them belongs in an answer (they arrive from pasted binary or crafted posts).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Raw = dict[str, Any]


def input_id(name: str) -> str:
    return "id-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def country_choices(node: QuestionNode) -> list[tuple[str, str]]:
    return countries_offered(exclude_eu=node.question.exclude_eu)


def max_rows(node: QuestionNode) -> int:
    limit = node.question.max_rows or DEFAULT_MAX_ROWS
    return limit


# Raw input <-> values ----------------------------------------------------------------------


def raw_from_value(node: QuestionNode, value: Any, prefix: str) -> Raw:
    """The inputs that would show this stored value."""
    raw: Raw = {}
    if value is None:
        if node.type == T.REPEAT:
            raw[f"{prefix}.rows"] = "0"
        return raw
    qtype = node.type
    if qtype == T.MULTI_CHOICE:
        raw[prefix] = list(value)
        for code, ticked in value.items():
            raw[f"{prefix}.{code}.comment"] = ticked.comment
            raw[f"{prefix}.{code}.number"] = number_text(ticked.number)
            if code == "other":
                raw[f"{prefix}.other.text"] = ticked.text
    elif qtype in (T.SINGLE_CHOICE, T.YES_NO):
        raw[prefix] = value.option
        raw[f"{prefix}.other.text"] = value.text
    elif qtype == T.RATING_MATRIX:
        for row, level in value.items():
            raw[f"{prefix}.{row}"] = level
    elif qtype == T.NUMBER:
        raw[prefix] = number_text(value)
    elif qtype == T.DATE:
        raw[prefix] = value.isoformat()
    elif qtype == T.COUNTRIES:
        raw[prefix] = list(value)
    elif qtype == T.PARTNERSHIP:
        raw[prefix] = value.acronym or (OTHER_PARTNERSHIP if value.text else "")
        raw[f"{prefix}.other.text"] = value.text
    elif qtype == T.REPEAT:
        raw[f"{prefix}.rows"] = str(len(value))
        for index, row in enumerate(value):
            for f in node.fields:
                raw.update(raw_from_value(f, row.get(f.code), f"{prefix}.{index}.{f.code}"))
    else:
        raw[prefix] = value
    return raw


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
        text = self.text(name).replace(" ", "").replace("\u00a0", "")
        if not text:
            return None
        # Accept a decimal comma, as many European respondents write it.
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.errors[name] = f"“{self.raw[name]}” is not a number: please enter digits only, such as 12."
            return None
        q = node.question if node else None
        decimals = q.decimals if q else 0
        if decimals == 0 and number != number.to_integral_value():
            self.errors[name] = "Please enter a whole number."
            return None
        if decimals and number.as_tuple().exponent < -decimals:  # type: ignore[operator]
            self.errors[name] = f"Please enter at most {decimals} decimals."
            return None
        low = q.min_value if q else minimum
        high = q.max_value if q else None
        if low is not None and high is not None and not (low <= number <= high):
            self.errors[name] = f"Please enter a number from {number_text(low)} to {number_text(high)}."
            return None
        if low is not None and number < low:
            self.errors[name] = f"Please enter a number of at least {number_text(low)}."
            return None
        if high is not None and number > high:
            self.errors[name] = f"Please enter a number of at most {number_text(high)}."
            return None
        if abs(number) >= Decimal("1e13"):
            self.errors[name] = "This number is too large."
            return None
        return number

    def date(self, name: str) -> dt.date | None:
        text = self.text(name)
        if not text:
            return None
        for fmt in DATE_FORMATS:
            try:
                day = dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            if not (1900 <= day.year <= 2200):
                break
            return day
        self.errors[name] = f"“{text}” is not a date: please enter it as YYYY-MM-DD, for example 2019-05-13."
        return None

    def question(self, node: QuestionNode, prefix: str) -> Any:
        qtype = node.type
        if qtype == T.MULTI_CHOICE:
            return self.multi_choice(node, prefix)
        if qtype in (T.SINGLE_CHOICE, T.YES_NO):
            code = self.data.get(prefix, "")
            self.raw[prefix] = code
            other_text = self.text(f"{prefix}.other.text") if node.question.other else ""
            if not code:
                if other_text:
                    self.errors[f"{prefix}.other.text"] = "Choose “Other” to keep this text, or clear it."
                return None
            if node.option(code) is None:
                self.errors[prefix] = "Please choose one of the options shown."
                return None
            return Choice(option=code, text=other_text if code == "other" else "")
        if qtype == T.RATING_MATRIX:
            result: dict[str, str] = {}
            for row in node.rows:
                name = f"{prefix}.{row.code}"
                level = self.data.get(name, "")
                self.raw[name] = level
                if level:
                    if node.option(level) is None:
                        self.errors[name] = "Please choose one of the levels shown."
                    else:
                        result[row.code] = level
            return result or None
        if qtype == T.NUMBER:
            return self.number(prefix, node)
        if qtype == T.TEXT:
            return self.text(prefix) or None
        if qtype == T.LONG_TEXT:
            return self.text(prefix, LONG_TEXT_MAX) or None
        if qtype == T.DATE:
            return self.date(prefix)
        if qtype == T.COUNTRIES:
            # Ticked boxes or a select post codes; the text input of a page without script
            # posts names or codes, separated by commas.
            chosen, unknown = countries_read(self.many(prefix), exclude_eu=node.question.exclude_eu)
            if unknown:
                listed = ", ".join(f"“{u[:64]}”" for u in unknown[:5])
                self.errors[prefix] = (
                    f"Please choose from the list or type a country's name or two-letter code "
                    f"({listed} cannot be chosen here)."
                )
                return None
            chosen = list(dict.fromkeys(chosen))
            limit = node.question.max_items
            if limit and len(chosen) > limit:
                self.errors[prefix] = f"Please choose at most {limit} {'country' if limit == 1 else 'countries'}."
                return None
            return chosen or None
        if qtype == T.PARTNERSHIP:
            choice = self.data.get(prefix, "")
            self.raw[prefix] = choice
            other_text = self.text(f"{prefix}.other.text")
            if not choice:
                if other_text:
                    self.errors[f"{prefix}.other.text"] = "Choose “Another partnership” to keep this name, or clear it."
                return None
            if choice == OTHER_PARTNERSHIP:
                return PartnershipValue(text=other_text)
            if choice not in self.partnerships.of(node):
                # Only the partnerships the question designates may be named (a crafted post
                # or a stale page must not name any organisation of the register).
                self.errors[prefix] = (
                    f"“{choice[:64]}” is not one of the partnerships offered here: choose one from the list, "
                    "or “Another partnership (not in this list)” and type its name."
                )
                return None
            return PartnershipValue(acronym=choice)
        if qtype == T.REPEAT:
            return self.repeat(node, prefix)
        raise ValueError(qtype)

    def multi_choice(self, node: QuestionNode, prefix: str) -> dict[str, Ticked] | None:
        ticked_codes = self.many(prefix)
        result: dict[str, Ticked] = {}
        for option in node.options:
            comment_name = f"{prefix}.{option.code}.comment"
            number_name = f"{prefix}.{option.code}.number"
            comment = self.text(comment_name, LONG_TEXT_MAX) if option.comment else ""
            number = self.number(number_name, minimum=Decimal(0)) if option.number_label else None
            text = self.text(f"{prefix}.other.text") if option.is_other else ""
            if option.code in ticked_codes:
                result[option.code] = Ticked(comment=comment, number=number, text=text)
            else:
                # Typed but not ticked: say so rather than drop what the person wrote.
                if comment:
                    self.errors[comment_name] = f"Tick “{option.label}” to keep this comment, or clear it."
                if self.raw.get(number_name):
                    self.errors[number_name] = f"Tick “{option.label}” to keep this number, or clear it."
                if text:
                    self.errors[f"{prefix}.other.text"] = "Tick “Other” to keep this text, or clear it."
        unknown = [c for c in ticked_codes if node.option(c) is None]
        if unknown:
            self.errors[prefix] = "Please choose among the options shown."
        exclusive = [o for o in node.options if o.exclusive and o.code in result]
        if exclusive and len(result) > 1:
            self.errors[prefix] = (
                f"“{exclusive[0].label}” cannot be combined with other answers: untick one or the other."
            )
        return result or None

    def repeat(self, node: QuestionNode, prefix: str) -> list[dict[str, Any]]:
        count_name = f"{prefix}.rows"
        try:
            count = int(self.data.get(count_name, "0"))
        except ValueError:
            count = 0
        count = max(0, min(count, max_rows(node)))
        self.raw[count_name] = str(count)
        rows = []
        for index in range(count):
            row: dict[str, Any] = {}
            for f in node.fields:
                value = self.question(f, f"{prefix}.{index}.{f.code}")
                if value is not None:
                    row[f.code] = value
            rows.append(row)
        return rows


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
        if node.type == T.REPEAT:
            index_text, _, field_rest = rest.partition(".")
            field_code, _, sub = field_rest.partition(".")
            field = node.field_node(field_code)
            rows = parsed.values.get(code) or []
            if not index_text.isdigit() or field is None or int(index_text) >= len(rows):
                continue
            index = int(index_text)
            saved_rows = stored.get(code) or []
            saved = saved_rows[index].get(field_code) if index < len(saved_rows) else None
            _keep_piece(field, rows[index], field_code, sub, saved)
        else:
            _keep_piece(node, parsed.values, code, rest, stored.get(code))


def _keep_piece(node: QuestionNode, into: dict[str, Any], code: str, sub: str, saved: Any) -> None:
    if node.type == T.MULTI_CHOICE and sub:
        ticked: dict[str, Ticked] = into.get(code) or {}
        option, _, part = sub.partition(".")
        if option not in ticked or part not in ("comment", "number", "text"):
            return
        before = saved.get(option) if isinstance(saved, dict) else None
        kept = getattr(before if before is not None else Ticked(), part)
        ticked[option] = replace(ticked[option], **{part: kept})
        return
    if saved is None:
        into.pop(code, None)
    else:
        into[code] = saved


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
    qtype = node.type
    name = len(node.code) + 60
    if qtype == T.MULTI_CHOICE:
        n = c = 0
        for option in node.options:
            n += 1
            c += name + 64
            if option.comment:
                n, c = n + 1, c + name + LONG_TEXT_MAX
            if option.number_label:
                n, c = n + 1, c + name + 40
        if any(o.is_other for o in node.options):
            n, c = n + 1, c + name + TEXT_MAX
        return n, c
    if qtype in (T.SINGLE_CHOICE, T.YES_NO, T.PARTNERSHIP):
        return 2, 2 * name + 64 + TEXT_MAX
    if qtype == T.RATING_MATRIX:
        return len(node.rows), len(node.rows) * (name + 64)
    if qtype == T.COUNTRIES:
        # One select when at most one country, else a checkbox per country (a person may tick
        # more than allowed and be told so: that post must still be read).
        offered = 1 if node.question.max_items == 1 else len(country_choices(node))
        return offered, offered * (name + 2)
    if qtype == T.LONG_TEXT:
        return 1, name + LONG_TEXT_MAX
    if qtype == T.REPEAT:
        per_row = [_inputs_of(f) for f in node.fields]
        rows = max_rows(node)
        return 1 + rows * sum(n for n, _ in per_row), name + rows * sum(c for _, c in per_row)
    return 1, name + TEXT_MAX
