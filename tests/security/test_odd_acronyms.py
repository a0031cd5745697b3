"""Partnerships already registered with a `/` (or other URL characters) in their acronym:
the wave's messages page, the response admin and the extension page still work."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from surveys.models import Questionnaire, Response, Wave
from surveys.services.waves import wave_open
from tests.factories import ContactFactory, PartnershipFactory, days

ODD = ["AB/CD", "E%F", "G?H#I", "J\\K"]


@pytest.fixture
def odd_wave(questionnaires: dict[str, Questionnaire]) -> Wave:
    for acronym in ODD:
        partnership = PartnershipFactory.create(acronym=acronym, group="strand-1")
        ContactFactory.create(partnership=partnership)
    version = questionnaires["escp-4i-progress"].latest_version()
    assert version is not None
    return wave_open(version=version, slug="odd-2019", opens_at=days(-1), closes_at=days(20))


def test_the_messages_page_links_each_partnerships_extension(staff_client: Client, odd_wave: Wave) -> None:
    response = staff_client.get(reverse("outreach:wave_messages", args=[odd_wave.slug]))
    assert response.status_code == 200
    for acronym in ODD:
        url = reverse("outreach:response_extend", args=[odd_wave.slug, acronym])
        assert url in response.content.decode()
        page = staff_client.get(url)
        assert page.status_code == 200, acronym
        assert page.context["response"].partnership.acronym == acronym


def test_the_response_admin_shows_them(staff_client: Client, odd_wave: Wave) -> None:
    assert staff_client.get(reverse("admin:surveys_response_changelist")).status_code == 200
    for response in Response.objects.filter(wave=odd_wave):
        page = staff_client.get(reverse("admin:surveys_response_change", args=[response.pk]))
        assert page.status_code == 200, response.partnership.acronym


def test_a_deadline_is_extended_for_a_slashed_acronym(staff_client: Client, odd_wave: Wave) -> None:
    url = reverse("outreach:response_extend", args=[odd_wave.slug, "AB/CD"])
    answer = staff_client.post(url, {"date": days(30).date().isoformat(), "time": "18:00"})
    assert answer.status_code == 302, answer.content.decode()[:500]
    response = Response.objects.get(wave=odd_wave, partnership__acronym="AB/CD")
    assert response.deadline is not None
    assert Response.objects.filter(wave=odd_wave, deadline__isnull=False).count() == 1
