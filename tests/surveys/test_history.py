"""The audit trail of answers (issue 15 item 6): one entry per changed question and save,
old and new value as text, who and from where; one INSERT per save."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from surveys.definition.structure import structure_for
from surveys.models import AnswerChange, Response
from surveys.services.responses import response_save_section
from surveys.values import Choice, load_values
from tests.conftest import Persona
from tests.journey.test_journey_saving import ACHIEVEMENTS, RESPONDENT, lock_of, post, response_of


def changes(response: Response) -> list[tuple[str, str, str, str]]:
    return [
        (c.source, c.question_code, c.old_value, c.new_value)
        for c in AnswerChange.objects.filter(response=response).order_by("pk")
    ]


def test_a_journey_save_records_old_and_new_value_of_each_changed_question(
    client: Client, coordinator: Persona
) -> None:
    post(client, coordinator, "respondent", RESPONDENT)
    post(client, coordinator, "respondent", {**RESPONDENT, "R1": "Ada Lovelace", "R2": ""})

    response = response_of(coordinator)
    assert changes(response) == [
        ("journey", "R1", "", "Ada Coordinator"),
        ("journey", "R2", "", "Cluster manager"),
        ("journey", "R3", "", "ada@gca.example.org"),
        # The second save: R3 unchanged, so no entry for it.
        ("journey", "R1", "Ada Coordinator", "Ada Lovelace"),
        ("journey", "R2", "Cluster manager", ""),
    ]
    entry = AnswerChange.objects.filter(response=response).last()
    assert entry is not None
    assert entry.by_contact == coordinator.contact and entry.by_user is None


def test_a_table_and_a_choice_are_written_as_a_person_reads_them(client: Client, coordinator: Persona) -> None:
    post(client, coordinator, "achievements", ACHIEVEMENTS)
    post(client, coordinator, "achievements", {**ACHIEVEMENTS, "A5.1.organisation": "Peking University"})

    assert changes(response_of(coordinator)) == [
        ("journey", "A4", "", "2"),
        (
            "journey",
            "A5",
            "",
            "1. counterpart_type: Cluster organisation or business network; organisation: Osaka cluster; country: JP\n"
            "2. counterpart_type: University; organisation: Tsinghua University; country: CN",
        ),
        ("journey", "A6", "", "Yes"),
        ("journey", "A7", "", "1. partnership: ELBE; purpose: Joint mission"),
        (
            "journey",
            "A5",
            "1. counterpart_type: Cluster organisation or business network; organisation: Osaka cluster; country: JP\n"
            "2. counterpart_type: University; organisation: Tsinghua University; country: CN",
            "1. counterpart_type: Cluster organisation or business network; organisation: Osaka cluster; country: JP\n"
            "2. counterpart_type: University; organisation: Peking University; country: CN",
        ),
    ]


def test_hiding_a_table_records_its_removal(client: Client, coordinator: Persona) -> None:
    post(client, coordinator, "achievements", ACHIEVEMENTS)
    AnswerChange.objects.all().delete()

    response = response_of(coordinator)
    values = load_values(response, structure_for(response.wave.version))
    response_save_section(
        response_id=response.pk,
        section_code="achievements",
        contact=coordinator.contact,
        values={**values, "A6": Choice(option="no")},
        lock_version=lock_of(coordinator, "achievements"),
    )

    assert changes(response) == [
        ("journey", "A6", "Yes", "No"),
        ("journey", "A7", "1. partnership: ELBE; purpose: Joint mission", ""),
    ]


def test_a_save_writes_the_history_with_one_insert(client: Client, coordinator: Persona) -> None:
    post(client, coordinator, "respondent", RESPONDENT)
    response = response_of(coordinator)

    with CaptureQueriesContext(connection) as queries:
        response_save_section(
            response_id=response.pk,
            section_code="respondent",
            contact=coordinator.contact,
            values={"R1": "Ada Lovelace", "R2": "Manager", "R3": "ada@gca.example.org"},
            lock_version=lock_of(coordinator, "respondent"),
        )

    history = [q["sql"] for q in queries.captured_queries if "surveys_answerchange" in q["sql"]]
    assert len(history) == 1 and history[0].startswith("INSERT")
    assert [c[1:] for c in changes(response)][-2:] == [
        ("R1", "Ada Coordinator", "Ada Lovelace"),
        ("R2", "Cluster manager", "Manager"),
    ]


def test_a_save_that_changes_nothing_writes_no_history(client: Client, coordinator: Persona) -> None:
    post(client, coordinator, "respondent", RESPONDENT)
    post(client, coordinator, "respondent", RESPONDENT)

    assert len(changes(response_of(coordinator))) == 3


def test_deletions_in_the_admin_are_recorded_by_the_staff_user(client: Client, coordinator: Persona) -> None:
    from django.urls import reverse

    from surveys.models import Answer
    from tests.factories import StaffFactory

    post(client, coordinator, "respondent", RESPONDENT)
    response = response_of(coordinator)
    staff = StaffFactory.create(username="cleaner")
    client.force_login(staff)
    answer = Answer.objects.get(response=response, question__code="R2")
    page = client.post(reverse("admin:surveys_answer_delete", args=[answer.pk]), {"post": "yes"})
    assert page.status_code == 302
    page = client.post(reverse("admin:surveys_response_delete", args=[response.pk]), {"post": "yes"})
    assert page.status_code == 302
    assert not Response.objects.filter(pk=response.pk).exists()

    # By hand: R2 alone, then what was left (R1, R3); the entries outlive the response.
    entries = AnswerChange.objects.filter(source="admin_delete").order_by("pk")
    assert [(c.question_code, c.old_value, c.new_value, c.author, c.response_id) for c in entries] == [
        ("R2", "Cluster manager", "", "cleaner (staff)", None),
        ("R1", "Ada Coordinator", "", "cleaner (staff)", None),
        ("R3", "ada@gca.example.org", "", "cleaner (staff)", None),
    ]
    assert AnswerChange.objects.filter(source="journey", response__isnull=True).count() == 3
