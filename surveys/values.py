"""Answers of one response as plain Python values, keyed by question code.

This is the shape in which the journey, the review page, the Excel exchange and the
relevance rules see answers, so that only this module (through each type's class in
surveys.types) knows how values map to `Answer` rows. The value of a question, by type:

| type                  | value                                                          |
| multi_choice          | {option code: Ticked(comment, number, text)} (text: "other")   |
| single_choice, yes_no | Choice(option code, text)                                       |
| rating_matrix         | {row code: level code}                                          |
| number                | Decimal                                                         |
| text, long_text       | str                                                             |
| date                  | datetime.date                                                   |
| countries             | [ISO code, …] in the order given                                |
| partnership           | PartnershipValue(acronym or "", text for one not registered)    |
| repeat                | [{field code: value of the field's type}, …], one dict per row  |

A row of a repeat table may also hold two reserved keys (codes start with a letter, so a
field never has them), set only for the rows carried from the previous wave by prefill:

| key       | value                                                                    |
| "_status" | "carried" (as prefill copied it), "confirmed" (still current), "ended"   |
| "_origin" | the previous wave's RepeatRow id the row was carried from (int)          |

A row without them is "new" (added in this wave); `row_status` reads it. The section save
accepts an origin only if it is one of the response's prefilled rows (services/responses.py).

A question without an answer has no key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from surveys.definition.structure import QuestionNode, Structure
from surveys.models import Answer, Partnership, Question, RepeatRow, Response
from surveys.types import type_of
from surveys.types.base import Choice, PartnershipValue, is_empty
from surveys.types.base import Ticked as Ticked
from surveys.types.base import number_text as number_text
from surveys.types.scalars import DATE_FORMATS as DATE_FORMATS
from surveys.types.tables import rows_expected as rows_expected

T = Question.Type

Values = dict[str, Any]


# Reading ---------------------------------------------------------------------------------


def load_values(response: Response, structure: Structure) -> Values:
    """All answers of a response: two queries, whatever the size of the questionnaire."""
    answers = (
        Answer.objects.filter(response=response)
        .select_related("partnership")
        .order_by("repeat_row_id", "id")
        .only(
            "question_id",
            "option_id",
            "matrix_row_id",
            "repeat_row_id",
            "partnership__acronym",
            "country",
            "text",
            "comment",
            "number",
            "date",
        )
    )
    rows = list(
        RepeatRow.objects.filter(response=response)
        .order_by("question_id", "position")
        .values_list("id", "question_id", "status", "carried_from")
    )
    return values_from_rows(structure, list(answers), rows)


STATUS = "_status"
ORIGIN = "_origin"
CARRIED_STATUSES = ("carried", "confirmed", "ended")


def row_status(row: dict[str, Any]) -> str:
    """A repeat row's status: "new" unless carried from the previous wave."""
    status = row.get(STATUS)
    return status if status in CARRIED_STATUSES and row.get(ORIGIN) is not None else "new"


def without_status(value: Any) -> Any:
    """A repeat table's rows without their reserved keys (to compare contents)."""
    if isinstance(value, list):
        return [{k: v for k, v in row.items() if not k.startswith("_")} for row in value]
    return value


def values_from_rows(structure: Structure, answers: list[Answer], rows: list[tuple[Any, ...]]) -> Values:
    """Build values from answer rows and (repeat row id, question id[, status, carried from])
    tuples in position order (without the status, every row reads as "new").

    Exports load answers of many responses in bulk and call this once per response.
    """
    option_codes = structure.option_codes
    row_codes = structure.row_codes
    values: Values = {}
    repeat_rows: dict[int, dict[str, Any]] = {}
    for row_id, question_id, *origin in rows:
        node = structure.by_id.get(question_id)
        if node is None:
            continue
        row: dict[str, Any] = {}
        if len(origin) == 2 and origin[1] is not None and origin[0] in CARRIED_STATUSES:
            row[STATUS], row[ORIGIN] = origin[0], origin[1]
        repeat_rows[row_id] = row
        values.setdefault(node.code, []).append(row)
    for answer in answers:
        node = structure.by_id.get(answer.question_id)
        if node is None:
            continue
        if answer.repeat_row_id is not None:
            target = repeat_rows.get(answer.repeat_row_id)
            if target is None:
                continue
            _merge(node, target, answer, option_codes, row_codes)
        else:
            _merge(node, values, answer, option_codes, row_codes)
    return values


def _merge(
    node: QuestionNode, into: dict[str, Any], answer: Answer, option_codes: dict[int, str], row_codes: dict[int, str]
) -> None:
    type_of(node).merge_row(node, into, answer, option_codes, row_codes)


# Writing ---------------------------------------------------------------------------------


def build_answer_rows(
    *,
    response: Response,
    nodes: list[QuestionNode],
    values: Values,
    partnership_ids: dict[str, int],
) -> tuple[list[Answer], list[tuple[RepeatRow, list[Answer]]]]:
    """Answer rows (and repeat rows with their answers) for the given questions' values."""
    answers: list[Answer] = []
    repeats: list[tuple[RepeatRow, list[Answer]]] = []
    for node in nodes:
        value = values.get(node.code)
        if is_empty(node, value):
            continue
        type_of(node).add_rows(response, node, value, partnership_ids, answers, repeats)
    return answers, repeats


