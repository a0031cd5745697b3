"""Staff review (issue 15 item 5): send a submission back with a message (emailed with the
contacts' links), re-submit, check; every submission kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from outreach.models import Kind, Message
from surveys.models import Contact, Response, ResponseEvent, Wave
from surveys.services.responses import response_submit
from surveys.services.review import response_check, response_send_back, review_counts
from tests.factories import StaffFactory

from .conftest import T0, outbox_to


def gca(wave: Wave) -> Response:
    return Response.objects.get(wave=wave, partnership__acronym="GCA")


MESSAGE = "A4 says 3 agreements but only 2 are listed <b>below</b>: please add the third."


def test_send_back_reopens_emails_the_message_and_keeps_both_submissions(
    wave: Wave, people: dict[str, Contact], frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = StaffFactory.create(username="sam")
    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response_id=gca(wave).pk, contact=people["ada"])
    frozen.shift(3600)
    with django_capture_on_commit_callbacks(execute=True):
        response_send_back(response_id=gca(wave).pk, by=staff, message=f"  {MESSAGE}\n")

    response = gca(wave)
    assert response.status == Response.Status.DRAFT and response.submitted_at is None
    # Ada and Ben (GCA's contacts) get it; Cleo (ELBE) does not.
    sent = Message.objects.filter(kind=Kind.SENT_BACK).order_by("contact__email")
    assert [(m.contact.name, m.status, m.sequence) for m in sent] == [
        ("Ada Lovelace", Message.Status.SENT, 1),
        ("Ben Colleague", Message.Status.SENT, 1),
    ]
    assert outbox_to("cleo@elbe.example.org") == []
    email = next(e for e in outbox_to("ben@gca.example.org") if e.subject.startswith("Please correct"))
    assert email.subject == "Please correct: Tiny Progress Survey for GCA"
    assert MESSAGE in email.body
    link = [line for line in email.body.splitlines() if line.startswith(settings.SITE_URL)]
    assert len(link) == 1 and len(link[0]) > len(settings.SITE_URL) + 20
    html = email.alternatives[0][0]
    # The message is the staff's text: escaped in the HTML body.
    assert "&lt;b&gt;below&lt;/b&gt;" in html and "<b>below</b>" not in html
    assert link[0] in html

    frozen.shift(3600)
    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response_id=response.pk, contact=people["ben"])

    events = list(ResponseEvent.objects.filter(response=response).order_by("at"))
    assert [(e.kind, e.by_contact, e.by_user, e.message) for e in events] == [
        ("submitted", people["ada"], None, ""),
        ("sent_back", None, staff, MESSAGE),
        ("submitted", people["ben"], None, ""),
    ]
    assert [e.at for e in events] == [T0, T0.replace(hour=8), T0.replace(hour=9)]


def test_send_back_needs_a_message_and_a_submission(wave: Wave, people: dict[str, Contact]) -> None:
    with pytest.raises(ValidationError) as not_submitted:
        response_send_back(response_id=gca(wave).pk, by=None, message="Please fix A4")
    assert "GCA is not submitted" in not_submitted.value.messages[0]

    response_submit(response_id=gca(wave).pk, contact=people["ada"])
    with pytest.raises(ValidationError) as empty:
        response_send_back(response_id=gca(wave).pk, by=None, message="   ")
    assert empty.value.message_dict["message"] == [
        "Write what the partnership should correct: the message goes to its contacts."
    ]
    assert gca(wave).status == Response.Status.SUBMITTED


def test_checked_and_the_dashboard_counts(
    wave: Wave, people: dict[str, Contact], frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = StaffFactory.create(username="sam")
    elbe = Response.objects.get(wave=wave, partnership__acronym="ELBE")
    with pytest.raises(ValidationError):
        response_check(response_id=elbe.pk, by=staff)  # a draft cannot be checked

    response_submit(response_id=gca(wave).pk, contact=people["ada"])
    response_submit(response_id=elbe.pk, contact=people["cleo"])
    frozen.shift(60)
    event = response_check(response_id=gca(wave).pk, by=staff)
    assert (event.kind, event.by_user, event.at) == ("checked", staff, T0.replace(minute=1))

    # GCA submitted and checked, ELBE submitted, EC2i not started.
    assert review_counts(wave_ids=[wave.pk])[wave.pk] == (2, 1, 0)

    frozen.shift(60)
    with django_capture_on_commit_callbacks(execute=True):
        response_send_back(response_id=elbe.pk, by=staff, message="Please give the organisation's name.")
    # ELBE is a draft again, sent back; GCA still checked.
    assert review_counts(wave_ids=[wave.pk])[wave.pk] == (1, 1, 1)

    frozen.shift(60)
    response_submit(response_id=elbe.pk, contact=people["cleo"])
    # Submitted again: no longer counted as sent back, not yet checked.
    assert review_counts(wave_ids=[wave.pk])[wave.pk] == (2, 1, 0)


def test_the_admin_front_page_shows_checked_and_sent_back_per_wave(
    wave: Wave, people: dict[str, Contact], frozen: Any, django_capture_on_commit_callbacks: Any, staff_client: Any
) -> None:
    staff = StaffFactory.create(username="sam")
    elbe = Response.objects.get(wave=wave, partnership__acronym="ELBE")
    response_submit(response_id=gca(wave).pk, contact=people["ada"])
    response_submit(response_id=elbe.pk, contact=people["cleo"])
    frozen.shift(60)
    response_check(response_id=gca(wave).pk, by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        response_send_back(response_id=elbe.pk, by=staff, message="Please give the organisation's name.")

    page = staff_client.get("/admin/").content.decode()
    table = page[page.index('id="wave-overview"') :]
    row = table[table.index(f">{wave.slug}</a>") :]
    row = row[: row.index("</tr>")]
    cells = [c.split("</td>")[0].strip() for c in row.split("<td>")[1:]]
    # Questionnaire, state, deadline, invited, started, completed, checked, sent back, rate:
    # GCA submitted and checked; ELBE sent back (a draft again); one completed of three.
    assert cells[6:8] == ["1", "1"]
    assert cells[8].endswith("33%")
