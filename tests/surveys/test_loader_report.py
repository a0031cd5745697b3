"""The definition's `report` mapping: what the printed report's Table 1 and derived
indicators show, validated with the path of every problem."""

from __future__ import annotations

from typing import Any

import pytest

from surveys.definition.loader import DefinitionError, normalise


def definition(report: Any) -> dict[str, Any]:
    return {
        "code": "demo",
        "title": "Demo",
        "version": 1,
        "groups": ["g"],
        "sections": [
            {
                "code": "s",
                "title": "S",
                "questions": [
                    {"code": "N", "type": "number", "text": "How many?"},
                    {
                        "code": "M",
                        "type": "multi_choice",
                        "text": "Which?",
                        "options": [{"code": "a", "label": "A", "number": "Number"}, {"code": "b", "label": "B"}],
                    },
                    {
                        "code": "F",
                        "type": "single_choice",
                        "text": "How often?",
                        "scale": True,
                        "options": [{"code": "weekly", "label": "Weekly"}, {"code": "monthly", "label": "Monthly"}],
                    },
                    {
                        "code": "T",
                        "type": "repeat",
                        "text": "Rows",
                        "fields": [{"code": "country", "type": "countries", "label": "Country", "max": 1}],
                    },
                ],
            }
        ],
        "report": report,
    }


def test_it_keeps_a_valid_report_mapping() -> None:
    got = normalise(
        definition(
            {
                "table1": {"question": "M", "option": "a", "title": "Agreements"},
                "indicators": [
                    {"kind": "at_least_one_row", "question": "T"},
                    {"kind": "eu_split", "question": "T.country", "label": "EU or not"},
                    {"kind": "cumulative_share", "question": "F", "through": "weekly", "label": "Weekly"},
                ],
            }
        )
    )["report"]
    assert got["table1"] == {"question": "M", "option": "a", "title": "Agreements"}
    assert got["indicators"][1] == {"kind": "eu_split", "question": "T.country", "label": "EU or not"}
    assert got["indicators"][2]["through"] == "weekly"


def test_it_adds_no_report_key_to_a_definition_without_one() -> None:
    # A definition without it keeps its checksum, hence the version a wave opened with.
    data = definition({})
    del data["report"]
    assert "report" not in normalise(data)


def test_it_names_every_problem_of_the_report_mapping() -> None:
    with pytest.raises(DefinitionError) as caught:
        normalise(
            definition(
                {
                    "table1": {"question": "M", "option": "b"},
                    "indicators": [
                        {"kind": "eu_split", "question": "N"},
                        {"kind": "cumulative_share", "question": "F", "through": "daily"},
                        {"kind": "median", "question": "X"},
                    ],
                }
            )
        )
    assert caught.value.problems == [
        "report.table1.option: 'b' is not an option of M with a number box",
        "report.indicators[0].question: 'N' is not a countries question",
        "report.indicators[1].through: 'daily' is not an option of F",
        "report.indicators[2].kind: 'median' is not one of at_least_one_row, eu_split, cumulative_share",
        "report.indicators[2].question: 'X' is not a question (or TABLE.FIELD) of the questionnaire",
    ]


def test_it_refuses_a_table1_that_holds_no_number() -> None:
    with pytest.raises(DefinitionError) as caught:
        normalise(definition({"table1": {"question": "F"}}))
    assert caught.value.problems == [
        "report.table1.question: 'F' must be a number question or a repeat table (or give 'option')"
    ]
