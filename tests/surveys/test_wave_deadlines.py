"""The wave's life in the engine: closing at the deadline (the beat task) and extensions of a
wave or of one partnership, told to the apps above by `deadline_extended`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from surveys import signals
from surveys.models import DeadlineExtension, Response, Wave
from surveys.services.waves import response_extend, wave_close, wave_extend, waves_close_due
from surveys.tasks import close_due_waves
from tests.factories import days

SECOND = dt.timedelta(seconds=1)


def response_of(wave: Wave, acronym: str) -> Response:
    return Response.objects.select_related("wave", "partnership").get(wave=wave, partnership__acronym=acronym)


def submit(response: Response) -> None:
    Response.objects.filter(pk=response.pk).update(status=Response.Status.SUBMITTED, submitted_at=timezone.now())


@pytest.fixture
def told() -> Iterator[list[dict[str, Any]]]:
    """What `deadline_extended` said, in order."""
    heard: list[dict[str, Any]] = []

    def listen(**kwargs: Any) -> None:
        heard.append({"extension_id": kwargs["extension_id"], "partnership_ids": sorted(kwargs["partnership_ids"])})

    signals.deadline_extended.connect(listen, dispatch_uid="test.told")
    yield heard
    signals.deadline_extended.disconnect(dispatch_uid="test.told")


def test_it_closes_the_wave_at_its_deadline_once_and_the_beat_task_runs_it(wave_4i: Wave) -> None:
    deadline = wave_4i.closes_at
    assert waves_close_due(now=deadline - SECOND) == 0
    assert waves_close_due(now=deadline) == 1
    assert waves_close_due(now=deadline + SECOND) == 0
    wave_4i.refresh_from_db()
    assert wave_4i.closed_at == deadline

    Wave.objects.filter(pk=wave_4i.pk).update(closes_at=days(-0.5), closed_at=None)
    assert close_due_waves.apply().get() == 1
    assert close_due_waves.apply().get() == 0


def test_it_keeps_a_wave_open_while_a_partnership_has_a_later_deadline(wave_4i: Wave) -> None:
    later = wave_4i.closes_at + dt.timedelta(days=3)
    Response.objects.filter(wave=wave_4i, partnership__acronym="EC2i").update(deadline=later)

    assert waves_close_due(now=wave_4i.closes_at + SECOND) == 0
    assert waves_close_due(now=later) == 1


def test_it_extends_a_wave_reopens_it_and_names_the_partnerships_concerned(
    wave_4i: Wave, told: list[dict[str, Any]]
) -> None:
    old = wave_4i.closes_at
    waves_close_due(now=old)
    acronyms = list(Response.objects.filter(wave=wave_4i).values_list("partnership__acronym", flat=True))
    assert len(acronyms) >= 3
    done, own_later, *rest = sorted(acronyms)
    submit(response_of(wave_4i, done))
    Response.objects.filter(wave=wave_4i, partnership__acronym=own_later).update(deadline=old + dt.timedelta(days=30))
    new = old + dt.timedelta(days=7)

    extension = wave_extend(wave=wave_4i, closes_at=new, now=old + SECOND)

    wave_4i.refresh_from_db()
    assert (wave_4i.closes_at, wave_4i.closed_at) == (new, None)
    assert (extension.wave, extension.response, extension.previous_deadline, extension.new_deadline) == (
        wave_4i,
        None,
        old,
        new,
    )
    concerned = sorted(response_of(wave_4i, acronym).partnership_id for acronym in rest)
    assert told == [{"extension_id": extension.pk, "partnership_ids": concerned}]


def test_it_extends_one_partnership_and_reopens_its_closed_wave(wave_4i: Wave, told: list[dict[str, Any]]) -> None:
    old = wave_4i.closes_at
    waves_close_due(now=old)
    response = response_of(wave_4i, "EC2i")

    extension = response_extend(response=response, deadline=old + dt.timedelta(days=3), now=old + SECOND)

    response.refresh_from_db()
    wave_4i.refresh_from_db()
    assert response.deadline == old + dt.timedelta(days=3)
    assert wave_4i.closed_at is None
    assert (extension.response, extension.previous_deadline) == (response, old)
    assert told == [{"extension_id": extension.pk, "partnership_ids": [response.partnership_id]}]
    assert response.accepts_answers(old + dt.timedelta(days=2))


@pytest.mark.parametrize(
    ("offset", "error"),
    [
        (dt.timedelta(days=-1), "The new deadline must be later than the current one"),
        (dt.timedelta(days=-40), "The new deadline must be in the future."),
    ],
)
def test_it_refuses_a_deadline_that_is_not_an_extension(
    wave_4i: Wave, offset: dt.timedelta, error: str, told: list[dict[str, Any]]
) -> None:
    with pytest.raises(ValidationError) as caught:
        wave_extend(wave=wave_4i, closes_at=wave_4i.closes_at + offset)

    assert caught.value.message_dict["closes_at"][0].startswith(error)
    assert not DeadlineExtension.objects.exists()
    assert told == []


def test_it_refuses_to_extend_a_submitted_response_or_one_of_a_wave_closed_early(wave_4i: Wave) -> None:
    submitted = response_of(wave_4i, "EC2i")
    submit(submitted)
    with pytest.raises(ValidationError) as caught:
        response_extend(response=submitted, deadline=days(40))
    assert caught.value.message_dict == {
        "deadline": ["EC2i has submitted; reopen its response first if it must change it."]
    }

    other = Response.objects.filter(wave=wave_4i).exclude(pk=submitted.pk).select_related("wave", "partnership")[0]
    wave_close(wave=wave_4i)
    with pytest.raises(ValidationError) as closed:
        response_extend(response=other, deadline=days(40))
    assert "was closed early" in closed.value.message_dict["deadline"][0]
    assert not DeadlineExtension.objects.exists()
