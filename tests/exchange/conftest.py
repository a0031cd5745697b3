"""Fixtures for the Excel exchange: a questionnaire with every type, answered responses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from surveys.definition.loader import normalise, questionnaire_load
from surveys.definition.structure import structure_for
from surveys.models import Contact, Questionnaire, Response, Wave
from surveys.services.prefill import response_prefill
from surveys.services.responses import replace_answers, response_save_section
from surveys.services.waves import wave_open
from surveys.values import Choice, PartnershipValue, Ticked, Values, load_values
from tests.factories import days

EVERY_TYPE = {
    "code": "every-type",
    "title": "Every type",
    "version": 1,
    "groups": ["strand-1", "strand-2"],
    "sections": [
        {
            "code": "choices",
            "title": "Choices",
            "questions": [
                {
                    "code": "M1",
                    "type": "multi_choice",
                    "text": "Activities?",
                    "options": [
                        {"code": "events", "label": "Events"},
                        {"code": "agreements", "label": "Agreements", "number": "Number of agreements"},
                        {"code": "plain", "label": "Plain", "comment": False},
                        {"code": "none", "label": "None", "exclusive": True, "comment": False},
                    ],
                    "other": True,
                },
                {
                    "code": "S1",
                    "type": "single_choice",
                    "text": "Kind?",
                    "options": [{"code": "cluster", "label": "Cluster"}, {"code": "sme", "label": "SME"}],
                    "other": True,
                },
                {"code": "Y1", "type": "yes_no", "text": "Agreed?"},
                {
                    "code": "R1",
                    "type": "rating_matrix",
                    "text": "Quality?",
                    "rows": [{"code": "news", "label": "News"}, {"code": "events", "label": "Events"}],
                    "scale": [
                        {"code": "1", "label": "Poor"},
                        {"code": "2", "label": "Fair"},
                        {"code": "3", "label": "Good"},
                    ],
                },
            ],
        },
        {
            "code": "facts",
            "title": "Facts",
            "questions": [
                {"code": "N1", "type": "number", "text": "Share?", "min": 0, "max": 100, "decimals": 2},
                {"code": "N2", "type": "number", "text": "Agreements?", "min": 0, "max": 500},
                {"code": "T1", "type": "text", "text": "Name?"},
                {"code": "L1", "type": "long_text", "text": "Story?"},
                {"code": "D1", "type": "date", "text": "Since?"},
                {"code": "C1", "type": "countries", "text": "Targets?", "exclude_eu": True, "max": 3},
                {"code": "C2", "type": "countries", "text": "Members?"},
                {"code": "P1", "type": "partnership", "text": "Closest partnership?"},
                {
                    "code": "RP",
                    "type": "repeat",
                    "text": "Agreements signed",
                    "fields": [
                        {
                            "code": "kind",
                            "type": "single_choice",
                            "label": "Kind",
                            "options": [{"code": "cluster", "label": "Cluster"}, {"code": "sme", "label": "SME"}],
                            "other": True,
                        },
                        {"code": "name", "type": "text", "label": "Name"},
                        {"code": "land", "type": "countries", "label": "Country", "max": 1},
                        {"code": "note", "type": "long_text", "label": "Note"},
                        {"code": "day", "type": "date", "label": "Signed on"},
                        {"code": "new", "type": "yes_no", "label": "New?"},
                        {"code": "qty", "type": "number", "label": "Members"},
                        {"code": "partner", "type": "partnership", "label": "Partner"},
                    ],
                },
            ],
        },
    ],
}

GCA_VALUES: Values = {
    "M1": {
        "events": Ticked(comment="Two B2B missions to Japan"),
        "agreements": Ticked(comment="", number=Decimal(4)),
        "plain": Ticked(),
        "other": Ticked(text="Webinars"),
    },
    "S1": Choice(option="other", text="Research centre"),
    "Y1": Choice(option="yes"),
    "R1": {"news": "3", "events": "1"},
    "N1": Decimal("12.5"),
    "N2": Decimal(4),
    "T1": "Ada Coordinator",
    "L1": "First line\nsecond line",
    "D1": dt.date(2018, 3, 1),
    "C1": ["JP", "CA"],
    "C2": ["DE", "FR", "IT"],
    "P1": PartnershipValue(acronym="ELBE"),
    "RP": [
        {
            "kind": Choice(option="cluster"),
            "name": "Kansai cluster",
            "land": ["JP"],
            "note": "MoU on joint missions",
            "day": dt.date(2019, 2, 14),
            "new": Choice(option="yes"),
            "qty": Decimal(35),
            "partner": PartnershipValue(acronym="EC2i"),
        },
        {"kind": Choice(option="other", text="Chamber"), "partner": PartnershipValue(text="Smart Textiles Alliance")},
        {},
    ],
}

# Texts that a spreadsheet could take for formulas, and characters XML cannot carry as such.
ELBE_VALUES: Values = {
    "M1": {"none": Ticked()},
    "S1": Choice(option="sme"),
    "T1": '=HYPERLINK("http://evil.example","click")',
    "L1": "+cmd|' /C calc'!A0\r\nline _x0041_ & <b>",
    "C2": ["BE"],
    "P1": PartnershipValue(text="-1+1"),
    "RP": [{"name": "@SUM(1)", "note": "\tindented"}],
}


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Uploaded imports wait in the test's own folder."""
    settings.EXCHANGE_UPLOAD_DIR = tmp_path / "uploads"


@pytest.fixture
def eager_tasks() -> Any:
    """Celery tasks run at once, in this process (as without Redis), also when CI has Redis."""
    from escp_survey.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def every_type_wave(db: None, register_4i: dict[str, Contact]) -> Wave:
    result = questionnaire_load(definition=normalise(EVERY_TYPE))
    return wave_open(version=result.version, slug="every-2019", opens_at=days(-30), closes_at=days(-2))


