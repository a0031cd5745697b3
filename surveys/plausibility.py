"""Plausibility checks: answers that are allowed but look wrong, against the previous wave
and within the response.

The 2019 progress report shows what they catch: a cumulative count of agreements that falls
from 2 to 1 between waves, totals that disagree with the rows listed. A check never refuses
an answer: it gives a warning that the coordinator may explain with a comment on the review
page (PlausibilityNote) and that staff work through on the wave's list of warnings.

The rules are declared per question under `plausibility:` in the definition
(docs/questionnaire-format.md) and read from the version's stored definition, so that this
module is pure: values in, warnings out, no database.

A question of this version is compared with the question of the same code in the previous
version (`previous_code`): the hook where a `same_as:` mapping between versions plugs in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from surveys.values import PartnershipValue, Values

Rules = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class PlausibilityWarning:
    # Stable within a response (a note is stored under it): "<question>.<rule>[.<row key>]".
    key: str
    question: str
    rule: str
    message: str


def plausibility_rules(definition: dict[str, Any]) -> Rules:
    """The declared rules of a normalised definition, by question code."""
    return {
        q["code"]: q["plausibility"]
        for section in definition.get("sections", [])
        for q in section["questions"]
        if q.get("plausibility")
    }


def same_code(code: str) -> str:
    return code


def _number(value: Any) -> Decimal | None:
    return value if isinstance(value, Decimal) else None


def _row_key(value: Any) -> str:
    """What identifies a row across waves: its key field's text, case and spacing ignored."""
    if isinstance(value, PartnershipValue):
        value = value.acronym or value.text
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    return " ".join(str(value or "").split()).casefold()


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        # As typed: the database gives 2.0000 for 2.
        return f"{value.normalize():f}"
    if isinstance(value, PartnershipValue):
        return value.acronym or value.text
    return str(value)


def plausibility_warnings(
    *,
    rules: Rules,
    values: Values,
    previous: Values | None,
    previous_code: Callable[[str], str] = same_code,
) -> list[PlausibilityWarning]:
    """The warnings of a response's values, in the order the rules are declared.

    `previous`: the values of the same partnership's response in the previous wave (None when
    there is none); the rules that compare with it then say nothing. A question not answered
    (now or then) is not compared: missing answers are completeness's business.
    """
    warnings: list[PlausibilityWarning] = []
    for code, rule in rules.items():
        now = values.get(code)
        before = previous.get(previous_code(code)) if previous is not None else None
        number, last = _number(now), _number(before)
        if rule.get("cumulative") and number is not None and last is not None and number < last:
            warnings.append(
                PlausibilityWarning(
                    key=f"{code}.cumulative",
                    question=code,
                    rule="cumulative",
                    message=(
                        f"{code} counts everything so far, but {_shown(number)} is less than "
                        f"last time's {_shown(last)}."
                    ),
                )
            )
        times = rule.get("at_most_times_previous")
        # Last time's 0 gives no ratio: nothing to compare.
        if times is not None and number is not None and last and number > Decimal(times) * last:
            warnings.append(
                PlausibilityWarning(
                    key=f"{code}.at_most_times_previous",
                    question=code,
                    rule="at_most_times_previous",
                    message=(
                        f"{code} is {_shown(number)}, more than {_shown(Decimal(times))} times "
                        f"last time's {_shown(last)}."
                    ),
                )
            )
        count_of = rule.get("count_of")
        if count_of and number is not None and count_of in values:
            # Rows marked ended (carried from the previous wave) are not current: not counted.
            listed = len([row for row in values[count_of] or [] if row.get("_status") != "ended"])
            if listed != number:
                warnings.append(
                    PlausibilityWarning(
                        key=f"{code}.count_of",
                        question=code,
                        rule="count_of",
                        message=f"{code} is {_shown(number)}, but {count_of} lists {listed} row{'s' if listed != 1 else ''}.",
                    )
                )
        field = rule.get("carried_rows")
        # A table not answered now (a response not started) is not compared: nothing was dropped yet.
        if field and isinstance(before, list) and before and now is not None:
            current = {_row_key(row.get(field)) for row in (now or [])}
            seen: set[str] = set()
            for row in before:
                if row.get("_status") == "ended":  # ended last time: not expected now
                    continue
                row_key = _row_key(row.get(field))
                if not row_key or row_key in current or row_key in seen:
                    continue
                seen.add(row_key)
                warnings.append(
                    PlausibilityWarning(
                        key=f"{code}.carried_rows.{row_key}"[:200],
                        question=code,
                        rule="carried_rows",
                        message=f"Last time {code} listed “{_shown(row.get(field))}”, which is not listed now.",
                    )
                )
    return warnings
