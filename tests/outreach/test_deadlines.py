"""Deadlines as outreach sees them: the emails of extensions (the engine's `deadline_extended`),
no submission after the deadline, reopening. Closing and extending themselves:
tests/surveys/test_wave_deadlines.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from outreach.models import Kind, Message
from outreach.services import invitations_send
from surveys.exceptions import ResponseClosed
from surveys.models import Contact, Response, Wave
from surveys.services.responses import response_reopen, response_save_section, response_submit
from surveys.services.waves import response_extend, wave_extend, waves_close_due

from .conftest import CLOSES

DAY = dt.timedelta(days=1)


def response_of(wave: Wave, acronym: str) -> Response:
    return Response.objects.select_related("wave", "partnership").get(wave=wave, partnership__acronym=acronym)


@pytest.fixture
def invited(wave: Wave, django_capture_on_commit_callbacks: Any) -> Wave:
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=wave)
    mail.outbox.clear()
    return wave


def test_it_accepts_no_submission_after_the_deadline_and_keeps_the_drafts(
    wave: Wave, people: dict[str, Contact], frozen: Any
) -> None:
    gca = response_of(wave, "GCA")
    response_save_section(
        response_id=gca.pk, section_code="about", contact=people["ada"], values={"Q1": "Draft"}, lock_version=0
    )
    frozen.move_to(CLOSES)
    waves_close_due()

    with pytest.raises(ResponseClosed):
        response_submit(response_id=gca.pk, contact=people["ada"])

    gca.refresh_from_db()
    assert gca.status == "draft"
    assert gca.answers.get().text == "Draft"


def test_it_extends_a_wave_reopens_it_and_tells_the_partnerships_that_have_not_submitted(
    invited: Wave, people: dict[str, Contact], frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response_submit(response_id=response_of(invited, "GCA").pk, contact=people["ada"])
    frozen.move_to(CLOSES + DAY)
    waves_close_due()
    invited.refresh_from_db()
    new = CLOSES + 7 * DAY

    with django_capture_on_commit_callbacks(execute=True):
        extension = wave_extend(wave=invited, closes_at=new)
    queued = extension.messages.count()

    invited.refresh_from_db()
    assert (invited.closes_at, invited.closed_at) == (new, None)
    assert (extension.previous_deadline, extension.new_deadline, extension.response) == (CLOSES, new, None)
    assert queued == 1
    (email,) = mail.outbox
    assert email.to == ["Cleo Outsider <cleo@elbe.example.org>"]
    assert email.subject == "Deadline extended: Tiny Progress Survey for ELBE"
    assert "has been extended to 12 June 2019, end of the day (Brussels time)" in email.body
    assert Message.objects.get(kind=Kind.EXTENSION).extension == extension
    # ELBE can submit again.
    response_submit(response_id=response_of(invited, "ELBE").pk, contact=people["cleo"])


def test_it_does_not_tell_a_partnership_whose_own_deadline_is_later_still(
    invited: Wave, django_capture_on_commit_callbacks: Any
) -> None:
    Response.objects.filter(wave=invited, partnership__acronym="GCA").update(deadline=CLOSES + 10 * DAY)

    with django_capture_on_commit_callbacks(execute=True):
        wave_extend(wave=invited, closes_at=CLOSES + 5 * DAY)

    assert [m.to[0] for m in mail.outbox] == ["Cleo Outsider <cleo@elbe.example.org>"]


def test_it_tells_nobody_before_the_invitations_went_out(wave: Wave, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queued = wave_extend(wave=wave, closes_at=CLOSES + DAY).messages.count()

    assert queued == 0
    assert mail.outbox == []


def test_it_extends_one_partnership_and_tells_only_its_contacts(
    invited: Wave, frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    frozen.move_to(CLOSES + DAY)
    waves_close_due()
    gca = response_of(invited, "GCA")

    with django_capture_on_commit_callbacks(execute=True):
        extension = response_extend(response=gca, deadline=CLOSES + 3 * DAY)
    queued = extension.messages.count()

    gca.refresh_from_db()
    invited.refresh_from_db()
    assert gca.deadline == CLOSES + 3 * DAY
    assert invited.closed_at is None
    assert (extension.response, extension.previous_deadline) == (gca, CLOSES)
    assert queued == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "Ada Lovelace <ada@gca.example.org>",
        "Ben Colleague <ben@gca.example.org>",
    ]
    assert "has been extended to 8 June 2019, end of the day (Brussels time)" in mail.outbox[0].body
    assert gca.accepts_answers()
    assert not response_of(invited, "ELBE").accepts_answers()


def test_it_lets_a_reopened_response_be_corrected_and_submitted_again(
    wave: Wave, people: dict[str, Contact], frozen: Any
) -> None:
    gca = response_of(wave, "GCA")
    response_submit(response_id=gca.pk, contact=people["ada"])
    frozen.move_to(CLOSES + DAY)
    response_reopen(response_id=gca.pk)
    response_extend(response=gca, deadline=CLOSES + 2 * DAY)

    response_save_section(
        response_id=gca.pk, section_code="about", contact=people["ben"], values={"Q1": "Fixed"}, lock_version=0
    )
    response_submit(response_id=gca.pk, contact=people["ben"])

    gca.refresh_from_db()
    assert (gca.status, gca.submitted_by) == ("submitted", people["ben"])
