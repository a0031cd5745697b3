"""Closing a wave early (staff), and what the start page says once a wave is closed (issue 12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from outreach.models import Message
from outreach.services import messages_send
from surveys.exceptions import ResponseClosed
from surveys.models import Response, Wave
from surveys.services.responses import response_save_section
from surveys.services.waves import response_extend, wave_close, wave_extend
from tests.conftest import Persona
from tests.factories import days

OPENED = dt.datetime(2019, 5, 13, 7, 0, tzinfo=dt.UTC)
# Monday 3 June 2019, 10:30 in Brussels (summer time, UTC+2).
CLOSED = dt.datetime(2019, 6, 3, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def wave(wave_4i: Wave) -> Wave:
    Wave.objects.filter(pk=wave_4i.pk).update(opens_at=OPENED)
    wave_4i.refresh_from_db()
    return wave_4i


def response_of(persona: Persona) -> Response:
    return Response.objects.get(wave=persona.invitation.wave, partnership=persona.contact.partnership)


def test_a_closed_wave_takes_no_answers_even_from_a_partnership_with_a_later_deadline(
    wave: Wave, coordinator: Persona
) -> None:
    response = response_of(coordinator)
    Response.objects.filter(pk=response.pk).update(deadline=days(40))

    closed = wave_close(wave=wave, now=CLOSED)

    assert closed.closed_at == CLOSED
    with pytest.raises(ResponseClosed):
        response_save_section(
            response_id=response.pk, section_code="activities", contact=coordinator.contact, values={}, lock_version=0
        )
    assert not Response.objects.get(pk=response.pk).accepts_answers()
    # Before the moment it closed, it did.
    assert Response.objects.get(pk=response.pk).accepts_answers(CLOSED - dt.timedelta(minutes=1))


def test_closing_twice_or_before_the_wave_opens_is_refused_with_a_reason(wave: Wave, coordinator: Persona) -> None:
    with pytest.raises(ValidationError) as early:
        wave_close(wave=wave, now=OPENED - dt.timedelta(days=1))
    wave_close(wave=wave, now=CLOSED)
    with pytest.raises(ValidationError) as twice:
        wave_close(wave=wave)

    assert early.value.messages == [
        "The wave escp-4i-2019 has not opened yet (it opens on 13 May 2019, 09:00 (Brussels time)): "
        "change its dates instead."
    ]
    assert twice.value.messages == [
        "The wave escp-4i-2019 is closed already (since 3 June 2019, 10:30 (Brussels time))."
    ]


def test_the_start_page_of_a_closed_wave_says_it_closed_and_when(
    wave: Wave, coordinator: Persona, client: Client
) -> None:
    assert "This survey closed" not in client.get(coordinator.url()).content.decode()

    wave_close(wave=wave, now=CLOSED)
    page = client.get(coordinator.url()).content.decode()
    section = client.get(coordinator.url("section", "activities"))

    assert "<strong>This survey closed on Monday 3 June 2019, 10:30</strong> (Brussels time)" in page
    assert "Start the questionnaire" not in page
    assert section.status_code == 403
    assert (
        "The Observatory closed this survey on <strong>Monday 3 June 2019, 10:30</strong>" in section.content.decode()
    )


def test_the_start_page_says_when_the_deadline_passed(wave: Wave, coordinator: Persona, client: Client) -> None:
    # 5 June 2019 at midnight UTC is 02:00 in Brussels; the wave has not been closed yet.
    Wave.objects.filter(pk=wave.pk).update(closes_at=dt.datetime(2019, 6, 5, 0, 0, tzinfo=dt.UTC))

    page = client.get(coordinator.url()).content.decode()

    assert "<strong>The deadline passed on Wednesday 5 June 2019, 02:00</strong> (Brussels time)" in page


def test_one_partnership_cannot_be_extended_in_a_wave_closed_early_but_the_wave_can(
    wave: Wave, coordinator: Persona
) -> None:
    wave_close(wave=wave, now=CLOSED)
    wave.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        response_extend(response=response_of(coordinator), deadline=days(30))
    wave_extend(wave=wave, closes_at=days(30))

    assert "was closed early, on 3 June 2019, 10:30 (Brussels time): extend the deadline of the whole wave" in str(
        caught.value
    )
    assert response_of(coordinator).accepts_answers()


def close_url(wave: Wave) -> str:
    return reverse("outreach:wave_close", args=[wave.slug])


def test_staff_close_a_wave_from_its_messages_page_after_a_confirmation(
    wave: Wave, coordinator: Persona, staff_client: Client
) -> None:
    messages_page = staff_client.get(reverse("outreach:wave_messages", args=[wave.slug])).content.decode()
    confirmation = staff_client.get(close_url(wave))
    wave.refresh_from_db()
    assert wave.closed_at is None  # a GET only asks

    done = staff_client.post(close_url(wave))

    assert f'href="{close_url(wave)}"' in messages_page
    assert confirmation.status_code == 200
    assert "Closing it now means" in confirmation.content.decode()
    assert done.status_code == 302 and done["Location"] == reverse("outreach:wave_messages", args=[wave.slug])
    wave.refresh_from_db()
    assert wave.closed_at is not None
    again = staff_client.post(close_url(wave))
    assert "is closed already" in again.content.decode()


def test_closing_needs_the_permission_to_change_waves(wave: Wave) -> None:
    clerk = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    client = Client()
    client.force_login(clerk)

    assert client.get(close_url(wave)).status_code == 403
    assert client.post(close_url(wave)).status_code == 403
    wave.refresh_from_db()
    assert wave.closed_at is None
    clerk.user_permissions.add(Permission.objects.get(codename="change_wave", content_type__app_label="surveys"))
    assert client.post(close_url(wave)).status_code == 302


def test_a_reminder_still_queued_when_the_wave_closes_is_not_sent(wave: Wave, coordinator: Persona) -> None:
    queued = Message.objects.create(
        wave=wave, contact=coordinator.contact, kind="reminder", sequence=1, send_after=CLOSED
    )
    wave_close(wave=wave, now=CLOSED)

    messages_send(message_ids=[queued.pk])

    queued.refresh_from_db()
    assert (queued.status, queued.last_error) == ("cancelled", "The wave was closed before this message went out.")
    assert mail.outbox == []


def test_the_wave_admin_action_leads_to_the_confirmation(wave: Wave, staff_client: Client) -> None:
    response = staff_client.post(
        reverse("admin:surveys_wave_changelist"), {"action": "close_now", "_selected_action": [wave.pk]}
    )

    assert response.status_code == 302 and response["Location"] == close_url(wave)
    wave.refresh_from_db()
    assert wave.closed_at is None
