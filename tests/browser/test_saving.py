"""Nothing typed is lost, in a real browser (issue 12 item 2): the script's part of it.

Leaving a page by a section link or any other link saves it first; Enter in a text box
saves and stays, and a text area keeps its line breaks; the page saves itself after a few
idle seconds, says so in a live region, and never overwrites a colleague's save nor deletes
saved answers without asking; a page left open past the deadline says the survey closed.
The server's side of each is in tests/surveys/test_journey_saving.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Dialog, expect

from surveys.models import Answer, RepeatRow, Response, UnsavedEdit, Wave
from surveys.services.responses import response_save_section
from tests.browser.conftest import Tab
from tests.conftest import Persona
from tests.journey.test_journey_annex_a import ACHIEVEMENTS, post

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAVED_AT = re.compile(r"^Saved at \d\d:\d\d\.$")


def response_of(persona: Persona) -> Response:
    return Response.objects.get(wave=persona.invitation.wave, partnership=persona.contact.partnership)


def text_of(persona: Persona, code: str) -> str | None:
    answer = Answer.objects.filter(response=response_of(persona), question__code=code).first()
    return answer.text if answer else None


def test_a_section_link_saves_the_page_before_leaving(desktop: Tab, coordinator: Persona) -> None:
    page = desktop.page
    desktop.open(coordinator.url("section", "respondent"))
    page.get_by_label("Name of the person filling in the survey").fill("Ada Coordinator")
    page.get_by_role("navigation", name="Sections of the questionnaire").get_by_role(
        "button", name="3. Barriers and difficulties"
    ).click()
    expect(page.locator("h1")).to_have_text("Barriers and difficulties")
    assert text_of(coordinator, "R1") == "Ada Coordinator"
    desktop.check("barriers, reached by the section link")
    desktop.assert_accessible()


def test_any_other_link_saves_the_page_first(desktop: Tab, coordinator: Persona) -> None:
    page = desktop.page
    desktop.open(coordinator.url("section", "respondent"))
    page.get_by_label("Role of the person in the partnership").fill("Cluster manager")
    # At once, before the autosave's idle delay: the link waits for the save.
    page.locator("a.site-title").click()
    expect(page.get_by_text("You are answering for")).to_be_visible()
    assert text_of(coordinator, "R2") == "Cluster manager"


def test_enter_in_a_text_box_saves_and_stays_on_the_page(desktop: Tab, coordinator: Persona) -> None:
    page = desktop.page
    desktop.open(coordinator.url("section", "practices"))
    practice = page.get_by_label("Please describe a good practice")
    practice.click()
    page.keyboard.type("First line")
    page.keyboard.press("Enter")
    page.keyboard.type("Second line")
    # Enter in a text area is a line break, not a submission.
    expect(practice).to_have_value("First line\nSecond line")
    assert page.url.endswith(coordinator.url("section", "practices"))
    desktop.open(coordinator.url("section", "respondent"))
    name = page.get_by_label("Name of the person filling in the survey")
    name.fill("Ada Coordinator")
    name.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Your answers are saved")
    expect(page.locator("h1")).to_have_text("About you")
    assert text_of(coordinator, "R1") == "Ada Coordinator"
    desktop.check("about you, saved by Enter")
    desktop.assert_accessible()


def test_the_page_saves_itself_after_a_few_idle_seconds(desktop: Tab, coordinator: Persona) -> None:
    page = desktop.page
    desktop.open(coordinator.url("section", "practices"))
    status = page.locator("#autosave-status")
    expect(status).to_have_attribute("aria-live", "polite")
    page.get_by_label("Please describe a good practice").fill("Our joint stand at a fair")
    expect(status).to_have_text(SAVED_AT)
    assert text_of(coordinator, "A10") == "Our joint stand at a fair"
    expect(page.locator("input[name=lock_version]")).to_have_value("1")
    # A button press after the autosave is no conflict with it.
    page.get_by_label("Please describe a good practice").fill("Our joint stand at two fairs")
    page.get_by_role("button", name="Next: review your answers").click()
    expect(page.locator("h1")).to_have_text("Review your answers")
    assert text_of(coordinator, "A10") == "Our joint stand at two fairs"


def test_autosave_never_overwrites_a_colleagues_save(desktop: Tab, coordinator: Persona, colleague: Persona) -> None:
    page = desktop.page
    desktop.open(coordinator.url("section", "practices"))
    # The colleague saves the same section after the page was opened.
    response_save_section(
        response_id=response_of(coordinator).pk,
        section_code="practices",
        contact=colleague.contact,
        values={"A10": "Ben's practice"},
        lock_version=0,
    )
    page.get_by_label("Please describe a good practice").fill("Ada's practice")
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("Not saved: Ben Colleague saved this section")
    assert text_of(coordinator, "A10") == "Ben's practice"
    # The button shows both versions, the person chooses.
    page.get_by_role("button", name="Save and continue later").click()
    expect(page.locator("#conflict")).to_contain_text("Ben Colleague saved this section")
    expect(page.get_by_label("Please describe a good practice")).to_have_value("Ada's practice")
    desktop.check("practices, conflict after an autosave")
    desktop.assert_accessible()


def test_hiding_answered_questions_asks_in_a_dialog(desktop: Tab, coordinator: Persona, client) -> None:
    post(client, coordinator, "achievements", ACHIEVEMENTS, action="save")
    page = desktop.page
    desktop.open(coordinator.url("section", "achievements"))
    asked: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.locator("#id-A6-no").check()
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("Not saved automatically: saving this page would remove answers")
    assert asked and "A7 (1 entry)" in asked[0]
    assert RepeatRow.objects.filter(question__code="A7").count() == 1
    # Without the dialog's yes, a button press asks on the page; confirming there removes them.
    page.get_by_role("button", name="Save and continue later").click()
    removal = page.locator("#removal")
    expect(removal).to_contain_text("Saving this page would remove answers that are saved")
    desktop.check("achievements, confirm the removal")
    removal.get_by_role("button", name="Remove it and save").click()
    expect(page.locator(".messages")).to_contain_text("Your answers are saved")
    assert not RepeatRow.objects.filter(question__code="A7").exists()
    desktop.assert_accessible()


def test_yes_in_the_dialog_removes_the_hidden_answers(desktop: Tab, coordinator: Persona, client) -> None:
    post(client, coordinator, "achievements", ACHIEVEMENTS, action="save")
    page = desktop.page
    desktop.open(coordinator.url("section", "achievements"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#id-A6-no").check()
    expect(page.locator("#autosave-status")).to_have_text(SAVED_AT)
    assert not RepeatRow.objects.filter(question__code="A7").exists()


def test_a_row_removed_with_its_button_is_removed_without_asking_again(
    desktop: Tab, coordinator: Persona, client
) -> None:
    post(client, coordinator, "achievements", ACHIEVEMENTS, action="save")
    page = desktop.page
    desktop.open(coordinator.url("section", "achievements"))
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.get_by_role("button", name="Remove entry 1").first.click()
    # Pressed at once: the button waits for the save of the removal.
    page.get_by_role("button", name="Save and continue later").click()
    expect(page.get_by_text("You are answering for")).to_be_visible()
    rows = RepeatRow.objects.filter(response=response_of(coordinator), question__code="A5")
    assert rows.count() == 1
    assert Answer.objects.get(repeat_row=rows.get(), question__code="organisation").text == "Tsinghua University"
    assert dialogs == []


def test_a_page_left_open_past_the_deadline_says_the_survey_closed(desktop: Tab, coordinator: Persona) -> None:
    page = desktop.page
    desktop.open(coordinator.url("section", "practices"))
    closes_at = timezone.now() - dt.timedelta(minutes=1)
    Wave.objects.filter(pk=coordinator.invitation.wave_id).update(closes_at=closes_at)
    page.get_by_label("Please describe a good practice").fill("Typed too late")
    expect(page.locator("#autosave-status")).to_contain_text("The survey closed on")
    page.get_by_role("button", name="Save and continue later").click()
    expect(page.locator("#refused")).to_contain_text("The survey closed on")
    expect(page.get_by_label("Please describe a good practice")).to_have_value("Typed too late")
    assert text_of(coordinator, "A10") is None
    assert [e.inputs["A10"] for e in UnsavedEdit.objects.all()] == ["Typed too late", "Typed too late"]
    desktop.check("practices, posted after the deadline")
    desktop.assert_accessible()
