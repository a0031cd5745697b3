"""The blank questionnaire a coordinator prints from the welcome page (issue 12)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from surveys.models import Response, Wave
from tests.conftest import Persona


def test_the_welcome_page_links_the_printable_blank_questionnaire(client: Client, coordinator: Persona) -> None:
    welcome = client.get(coordinator.url()).content.decode()

    assert f'href="{coordinator.url("blank_copy")}"' in welcome


def test_the_blank_questionnaire_has_every_question_and_room_for_notes(
    client: Client, coordinator: Persona, wave_4i: Wave
) -> None:
    response = client.get(coordinator.url("blank_copy"))

    assert response.status_code == 200
    page = response.content.decode()
    codes = [q.code for q in wave_4i.version.questions.filter(parent__isnull=True)]
    assert codes and all(f'<span class="question-code">{code}</span>' in page for code in codes)
    # One box for notes per question.
    assert page.count('class="blank-notes"') == len(codes)
    assert "GCA" in page
    # Reading it starts nothing.
    assert Response.objects.get(wave=wave_4i, partnership=coordinator.contact.partnership).status == "not_started"


def test_the_blank_questionnaire_needs_a_valid_key(client: Client, coordinator: Persona) -> None:
    assert client.get(reverse("journey:blank_copy", args=["not-a-key"])).status_code == 404


def test_the_staff_printable_gets_notes_only_when_asked(staff_client: Client, wave_4i: Wave) -> None:
    url = reverse("surveys:blank_questionnaire", args=[wave_4i.version.questionnaire.code, wave_4i.version.number])

    assert 'class="blank-notes"' not in staff_client.get(url).content.decode()
    assert 'class="blank-notes"' in staff_client.get(url + "?notes=1").content.decode()
