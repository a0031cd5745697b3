"""A send-back's message on the respondent's pages: the welcome and review pages show the
staff's latest message, escaped, with its date and who sent it, until the answers are
submitted again."""

from __future__ import annotations

import html as html_lib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from surveys.models import Response, Wave
from surveys.services.responses import response_reopen
from surveys.services.review import response_send_back
from tests.conftest import Persona
from tests.factories import StaffFactory
from tests.journey.test_journey_annex_a import response_of
from tests.reports.conftest import give

MESSAGE = "A4 says 3 agreements but only 2 are listed <b>below</b>:\nplease add the third."


@pytest.fixture
def submitted(wave_4i: Wave, coordinator: Persona) -> Response:
    return give(wave_4i, "GCA", {})


def sent_back(response: Response, message: str = MESSAGE) -> Response:
    staff = StaffFactory.create(username="sam", first_name="Sam", last_name="Reviewer")
    return response_send_back(response_id=response.pk, by=staff, message=message)


def test_welcome_and_review_pages_show_the_message_escaped_with_date_and_who(client, coordinator, submitted):
    response = sent_back(submitted)
    event = response.events.get(kind="sent_back")
    when = timezone.localtime(event.at).strftime("%-d %B %Y, %H:%M")
    for url in (coordinator.url(), coordinator.url("review")):
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="sent-back"' in html
        assert f"The Observatory (Sam Reviewer) sent your answers back on {when}" in html
        # The staff's text is escaped, its line breaks kept.
        assert "&lt;b&gt;below&lt;/b&gt;:<br>please add the third." in html
        assert "<b>below</b>" not in html


def test_the_latest_send_back_is_shown(client, coordinator, submitted):
    sent_back(submitted, "First: fix A2")
    give(submitted.wave, "GCA", {})  # submitted again
    sent_back(submitted, "Second: fix A4")
    html = html_lib.unescape(client.get(coordinator.url()).content.decode())
    assert "Second: fix A4" in html and "First: fix A2" not in html


def test_no_message_once_submitted_again_or_reopened_without_one(client, coordinator, submitted):
    sent_back(submitted)
    give(submitted.wave, "GCA", {})  # the answers are submitted again
    assert 'id="sent-back"' not in client.get(coordinator.url()).content.decode()
    # Staff reopen it without a message: the old send-back is not shown again.
    response_reopen(response_id=submitted.pk)
    assert response_of(coordinator).status == Response.Status.DRAFT
    for url in (coordinator.url(), coordinator.url("review")):
        assert 'id="sent-back"' not in client.get(url).content.decode()


def event_queries(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    return html, sum(1 for q in queries.captured_queries if "responseevent" in q["sql"])


def test_only_a_reopened_response_asks_for_its_events(client, coordinator, submitted):
    # A draft never reopened (the usual case) costs no query for a message it cannot have.
    Response.objects.filter(pk=submitted.pk).update(status=Response.Status.DRAFT, submitted_at=None)
    for url in (coordinator.url(), coordinator.url("review")):
        html, asked = event_queries(client, url)
        assert 'id="sent-back"' not in html and asked == 0
    sent_back(give(submitted.wave, "GCA", {}))
    for url in (coordinator.url(), coordinator.url("review")):
        html, asked = event_queries(client, url)
        assert 'id="sent-back"' in html and asked == 1
