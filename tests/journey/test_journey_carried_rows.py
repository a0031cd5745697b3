"""Rows of a repeat table carried from the previous wave: confirmed, ended or new (Annex A's A5)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from reports.report import as_json, wave_report
from reports.tallies import tallies_add, tallies_remove
from surveys.models import Answer, AnswerChange, RepeatRow, Response, SectionState, Wave
from surveys.services.waves import wave_open
from surveys.values import Choice
from tests.conftest import Persona, make_persona
from tests.factories import days
from tests.reports.conftest import give


@pytest.fixture
def carried(client: Client, questionnaires, register_4i) -> tuple[Persona, Response, list[int]]:
    """GCA signed two agreements last year; this year's response starts from them."""
    version = questionnaires["escp-4i-progress"].latest_version()
    previous = wave_open(version=version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-300))
    current = wave_open(version=version, slug="escp-4i-2019", opens_at=days(-1), closes_at=days(20), previous=previous)
    yes = Choice(option="yes")
    give(
        previous,
        "GCA",
        {
            "A4": Decimal(2),
            "A5": [
                {"counterpart_type": Choice(option="cluster"), "organisation": "Osaka", "new_since_previous": yes},
                {
                    "counterpart_type": Choice(option="university"),
                    "organisation": "Tsinghua",
                    "new_since_previous": yes,
                },
            ],
        },
    )
    ada = make_persona(current, register_4i["coordinator"])
    client.post(ada.url("prefill"), {"start": "previous"})
    response = Response.objects.get(wave=current, partnership__acronym="GCA")
    origins = list(RepeatRow.objects.filter(response__wave=previous).order_by("position").values_list("id", flat=True))
    return ada, response, origins


def save(client: Client, persona: Persona, response: Response, rows: dict[str, str], count: int):
    state = SectionState.objects.filter(response=response, section__code="achievements").first()
    data = {"A4": "2", "A5.rows": str(count), "A6": "no", **rows}
    data |= {"action": "stay", "lock_version": str(state.lock_version if state else 0)}
    return client.post(persona.url("section", "achievements"), data)


def stored(response: Response) -> list[tuple[str, int | None, str]]:
    """(status, origin, new_since_previous) of each stored row, in order."""
    derived = dict(
        Answer.objects.filter(response=response, question__code="new_since_previous").values_list(
            "repeat_row_id", "option__code"
        )
    )
    return [
        (status, origin, derived.get(row_id, ""))
        for row_id, status, origin in RepeatRow.objects.filter(response=response)
        .order_by("position")
        .values_list("id", "status", "carried_from")
    ]


def test_prefilled_rows_arrive_carried_and_not_new(carried) -> None:
    _, response, (first, second) = carried
    # Last year's "yes" (signed since the survey before) is this year's "no": derived.
    assert stored(response) == [("carried", first, "no"), ("carried", second, "no")]


def test_the_page_asks_whether_each_carried_row_is_still_current(client: Client, carried) -> None:
    ada, _, (first, second) = carried
    html = client.get(ada.url("section", "achievements")).content.decode()
    assert html.count("from last year</span>") == 2
    for index, origin in ((0, first), (1, second)):
        assert f'<input type="hidden" name="A5.{index}._origin" value="{origin}">' in html
        for status, label in (("confirmed", "Still current"), ("ended", "Ended")):
            ident = f"id-A5-{index}-status-{status}"
            assert re.search(rf'name="A5\.{index}\._status" id="{ident}" value="{status}"(?! checked)', html)
            assert f'<label class="form-check-label" for="{ident}">{label}</label>' in html
    assert html.count("<legend") >= 2 and "(from last year) still current?" in html
    # The blank row the script copies is a new row of a table with carried rows.
    assert "new since last year</span>" in html
    # "Signed since the previous survey?" is derived from the rows' origin, not asked.
    assert "new_since_previous" not in html


def test_confirm_one_end_one_add_one(client: Client, carried) -> None:
    ada, response, (first, second) = carried
    rows = {
        "A5.0._origin": str(first),
        "A5.0._status": "confirmed",
        "A5.0.counterpart_type": "cluster",
        "A5.0.organisation": "Osaka",
        "A5.0.country": "JP",
        "A5.1._origin": str(second),
        "A5.1._status": "ended",
        "A5.1.counterpart_type": "university",
        "A5.1.organisation": "Tsinghua",
        "A5.1.country": "CN",
        "A5.2.counterpart_type": "sme",
        "A5.2.organisation": "Kyoto Robotics",
        "A5.2.country": "JP",
        # Typed by hand, but derived from the row's origin: a row added now is new.
        "A5.2.new_since_previous": "no",
    }
    assert save(client, ada, response, rows, 3).status_code == 302
    assert stored(response) == [("confirmed", first, "no"), ("ended", second, "no"), ("new", None, "yes")]
    # The history keeps what the respondent said of each carried row.
    change = AnswerChange.objects.filter(response=response, question_code="A5").latest("id")
    assert change.new_value.startswith("1. (still current) counterpart_type: Cluster organisation")
    assert "\n2. (ended) counterpart_type: University" in change.new_value
    assert "\n3. counterpart_type: Company (SME)" in change.new_value
    # A4 = 2 counts the current rows: the ended one is kept but not counted.
    assert SectionState.objects.get(response=response, section__code="achievements").complete
    page = client.get(ada.url("section", "achievements")).content.decode()
    assert 'value="confirmed" checked' in page and 'value="ended" checked' in page
    assert page.count("new since last year</span>") == 2  # the added row and the blank template

    # The report counts 2 current rows (1 confirmed + 1 new), of which 1 is new since last year.
    tallies_remove(response_id=response.pk)
    Response.objects.filter(pk=response.pk).update(status=Response.Status.SUBMITTED, submitted_at=days(0))
    tallies_add(response_id=response.pk)
    wave = Wave.objects.get(pk=response.wave_id)
    report = as_json(wave_report(wave))
    assert report == as_json(wave_report(wave, scan=True))
    a5 = report["questions"]["A5"]
    assert a5["rows_by_partnership"] == {"GCA": 2}
    assert a5["rows"]["total"] == 2
    new_since = a5["fields"]["new_since_previous"]
    # The ended row's fields are not counted either: of the 2 current rows, 1 yes and 1 no.
    assert (new_since["options"]["yes"]["total"], new_since["options"]["no"]["total"]) == (1, 1)
    assert new_since["answered"]["total"] == 2


def test_a_crafted_origin_is_refused(client: Client, carried) -> None:
    ada, response, (first, _) = carried
    # A row id that is not one of this response's prefilled rows: another partnership's.
    previous = Wave.objects.get(pk=response.wave.previous_id)
    other = give(previous, "ELBE", {"A5": [{"organisation": "X"}]})
    foreign = RepeatRow.objects.get(response=other).pk
    rows = {
        "A5.0._origin": str(first),
        "A5.0._status": "confirmed",
        "A5.0.organisation": "Osaka",
        "A5.1._origin": str(foreign),
        "A5.1._status": "confirmed",
        "A5.1.organisation": "Not carried",
    }
    assert save(client, ada, response, rows, 2).status_code == 302
    assert stored(response) == [("confirmed", first, "no"), ("new", None, "yes")]


def test_no_change_since_last_year_confirms_the_carried_rows(client: Client, carried) -> None:
    ada, response, (first, second) = carried
    client.post(ada.url("section_unchanged", "achievements"))
    assert stored(response) == [("confirmed", first, "no"), ("confirmed", second, "no")]
