"""Fixtures of the outreach tests: a tiny questionnaire and wave, tasks run in-process.

The wave `tiny-2019` is for three partnerships: GCA (Ada and Ben), ELBE (Cleo) and EC2i
(Dan, inactive). It opened a day ago and closes at the end of 5 June 2019's equivalent
twenty days ahead (`CLOSES`); only the tiny questionnaire's one optional question means a
response can be submitted without answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, cast

import pytest
import time_machine
from django.core import mail

from escp_survey.celery import app as celery_app
from outreach.models import Kind, Message
from surveys.definition.loader import normalise, questionnaire_load
from surveys.models import Contact, Wave
from surveys.services.waves import wave_open
from tests.factories import ContactFactory, PartnershipFactory

# A fixed "now" for the frozen-time tests: Monday 13 May 2019, 09:00 in Brussels.
T0 = dt.datetime(2019, 5, 13, 7, 0, tzinfo=dt.UTC)
CLOSES = dt.datetime(2019, 6, 5, 22, 0, tzinfo=dt.UTC)  # 6 June 00:00 Brussels: end of 5 June

TINY = {
    "code": "tiny-progress",
    "title": "Tiny Progress Survey",
    "version": 1,
    "minutes": 20,
    "groups": ["strand-1", "strand-2"],
    "sections": [
        {
            "code": "about",
            "title": "About",
            "questions": [{"code": "Q1", "type": "text", "text": "Anything to add?"}],
        }
    ],
}


@pytest.fixture(autouse=True)
def _eager_tasks() -> Iterator[None]:
    # Tasks run in-process here even where REDIS_URL is set (CI): these tests are about the
    # logic; test_integration.py runs a real worker.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(db: None) -> dict[str, Contact]:
    gca = PartnershipFactory(acronym="GCA", name="Green Chemistry Alliance", group="strand-1")
    elbe = PartnershipFactory(acronym="ELBE", name="", group="strand-1")
    ec2i = PartnershipFactory(acronym="EC2i", group="strand-2")
    contacts = {
        "ada": ContactFactory(partnership=gca, name="Ada Lovelace", email="ada@gca.example.org"),
        "ben": ContactFactory(partnership=gca, name="Ben Colleague", email="ben@gca.example.org"),
        "cleo": ContactFactory(partnership=elbe, name="Cleo Outsider", email="cleo@elbe.example.org"),
        "dan": ContactFactory(partnership=ec2i, name="Dan Inactive", email="dan@ec2i.example.org", is_active=False),
    }
    return cast(dict[str, Contact], contacts)


@pytest.fixture
def wave(frozen: Any, people: dict[str, Contact]) -> Wave:
    version = questionnaire_load(definition=normalise(TINY, source="tests"), source="tests").version
    return wave_open(
        version=version, slug="tiny-2019", opens_at=T0 - dt.timedelta(days=1), closes_at=CLOSES, title="Tiny 2019"
    )


def outbox_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if any(address in to for to in m.to)]


def rows(wave: Wave, kind: str = Kind.INVITATION) -> list[Message]:
    return list(Message.objects.filter(wave=wave, kind=kind).select_related("contact").order_by("contact__email"))
