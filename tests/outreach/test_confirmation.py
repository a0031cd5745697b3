"""The confirmation email to a partnership's contacts when its response is submitted."""

from __future__ import annotations

from typing import Any

from django.core import mail

from outreach.models import Kind, Message
from outreach.services import confirmations_queue
from surveys.models import Contact, Response, Wave
from surveys.services.responses import response_reopen, response_submit


def gca(wave: Wave) -> Response:
    return Response.objects.get(wave=wave, partnership__acronym="GCA")


def test_it_confirms_a_submission_to_every_contact_of_the_partnership(
    wave: Wave, people: dict[str, Contact], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response_id=gca(wave).pk, contact=people["ben"])

    assert sorted(m.to[0] for m in mail.outbox) == [
        "Ada Lovelace <ada@gca.example.org>",
        "Ben Colleague <ben@gca.example.org>",
    ]
    email = mail.outbox[0]
    assert email.subject == "GCA submitted: Tiny Progress Survey"
    assert (
        "the response of Green Chemistry Alliance to the Tiny Progress Survey was submitted by Ben Colleague "
        "on 13 May 2019, 09:00 (Brussels time)." in email.body
    )


def test_it_confirms_a_submission_only_once(
    wave: Wave, people: dict[str, Contact], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response_id=gca(wave).pk, contact=people["ada"])

    with django_capture_on_commit_callbacks(execute=True):
        again = confirmations_queue(response_id=gca(wave).pk)

    assert again == []
    assert len(mail.outbox) == 2


def test_it_confirms_a_corrected_submission_again(
    wave: Wave, people: dict[str, Contact], frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response_id=gca(wave).pk, contact=people["ada"])
    frozen.shift(3600)
    response_reopen(response_id=gca(wave).pk)

    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response_id=gca(wave).pk, contact=people["ada"])

    assert len(mail.outbox) == 4
    assert sorted(
        Message.objects.filter(kind=Kind.CONFIRMATION, contact=people["ada"]).values_list("sequence", flat=True)
    ) == [1, 2]


def test_it_queues_nothing_for_a_response_not_submitted(wave: Wave) -> None:
    assert confirmations_queue(response_id=gca(wave).pk) == []
