"""Confirmed collaborations through the respondent's pages (issue 15 item 3): ELBE's contact
sees that GCA says they collaborate, and confirms, declines or comments, apart from ELBE's
own answers."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from surveys.models import Answer, CollaborationConfirmation, Response, Wave
from surveys.values import Choice, PartnershipValue
from tests.conftest import Persona
from tests.factories import days
from tests.journey.test_journey_annex_a import response_of
from tests.reports.conftest import give


@pytest.fixture
def gca(wave_4i: Wave) -> Response:
    """GCA submitted answers naming ELBE, with a purpose that is markup."""
    return give(
        wave_4i,
        "GCA",
        {
            "A6": Choice("yes"),
            "A7": [{"partnership": PartnershipValue("ELBE"), "purpose": "<b>Joint</b> mission"}],
        },
    )


def answer(client: Client, persona: Persona, claimant: Response, status: str, comment: str = ""):
    return client.post(
        persona.url("collaborations"), {"claimant": str(claimant.pk), "status": status, "comment": comment}
    )


def test_the_welcome_page_says_who_names_us_and_links_to_the_answers(client, outsider, gca):
    html = client.get(outsider.url()).content.decode()
    assert 'id="claims"' in html
    assert (
        "GCA (Partnership GCA) says you collaborate on &lt;b&gt;Joint&lt;/b&gt; mission: <strong>waiting for your answer</strong>"
        in html
    )
    assert f'href="{outsider.url("collaborations")}"' in html


def test_nobody_names_gca_so_its_welcome_page_has_no_card(client, coordinator, gca):
    assert 'id="claims"' not in client.get(coordinator.url()).content.decode()
    page = client.get(coordinator.url("collaborations")).content.decode()
    assert 'id="collaborations-none"' in page


def test_confirm_then_decline_from_the_page(client, outsider, gca):
    page = client.get(outsider.url("collaborations"))
    assert page.status_code == 200
    html = page.content.decode()
    # Escaped, in a form with its legend and labelled choices.
    assert "<li>&lt;b&gt;Joint&lt;/b&gt; mission</li>" in html
    assert '<legend class="h6">Do you collaborate with GCA?</legend>' in html
    assert f'<label class="form-check-label" for="claim-{gca.pk}-confirmed">Yes, we collaborate</label>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    # A GET changes nothing.
    assert not CollaborationConfirmation.objects.exists()
    elbe = response_of(outsider)
    answers_before = Answer.objects.filter(response=elbe).count()

    saved = answer(client, outsider, gca, "confirmed", "Since <2018>")
    assert saved.status_code == 302
    assert saved["Location"] == outsider.url("collaborations") + f"#claim-{gca.pk}"
    row = CollaborationConfirmation.objects.get()
    assert (row.response_id, row.claimant_id, row.status, row.comment) == (elbe.pk, gca.pk, "confirmed", "Since <2018>")
    assert row.answered_by == outsider.contact
    html = client.get(outsider.url("collaborations")).content.decode()
    assert "Your answer is saved: confirmed." in html
    assert f'value="confirmed" id="claim-{gca.pk}-confirmed" checked' in html
    assert "Since &lt;2018&gt;</textarea>" in html

    answer(client, outsider, gca, "declined")
    row.refresh_from_db()
    assert (row.status, row.comment) == ("declined", "")
    assert "declined" in client.get(outsider.url()).content.decode()
    # Kept apart from ELBE's answers, which stay as they were (not started).
    assert Answer.objects.filter(response=elbe).count() == answers_before
    assert response_of(outsider).status == Response.Status.NOT_STARTED


def test_a_claim_nobody_makes_is_refused_with_a_message(client, outsider, coordinator, gca):
    page = answer(client, outsider, response_of(outsider), "confirmed")
    assert page["Location"] == outsider.url("collaborations")
    assert "could not be saved" in client.get(page["Location"]).content.decode()
    client.post(outsider.url("collaborations"), {"claimant": "x", "status": "confirmed"})
    assert not CollaborationConfirmation.objects.exists()


def test_after_the_deadline_the_answers_are_shown_and_not_taken(client, outsider, gca):
    answer(client, outsider, gca, "confirmed", "Yes")
    with time_machine.travel(days(21)):
        html = client.get(outsider.url("collaborations")).content.decode()
        assert 'id="collaborations-closed"' in html
        assert not re.search(r"<form[^>]+collaborations", html)
        assert answer(client, outsider, gca, "declined").status_code == 403
    assert CollaborationConfirmation.objects.get().status == "confirmed"


def test_the_post_needs_the_pages_csrf_token(outsider, gca):
    strict = Client(enforce_csrf_checks=True)
    assert answer(strict, outsider, gca, "confirmed").status_code == 403
    assert not CollaborationConfirmation.objects.exists()


def test_an_unknown_link_is_refused(client, gca):
    assert client.get("/r/not-a-key/collaborations/").status_code == 404


def test_the_review_page_has_the_claims_card_too(client, outsider, coordinator, gca):
    html = client.get(outsider.url("review")).content.decode()
    assert 'id="claims"' in html
    assert "GCA (Partnership GCA) says you collaborate on &lt;b&gt;Joint&lt;/b&gt; mission" in html
    assert f'href="{outsider.url("collaborations")}"' in html
    answer(client, outsider, gca, "confirmed")
    assert "<strong>confirmed</strong>" in client.get(outsider.url("review")).content.decode()
    # Nobody names GCA: no card on its review page.
    assert 'id="claims"' not in client.get(coordinator.url("review")).content.decode()
