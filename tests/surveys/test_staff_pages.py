"""Staff pages: the admin and the printable blank questionnaire."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.journey.test_journey_annex_a import RESPONDENT, post


def test_the_blank_questionnaire_prints_every_question(staff_client, questionnaires):
    page = staff_client.get("/staff/questionnaires/escp-4i-progress/v1/print/")
    assert page.status_code == 200
    html = page.content.decode()
    for code in ["R1", "A1", "A2", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A11"]:
        assert f'<span class="question-code">{code}</span>' in html
    assert "Number of agreements" in html


def test_the_blank_questionnaire_is_for_staff_only(client, questionnaires):
    page = client.get("/staff/questionnaires/escp-4i-progress/v1/print/")
    assert page.status_code == 302
    assert "/admin/login/" in page["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/surveys/wave/",
        "/admin/surveys/response/",
        "/admin/surveys/partnership/",
        "/admin/surveys/contact/",
        "/admin/surveys/questionnaire/",
        "/admin/surveys/questionnaireversion/",
        "/admin/surveys/invitation/",
        "/admin/surveys/answer/",
        "/admin/surveys/partnership/import/",
    ],
)
def test_the_admin_pages_open(staff_client, wave_4i, url):
    assert staff_client.get(url).status_code == 200


def test_a_response_shows_its_answers_readably_in_the_admin(staff_client, client, coordinator):
    post(client, coordinator, "respondent", RESPONDENT, action="save")
    from surveys.models import Response

    response = Response.objects.get(partnership__acronym="GCA")
    page = staff_client.get(f"/admin/surveys/response/{response.pk}/change/").content.decode()
    assert "Ada Coordinator" in page
    assert "Cluster manager" in page


def test_the_admin_is_closed_to_anonymous_visitors(db):
    assert Client().get("/admin/surveys/response/").status_code == 302


def test_the_admin_front_page_shows_each_wave_with_its_response_counts(staff_client, client, coordinator):
    post(client, coordinator, "respondent", RESPONDENT, action="save")
    html = staff_client.get("/admin/").content.decode()
    assert "Waves and their responses" in html
    # 3 partnerships invited (GCA, ELBE, EC2i), GCA started, none completed.
    assert ">3</a></td>" in html and ">1</a></td>" in html and "0%" in html


def test_an_admin_opens_a_wave_with_its_responses_and_invitations(staff_client, questionnaires, register_4i):
    from surveys.models import QuestionnaireVersion, Wave

    version = QuestionnaireVersion.objects.get(questionnaire__code="escp-4i-progress")
    page = staff_client.post(
        "/admin/surveys/wave/add/",
        {
            "version": version.pk,
            "slug": "escp-4i-2020",
            "title": "",
            "opens_at_0": "2020-05-13",
            "opens_at_1": "09:00",
            "closes_at_0": "2020-06-05",
            "closes_at_1": "23:59",
            "groups": "strand-2",
        },
    )
    assert page.status_code == 302, page.content.decode()[:3000]
    wave = Wave.objects.get(slug="escp-4i-2020")
    assert list(wave.responses.values_list("partnership__acronym", flat=True)) == ["EC2i"]
    assert wave.invitations.count() == 1


def test_opening_a_wave_for_an_unknown_group_is_explained(staff_client, questionnaires, register_4i):
    from surveys.models import QuestionnaireVersion

    version = QuestionnaireVersion.objects.get(questionnaire__code="escp-4i-progress")
    page = staff_client.post(
        "/admin/surveys/wave/add/",
        {
            "version": version.pk,
            "slug": "w",
            "opens_at_0": "2020-05-13",
            "opens_at_1": "09:00",
            "closes_at_0": "2020-06-05",
            "closes_at_1": "23:59",
            "groups": "strand-9",
        },
    )
    assert page.status_code == 200
    assert "Not a group of this questionnaire: strand-9" in page.content.decode()
