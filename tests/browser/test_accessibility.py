"""Accessibility in a real browser: keyboard alone, errors announced, axe-core on every page.

Annex B is completed from the link to the confirmation without touching the mouse: every
move is a Tab (or Shift+Tab), every action Space, Enter or typing, and every element that
takes the focus must show it. axe-core (WCAG 2.1 A and AA) checks each page on the way, and
the pages of the other states (closed, not open yet, unknown or withdrawn link, a conflict
with a colleague, a review with missing answers, the accessibility statement).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import Answer, Response, Wave
from surveys.services.responses import response_save_section
from surveys.values import Ticked
from tests.browser.conftest import Tab
from tests.conftest import Persona, make_persona
from tests.journey.test_journey_annex_a import ACHIEVEMENTS, ACTIVITIES, BARRIERS, RESPONDENT, post

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAX_TABS = 120
SECTIONS_4I = ["respondent", "activities", "barriers", "achievements", "benefits", "practices"]


def describe(focused: dict[str, Any]) -> str:
    return f"<{focused['tag']} id={focused['id']!r} name={focused['name']!r}> {focused['label'] or focused['text']!r}"[
        :160
    ]


def tab_to(tab: Tab, *, id: str = "", text: str = "", backwards: bool = False) -> dict[str, Any]:
    """Press Tab until the element with this id (or this exact text) has the focus.

    Every element met on the way must show its focus (WCAG 2.4.7): the site's outline of at
    least 2 pixels. Fails, listing the stops, if the element is never reached.
    """
    stops = []
    for _ in range(MAX_TABS):
        tab.page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = tab.focused()
        stops.append(describe(focused))
        if focused["tag"] == "body":
            continue  # past the last element: the browser's own controls, then the page again
        where = f"on {tab.page.url} after these stops:\n" + "\n".join(stops)
        assert focused["visible"], f"the focus went to an element that is not shown {where}"
        assert focused["outline"] != "none" and focused["outlineWidth"] >= 2, f"the focus is not visible {where}"
        if (id and focused["id"] == id) or (text and " ".join(focused["text"].split()) == text):
            return focused
    raise AssertionError(
        f"{id or text!r} is not reachable with the keyboard on {tab.page.url}; stops:\n" + "\n".join(stops)
    )


def type_into(tab: Tab, id: str, text: str) -> None:
    tab_to(tab, id=id)
    tab.page.keyboard.type(text)


def tick(tab: Tab, id: str) -> None:
    tab_to(tab, id=id)
    tab.page.keyboard.press("Space")
    expect(tab.page.locator(f"#{id}")).to_be_checked()


def next_page(tab: Tab, button: str = "Next") -> None:
    tab_to(tab, text=button)
    with tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")


def assert_errors_linked(tab: Tab) -> int:
    """Each error of the summary links to its field, which says it is invalid and why."""
    links = tab.page.locator("#error-summary a")
    for index in range(links.count()):
        link = links.nth(index)
        target = (link.get_attribute("href") or "").removeprefix("#")
        field = tab.page.locator(f"[id='{target}']")
        expect(field).to_have_count(1)
        described = (field.get_attribute("aria-describedby") or "").split()
        messages = " ".join(tab.page.locator(f"[id='{d}']").inner_text() for d in described)
        message = link.inner_text().split(": ", 1)[1]
        assert message in messages, f"{target} is not described by its error {message!r} ({described})"
        if field.evaluate("el => el.matches('input, select, textarea')"):
            expect(field).to_have_attribute("aria-invalid", "true")
    return links.count()


@pytest.fixture
def s3(wave_s3: Wave, register_s3: dict[str, Any]) -> Persona:
    return make_persona(wave_s3, register_s3["coordinator"])


def test_it_completes_annex_b_with_the_keyboard_alone(desktop: Tab, s3: Persona) -> None:
    tab, page = desktop, desktop.page
    tab.story = "annex-b-keyboard"
    tab.open(s3.url())
    tab.check("welcome")
    # The first Tab of every page offers the skip link.
    page.keyboard.press("Tab")
    assert tab.focused()["text"] == "Skip to main content"
    tab_to(tab, text="Start the questionnaire")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("About you")
    tab.check("about you")
    type_into(tab, "id-R1", "Eva S3")
    type_into(tab, "id-R2", "Project manager")
    next_page(tab)

    expect(page.locator("h1")).to_have_text("Joint cluster partnership strategy")
    tick(tab, "id-B1-roadmap")
    # The comment box appears right after its option, so the next Tab lands in it.
    page.keyboard.press("Tab")
    assert tab.focused()["id"] == "id-B1-roadmap-comment"
    page.keyboard.type("Adopted in March")
    tab.check("strategy")
    next_page(tab)

    expect(page.locator("h1")).to_have_text("Interregional business collaboration")
    tick(tab, "id-B2-coaching")
    tick(tab, "id-B2-other")
    page.keyboard.press("Tab")
    assert tab.focused()["id"] == "id-B2-other-text"
    page.keyboard.type("Hackathon")
    tab.check("interregional")
    next_page(tab)

    expect(page.locator("h1")).to_have_text("Strengthening cluster cooperation (C2C)")
    tab.check("c2c")
    tick(tab, "id-B3-peer_learning")
    next_page(tab)

    expect(page.locator("h1")).to_have_text("Barriers and difficulties")
    tab.check("barriers")
    tick(tab, "id-B4-investment_funding")
    type_into(tab, "id-B5", "More regional funds")
    next_page(tab)

    expect(page.locator("h1")).to_have_text("Results")
    tick(tab, "id-B6-none")
    # "None" excludes the other results: ticking one of them unticks it.
    tick(tab, "id-B6-cooperation_agreements")
    expect(page.locator("#id-B6-none")).not_to_be_checked()
    page.keyboard.press("Tab")
    assert tab.focused()["id"] == "id-B6-cooperation_agreements-number"
    page.keyboard.type("2.5")
    tab.check("results")
    next_page(tab)

    # The error is announced (role=alert, focused), listed, and linked to its field.
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Please enter a whole number.")
    tab.check("results, validation error")
    assert assert_errors_linked(tab) == 1
    page.keyboard.press("Tab")
    assert tab.focused()["tag"] == "a"
    page.keyboard.press("Enter")
    number = page.locator("#id-B6-cooperation_agreements-number")
    expect(number).to_be_focused()
    expect(number).to_have_value("2.5")
    page.keyboard.press("Control+a")
    page.keyboard.type("3")
    next_page(tab)

    expect(page.locator("h1")).to_have_text("Good practices and comments")
    tab.check("good practices")
    type_into(tab, "id-B7", "A shared pilot line")
    next_page(tab, "Next: review your answers")

    expect(page.locator("h1")).to_have_text("Review your answers")
    tab.check("review")
    next_page(tab, "Submit the answers of S3martMed")

    expect(page.locator("h1")).to_have_text("Thank you: your answers are submitted")
    tab.check("confirmation")
    next_page(tab, "See and print a copy of your answers")
    expect(page.locator("main")).to_contain_text("Hackathon")
    tab.check("copy of the answers")

    response = Response.objects.get(wave=s3.invitation.wave, partnership=s3.contact.partnership)
    assert response.status == Response.Status.SUBMITTED
    assert Answer.objects.get(response=response, question__code="B1").comment == "Adopted in March"
    assert Answer.objects.get(response=response, question__code="B2", option__code="other").text == "Hackathon"
    b6 = Answer.objects.filter(response=response, question__code="B6").values_list("option__code", "number")
    assert list(b6) == [("cooperation_agreements", Decimal(3))]
    assert Answer.objects.get(response=response, question__code="B7").text == "A shared pilot line"
    tab.assert_accessible()


def test_the_country_list_and_the_agreement_table_work_with_the_keyboard(desktop: Tab, coordinator: Persona) -> None:
    tab, page = desktop, desktop.page
    tab.story = "annex-a-keyboard"
    tab.open(coordinator.url("section", "activities"))
    # The filter narrows the list; the next Tab goes to the one country left.
    type_into(tab, "id-A2-filter", "japan")
    page.keyboard.press("Tab")
    assert tab.focused()["id"] == "id-A2-JP"
    page.keyboard.press("Space")
    expect(page.locator("[data-country-summary]")).to_have_text("Chosen (1): Japan")
    tab.check("countries by keyboard")

    tab.open(coordinator.url("section", "achievements"))
    tab_to(tab, text="Add an entry to A5")
    page.keyboard.press("Enter")
    # The new row takes the focus at its first field; arrows choose among its radios.
    assert tab.focused()["id"] == "id-A5-0-counterpart_type-cluster"
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id-A5-0-counterpart_type-sme")).to_be_checked()
    type_into(tab, "id-A5-0-organisation", "Osaka cluster")
    tab_to(tab, id="id-A5-0-country")
    page.keyboard.type("Japan")
    expect(page.locator("#id-A5-0-country")).to_have_value("JP")
    tab.check("agreement added by keyboard")
    tab_to(tab, text="Remove entry 1")
    page.keyboard.press("Enter")
    expect(page.locator("#id-A5 [data-row]")).to_have_count(0)
    # With no row left, the focus goes back to the button that adds one.
    assert " ".join(tab.focused()["text"].split()) == "Add an entry to A5"
    tab.assert_accessible()


def test_it_announces_missing_answers_and_links_them_to_their_questions(desktop: Tab, s3: Persona) -> None:
    tab, page = desktop, desktop.page
    tab.story = "annex-b-missing-answers"
    tab.open(s3.url("section", "results"))
    tab.page.get_by_role("button", name="Next", exact=True).click()
    # Saved, but B6 is required: the page says so and points at the question's fieldset.
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("B6: This question needs an answer.")
    assert assert_errors_linked(tab) == 1
    tab.check("results, answer missing")
    page.locator("#error-summary a").click()
    expect(page.locator("#id-B6")).to_be_focused()
    tab.open(s3.url("review"))
    expect(page.locator("#review-problems")).to_contain_text("Results: 1 answer missing")
    tab.check("review with missing answers")
    tab.assert_accessible()


def test_it_passes_axe_on_the_conflict_page(desktop: Tab, coordinator: Persona, colleague: Persona) -> None:
    tab, page = desktop, desktop.page
    tab.story = "annex-a-conflict"
    tab.open(coordinator.url("section", "activities"))
    page.get_by_label("Intelligence gathering", exact=True).check()
    # Meanwhile a colleague saves the same section.
    response = Response.objects.get(wave=colleague.invitation.wave, partnership=colleague.contact.partnership)
    response_save_section(
        response_id=response.pk,
        section_code="activities",
        contact=colleague.contact,
        values={"A1": {"sme_mentoring": Ticked(comment="Three SMEs")}},
        lock_version=0,
    )
    page.get_by_role("button", name="Save and continue later").click()
    expect(page.locator("#conflict")).to_contain_text("Ben Colleague saved this section")
    page.locator("#conflict summary").click()
    expect(page.locator("#conflict")).to_contain_text("Three SMEs")
    expect(page.get_by_label("Intelligence gathering", exact=True)).to_be_checked()
    tab.check("conflict with a colleague")
    tab.assert_accessible()


def test_it_passes_axe_on_the_pages_of_every_state(desktop: Tab, coordinator: Persona, outsider: Persona) -> None:
    tab, page = desktop, desktop.page
    tab.story = "states"
    wave = coordinator.invitation.wave

    assert tab.open("/") == 200
    tab.check("home")
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page.locator("h1")).to_have_text("Accessibility statement")
    tab.check("accessibility statement")

    assert tab.open("/r/no-such-link/") == 404
    expect(page.locator("h1")).to_have_text("This link is not recognised")
    tab.check("link not recognised")

    outsider.invitation.revoked_at = timezone.now()
    outsider.invitation.save(update_fields=["revoked_at"])
    assert tab.open(outsider.url()) == 410
    expect(page.locator("h1")).to_have_text("This link is no longer valid")
    tab.check("link withdrawn")

    Wave.objects.filter(pk=wave.pk).update(opens_at=timezone.now() + dt.timedelta(days=1))
    assert tab.open(coordinator.url()) == 403
    expect(page.locator("h1")).to_have_text("This survey is not open yet")
    tab.check("not open yet")

    # The browser talks to the live server in another thread, so the clock is not moved:
    # the wave's deadline is.
    Wave.objects.filter(pk=wave.pk).update(
        opens_at=timezone.now() - dt.timedelta(days=20), closes_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert tab.open(coordinator.url("section", "respondent")) == 403
    expect(page.locator("h1")).to_have_text("This survey is closed")
    tab.check("closed")
    tab.open(coordinator.url())
    expect(page.get_by_role("link", name="Start the questionnaire")).to_have_count(0)
    tab.check("welcome after the deadline")
    tab.assert_accessible()


def test_it_serves_bootstrap_and_the_site_styles(desktop: Tab, coordinator: Persona) -> None:
    # Contrast and layout checks mean something only if the real styles are applied.
    tab, page = desktop, desktop.page
    tab.open(coordinator.url("section", "activities"))
    styles = page.evaluate(
        """() => ({
            primary: getComputedStyle(document.querySelector('.btn-primary')).backgroundColor,
            question: getComputedStyle(document.querySelector('.question')).borderLeftWidth,
            sheets: Array.from(document.styleSheets).map(s => s.href && new URL(s.href).pathname),
        })"""
    )
    assert styles["primary"] == "rgb(13, 110, 253)"  # Bootstrap 5.3's $primary, #0d6efd
    assert styles["question"] == "4px"  # static/css/site.css
    assert styles["sheets"] == ["/static/vendor/bootstrap/css/bootstrap.min.css", "/static/css/site.css"]
    assert page.evaluate("document.documentElement.classList.contains('js')")  # static/js/site.js ran


def test_every_page_of_annex_a_reflows_at_400_percent_zoom(
    new_tab: Callable[[str, str], Tab], coordinator: Persona
) -> None:
    # Answers with tables, comments and "other" texts, so that the widest content is drawn.
    client = Client()
    steps: list[tuple[str, dict[str, Any]]] = [
        ("respondent", RESPONDENT),
        ("activities", ACTIVITIES),
        ("barriers", BARRIERS),
        ("achievements", ACHIEVEMENTS),
    ]
    for section, data in steps:
        assert post(client, coordinator, section, data).status_code == 302
    tab = new_tab("zoom400", "annex-a-zoom400")
    pages = [coordinator.url()]
    pages += [coordinator.url("section", code) for code in SECTIONS_4I] + [coordinator.url("review")]
    for path in pages:
        assert tab.open(path) == 200
        overflow = tab.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} needs sideways scrolling at 320 CSS pixels ({overflow}px too wide)"
        tab.check(tab.page.locator("h1").inner_text())
    tab.assert_accessible()
