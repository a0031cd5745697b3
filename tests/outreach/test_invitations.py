"""Sending a wave's invitations: one per invited contact, never twice, a fresh link in each."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from outreach.models import Kind, Message
from outreach.services import invitations_send
from surveys.models import AccessKey, Contact, Invitation, Wave
from surveys.models.waves import hash_key
from surveys.services.waves import invitation_revoke
from tests.factories import ContactFactory

from .conftest import T0, outbox_to, rows

LINK = re.compile(r"http://testserver/r/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _site_url(settings: Any) -> None:
    settings.SITE_URL = "http://testserver"


def test_it_queues_and_sends_one_invitation_per_active_invited_contact(
    wave: Wave, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = invitations_send(wave=wave)

    # Ada, Ben (GCA) and Cleo (ELBE); Dan is inactive.
    assert result.queued == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "Ada Lovelace <ada@gca.example.org>",
        "Ben Colleague <ben@gca.example.org>",
        "Cleo Outsider <cleo@elbe.example.org>",
    ]
    assert [(m.contact.email, m.status, m.sequence, m.attempts) for m in rows(wave)] == [
        ("ada@gca.example.org", "sent", 0, 1),
        ("ben@gca.example.org", "sent", 0, 1),
        ("cleo@elbe.example.org", "sent", 0, 1),
    ]
    assert all(m.sent_at == T0 for m in rows(wave))


def test_it_fills_the_placeholders_for_the_contact(wave: Wave, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=wave)

    (email,) = outbox_to("ada@gca.example.org")
    assert email.subject == "Tiny Progress Survey: your invitation (GCA)"
    assert "Dear Ada Lovelace," in email.body
    assert "invites Green Chemistry Alliance to answer the Tiny Progress Survey" in email.body
    assert "about 20 minutes" in email.body
    # Closes 6 June 00:00 Brussels: people read "the end of 5 June".
    assert "Please submit it by 5 June 2019, end of the day (Brussels time)." in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "Green Chemistry Alliance" in html
    (cleo,) = outbox_to("cleo@elbe.example.org")
    # ELBE has no full name: its acronym stands in.
    assert "invites ELBE to answer" in cleo.body


def test_it_puts_a_fresh_working_key_in_each_email_and_stores_only_its_hash(
    wave: Wave, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=wave)

    keys = {}
    for email in mail.outbox:
        (key,) = set(LINK.findall(str(email.body)))
        html = str(email.alternatives[0][0])  # type: ignore[union-attr]
        assert f'href="http://testserver/r/{key}/"' in html
        keys[email.to[0]] = key
    assert len(set(keys.values())) == 3
    ada_key = keys["Ada Lovelace <ada@gca.example.org>"]
    stored = AccessKey.objects.get(key_hash=hash_key(ada_key))
    assert stored.invitation.contact.email == "ada@gca.example.org"
    # Nothing in the message rows holds the key itself.
    for message in Message.objects.all():
        assert all(ada_key not in str(value) for value in message.__dict__.values())


def test_it_sends_nothing_new_the_second_time(wave: Wave, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=wave)
    with django_capture_on_commit_callbacks(execute=True):
        again = invitations_send(wave=wave)

    assert (again.queued, again.skipped) == (0, 3)
    assert len(mail.outbox) == 3
    assert Message.objects.count() == 3


def test_it_invites_only_a_contact_added_since(
    wave: Wave, people: dict[str, Contact], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=wave)
    ContactFactory(partnership=people["cleo"].partnership, name="Eve Newcomer", email="eve@elbe.example.org")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = invitations_send(wave=wave)

    assert result.queued == 1
    assert [m.to[0] for m in mail.outbox] == ["Eve Newcomer <eve@elbe.example.org>"]
    assert Invitation.objects.filter(wave=wave, contact__email="eve@elbe.example.org").exists()


def test_it_leaves_out_a_revoked_invitation(
    wave: Wave, people: dict[str, Contact], django_capture_on_commit_callbacks: Any
) -> None:
    invitation_revoke(invitation=Invitation.objects.get(wave=wave, contact=people["ben"]))

    with django_capture_on_commit_callbacks(execute=True):
        result = invitations_send(wave=wave)

    assert result.queued == 2
    assert outbox_to("ben@gca.example.org") == []


def test_it_does_not_send_a_queued_invitation_revoked_before_it_went(
    wave: Wave, people: dict[str, Contact], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitations_send(wave=wave)
    invitation_revoke(invitation=Invitation.objects.get(wave=wave, contact=people["ben"]))
    for callback in callbacks:
        callback()

    ben = Message.objects.get(contact=people["ben"])
    assert (ben.status, ben.last_error) == ("cancelled", "The contact's invitation was revoked.")
    assert len(mail.outbox) == 2


def test_it_refuses_a_closed_wave(wave: Wave) -> None:
    Wave.objects.filter(pk=wave.pk).update(closed_at=timezone.now())
    wave.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        invitations_send(wave=wave)

    assert "closed on 13 May 2019, 09:00 (Brussels time): extend its deadline" in caught.value.messages[0]
    assert not Message.objects.exists()


def test_it_queues_in_batches_of_the_configured_size(
    wave: Wave, settings: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.OUTREACH_BATCH_SIZE = 2
    batches: list[list[int]] = []
    from outreach.tasks import send_batch

    monkeypatch.setattr(send_batch, "apply_async", lambda args, **options: batches.append(args[0]))

    with django_capture_on_commit_callbacks(execute=True):
        result = invitations_send(wave=wave)

    ids = sorted(result.message_ids)
    assert batches == [ids[:2], ids[2:]]
    assert Message.objects.filter(kind=Kind.INVITATION, dispatched_at=T0).count() == 3
