"""Reminders: the wave's policy applied by the periodic task, and "send reminders now"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from outreach.models import Kind, Message
from outreach.services import invitations_send, policy_for, reminders_queue_due, reminders_send
from outreach.tasks import queue_due_reminders
from surveys.models import Contact, Response, Wave
from surveys.services.responses import response_submit
from surveys.services.waves import response_extend

from .conftest import CLOSES, T0

DAY = dt.timedelta(days=1)


@pytest.fixture
def invited(wave: Wave, frozen: Any, django_capture_on_commit_callbacks: Any) -> Wave:
    """The tiny wave, its invitations sent at T0, reminders after 7 days then every 5, at most 2."""
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=wave)
    policy = policy_for(wave)
    policy.first_reminder_days, policy.reminder_interval_days, policy.max_reminders = 7, 5, 2
    policy.save()
    mail.outbox.clear()
    return wave


@pytest.fixture
def tick(django_capture_on_commit_callbacks: Any) -> Any:
    """One run of the periodic task, its emails sent in-process; returns who got one."""

    def run() -> list[str]:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            queue_due_reminders.apply()
        return sorted(m.to[0].split("<")[1].rstrip(">") for m in mail.outbox)

    return run


def reminders_of(contact: Contact) -> list[tuple[int, dt.datetime | None]]:
    return list(
        Message.objects.filter(contact=contact, kind=Kind.REMINDER)
        .order_by("sequence")
        .values_list("sequence", "sent_at")
    )


def test_it_reminds_n_days_after_the_invitation_then_every_m_days_at_most_k(
    invited: Wave, people: dict[str, Contact], frozen: Any, tick: Any
) -> None:
    everyone = ["ada@gca.example.org", "ben@gca.example.org", "cleo@elbe.example.org"]
    frozen.move_to(T0 + 7 * DAY - dt.timedelta(minutes=1))
    assert tick() == []
    frozen.move_to(T0 + 7 * DAY)
    assert tick() == everyone
    # The next run, a quarter of an hour later, sends nothing more.
    frozen.move_to(T0 + 7 * DAY + dt.timedelta(minutes=15))
    assert tick() == []
    frozen.move_to(T0 + 12 * DAY - dt.timedelta(minutes=1))
    assert tick() == []
    frozen.move_to(T0 + 12 * DAY)
    assert tick() == everyone
    # At most two.
    frozen.move_to(T0 + 17 * DAY)
    assert tick() == []
    assert reminders_of(people["ada"]) == [(1, T0 + 7 * DAY), (2, T0 + 12 * DAY)]


def test_it_reminds_only_contacts_of_partnerships_that_have_not_submitted(
    invited: Wave, people: dict[str, Contact], frozen: Any, tick: Any
) -> None:
    response_submit(
        response_id=Response.objects.get(wave=invited, partnership__acronym="GCA").pk, contact=people["ada"]
    )
    frozen.move_to(T0 + 7 * DAY)

    assert tick() == ["cleo@elbe.example.org"]


def test_it_says_in_the_reminder_how_long_is_left(invited: Wave, frozen: Any, tick: Any) -> None:
    frozen.move_to(T0 + 7 * DAY)
    tick()

    (cleo,) = [m for m in mail.outbox if "cleo@" in m.to[0]]
    assert (
        cleo.subject == "Reminder: Tiny Progress Survey for ELBE, deadline 5 June 2019, end of the day (Brussels time)"
    )
    assert "ELBE has not submitted the Tiny Progress Survey yet." in cleo.body


def test_it_never_reminds_after_the_deadline(invited: Wave, frozen: Any, tick: Any) -> None:
    # Deadline 6 June 00:00 Brussels = 23 days after T0: reminders at 7 and 12 days; set K=5.
    policy = policy_for(invited)
    policy.max_reminders = 5
    policy.save()
    for day in (7, 12, 17, 22):
        frozen.move_to(T0 + day * DAY)
        assert len(tick()) == 3
    frozen.move_to(CLOSES + dt.timedelta(days=4))
    assert tick() == []


def test_it_keeps_reminding_a_partnership_whose_deadline_was_extended(
    invited: Wave, people: dict[str, Contact], frozen: Any, tick: Any, django_capture_on_commit_callbacks: Any
) -> None:
    policy = policy_for(invited)
    policy.max_reminders = 9
    policy.save()
    with django_capture_on_commit_callbacks(execute=True):
        response_extend(
            response=Response.objects.get(wave=invited, partnership__acronym="ELBE"), deadline=CLOSES + 10 * DAY
        )
    for day in (7, 12, 17, 22):
        frozen.move_to(T0 + day * DAY)
        tick()
    frozen.move_to(T0 + 27 * DAY)  # after the wave's deadline, before ELBE's

    assert tick() == ["cleo@elbe.example.org"]


def test_it_sends_no_automatic_reminder_when_the_policy_is_off(invited: Wave, frozen: Any, tick: Any) -> None:
    policy = policy_for(invited)
    policy.reminders_enabled = False
    policy.save()
    frozen.move_to(T0 + 30 * DAY)

    assert tick() == []
    assert reminders_queue_due() == 0


def test_it_does_not_remind_a_contact_whose_invitation_has_not_gone_out(wave: Wave, frozen: Any, tick: Any) -> None:
    frozen.move_to(T0 + 8 * DAY)

    assert tick() == []


def test_it_sends_reminders_now_but_not_twice_within_a_day(
    invited: Wave, people: dict[str, Contact], frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response_submit(
        response_id=Response.objects.get(wave=invited, partnership__acronym="GCA").pk, contact=people["ben"]
    )
    # Invited less than a day ago: nobody yet.
    frozen.move_to(T0 + dt.timedelta(hours=23))
    assert (reminders_send(wave=invited).queued, reminders_send(wave=invited).skipped) == (0, 1)

    frozen.move_to(T0 + 2 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        first = reminders_send(wave=invited)
    with django_capture_on_commit_callbacks(execute=True):
        second = reminders_send(wave=invited)

    assert (first.queued, second.queued, second.skipped) == (1, 0, 1)
    assert [m.to[0] for m in mail.outbox] == ["Cleo Outsider <cleo@elbe.example.org>"]
    assert reminders_of(people["cleo"]) == [(1, T0 + 2 * DAY)]


def test_it_counts_a_manual_reminder_in_the_policy(
    invited: Wave, people: dict[str, Contact], frozen: Any, tick: Any, django_capture_on_commit_callbacks: Any
) -> None:
    frozen.move_to(T0 + 3 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(wave=invited)
    # The next automatic one comes 5 days after the manual one, and it is the last (K=2).
    frozen.move_to(T0 + 7 * DAY)
    assert tick() == []
    frozen.move_to(T0 + 8 * DAY)
    assert len(tick()) == 3
    frozen.move_to(T0 + 13 * DAY)
    assert tick() == []
    assert [seq for seq, _ in reminders_of(people["cleo"])] == [1, 2]


def test_it_refuses_reminders_now_for_a_closed_wave(invited: Wave, frozen: Any) -> None:
    Wave.objects.filter(pk=invited.pk).update(closed_at=T0 + DAY)
    invited.refresh_from_db()

    with pytest.raises(ValidationError):
        reminders_send(wave=invited)


def test_it_cancels_a_queued_reminder_once_the_partnership_submitted(
    invited: Wave, people: dict[str, Contact], frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    frozen.move_to(T0 + 2 * DAY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminders_send(wave=invited)
    response_submit(
        response_id=Response.objects.get(wave=invited, partnership__acronym="ELBE").pk, contact=people["cleo"]
    )
    for callback in callbacks:
        callback()

    cleo = Message.objects.get(contact=people["cleo"], kind=Kind.REMINDER)
    assert (cleo.status, cleo.last_error) == (
        "cancelled",
        "The partnership submitted its response before this message went out.",
    )
    assert len(mail.outbox) == 2
