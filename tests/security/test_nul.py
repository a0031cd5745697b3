"""A NUL character anywhere in a request is an error message, never a 500 (PostgreSQL
refuses NUL in any text it is sent)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from surveys.models import Partnership, Wave

NUL = "%00"


@pytest.mark.django_db
def test_addresses_with_a_nul_answer_400(staff_client: Client, wave_4i: Wave) -> None:
    urls = [
        reverse("admin:surveys_partnership_changelist") + f"?q=GC{NUL}A",
        reverse("admin:surveys_contact_changelist") + f"?q={NUL}",
        reverse("admin:surveys_response_changelist") + f"?q={NUL}&status__exact=draft",
        reverse("admin:surveys_answer_changelist") + f"?q=x{NUL}",
        reverse("admin:surveys_invitation_changelist") + f"?q={NUL}",
        reverse("admin:outreach_message_changelist") + f"?q={NUL}",
        reverse("admin:surveys_partnership_changelist") + f"?programme__exact=escp{NUL}",
        reverse("admin:surveys_response_changelist") + f"?partnership__group={NUL}",
        reverse("reports:comments", args=[wave_4i.slug]) + f"?group={NUL}&question=A1{NUL}",
        f"/staff/outreach/{wave_4i.slug}/partnerships/GC{NUL}A/extend/",
        f"/r/abc{NUL}def/",
        f"/admin/surveys/partnership/1{NUL}/change/",
    ]
    for url in urls:
        response = staff_client.get(url)
        assert response.status_code == 400, url
        assert "NUL character" in response.content.decode()


@pytest.mark.django_db
def test_a_nul_typed_into_an_admin_form_is_refused_at_the_field(staff_client: Client, wave_4i: Wave) -> None:
    gca = Partnership.objects.get(acronym="GCA")
    response = staff_client.post(
        reverse("admin:surveys_partnership_change", args=[gca.pk]),
        {
            "acronym": "GCA",
            "name": "Global\x00Cluster",
            "programme": "escp-4i",
            "group": "strand-1",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    gca.refresh_from_db()
    assert "\x00" not in gca.name
