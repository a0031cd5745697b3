"""Annex B (ESCP-S3): exclusive "None", numbers of ticked options, the whole journey."""

from __future__ import annotations

from typing import Any

import pytest

from surveys.models import Answer, Response
from tests.conftest import make_persona
from tests.journey.test_journey_annex_a import post


@pytest.fixture
def s3(wave_s3, register_s3):
    return make_persona(wave_s3, register_s3["coordinator"])


def test_none_cannot_be_combined_with_other_results(client, s3):
    page = post(client, s3, "results", {"B6": ["none", "business_contacts"]})
    assert page.status_code == 422
    assert "“None” cannot be combined with other answers" in page.content.decode()
    assert not Answer.objects.filter(question__code="B6").exists()


def test_none_alone_is_a_complete_answer(client, s3):
    assert post(client, s3, "results", {"B6": ["none"]}).status_code == 302
    assert [a.option.code for a in Answer.objects.filter(question__code="B6")] == ["none"]


def test_a_number_box_belongs_to_its_option(client, s3):
    data = {
        "B6": ["bankable_proposals"],
        "B6.bankable_proposals.number": "4",
        "B6.bankable_proposals.comment": "With EIB",
    }
    assert post(client, s3, "results", data).status_code == 302
    answer = Answer.objects.get(question__code="B6")
    assert (answer.option.code, answer.number, answer.comment) == ("bankable_proposals", 4, "With EIB")


def test_a_number_must_be_whole(client, s3):
    data = {"B6": ["bankable_proposals"], "B6.bankable_proposals.number": "2.5"}
    page = post(client, s3, "results", data)
    assert page.status_code == 422
    assert "Please enter a whole number." in page.content.decode()


def test_it_completes_annex_b(client, s3):
    steps: list[tuple[str, dict[str, Any]]] = [
        ("respondent", {"R1": "Eva"}),
        ("strategy", {"B1": ["roadmap"], "B1.roadmap.comment": "Adopted in March"}),
        ("interregional", {"B2": ["coaching", "other"], "B2.other.text": "Hackathon"}),
        ("c2c", {"B3": ["peer_learning"]}),
        ("barriers", {"B4": ["investment_funding"], "B5": "More regional funds"}),
        ("results", {"B6": ["cooperation_agreements"], "B6.cooperation_agreements.number": "3"}),
        ("practices", {}),
    ]
    for section, data in steps:
        page = post(client, s3, section, data)
        assert page.status_code == 302, (section, page.content.decode()[:2000])
    assert client.post(s3.url("submit"))["Location"] == s3.url("done")
    response = Response.objects.get(partnership=s3.contact.partnership)
    assert response.status == Response.Status.SUBMITTED
    assert Answer.objects.get(question__code="B2", option__code="other").text == "Hackathon"