def partnership_ids_for(values: Values, nodes: list[QuestionNode]) -> dict[str, int]:
    """Ids of the partnerships named in these values (one query, none if none is named)."""
    acronyms: set[str] = set()
    for node in nodes:
        value = values.get(node.code)
        if node.type == T.PARTNERSHIP and isinstance(value, PartnershipValue) and value.acronym:
            acronyms.add(value.acronym)
        if node.type == T.REPEAT and value:
            for field in node.fields:
                if field.type == T.PARTNERSHIP:
                    acronyms.update(r[field.code].acronym for r in value if r.get(field.code) and r[field.code].acronym)
    if not acronyms:
        return {}
    return dict(Partnership.objects.filter(acronym__in=acronyms).values_list("acronym", "id"))


# Relevance and completeness ---------------------------------------------------------------


def is_relevant(node: QuestionNode, values: Values) -> bool:
    rule = node.question.shown_if
    if not rule:
        return True
    target = values.get(rule["question"])
    if isinstance(target, Choice):
        return target.option == rule["equals"]
    if isinstance(target, dict):
        return rule["equals"] in target
    return False


def hidden_codes(structure: Structure, values: Values) -> set[str]:
    """Codes of questions not shown given these values (a rule may chain on a hidden one)."""
    hidden: set[str] = set()
    for node in structure.questions():
        rule = node.question.shown_if
        if rule and (rule["question"] in hidden or not is_relevant(node, values)):
            hidden.add(node.code)
    return hidden


def completeness_problems(nodes: list[QuestionNode], values: Values, hidden: set[str]) -> dict[str, str]:
    """What keeps these questions from being complete, keyed by the input name it concerns."""
    problems: dict[str, str] = {}
    for node in nodes:
        if node.code in hidden:
            continue
        value = values.get(node.code)
        q = node.question
        if q.required and is_empty(node, value):
            problems[node.code] = "This question needs an answer."
            continue
        problems.update(type_of(node).completeness(node, value, values))
    return problems


# Removals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Removal:
    """Saved answers that a save would delete, as a person reads them."""

    code: str
    text: str
    what: str
    # Hidden by relevance (all its answers go), rather than fewer rows of a table.
    hidden: bool = False


def short_text(node: QuestionNode, value: Any, limit: int = 60) -> str:
    """A value in a few words (option labels, the start of a text)."""
    text = type_of(node).short_text(node, value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _row_text(node: QuestionNode, row: dict[str, Any]) -> str:
    parts = [short_text(f, row[f.code], 40) for f in node.fields if not is_empty(f, row.get(f.code))]
    return " · ".join(parts[:3]) or "an empty entry"


def _row_is_empty(node: QuestionNode, row: dict[str, Any]) -> bool:
    return all(is_empty(f, row.get(f.code)) for f in node.fields)


def answers_removed(
    structure: Structure, section_codes: set[str], before: Values, after: Values, hidden: set[str]
) -> list[Removal]:
    """What saving `after` (with `hidden` questions dropped) deletes that the person did not clear.

    `before` holds the answers as stored, `after` all values once the page is merged in (the
    hidden ones still present). Two kinds of loss happen without the person clearing an
    answer: relevance hides an answered question (here or in another section), and a table of
    this page has fewer rows than saved (a row removed).
    """
    removals: list[Removal] = []
    for node in structure.questions():
        code = node.code
        value = after.get(code)
        if code in hidden:
            if not is_empty(node, value):
                removals.append(Removal(code=code, text=node.question.text, what=short_text(node, value), hidden=True))
            continue
        if node.type != T.REPEAT or code not in section_codes:
            continue
        # An empty row (added, never filled in) holds nothing to lose.
        saved_rows = [r for r in before.get(code) or [] if not _row_is_empty(node, r)]
        rows = [r for r in value or [] if not _row_is_empty(node, r)]
        if len(rows) >= len(saved_rows):
            continue
        gone = len(saved_rows) - len(rows)
        # Rows have no identity but their content: the saved rows not found on the page are the
        # ones removed (or changed as well); name them when that is exactly the removed count.
        remaining = list(rows)
        unmatched = []
        for saved in saved_rows:
            if saved in remaining:
                remaining.remove(saved)
            else:
                unmatched.append(saved)
        what = f"{gone} of its {len(saved_rows)} saved entries"
        if len(unmatched) == gone:
            what += ": " + "; ".join(_row_text(node, row) for row in unmatched[:10])
            if len(unmatched) > 10:
                what += f"; and {len(unmatched) - 10} more"
        removals.append(Removal(code=code, text=node.question.text, what=what))
    return removals


def removal_token(removals: list[Removal]) -> str:
    """What a confirmation of exactly these removals carries (another removal needs its own)."""
    text = "\n".join(f"{r.code}\t{r.what}" for r in removals)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def as_date(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None
