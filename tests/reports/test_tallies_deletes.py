"""Deleting responses or answers, by any writer, never leaves the report's counts wrong.

The data set is `answers_4i`: GCA and ELBE (strand-1) submitted, EC2i (strand-2) a draft.
Every expected figure below is worked out by hand from it; each test also compares the
report read from the tallies with the one scanned from the answer rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from reports.models import TalliedResponse
from reports.report import as_json, wave_report
from reports.tallies import tallies_check
from surveys.models import Answer, Response, Wave
from surveys.services.deletions import answers_delete, responses_delete
from tests.reports.conftest import answers_4i

# After GCA's response is gone: ELBE alone (strand-1), EC2i's draft never counts.
WITHOUT_GCA = {
    "completed": {"total": 1, "strand-1": 1, "strand-2": 0},
    "A1.respondents": {"total": 1, "strand-1": 1, "strand-2": 0},
    "A1.events_missions": {"total": 1, "strand-1": 1, "strand-2": 0},
    "A1.intelligence": {"total": 0, "strand-1": 0, "strand-2": 0},
    "A4.sum": {"total": 0, "strand-1": 0, "strand-2": 0},
    "A4.by_partnership": {"ELBE": 0},
    "A5.rows": {"total": 0, "strand-1": 0, "strand-2": 0},
}


def _figures(wave: Wave) -> dict[str, Any]:
    report = as_json(wave_report(wave))
    assert report == as_json(wave_report(wave, scan=True))
    q = report["questions"]
    return {
        "completed": report["population"]["completed"],
        "A1.respondents": q["A1"]["respondents"],
        "A1.events_missions": q["A1"]["options"]["events_missions"],
        "A1.intelligence": q["A1"]["options"]["intelligence"],
        "A4.sum": q["A4"]["sum"],
        "A4.by_partnership": q["A4"]["by_partnership"],
        "A5.rows": q["A5"]["rows"],
    }


@pytest.fixture
def gca(wave_4i: Wave) -> Response:
    answers_4i(wave_4i)
    return Response.objects.get(wave=wave_4i, partnership__acronym="GCA")


def test_it_takes_a_response_deleted_in_the_admin_out_of_the_report(
    staff_client: Client, wave_4i: Wave, gca: Response
) -> None:
    url = reverse("admin:surveys_response_delete", args=[gca.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not Response.objects.filter(pk=gca.pk).exists()
    assert _figures(wave_4i) == WITHOUT_GCA
    assert tallies_check(wave_ids=[wave_4i.pk]).clean


def test_it_takes_responses_deleted_by_the_admin_action_out_of_the_report(
    staff_client: Client, wave_4i: Wave, gca: Response
) -> None:
    ec2i = Response.objects.get(wave=wave_4i, partnership__acronym="EC2i")
    changelist = reverse("admin:surveys_response_changelist")
    data = {"action": "delete_selected", "_selected_action": [gca.pk, ec2i.pk], "post": "yes"}
    assert staff_client.post(changelist, data).status_code == 302
    assert not Response.objects.filter(pk__in=[gca.pk, ec2i.pk]).exists()
    assert _figures(wave_4i) == WITHOUT_GCA
    assert tallies_check(wave_ids=[wave_4i.pk]).clean


def test_it_recounts_a_submitted_response_whose_answers_the_admin_deleted(
    staff_client: Client, wave_4i: Wave, gca: Response
) -> None:
    a1 = Answer.objects.filter(response=gca, question__code="A1").order_by("pk")
    assert a1.count() == 2  # events_missions (with its comment) and intelligence
    changelist = reverse("admin:surveys_answer_changelist")
    data = {"action": "delete_selected", "_selected_action": list(a1.values_list("pk", flat=True)), "post": "yes"}
    assert staff_client.post(changelist, data).status_code == 302
    figures = _figures(wave_4i)
    # GCA is still complete, but has no answer to A1 any more: ELBE's alone count.
    assert figures["completed"] == {"total": 2, "strand-1": 2, "strand-2": 0}
    assert figures["A1.respondents"] == {"total": 1, "strand-1": 1, "strand-2": 0}
    assert figures["A1.intelligence"] == {"total": 0, "strand-1": 0, "strand-2": 0}
    assert figures["A4.sum"] == {"total": 3, "strand-1": 3, "strand-2": 0}  # GCA's other answers still count


def test_it_recounts_a_submitted_response_whose_answer_was_deleted_on_its_page(
    staff_client: Client, wave_4i: Wave, gca: Response
) -> None:
    answer = Answer.objects.get(response=gca, question__code="A1", option__code="intelligence")
    url = reverse("admin:surveys_answer_delete", args=[answer.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    figures = _figures(wave_4i)
    assert figures["A1.respondents"] == {"total": 2, "strand-1": 2, "strand-2": 0}
    assert figures["A1.intelligence"] == {"total": 0, "strand-1": 0, "strand-2": 0}
    assert figures["A1.events_missions"] == {"total": 2, "strand-1": 2, "strand-2": 0}


def test_the_services_delete_responses_and_answers_with_their_counts(wave_4i: Wave, gca: Response) -> None:
    elbe = Response.objects.get(wave=wave_4i, partnership__acronym="ELBE")
    answers_delete(
        answer_ids=list(Answer.objects.filter(response=elbe, question__code="A1").values_list("pk", flat=True))
    )
    assert responses_delete(response_ids=[gca.pk]) == 1
    figures = _figures(wave_4i)
    assert figures["completed"] == {"total": 1, "strand-1": 1, "strand-2": 0}
    assert figures["A1.respondents"] == {"total": 0, "strand-1": 0, "strand-2": 0}
    assert figures["A4.by_partnership"] == {"ELBE": 0}
    assert TalliedResponse.objects.filter(wave=wave_4i).count() == 1


def test_the_check_sees_a_response_deleted_behind_the_services_back(wave_4i: Wave, gca: Response) -> None:
    # A queryset delete from the shell: no service ran, the tallies still hold GCA's answers.
    Response.objects.filter(pk=gca.pk).delete()
    check = tallies_check(wave_ids=[wave_4i.pk])
    assert check.waves == [wave_4i.pk]
    assert _figures(wave_4i) == WITHOUT_GCA  # the report rebuilt the wave's tallies
    assert tallies_check(wave_ids=[wave_4i.pk]).clean


def test_the_check_sees_a_response_deleted_in_sql(wave_4i: Wave, gca: Response) -> None:
    with connection.cursor() as cursor:
        for table in ("reports_talliedresponse", "reports_responsefigure", "reports_namedpartnership"):
            cursor.execute(f"DELETE FROM {table} WHERE response_id = %s", [gca.pk])
        for table in ("surveys_answer", "surveys_repeatrow", "surveys_sectionstate"):
            cursor.execute(f"DELETE FROM {table} WHERE response_id = %s", [gca.pk])
        cursor.execute("DELETE FROM surveys_response WHERE id = %s", [gca.pk])
    assert tallies_check(wave_ids=[wave_4i.pk]).waves == [wave_4i.pk]
    assert _figures(wave_4i) == WITHOUT_GCA
