"""`manage.py report`: the JSON contract and the Excel file."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from surveys.models import Wave
from tests.reports.conftest import answers_4i


def _json(slug: str) -> dict:
    out = io.StringIO()
    call_command("report", "--wave", slug, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_it_prints_the_json_contract(wave_4i: Wave) -> None:
    answers_4i(wave_4i)
    data = _json("escp-4i-2019")
    assert data["wave"] == "escp-4i-2019"
    assert data["questionnaire"] == "escp-4i-progress"
    assert data["previous_wave"] is None
    assert data["population"]["completed"] == {"total": 2, "strand-1": 2, "strand-2": 0}
    questions = data["questions"]
    assert all("respondents" in q for q in questions.values())
    assert questions["A1"]["options"]["events_missions"] == {"total": 2, "strand-1": 2, "strand-2": 0}
    assert questions["A6"]["options"]["yes"]["total"] == 2
    assert questions["A4"]["sum"] == {"total": 3, "strand-1": 3, "strand-2": 0}
    assert questions["A4"]["by_partnership"] == {"ELBE": 0, "GCA": 3}
    assert questions["A2"]["countries"]["CN"] == {"total": 2, "strand-1": 2, "strand-2": 0}
    assert questions["A5"]["rows"] == {"total": 3, "strand-1": 3, "strand-2": 0}
    assert questions["A5"]["rows_by_partnership"] == {"GCA": 3}


def test_it_names_the_known_waves_when_the_slug_is_wrong(wave_4i: Wave) -> None:
    with pytest.raises(CommandError, match=r"No wave 'nope'\. Known waves: escp-4i-2019"):
        call_command("report", "--wave", "nope")


def test_it_asks_for_a_file_for_excel(wave_4i: Wave) -> None:
    with pytest.raises(CommandError, match="-o FILE"):
        call_command("report", "--wave", "escp-4i-2019", "--format", "xlsx")


def test_it_writes_an_excel_report_with_native_charts(wave_4i: Wave, tmp_path: Path) -> None:
    answers_4i(wave_4i)
    target = tmp_path / "report.xlsx"
    call_command("report", "--wave", "escp-4i-2019", "--format", "xlsx", "-o", str(target), stdout=io.StringIO())
    with zipfile.ZipFile(target) as book:
        names = book.namelist()
        workbook = book.read("xl/workbook.xml").decode()
    assert any(name.startswith("xl/charts/chart") for name in names)
    for sheet in ("Summary", "A1", "A2", "A5", "Collaborations"):
        assert f'name="{sheet}"' in workbook
