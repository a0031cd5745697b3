"""Nothing typed is lost (issue 12 item 2, issue 13 item 3), through the Django test client.

Each way of losing text found by the issues gets its test: leaving by the section links, one
invalid field blocking the page, Enter leaving the page, a page posted after the deadline or
after a colleague submitted, autosave and its conflicts, deletions without a warning, pages
larger than Django's field limit, control characters, a database that does not answer.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import OperationalError
from django.test import Client

from surveys.models import Answer, RepeatRow, Response, SectionState, UnsavedEdit
from surveys.services.responses import response_reopen, response_submit
from tests.conftest import Persona

FORM = "application/x-www-form-urlencoded"
RESPONDENT = {"R1": "Ada Coordinator", "R2": "Cluster manager", "R3": "ada@gca.example.org"}
ACHIEVEMENTS = {
    "A4": "2",
    "A5.rows": "2",
    "A5.0.counterpart_type": "cluster",
    "A5.0.organisation": "Osaka cluster",
    "A5.0.country": "JP",
    "A5.1.counterpart_type": "university",
    "A5.1.organisation": "Tsinghua University",
    "A5.1.country": "CN",
    "A6": "yes",
    "A7.rows": "1",
    "A7.0.partnership": "ELBE",
    "A7.0.purpose": "Joint mission",
}


def lock_of(persona: Persona, section: str) -> int:
    state = SectionState.objects.filter(
        response__wave=persona.invitation.wave, response__partnership=persona.contact.partnership, section__code=section
    ).first()
    return state.lock_version if state else 0


def post(client: Client, persona: Persona, section: str, data: dict, action: str = "save", lock: int | None = None):
    """Post a page as a browser does (the form has no file input: urlencoded, not multipart)."""
    lock = lock_of(persona, section) if lock is None else lock
    body = urlencode({**data, "action": action, "lock_version": lock}, doseq=True)
    return client.post(persona.url("section", section), body, content_type=FORM)


def response_of(persona: Persona) -> Response:
    return Response.objects.get(wave=persona.invitation.wave, partnership=persona.contact.partnership)


def texts(persona: Persona, code: str) -> list[str]:
    return [
        a.text
        for a in Answer.objects.filter(response=response_of(persona), question__code=code, repeat_row__isnull=True)
    ]


def token_in(html: str) -> str:
    found = re.search(r'name="confirm_removal" value="(\w+)"', html)
    assert found, "the page asks no confirmation"
    return found.group(1)


# 1. Leaving by the section links ---------------------------------------------------------


def test_the_section_links_of_a_page_save_it_before_leaving(client, coordinator):
    page = client.get(coordinator.url("section", "respondent")).content.decode()
    # The links to the other sections are buttons of the page's form (no script needed).
    assert 'form="section-form" name="action" value="goto:barriers"' in page
    left = post(client, coordinator, "respondent", RESPONDENT, action="goto:barriers")
    assert left.status_code == 302
    assert left["Location"] == coordinator.url("section", "barriers")
    assert texts(coordinator, "R1") == ["Ada Coordinator"]


# 2. One invalid field does not block the page ------------------------------------------


def test_an_invalid_field_keeps_its_saved_value_and_the_rest_is_saved(client, coordinator):
    post(client, coordinator, "achievements", ACHIEVEMENTS)
    changed = {**ACHIEVEMENTS, "A4": "two", "A5.1.organisation": "Peking University", "A5.0.signed_on": "31/02/2019"}
    page = post(client, coordinator, "achievements", changed)
    assert page.status_code == 422
    html = page.content.decode()
    assert "Your other answers on this page are saved" in html
    assert "2 answers not saved: please correct them" in html
    assert 'value="two"' in html and "is not a date" in html
    response = response_of(coordinator)
    # A4 keeps the 2 saved before; the new organisation is saved; the bad date is not.
    assert Answer.objects.get(response=response, question__code="A4").number == Decimal(2)
    organisations = Answer.objects.filter(response=response, question__code="organisation").order_by(
        "repeat_row__position"
    )
    assert [a.text for a in organisations] == ["Osaka cluster", "Peking University"]
    assert not Answer.objects.filter(response=response, question__code="signed_on").exists()
    # The page is drawn from the new version: saving it again is no conflict.
    assert lock_of(coordinator, "achievements") == 2
    assert 'name="lock_version" value="2"' in html


def test_a_comment_on_an_unticked_option_does_not_block_the_page(client, coordinator):
    data = {"A1": ["intelligence"], "A1.sme_mentoring.comment": "Three SMEs", "A2": ["JP"]}
    page = post(client, coordinator, "activities", data, action="next")
    assert page.status_code == 422
    html = page.content.decode()
    # Saved: the ticked option and the countries; the comment is shown with what to do.
    assert "Tick “SME mentoring” to keep this comment, or clear it." in html
    assert "Three SMEs" in html
    response = response_of(coordinator)
    assert [a.option.code for a in Answer.objects.filter(response=response, question__code="A1")] == ["intelligence"]
    assert [a.country for a in Answer.objects.filter(response=response, question__code="A2")] == ["JP"]


def test_an_invalid_comment_of_a_ticked_option_keeps_the_saved_comment(client, coordinator):
    post(client, coordinator, "activities", {"A1": ["events_missions"], "A1.events_missions.comment": "Two missions"})
    bad = {"A1": ["events_missions", "intelligence"], "A1.events_missions.comment": "x" * 20001}
    assert post(client, coordinator, "activities", bad).status_code == 422
    a1 = {
        a.option.code: a.comment
        for a in Answer.objects.filter(response=response_of(coordinator), question__code="A1").select_related("option")
    }
    assert a1 == {"events_missions": "Two missions", "intelligence": ""}


# 3. Enter never leaves the page -----------------------------------------------------------


def test_the_default_button_of_a_page_saves_and_stays(client, coordinator):
    html = client.get(coordinator.url("section", "respondent")).content.decode()
    # Enter in a field presses the form's first submit button in page order (the section links
    # before the form are buttons of it too): it must be save-and-stay.
    first_button = re.search(r'<button type="submit"[^>]*>', html[html.index('id="main"') :]).group(0)
    assert 'form="section-form"' in first_button and 'value="stay"' in first_button
    page = post(client, coordinator, "respondent", RESPONDENT, action="stay")
    assert page["Location"] == coordinator.url("section", "respondent")
    assert texts(coordinator, "R1") == ["Ada Coordinator"]
    assert "Your answers are saved" in client.get(page["Location"]).content.decode()


def test_a_text_area_keeps_its_line_breaks(client, coordinator):
    post(client, coordinator, "practices", {"A10": "First line\r\nSecond line"})
    assert texts(coordinator, "A10") == ["First line\nSecond line"]


# 4. A page posted after the deadline --------------------------------------------------------


def test_a_page_posted_after_the_deadline_keeps_what_was_typed(client, coordinator):
    wave = coordinator.invitation.wave
    with time_machine.travel(wave.closes_at + dt.timedelta(minutes=5)):
        page = post(client, coordinator, "respondent", RESPONDENT)
    assert page.status_code == 403
    html = page.content.decode()
    closed = wave.closes_at.astimezone(ZoneInfo("Europe/Brussels")).strftime("%A %d %B %Y at %H:%M")
    assert f"The survey closed on {closed} (Brussels time)" in html
    assert 'value="Ada Coordinator"' in html
    assert not texts(coordinator, "R1")
    edit = UnsavedEdit.objects.get()
    assert (edit.reason, edit.contact, edit.section.code) == ("closed", coordinator.contact, "respondent")
    assert edit.inputs["R1"] == "Ada Coordinator"


def test_typing_kept_after_the_deadline_comes_back_when_the_deadline_is_extended(client, coordinator):
    wave = coordinator.invitation.wave
    with time_machine.travel(wave.closes_at + dt.timedelta(minutes=5)):
        post(client, coordinator, "respondent", RESPONDENT)
    with time_machine.travel(wave.closes_at + dt.timedelta(days=1)):
        Response.objects.filter(pk=response_of(coordinator).pk).update(deadline=wave.closes_at + dt.timedelta(days=7))
        page = client.get(coordinator.url("section", "respondent")).content.decode()
        assert "not saved yet" in page and "after the deadline" in page
        assert 'value="Ada Coordinator"' in page
        edit = UnsavedEdit.objects.get()
        saved = post(client, coordinator, "respondent", {**RESPONDENT, "restored_edit": str(edit.pk)})
        assert saved.status_code == 302
        assert texts(coordinator, "R1") == ["Ada Coordinator"]
        edit.refresh_from_db()
        assert edit.restored_at is not None
        # Restored once: the page shows the saved answers from now on, without the notice.
        assert "not saved yet" not in client.get(coordinator.url("section", "respondent")).content.decode()


# 5. Autosave --------------------------------------------------------------------------------


def test_autosave_saves_the_page_and_answers_in_json(client, coordinator):
    page = post(client, coordinator, "respondent", RESPONDENT, action="autosave")
    assert page.status_code == 200
    answer = json.loads(page.content)
    assert answer["status"] == "saved"
    assert answer["lock_version"] == 1
    assert answer["message"] == f"Saved at {answer['saved_at']}."
    assert re.fullmatch(r"\d\d:\d\d", answer["saved_at"])
    assert texts(coordinator, "R1") == ["Ada Coordinator"]


def test_autosave_never_overwrites_a_colleagues_save(client, coordinator, colleague):
    post(Client(), colleague, "respondent", {**RESPONDENT, "R1": "Ben Colleague"}, lock=0)
    page = post(client, coordinator, "respondent", RESPONDENT, action="autosave", lock=0)
    assert page.status_code == 409
    answer = json.loads(page.content)
    assert answer["status"] == "conflict"
    assert "Ben Colleague saved this section" in answer["message"]
    assert texts(coordinator, "R1") == ["Ben Colleague"]


def test_autosave_keeps_the_csrf_check(coordinator):
    strict = Client(enforce_csrf_checks=True)
    strict.get(coordinator.url("section", "respondent"))
    refused = strict.post(
        coordinator.url("section", "respondent"),
        urlencode({**RESPONDENT, "action": "autosave", "lock_version": 0}),
        content_type=FORM,
    )
    assert refused.status_code == 403
    assert not texts(coordinator, "R1")
    token = strict.cookies["csrftoken"].value
    accepted = strict.post(
        coordinator.url("section", "respondent"),
        urlencode({**RESPONDENT, "action": "autosave", "lock_version": 0, "csrfmiddlewaretoken": token}),
        content_type=FORM,
    )
    assert accepted.status_code == 200
    assert texts(coordinator, "R1") == ["Ada Coordinator"]


def test_autosave_reports_the_answers_it_could_not_save(client, coordinator):
    page = post(client, coordinator, "achievements", {**ACHIEVEMENTS, "A4": "two"}, action="autosave")
    answer = json.loads(page.content)
    assert answer["status"] == "saved"
    assert answer["problems"] == ["A4: “two” is not a number: please enter digits only, such as 12."]
    assert RepeatRow.objects.filter(response=response_of(coordinator), question__code="A5").count() == 2


# 6. Deletions ask first ----------------------------------------------------------------------


def test_hiding_answered_questions_asks_before_deleting_them(client, coordinator):
    post(client, coordinator, "achievements", ACHIEVEMENTS)
    page = post(client, coordinator, "achievements", {**ACHIEVEMENTS, "A6": "no"}, action="next")
    assert page.status_code == 409
    html = page.content.decode()
    assert "Saving this page would remove answers that are saved" in html
    assert "<strong>A7</strong>" in html and "1 entry" in html
    assert RepeatRow.objects.filter(question__code="A7").count() == 1
    assert Answer.objects.get(question__code="A6").option.code == "yes"  # nothing saved at all
    # Another button than the confirmation asks again; the confirmation removes and goes on.
    token = token_in(html)
    again = post(client, coordinator, "achievements", {**ACHIEVEMENTS, "A6": "no", "confirm_removal": token})
    assert again.status_code == 409
    done = post(
        client, coordinator, "achievements", {**ACHIEVEMENTS, "A6": "no", "confirm_removal": token}, "confirm:next"
    )
    assert done["Location"] == coordinator.url("section", "benefits")
    assert not RepeatRow.objects.filter(question__code="A7").exists()


def test_a_confirmation_covers_only_what_was_shown(client, coordinator):
    post(client, coordinator, "achievements", ACHIEVEMENTS)
    token = token_in(post(client, coordinator, "achievements", {**ACHIEVEMENTS, "A6": "no"}).content.decode())
    # Meanwhile the table shrank as well: the old confirmation does not cover that.
    fewer = {k: v for k, v in ACHIEVEMENTS.items() if not k.startswith("A5.1")} | {"A5.rows": "1", "A6": "no"}
    page = post(client, coordinator, "achievements", {**fewer, "confirm_removal": token}, action="confirm:save")
    assert page.status_code == 409
    assert "1 of its 2 saved entries: University · Tsinghua University · CN" in page.content.decode()
    assert RepeatRow.objects.filter(question__code="A5").count() == 2


def test_removing_a_saved_row_without_script_asks_and_keeps_it_by_default(client, coordinator):
    post(client, coordinator, "achievements", ACHIEVEMENTS)
    page = post(client, coordinator, "achievements", ACHIEVEMENTS, action="remove:A5:0")
    assert page.status_code == 409
    html = page.content.decode()
    assert "Osaka cluster" in html  # still on the page: any other button keeps it
    assert 'value="confirm:remove:A5:0"' in html
    assert RepeatRow.objects.filter(question__code="A5").count() == 2


def test_autosave_never_deletes_without_confirmation(client, coordinator):
    post(client, coordinator, "achievements", ACHIEVEMENTS)
    page = post(client, coordinator, "achievements", {**ACHIEVEMENTS, "A6": "no"}, action="autosave")
    answer = json.loads(page.content)
    assert answer["status"] == "confirm"
    assert "A7 (1 entry)" in answer["message"]
    assert RepeatRow.objects.filter(question__code="A7").count() == 1


# 7. Pages of any size, control characters ---------------------------------------------------


def _row_a5(i: int) -> dict[str, str]:
    return {
        f"A5.{i}.counterpart_type": "sme",
        f"A5.{i}.organisation": f"SME {i}",
        f"A5.{i}.country": "JP",
        f"A5.{i}.description": f"Agreement {i}",
        f"A5.{i}.signed_on": "2019-03-04",
        f"A5.{i}.new_since_previous": "yes",
    }


def _row_a7(i: int) -> dict[str, str]:
    return {f"A7.{i}.partnership": "__other__", f"A7.{i}.partnership.other.text": f"ESCP {i}", f"A7.{i}.purpose": "x"}


# The bundled questionnaires' repeat questions (Annex B and the satisfaction survey have none)
# and their most rows: A5 and A7 give no max_rows, so the format's 500 applies.
@pytest.mark.parametrize(("code", "row", "most"), [("A5", _row_a5, 500), ("A7", _row_a7, 500)])
def test_a_table_at_its_most_rows_is_saved_whole(client, coordinator, code, row, most):
    data = {"A4": str(most), "A6": "yes", f"{code}.rows": str(most)}
    for i in range(most):
        data |= row(i)
    assert len(data) > 1000  # Django's default limit, which refused such pages with a bare 400
    page = post(client, coordinator, "achievements", data)
    assert page.status_code == 302, page.content.decode()[:2000]
    rows = RepeatRow.objects.filter(response=response_of(coordinator), question__code=code)
    assert rows.count() == most
    last = Answer.objects.filter(repeat_row__in=rows, repeat_row__position=most).exclude(text="").first()
    assert last is not None and last.text in {f"SME {most - 1}", f"ESCP {most - 1}"}


def test_a_post_past_the_definitions_maxima_is_refused_with_a_page(client, coordinator):
    data = {"A5.rows": "1"} | {f"junk{i}": "x" for i in range(60_000)}
    page = post(client, coordinator, "achievements", data)
    assert page.status_code == 413
    assert "more answers than the questionnaire allows" in page.content.decode()


def test_a_nul_character_is_refused_at_its_field(client, coordinator):
    page = post(client, coordinator, "respondent", {**RESPONDENT, "R1": "Ada\x00 Coordinator"})
    assert page.status_code == 422
    html = page.content.decode()
    assert 'id="id-R1-error"' in html or "control character (such as NUL)" in html
    assert "This text contains a control character (such as NUL) that cannot be saved" in html
    assert not texts(coordinator, "R1")
    assert texts(coordinator, "R2") == ["Cluster manager"]


@pytest.mark.parametrize("character", ["\x01", "\x1b", "\x7f"])
def test_other_control_characters_are_refused_but_tabs_and_line_breaks_kept(client, coordinator, character):
    assert post(client, coordinator, "practices", {"A10": f"a{character}b"}).status_code == 422
    assert not texts(coordinator, "A10")
    assert post(client, coordinator, "practices", {"A10": "a\tb\r\nc"}).status_code == 302
    assert texts(coordinator, "A10") == ["a\tb\nc"]


# 8. A colleague's submission, a database that does not answer ---------------------------------


def test_an_edit_posted_after_a_colleague_submitted_is_shown_and_kept(client, coordinator, colleague):
    for section, data in [("respondent", RESPONDENT)]:
        post(client, coordinator, section, data)
    response = response_of(coordinator)
    # Complete enough to submit: the service refuses incomplete responses, so fill it in.
    _complete(client, coordinator)
    response_submit(response_id=response.pk, contact=colleague.contact)
    page = post(client, coordinator, "practices", {"A10": "One more practice"})
    assert page.status_code == 409
    html = page.content.decode()
    assert "Ben Colleague submitted your partnership" in html
    assert "ask the Observatory to reopen them" in html
    assert "One more practice" in html
    edit = UnsavedEdit.objects.get()
    assert (edit.reason, edit.inputs["A10"]) == ("submitted", "One more practice")
    # Reopened by staff: the page shows the typing again, ready to save.
    response_reopen(response_id=response.pk)
    assert "One more practice" in client.get(coordinator.url("section", "practices")).content.decode()


def _complete(client: Client, persona: Persona) -> None:
    post(client, persona, "activities", {"A1": ["intelligence"], "A2": ["JP"]})
    post(client, persona, "barriers", {"A3": ["sme_engagement"]})
    post(client, persona, "achievements", ACHIEVEMENTS)
    post(client, persona, "benefits", {"A8": ["partnership_agreements"], "A8.partnership_agreements.number": "3"})
    post(client, persona, "practices", {"A10": "Our joint stand at a fair"})


def test_a_database_error_on_save_shows_the_page_again_with_what_was_typed(client, coordinator, monkeypatch):
    def unavailable(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("journey.views.response_save_section", unavailable)
    page = post(client, coordinator, "respondent", RESPONDENT)
    assert page.status_code == 503
    html = page.content.decode()
    assert "the database did not answer" in html and "press “Save” again" in html
    assert 'value="Ada Coordinator"' in html
    autosave = json.loads(post(client, coordinator, "respondent", RESPONDENT, action="autosave").content)
    assert autosave["status"] == "error"


def test_a_database_down_from_the_start_gives_back_what_was_posted(client, coordinator, monkeypatch):
    def unavailable(request, key, **_):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("journey.views._access", unavailable)
    page = post(client, coordinator, "respondent", {**RESPONDENT, "R2": 'Manager "A" & <B>'}, lock=0)
    assert page.status_code == 503
    html = page.content.decode()
    assert "Try again" in html
    assert '<input type="hidden" name="R1" value="Ada Coordinator">' in html
    assert 'value="Manager &quot;A&quot; &amp; &lt;B&gt;"' in html
    assert '<input type="hidden" name="action" value="save">' in html


def test_a_submission_while_the_database_is_down_says_so(client, coordinator, monkeypatch):
    def unavailable(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("journey.views.response_submit", unavailable)
    page = client.post(coordinator.url("submit"))
    assert page.status_code == 503
    assert "could not be submitted just now" in page.content.decode()


def test_other_pages_answer_a_database_outage_with_a_calm_503(client, coordinator, monkeypatch):
    def unavailable(request, key, **_):
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr("journey.views._access", unavailable)
    page = client.get(coordinator.url("review"))
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert "The service is back in a moment" in page.content.decode()


def test_a_bug_gets_a_plain_friendly_500_page(coordinator, monkeypatch):
    def broken(request, key, **_):
        raise RuntimeError("a bug")

    monkeypatch.setattr("journey.views._access", broken)
    page = Client(raise_request_exception=False).get(coordinator.url("review"))
    assert page.status_code == 500
    html = page.content.decode()
    assert "Something went wrong on our side" in html
    assert "Answers you saved before are kept" in html


def test_staff_read_the_typing_kept_after_the_deadline(client, coordinator, staff_client):
    with time_machine.travel(coordinator.invitation.wave.closes_at + dt.timedelta(minutes=5)):
        post(client, coordinator, "practices", {"A10": "<script>late</script>\nsecond line"})
    edit = UnsavedEdit.objects.get()
    page = staff_client.get(f"/admin/surveys/unsavededit/{edit.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "&lt;script&gt;late&lt;/script&gt;\nsecond line" in html
    assert "<script>late" not in html


def test_a_nul_typed_after_the_deadline_is_kept_without_breaking_the_store(client, coordinator):
    with time_machine.travel(coordinator.invitation.wave.closes_at + dt.timedelta(minutes=5)):
        page = post(client, coordinator, "practices", {"A10": "late\x00text"})
    assert page.status_code == 403
    # PostgreSQL's JSON refuses NUL: it is kept as the replacement character.
    assert UnsavedEdit.objects.get().inputs["A10"] == "late\ufffdtext"


def test_removing_an_empty_row_asks_nothing(client, coordinator):
    assert post(client, coordinator, "achievements", {"A4": "1", "A5.rows": "0"}, action="add:A5").status_code == 302
    assert RepeatRow.objects.filter(question__code="A5").count() == 1
    removed = post(client, coordinator, "achievements", {"A4": "1", "A5.rows": "1"}, action="remove:A5:0")
    assert removed.status_code == 302
    assert not RepeatRow.objects.filter(question__code="A5").exists()
