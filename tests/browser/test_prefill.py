"""Starting from last year's answers in a real browser (issue 15): GCA answered the previous
wave (the demo's answers); its coordinator starts from them, sees last year's value beside
an answer they change, keeps a section with "No change since last year", confirms, ends and
adds agreements in the carried table, reviews and submits. Every page passes axe-core. The
server's side is in tests/journey/test_journey_previous_values.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from surveys.models import Answer, Contact, RepeatRow, Response, SectionState
from surveys.services.waves import wave_open
from tests.browser.conftest import Tab
from tests.conftest import Persona, make_persona
from tests.factories import days
from tests.journey.test_journey_previous_values import demo_answers
from tests.reports.conftest import give

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def ada(questionnaires, register_4i: dict[str, Contact]) -> Persona:
    version = questionnaires["escp-4i-progress"].latest_version()
    previous = wave_open(version=version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-300))
    current = wave_open(version=version, slug="escp-4i-2019", opens_at=days(-1), closes_at=days(20), previous=previous)
    # The demo's answers, with a plain role (the escaped one is the test client's concern).
    give(previous, "GCA", demo_answers(version) | {"R2": "Cluster manager"})
    return make_persona(current, register_4i["coordinator"])


def test_start_from_last_years_answers_change_keep_confirm_end_add_and_submit(desktop: Tab, ada: Persona) -> None:
    page = desktop.page
    desktop.open(ada.url())
    offer = page.get_by_role("region", name="Your partnership answered the previous survey")
    expect(offer).to_be_visible()
    desktop.check("welcome with last year's answers to start from")
    offer.get_by_role("button", name="Start from last year's answers").click()
    expect(page.locator(".messages")).to_contain_text("were copied from the previous survey")
    desktop.check("welcome after the copy")
    page.get_by_role("link", name="Continue where you left off").click()

    # About you: last year's answers, nothing differs yet.
    expect(page.locator("h1")).to_have_text("About you")
    card = page.get_by_role("region", name="Last year's answers")
    expect(card).to_contain_text("The answers of this section are those of last year.")
    role = page.get_by_label("Role of the person in the partnership")
    expect(role).to_have_value("Cluster manager")
    expect(page.locator(".previous-value")).to_have_count(0)
    desktop.check("about you, as last year")
    # Change one answer; Enter saves and stays: last year's value is now beside it.
    role.fill("Project manager")
    role.press("Enter")
    expect(page.locator("#id-R2-previous")).to_have_text("Last year: Cluster manager")
    expect(role).to_have_value("Project manager")
    assert (role.get_attribute("aria-describedby") or "").split() == ["id-R2-previous"]
    expect(page.locator(".previous-value")).to_have_count(1)
    expect(card).to_contain_text("1 answer on this page differs from what your partnership gave last year")
    card.get_by_role("link", name="R2").click()
    expect(page).to_have_url(desktop.url(ada.url("section", "respondent")) + "#id-R2")
    desktop.check("about you, changed, with last year's value")
    page.get_by_role("button", name="Next", exact=True).click()

    # Activities: kept as last year with one press.
    expect(page.locator("h1")).to_have_text("Activities implemented")
    desktop.check("activities, as last year")
    page.get_by_role("button", name="No change since last year: save this section with last year's answers").click()
    expect(page.locator("h1")).to_have_text("Barriers and difficulties")
    desktop.check("barriers")
    page.get_by_role("button", name="Next", exact=True).click()

    # Achievements: the five agreements of last year arrive carried.
    expect(page.locator("h1")).to_have_text("Achievements")
    table = page.locator("#id-A5")
    rows = table.locator("[data-rows] > [data-row]")
    expect(rows).to_have_count(5)
    expect(table.get_by_text("from last year", exact=True)).to_have_count(5)
    desktop.check("achievements, five carried agreements")
    page.get_by_role("group", name="Is entry 1 (from last year) still current?").get_by_label("Still current").check()
    page.get_by_role("group", name="Is entry 2 (from last year) still current?").get_by_label("Ended").check()
    page.get_by_role("button", name="Add an entry to A5").click()
    expect(rows).to_have_count(6)
    new = page.locator("#id-A5-5")
    expect(new.get_by_text("new since last year")).to_be_visible()
    new.locator("input[type=radio][value=sme]").check()
    new.get_by_label("Identification of the organisation").fill("Kyoto Robotics")
    new.get_by_label("Country of the organisation").select_option("JP")
    # Entry 1 under its full name now: Enter saves and stays, last year's name beside it.
    first = page.locator("#id-A5-0").get_by_label("Identification of the organisation")
    first.fill("Polytechnic University of Buenos Aires")
    first.press("Enter")
    expect(page.locator("#id-A5-0-organisation-previous")).to_have_text("Last year: Polytechnic University")
    assert (first.get_attribute("aria-describedby") or "").split() == ["id-A5-0-organisation-previous"]
    # The table has a row more than last year: its count of last year is said once, above.
    expect(page.locator("#id-A5-previous")).to_have_text("Last year: 5 entries")
    expect(table.locator(".previous-value")).to_have_count(2)
    expect(page.locator("#id-A5-1-status-ended")).to_be_checked()
    expect(page.locator("#id-A5-5").get_by_label("Identification of the organisation")).to_have_value("Kyoto Robotics")
    desktop.check("achievements, one confirmed and renamed, one ended, one added")
    # Four current agreements carried or confirmed plus the new one: A4 stays 5.
    expect(page.get_by_label("Please indicate the number of cooperation agreements")).to_have_value("5")
    page.get_by_role("button", name="Next", exact=True).click()

    expect(page.locator("h1")).to_have_text("Benefits for the members")
    desktop.check("benefits")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator("h1")).to_have_text("Good practices and comments")
    desktop.check("good practices")
    page.get_by_role("button", name="Next: review your answers", exact=True).click()

    expect(page.locator("h1")).to_have_text("Review your answers")
    # The plausibility check sees last year's name gone from the table: a note, not a stop.
    expect(page.locator("#review-warnings")).to_contain_text("Last time A5 listed “Polytechnic University”")
    expect(page.locator("main")).to_contain_text("Project manager")
    expect(page.locator("main")).to_contain_text("Kyoto Robotics")
    desktop.check("review")
    page.get_by_role("button", name="Submit the answers of GCA", exact=True).click()
    expect(page.locator("h1")).to_have_text("Thank you: your answers are submitted")
    desktop.check("confirmation")

    response = Response.objects.get(wave=ada.invitation.wave, partnership__acronym="GCA")
    assert response.status == Response.Status.SUBMITTED
    last_year = list(
        RepeatRow.objects.filter(response=response.prefilled_from, question__code="A5")
        .order_by("position")
        .values_list("id", flat=True)
    )
    assert len(last_year) == 5
    # By hand: entry 1 confirmed, 2 ended, 3 to 5 left as carried, the added one new.
    assert list(
        RepeatRow.objects.filter(response=response, question__code="A5")
        .order_by("position")
        .values_list("status", "carried_from")
    ) == [
        ("confirmed", last_year[0]),
        ("ended", last_year[1]),
        ("carried", last_year[2]),
        ("carried", last_year[3]),
        ("carried", last_year[4]),
        ("new", None),
    ]
    first_row, *_, added = RepeatRow.objects.filter(response=response, question__code="A5").order_by("position")
    assert Answer.objects.get(repeat_row=first_row, question__code="organisation").text == (
        "Polytechnic University of Buenos Aires"
    )
    assert Answer.objects.get(repeat_row=added, question__code="organisation").text == "Kyoto Robotics"
    assert Answer.objects.get(repeat_row=added, question__code="new_since_previous").option.code == "yes"
    assert Answer.objects.get(response=response, question__code="R2").text == "Project manager"
    assert Answer.objects.get(response=response, question__code="R1").text == "Robin Keller"
    assert Answer.objects.get(response=response, question__code="A4").number == 5
    # "No change since last year" saved the activities section with last year's four ticks.
    state = SectionState.objects.get(response=response, section__code="activities")
    assert (state.complete, state.saved_by) == (True, ada.contact)
    assert set(
        Answer.objects.filter(response=response, question__code="A1").values_list("option__code", flat=True)
    ) == {"partners_third_countries", "partners_europe", "joint_communication", "member_consultation"}
    desktop.assert_accessible()