def answer(
    wave: Wave, acronym: str, values: Values, *, status: str, submitted_at: dt.datetime | None = None
) -> Response:
    response = Response.objects.get(wave=wave, partnership__acronym=acronym)
    structure = structure_for(wave.version)
    replace_answers(response=response, structure=structure, nodes=structure.questions(), values=values)
    response.status = status
    response.submitted_at = submitted_at
    response.started_at = submitted_at or dt.datetime(2019, 5, 14, 8, 0, tzinfo=dt.UTC)
    response.save()
    return response


@pytest.fixture
def answered_wave(every_type_wave: Wave) -> Wave:
    answer(
        every_type_wave,
        "GCA",
        GCA_VALUES,
        status=Response.Status.SUBMITTED,
        submitted_at=dt.datetime(2019, 5, 20, 12, 30, 15, 123456, tzinfo=dt.UTC),
    )
    answer(every_type_wave, "ELBE", ELBE_VALUES, status=Response.Status.DRAFT)
    return every_type_wave


def second_wave(wave: Wave, slug: str = "every-2020") -> Wave:
    return wave_open(version=wave.version, slug=slug, opens_at=days(-1), closes_at=days(10), previous=wave)


def read_cells(path: Path | Any) -> dict[str, list[list[Any]]]:
    """Every sheet's cell values (rows as lists, trailing empty cells dropped)."""
    book = openpyxl.load_workbook(path)
    sheets = {}
    for ws in book.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        sheets[ws.title] = rows
    return sheets


def exported_through_page(client: Any, wave: Wave, capture_on_commit: Any, **data: str) -> dict[str, list[list[Any]]]:
    """The cells of an export asked for on the staff page (`data`: its checkboxes), its job
    run as the worker would, its file downloaded by the same staff user."""
    from django.urls import reverse

    from exchange.models import ExportJob
    from exchange.tasks import run_export_job

    with capture_on_commit(execute=False):
        assert client.post(reverse("exchange:export", args=[wave.slug]), {"status": "all", **data}).status_code == 302
    job = ExportJob.objects.latest("pk")
    assert run_export_job(job.pk) == "done"  # the worker's part
    download = client.get(reverse("exchange:export_file", args=[wave.slug, job.pk]))
    assert download.status_code == 200
    return read_cells(BytesIO(download.getvalue()))


def row_of(cells: dict[str, list[list[Any]]], sheet: str, acronym: str) -> dict[str, Any]:
    """The row of a partnership in a sheet, as {header: value}."""
    header = cells[sheet][0]
    for row in cells[sheet][1:]:
        if row and row[0] == acronym:
            return {h: (row[i] if i < len(row) else None) for i, h in enumerate(header)}
    raise AssertionError(f"no row for {acronym} in {sheet}")


def agreement(kind: str, organisation: str, country: str, new: str) -> Values:
    """A row of Annex A's A5 (cooperation agreements)."""
    return {
        "counterpart_type": Choice(option=kind),
        "organisation": organisation,
        "country": [country],
        "new_since_previous": Choice(option=new),
    }


@pytest.fixture
def carried_wave(questionnaires: dict[str, Questionnaire], register_4i: dict[str, Contact]) -> Wave:
    """Annex A of 2019, prefilled from 2018, where GCA listed four agreements. GCA's 2019
    response started from them, removed Osaka (2018's row 1), kept Tsinghua (confirmed),
    ended Kyoto, left Seoul as carried and added Busan: its A5 rows are confirmed (from row
    2), ended (from 3), carried (from 4), new. ELBE, not prefilled, lists one new agreement."""
    version = questionnaires["escp-4i-progress"].latest_version()
    assert version is not None
    previous = wave_open(
        version=version,
        slug="escp-4i-2018",
        opens_at=dt.datetime(2018, 5, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2018, 6, 5, tzinfo=dt.UTC),
    )
    current = wave_open(version=version, slug="escp-4i-2019", opens_at=days(-1), closes_at=days(20), previous=previous)
    source = answer(
        previous,
        "GCA",
        {
            "A4": Decimal(4),
            "A5": [
                agreement("cluster", "Osaka Cluster", "JP", "yes"),
                agreement("university", "Tsinghua", "CN", "yes"),
                agreement("sme", "Kyoto Robotics", "JP", "no"),
                agreement("public_authority", "Seoul City", "KR", "yes"),
            ],
            "A6": Choice(option="no"),
        },
        status=Response.Status.SUBMITTED,
        submitted_at=dt.datetime(2018, 5, 30, 9, 0, tzinfo=dt.UTC),
    )
    gca = Response.objects.get(wave=current, partnership__acronym="GCA")
    response_prefill(response=gca, source=source, contact=None)
    carried = load_values(gca, structure_for(version))["A5"]
    assert [row["organisation"] for row in carried] == ["Osaka Cluster", "Tsinghua", "Kyoto Robotics", "Seoul City"]
    response_save_section(
        response_id=gca.pk,
        section_code="achievements",
        contact=None,
        values={
            "A4": Decimal(3),
            "A5": [
                {**carried[1], "_status": "confirmed"},
                {**carried[2], "_status": "ended"},
                carried[3],
                # Typed "no", but a row added this year is new since the previous wave.
                agreement("large_company", "Busan Shipyards", "KR", "no"),
            ],
            "A6": Choice(option="no"),
        },
        lock_version=0,
        force=True,
    )
    answer(
        current,
        "ELBE",
        {"A4": Decimal(1), "A5": [agreement("research", "Lyon Institute", "FR", "yes")]},
        status=Response.Status.DRAFT,
    )
    return current
