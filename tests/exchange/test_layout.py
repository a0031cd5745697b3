"""The workbook's layout: no column can take a key column's name, and the loader refuses a
definition whose export could not be read back."""

from __future__ import annotations

import copy
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl.utils import get_column_letter

from exchange.export import wave_export
from exchange.reader import workbook_read
from exchange.services import responses_import
from surveys.definition.loader import DefinitionError, normalise, questionnaire_load
from surveys.models import Contact, Response, Wave
from surveys.services.waves import wave_open
from surveys.values import Choice, PartnershipValue
from tests.exchange.conftest import EVERY_TYPE, answer, read_cells
from tests.factories import days


def definition(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(EVERY_TYPE)
    change(data)
    return data


def facts(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["sections"][1]["questions"]


def export(wave: Wave) -> BytesIO:
    target = BytesIO()
    wave_export(wave=wave, target=target)
    target.seek(0)
    return target


def test_fields_coded_like_every_key_column_round_trip(db: None, register_4i: dict[str, Contact]) -> None:
    def keys_as_fields(data: dict[str, Any]) -> None:
        facts(data)[-1]["fields"] = [
            {"code": "partnership", "type": "partnership", "label": "Partner"},
            {"code": "group", "type": "text", "label": "Group"},
            {"code": "row", "type": "number", "label": "Row"},
            {"code": "status", "type": "yes_no", "label": "Status"},
        ]

    version = questionnaire_load(definition=normalise(definition(keys_as_fields))).version
    wave = wave_open(version=version, slug="keys-2019", opens_at=days(-3), closes_at=days(3))
    answer(
        wave,
        "GCA",
        {
            "RP": [
                {
                    "partnership": PartnershipValue(acronym="ELBE"),
                    "group": "strand-9",
                    "row": 7,
                    "status": Choice(option="no"),
                },
                {"group": "only a group"},
            ]
        },
        status=Response.Status.DRAFT,
    )
    first = export(wave)
    sheet = read_cells(first)["RP"]
    # A field coded `status` is `RP[status]`; the row's own status is `RP[_status]`.
    assert sheet[0] == [
        "partnership",
        "group",
        "row",
        "RP[_status]",
        "RP[_from_row]",
        "RP[partnership]",
        "RP[group]",
        "RP[row]",
        "RP[status]",
    ]
    assert sheet[1:] == [
        ["GCA", "strand-1", 1, "new", None, "ELBE", "strand-9", 7, "no"],
        ["GCA", "strand-1", 2, "new", None, None, "only a group"],
    ]
    copy_wave = wave_open(version=version, slug="keys-2020", opens_at=days(-1), closes_at=days(3))
    first.seek(0)
    plan = workbook_read(wave=copy_wave, file=first)
    assert [str(p) for p in plan.problems] == []
    responses_import(wave=copy_wave, plan=plan)
    first.seek(0)
    assert read_cells(export(copy_wave)) == read_cells(first)


@pytest.mark.parametrize("code", ["partnership", "group", "status", "submitted_at", "Status"])
def test_a_question_coded_like_a_key_column_of_the_responses_sheet_is_refused(code: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        normalise(definition(lambda d: facts(d)[0].update(code=code)))
    assert caught.value.problems == [
        f"its Excel export could not be imported back: the question {code} cannot be coded '{code}': the sheet "
        "responses has a key column of that name (partnership, group, status, submitted_at are kept for them)"
    ]


def test_repeat_questions_that_would_share_a_sheet_or_cannot_name_one_are_refused() -> None:
    def two_sheets(data: dict[str, Any]) -> None:
        twin = copy.deepcopy(facts(data)[-1])
        twin["code"] = "rp"
        long = copy.deepcopy(twin)
        long["code"] = "R" * 32
        facts(data).extend([twin, long])

    with pytest.raises(DefinitionError) as caught:
        normalise(definition(two_sheets))
    assert caught.value.problems == [
        "its Excel export could not be imported back: the repeat questions RP and rp would name the same sheet "
        "(Excel does not tell upper from lower case in sheet names)",
        f"its Excel export could not be imported back: the repeat question {'R' * 32} cannot name a sheet: "
        "Excel allows 31 characters",
    ]


def test_a_repeat_question_coded_history_is_refused_the_export_has_that_sheet() -> None:
    with pytest.raises(DefinitionError) as caught:
        normalise(definition(lambda d: facts(d)[-1].update(code="History")))
    assert caught.value.problems == [
        "its Excel export could not be imported back: the repeat question History cannot name a sheet: "
        "'history' is one of the workbook's own sheets"
    ]


def test_a_repeat_question_coded_confirmations_is_refused_the_export_has_that_sheet() -> None:
    with pytest.raises(DefinitionError) as caught:
        normalise(definition(lambda d: facts(d)[-1].update(code="CONFIRMATIONS")))
    assert caught.value.problems == [
        "its Excel export could not be imported back: the repeat question CONFIRMATIONS cannot name a sheet: "
        "'confirmations' is one of the workbook's own sheets"
    ]


def test_load_questionnaires_refuses_such_a_definition_with_the_reason(db: None, tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(definition(lambda d: facts(d)[0].update(code="group"))))
    with pytest.raises(CommandError) as caught:
        call_command("load_questionnaires", str(path))
    assert "the question group cannot be coded 'group'" in str(caught.value)
    assert "nothing was loaded" in str(caught.value)


def test_every_bundled_questionnaire_loads(db: None) -> None:
    call_command("load_questionnaires", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_tick_columns_are_wide_enough_for_their_header_and_headers_wrap(every_type_wave: Wave) -> None:
    book = openpyxl.load_workbook(export(every_type_wave))
    ws = book["responses"]
    for cell in ws[1]:
        width = ws.column_dimensions[get_column_letter(cell.column)].width
        assert width >= min(len(cell.value), 42), cell.value
        assert cell.alignment.wrap_text, cell.value
    # The tick of "Agreements" (M1[agreements], 14 characters) was 10 wide, cut off.
    assert ws.column_dimensions["G"].width >= 14
