"""The response admin's review actions: a confirmation page first, then the change; the history on the page."""

from __future__ import annotations

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outreach.models import Message
from surveys.models import Response, ResponseEvent
from tests.conftest import Persona
from tests.factories import StaffFactory
from tests.journey.test_journey_saving import RESPONDENT, post, response_of

CHANGELIST = reverse("admin:surveys_response_changelist")


def submitted(response: Response) -> None:
    # The 4i questionnaire needs every section for a real submission; the review needs only the status.
    Response.objects.filter(pk=response.pk).update(status=Response.Status.SUBMITTED, submitted_at=timezone.now())


def superuser_client() -> Client:
    client = Client()
    client.force_login(StaffFactory.create(username="sam", is_superuser=True))
    return client


def test_send_back_asks_first_then_reopens_and_the_page_shows_the_history(
    client: Client, coordinator: Persona, django_capture_on_commit_callbacks: object
) -> None:
    post(client, coordinator, "respondent", RESPONDENT)
    response = response_of(coordinator)
    submitted(response)
    staff = superuser_client()
    chosen = {"action": "send_back", ACTION_CHECKBOX_NAME: [str(response.pk)]}

    page = staff.post(CHANGELIST, chosen)
    assert page.status_code == 200 and b"Send these responses back?" in page.content
    assert response_of(coordinator).status == Response.Status.SUBMITTED

    empty = staff.post(CHANGELIST, {**chosen, "confirmed": "yes", "message": ""})
    assert b"This field is required." in empty.content
    assert response_of(coordinator).status == Response.Status.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        done = staff.post(CHANGELIST, {**chosen, "confirmed": "yes", "message": "R2: <give> your role"})
    assert done.status_code == 302
    assert response_of(coordinator).status == Response.Status.DRAFT
    assert [e.kind for e in ResponseEvent.objects.filter(response=response)] == ["sent_back"]
    # Queued for the contacts (sent by Celery: tests/outreach/test_send_back.py reads the email).
    assert Message.objects.filter(kind="sent_back", review__message="R2: <give> your role").exists()

    change = staff.get(reverse("admin:surveys_response_change", args=[response.pk]))
    html = change.content.decode()
    assert "R2: &lt;give&gt; your role" in html and "<give>" not in html
    assert "Ada Coordinator" in html and "Sent back by staff" in html and "Journey" in html


def test_mark_checked_asks_first(client: Client, coordinator: Persona) -> None:
    post(client, coordinator, "respondent", RESPONDENT)
    response = response_of(coordinator)
    submitted(response)
    staff = superuser_client()
    chosen = {"action": "mark_checked", ACTION_CHECKBOX_NAME: [str(response.pk)]}

    assert b"Mark these responses checked?" in staff.post(CHANGELIST, chosen).content
    assert not ResponseEvent.objects.filter(kind="checked").exists()

    staff.post(CHANGELIST, {**chosen, "confirmed": "yes"})
    assert ResponseEvent.objects.filter(response=response, kind="checked").count() == 1
