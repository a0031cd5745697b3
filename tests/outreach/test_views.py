"""The staff pages of a wave's messages, the admin actions and the commands."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from outreach.models import DeadlineExtension, Message
from outreach.services import invitations_send
from surveys.models import Contact, Response, Wave
from surveys.services.responses import response_submit

from .conftest import CLOSES


def url(name: str, *args: str) -> str:
    return reverse(f"outreach:{name}", args=args)


@pytest.fixture
def respondent_client(db: None) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_user("someone", password="x"))
    return client


def test_it_shows_staff_the_counts_of_a_waves_messages(
    wave: Wave, staff_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=wave)

    response = staff_client.get(url("wave_messages", "tiny-2019"))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<td class="num" data-count="invitation:sent">3</td>' in page
    assert '<td class="num" data-total="queued">0</td>' in page
    assert "5 June 2019, end of the day (Brussels time)" in page


def test_it_gives_the_counts_as_json_for_the_live_page(
    wave: Wave, people: dict[str, Contact], staff_client: Client
) -> None:
    Message.objects.create(wave=wave, contact=people["ada"], kind="invitation", send_after=wave.opens_at)
    Message.objects.create(
        wave=wave,
        contact=people["ben"],
        kind="invitation",
        send_after=wave.opens_at,
        status="failed",
        attempts=1,
        last_error="Recipient refused: 550",
    )

    data = staff_client.get(url("wave_messages_status", "tiny-2019")).json()

    assert data["counts"]["invitation"] == {"queued": 1, "sending": 0, "sent": 0, "failed": 1, "cancelled": 0}
    assert data["pending"] == 1
    assert [(p["email"], p["error"]) for p in data["problems"]] == [("ben@gca.example.org", "Recipient refused: 550")]


@pytest.mark.parametrize("name", ["wave_messages", "wave_messages_status", "wave_extend"])
def test_it_sends_anyone_not_staff_to_the_login(wave: Wave, respondent_client: Client, name: str) -> None:
    response = respondent_client.get(url(name, "tiny-2019"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_it_answers_404_for_an_unknown_wave(db: None, staff_client: Client) -> None:
    assert staff_client.get(url("wave_messages", "nope")).status_code == 404


def test_it_sends_invitations_from_the_page_on_post_only(
    wave: Wave, staff_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    assert staff_client.get(url("wave_send_invitations", "tiny-2019")).status_code == 405

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url("wave_send_invitations", "tiny-2019"), follow=True)

    assert "3 invitations queued for tiny-2019." in response.content.decode()
    assert len(mail.outbox) == 3


def test_it_extends_the_wave_from_a_form_in_brussels_time(wave: Wave, staff_client: Client) -> None:
    response = staff_client.post(url("wave_extend", "tiny-2019"), {"date": "2019-06-12", "time": "17:00"})

    assert response.status_code == 302
    wave.refresh_from_db()
    assert wave.closes_at.isoformat() == "2019-06-12T15:00:00+00:00"
    extension = DeadlineExtension.objects.get()
    assert extension.created_by is not None and extension.created_by.username == "staff"


def test_it_shows_a_refused_deadline_next_to_the_date(wave: Wave, staff_client: Client) -> None:
    response = staff_client.post(url("wave_extend", "tiny-2019"), {"date": "2019-06-01"})

    assert response.status_code == 200
    assert response.context["form"].errors["date"] == [
        "The new deadline must be later than the current one (5 June 2019, end of the day (Brussels time))."
    ]
    wave.refresh_from_db()
    assert wave.closes_at == CLOSES


def test_it_extends_one_partnership_by_its_acronym(wave: Wave, staff_client: Client) -> None:
    response = staff_client.post(url("response_extend", "tiny-2019", "ELBE"), {"date": "2019-06-07"})

    assert response.status_code == 302
    elbe = Response.objects.get(wave=wave, partnership__acronym="ELBE")
    assert elbe.deadline is not None and elbe.deadline.isoformat() == "2019-06-07T22:00:00+00:00"


def test_it_sends_invitations_with_the_wave_admin_action(
    wave: Wave, staff_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:surveys_wave_changelist"), {"action": "send_invitations", "_selected_action": [wave.pk]}
        )

    assert response.status_code == 302
    assert response["Location"] == url("wave_messages", "tiny-2019")
    assert len(mail.outbox) == 3


def test_it_reopens_a_response_with_the_admin_action(
    wave: Wave, people: dict[str, Contact], staff_client: Client
) -> None:
    gca = Response.objects.get(wave=wave, partnership__acronym="GCA")
    response_submit(response_id=gca.pk, contact=people["ada"])

    staff_client.post(
        reverse("admin:surveys_response_changelist"), {"action": "reopen_responses", "_selected_action": [gca.pk]}
    )

    gca.refresh_from_db()
    assert gca.status == "draft"


def test_it_links_the_wave_admin_page_to_its_messages(wave: Wave, staff_client: Client) -> None:
    page = staff_client.get(reverse("admin:surveys_wave_change", args=[wave.pk])).content.decode()

    assert url("wave_messages", "tiny-2019") in page


def test_the_commands_send_invitations_then_nothing_new(wave: Wave, django_capture_on_commit_callbacks: Any) -> None:
    out = StringIO()
    for command in ("send_invitations", "send_invitations", "send_reminders"):
        with django_capture_on_commit_callbacks(execute=True):
            call_command(command, "--wave", "tiny-2019", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "tiny-2019: 3 invitations queued; 0 contacts were invited already."
    assert lines[2] == "tiny-2019: 0 invitations queued; 3 contacts were invited already."
    assert lines[4] == "tiny-2019: 0 reminders queued; 3 contacts skipped (contacted less than a day ago)."
    assert len(mail.outbox) == 3


def test_the_commands_name_the_known_waves_for_an_unknown_slug(wave: Wave) -> None:
    with pytest.raises(CommandError, match=r"No wave 'tiny'\. Known waves: tiny-2019"):
        call_command("send_reminders", "--wave", "tiny")
