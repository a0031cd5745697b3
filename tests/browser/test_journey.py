"""A coordinator completes Annex A in a real browser, on a desktop screen and on a phone.

One story per device, from the invitation link to the confirmation: leave in the middle and
resume in another sitting, tick options and see their boxes appear, add and remove agreement
rows, meet a validation error that keeps what was typed. Every page is screenshotted and
checked with axe-core on the way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db.models import F
from playwright.sync_api import Page, expect

from surveys.models import Answer, RepeatRow, Response
from tests.browser.conftest import Tab
from tests.conftest import Persona

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def response_of(persona: Persona) -> Response:
    return Response.objects.get(wave=persona.invitation.wave, partnership=persona.contact.partnership)


def press(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def heading(page: Page) -> str:
    return page.locator("h1").inner_text()


def assert_fits_the_screen(tab: Tab) -> None:
    # WCAG 1.4.10 (reflow): no sideways scrolling of the page itself on a 390-pixel phone.
    overflow = tab.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{tab.page.url} is {overflow}px wider than the {tab.device} screen"


def fill_respondent(page: Page) -> None:
    page.get_by_label("Name of the person filling in the survey").fill("Ada Coordinator")
    page.get_by_label("Role of the person in the partnership").fill("Cluster manager")
    page.get_by_label("Email address for questions about this survey").fill("ada@gca.example.org")


def fill_activities(tab: Tab) -> None:
    page = tab.page
    events = page.get_by_label("Organisation of events/ missions", exact=True)
    comment = page.get_by_label("Comment on “Organisation of events/ missions” (optional)")
    # The comment box belongs to its option: hidden until the option is ticked.
    expect(comment).to_be_hidden()
    events.check()
    expect(comment).to_be_visible()
    expect(events).to_have_attribute("aria-expanded", "true")
    comment.fill("Two missions to Japan")
    # Ticking and unticking an option shows and hides its box again.
    mentoring = page.get_by_label("SME mentoring", exact=True)
    mentoring_comment = page.get_by_label("Comment on “SME mentoring” (optional)")
    mentoring.check()
    expect(mentoring_comment).to_be_visible()
    mentoring.uncheck()
    expect(mentoring_comment).to_be_hidden()
    page.get_by_label("Intelligence gathering", exact=True).check()
    other = page.locator("#id-A1-other")
    specify = page.locator("#id-A1-other-text")
    expect(specify).to_be_hidden()
    other.check()
    expect(specify).to_be_visible()
    specify.fill("Webinars")
    # A2: the country list is filtered by name.
    finder = page.get_by_label("Find a country")
    finder.fill("japan")
    expect(page.locator("#id-A2-list [data-country-name]:visible")).to_have_count(1)
    page.get_by_label("Japan", exact=True).check()
    finder.fill("chin")
    page.get_by_label("China", exact=True).check()
    finder.fill("")
    expect(page.locator("[data-country-summary]")).to_have_text("Chosen (2): China, Japan")
    tab.check("activities, filled in")


def add_agreements(tab: Tab) -> None:
    page = tab.page
    table = page.locator("#id-A5")
    add = page.get_by_role("button", name="Add an entry to A5")
    expect(table.locator("[data-row]")).to_have_count(0)
    for _ in range(3):
        add.click()
    rows = table.locator("[data-rows] > [data-row]")
    expect(rows).to_have_count(3)
    # The script moves the focus into the new row, to its first field.
    assert tab.focused()["id"] == "id-A5-2-counterpart_type-cluster"
    entries = [
        ("id-A5-0", "cluster", "Osaka cluster", "JP", "2019-01-15"),
        ("id-A5-1", "sme", "Entry to be removed", "KR", ""),
        ("id-A5-2", "university", "Tsinghua University", "CN", "2019-03-04"),
    ]
    for row_id, kind, organisation, country, signed in entries:
        row = page.locator(f"#{row_id}")
        row.locator(f"input[type=radio][value={kind}]").check()
        row.get_by_label("Identification of the organisation").fill(organisation)
        row.get_by_label("Country of the organisation").select_option(country)
        if signed:
            row.get_by_label("Date of signature").fill(signed)
    tab.check("achievements, three agreements")
    page.get_by_role("button", name="Remove entry 2").click()
    expect(rows).to_have_count(2)
    # The rows after the removed one move up: names, ids, labels and numbers follow.
    second = page.locator("#id-A5-1")
    expect(second.get_by_label("Identification of the organisation")).to_have_value("Tsinghua University")
    expect(second.locator("input[name='A5.1.organisation']")).to_have_value("Tsinghua University")
    expect(second.locator("h3")).to_have_text("Entry 2")
    expect(page.get_by_role("button", name="Remove entry 3")).to_have_count(0)
    expect(page.locator("input[name='A5.rows']")).to_have_value("2")


@pytest.mark.parametrize("tab", ["desktop", "phone"], indirect=True)
def test_it_completes_annex_a_from_the_invitation_link_to_the_confirmation(
    tab: Tab, new_tab: Callable[[str, str], Tab], coordinator: Persona
) -> None:
    page = tab.page
    tab.story = "annex-a"
    assert tab.open(coordinator.url()) == 200
    expect(page.locator("h1")).to_have_text("ESCP-4i Progress Survey")
    expect(page.get_by_text("You are answering for")).to_contain_text("GCA")
    tab.check("welcome")
    page.get_by_role("link", name="Start the questionnaire").click()

    expect(page.locator("h1")).to_have_text("About you")
    tab.check("about you")
    fill_respondent(page)
    press(page, "Next")

    expect(page.locator("h1")).to_have_text("Activities implemented")
    tab.check("activities")
    fill_activities(tab)
    assert_fits_the_screen(tab)
    # Leave in the middle of the questionnaire.
    press(page, "Save and continue later")
    expect(page.locator(".messages")).to_contain_text("Your answers are saved.")
    tab.check("welcome after saving")
    assert response_of(coordinator).status == Response.Status.DRAFT

    # Another sitting, another browser: the same link brings back the saved answers.
    first_sitting = tab
    tab = new_tab(tab.device, "annex-a-resumed")
    page = tab.page
    tab.open(coordinator.url())
    expect(page.get_by_text("2 of 6 sections complete.")).to_be_visible()
    page.get_by_role("link", name="Continue where you left off").click()
    expect(page.locator("h1")).to_have_text("Barriers and difficulties")
    press(page, "Back")
    expect(page.locator("h1")).to_have_text("Activities implemented")
    expect(page.get_by_label("Organisation of events/ missions", exact=True)).to_be_checked()
    expect(page.get_by_label("Comment on “Organisation of events/ missions” (optional)")).to_have_value(
        "Two missions to Japan"
    )
    expect(page.locator("#id-A1-other-text")).to_have_value("Webinars")
    expect(page.get_by_label("China", exact=True)).to_be_checked()
    press(page, "Next")

    expect(page.locator("h1")).to_have_text("Barriers and difficulties")
    tab.check("barriers")
    page.get_by_label("Engagement of SMEs in project activities", exact=True).check()
    press(page, "Next")

    expect(page.locator("h1")).to_have_text("Achievements")
    tab.check("achievements")
    a7 = page.locator("#id-A7")
    expect(a7).to_be_hidden()
    add_agreements(tab)
    page.get_by_label("Please indicate the number of cooperation agreements").fill("two")
    page.locator("#id-A6-yes").check()
    # A7 is asked only when A6 is "yes", on the same page.
    expect(a7).to_be_visible()
    page.get_by_role("button", name="Add an entry to A7").click()
    # The partnership choice is a search box (static/js/partnership-picker.js): type, pick a match.
    a7.get_by_role("combobox", name="Other ESCP").fill("elb")
    a7.get_by_role("option", name="ELBE – Partnership ELBE").click()
    expect(a7.locator("#id-A7-0-partnership")).to_have_value("ELBE")
    a7.get_by_label("Purpose of the dialogue/ collaboration").fill("Joint mission to Canada")
    assert_fits_the_screen(tab)
    press(page, "Next")

    # The error is announced and linked to its field; everything typed is still there.
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("“two” is not a number")
    assert page.title().startswith("Error: ")
    tab.check("achievements, validation error")
    number = page.get_by_label("Please indicate the number of cooperation agreements")
    expect(number).to_have_value("two")
    expect(number).to_have_attribute("aria-invalid", "true")
    assert "id-A4-error" in (number.get_attribute("aria-describedby") or "").split()
    summary.get_by_role("link").first.click()
    expect(number).to_be_focused()
    expect(page.locator("#id-A5-1").get_by_label("Identification of the organisation")).to_have_value(
        "Tsinghua University"
    )
    expect(page.locator("#id-A5-1").get_by_label("Country of the organisation")).to_have_value("CN")
    expect(page.locator("#id-A7-0").get_by_label("Purpose of the dialogue/ collaboration")).to_have_value(
        "Joint mission to Canada"
    )
    assert not Answer.objects.filter(response=response_of(coordinator), question__code="A4").exists()
    number.fill("2")
    press(page, "Next")

    expect(page.locator("h1")).to_have_text("Benefits for the members")
    tab.check("benefits")
    agreements = page.locator("#id-A8-partnership_agreements")
    count = page.locator("#id-A8-partnership_agreements-number")
    expect(count).to_be_hidden()
    agreements.check()
    expect(count).to_be_visible()
    count.fill("3")
    press(page, "Next")

    expect(page.locator("h1")).to_have_text("Good practices and comments")
    tab.check("good practices")
    page.get_by_label("Please describe a good practice").fill("Our joint stand at a fair")
    press(page, "Next: review your answers")

    expect(page.locator("h1")).to_have_text("Review your answers")
    expect(page.locator("main")).to_contain_text("Tsinghua University")
    tab.check("review")
    assert_fits_the_screen(tab)
    press(page, "Submit the answers of GCA")

    expect(page.locator("h1")).to_have_text("Thank you: your answers are submitted")
    tab.check("confirmation")
    page.get_by_role("link", name="See and print a copy of your answers").click()
    expect(page.locator("main")).to_contain_text("Two missions to Japan")
    tab.check("copy of the answers")

    response = response_of(coordinator)
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_by == coordinator.contact
    a1 = {
        a.option_code: a
        for a in Answer.objects.filter(response=response, question__code="A1").annotate(option_code=F("option__code"))
    }
    assert set(a1) == {"events_missions", "intelligence", "other"}
    assert a1["events_missions"].comment == "Two missions to Japan"
    assert a1["other"].text == "Webinars"
    rows = list(RepeatRow.objects.filter(response=response, question__code="A5").order_by("position"))
    assert [r.position for r in rows] == [1, 2]
    organisations = [Answer.objects.get(repeat_row=r, question__code="organisation").text for r in rows]
    assert organisations == ["Osaka cluster", "Tsinghua University"]
    assert Answer.objects.get(repeat_row=rows[1], question__code="signed_on").date == dt.date(2019, 3, 4)
    other_escp = Answer.objects.filter(repeat_row__question__code="A7", question__code="partnership")
    assert list(other_escp.values_list("partnership__acronym", flat=True)) == ["ELBE"]
    assert Answer.objects.get(response=response, question__code="A8").number == Decimal(3)
    first_sitting.assert_accessible()
    tab.assert_accessible()
