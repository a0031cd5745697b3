"""Confirmed collaborations in a real browser (issue 15 item 3): ELBE's contact finds on the
start page that GCA says they collaborate, confirms with a comment, then declines; the page
passes axe-core. The server's side is in tests/journey/test_journey_collaborations.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from surveys.models import CollaborationConfirmation, Response, Wave
from surveys.values import Choice, PartnershipValue
from tests.browser.conftest import Tab
from tests.conftest import Persona
from tests.reports.conftest import give

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def gca(wave_4i: Wave) -> Response:
    return give(
        wave_4i,
        "GCA",
        {"A6": Choice("yes"), "A7": [{"partnership": PartnershipValue("ELBE"), "purpose": "Joint mission to Osaka"}]},
    )


def test_confirm_then_decline_a_collaboration(desktop: Tab, outsider: Persona, gca: Response) -> None:
    page = desktop.page
    desktop.open(outsider.url())
    claims = page.get_by_role("region", name="Collaborations to confirm")
    expect(claims).to_contain_text("says you collaborate on Joint mission to Osaka: waiting for your answer")
    desktop.check("welcome with a collaboration to confirm")
    claims.get_by_role("link", name="Confirm, decline or comment").click()

    expect(page.locator("h1")).to_have_text("Collaborations to confirm")
    claim = page.get_by_role("region", name="GCA (Partnership GCA) says you collaborate on:")
    expect(claim.get_by_role("group", name="Do you collaborate with GCA?")).to_be_visible()
    desktop.check("collaborations to confirm")
    claim.get_by_label("Yes, we collaborate").check()
    claim.get_by_label("Comment (optional)").fill("Since the 2018 mission")
    claim.get_by_role("button", name="Save the answer about GCA").click()
    expect(page.get_by_role("status")).to_contain_text("Your answer is saved: confirmed.")
    row = CollaborationConfirmation.objects.get()
    assert (row.status, row.comment, row.answered_by_id) == ("confirmed", "Since the 2018 mission", outsider.contact.pk)
    desktop.check("collaboration confirmed")

    claim = page.get_by_role("region", name="GCA (Partnership GCA) says you collaborate on:")
    expect(claim.get_by_label("Comment (optional)")).to_have_value("Since the 2018 mission")
    claim.get_by_label("No, we do not collaborate").check()
    claim.get_by_label("Comment (optional)").fill("")
    claim.get_by_role("button", name="Save the answer about GCA").click()
    expect(page.get_by_role("status")).to_contain_text("Your answer is saved: declined.")
    row.refresh_from_db()
    assert (row.status, row.comment) == ("declined", "")
    desktop.check("collaboration declined")
    desktop.assert_accessible()
