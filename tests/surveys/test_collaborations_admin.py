"""The collaboration answers in the engine's admin: staff read them, nobody adds, changes or
deletes them (they come from the named partnership's journey)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys.models import CollaborationConfirmation, Response, Wave
from surveys.permissions import ANALYST, SURVEY_MANAGER
from tests.conftest import Persona
from tests.factories import StaffFactory

CHANGELIST = reverse("admin:surveys_collaborationconfirmation_changelist")


def confirmation(wave: Wave, outsider: Persona) -> CollaborationConfirmation:
    return CollaborationConfirmation.objects.create(
        response=Response.objects.get(wave=wave, partnership__acronym="ELBE"),
        claimant=Response.objects.get(wave=wave, partnership__acronym="GCA"),
        status=CollaborationConfirmation.Status.DECLINED,
        comment="Not <b>since</b> 2017",
        answered_by=outsider.contact,
        answered_at=timezone.now(),
    )


def client_of(role: str) -> Client:
    from surveys.permissions import roles_sync

    roles_sync()
    user = StaffFactory.create(username=role.lower().replace(" ", "-"), is_superuser=False)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_both_partnerships_the_answer_and_who(wave_4i, outsider):
    row = confirmation(wave_4i, outsider)
    client = client_of(SURVEY_MANAGER)
    html = client.get(CHANGELIST).content.decode()
    for text in ("escp-4i-2019", "GCA", "ELBE", "Declined", "Not &lt;b&gt;since&lt;/b&gt; 2017", "Cleo Outsider"):
        assert text in html, text
    assert "<b>since</b>" not in html
    # Filters by wave and status, search by either acronym.
    # (the admin refuses a filter it does not offer with a redirect to ?e=1)
    by_wave = client.get(CHANGELIST, {"response__wave__id__exact": wave_4i.pk})
    assert by_wave.status_code == 200 and "Cleo Outsider" in by_wave.content.decode()
    by_status = client.get(CHANGELIST, {"status__exact": "confirmed"})
    assert by_status.status_code == 200 and "Cleo Outsider" not in by_status.content.decode()
    assert "GCA" in client.get(CHANGELIST, {"q": "GCA"}).content.decode()
    assert "Cleo Outsider" not in client.get(CHANGELIST, {"q": "EC2i"}).content.decode()
    assert "Cleo Outsider" in client.get(CHANGELIST, {"q": "elbe"}).content.decode()
    # Read only: the page shows the answer, and offers neither add, change nor delete.
    page = client.get(reverse("admin:surveys_collaborationconfirmation_change", args=[row.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:surveys_collaborationconfirmation_add")).status_code == 403
    assert client.get(reverse("admin:surveys_collaborationconfirmation_delete", args=[row.pk])).status_code == 403
    assert "delete_selected" not in html


def test_the_analyst_does_not_see_them(wave_4i, outsider):
    # The list names the answering contact: the analyst role has no contacts.
    confirmation(wave_4i, outsider)
    assert client_of(ANALYST).get(CHANGELIST).status_code == 403
