"""What a respondent is called, per questionnaire: partnerships (ESCP), cluster organisations
(ECCP), declared in the definition and used by the journey, the emails and the reports (issue 12)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from escp_survey.celery import app as celery_app
from outreach.services import invitations_send
from surveys.definition.loader import DefinitionError, checksum, normalise, questionnaire_load
from surveys.models import Questionnaire, Wave
from surveys.services.waves import wave_open
from tests.conftest import Persona, make_persona
from tests.factories import ContactFactory, PartnershipFactory, days


def html_of(email: Any) -> str:
    """The HTML part of a sent email (EmailMultiAlternatives)."""
    return str(email.alternatives[0][0])


def minimal(**top: object) -> dict[str, Any]:
    return {
        "code": "demo",
        "title": "Demo",
        "version": 1,
        "groups": ["g"],
        "sections": [{"code": "s", "title": "S", "questions": [{"code": "Q1", "type": "text", "text": "Name?"}]}],
    } | top


def test_the_definition_declares_the_name_and_the_version_keeps_it(db: None) -> None:
    names = {"singular": "cluster  organisation", "plural": "cluster organisations"}

    version = questionnaire_load(definition=normalise(minimal(population=names))).version

    assert (version.population_singular, version.population_plural) == ("cluster organisation", "cluster organisations")


def test_without_the_key_it_is_partnerships_and_the_checksum_is_unchanged(db: None) -> None:
    definition = normalise(minimal())
    version = questionnaire_load(definition=definition).version

    assert (version.population_singular, version.population_plural) == ("partnership", "partnerships")
    # A stored definition of before the key loads as "unchanged", not as a new version.
    assert "population" not in definition
    assert version.checksum == checksum(definition)


@pytest.mark.parametrize(
    ("population", "problem"),
    [
        ("cluster organisation", "population: must be a mapping with `singular` and `plural`"),
        ({"singular": "cluster organisation"}, "population.plural: must be a name of 1 to 64 characters"),
        ({"singular": "x", "plural": "xs", "dual": "x2"}, "population.dual: is not a known attribute"),
    ],
)
def test_a_wrong_population_is_named_with_its_path(population: object, problem: str) -> None:
    with pytest.raises(DefinitionError) as info:
        normalise(minimal(population=population))

    assert any(problem in p for p in info.value.problems), info.value.problems


def test_the_bundled_questionnaires_name_their_respondents(questionnaires: dict[str, Questionnaire]) -> None:
    named = {
        code: (q.latest_version().population_singular, q.latest_version().population_plural)  # type: ignore[union-attr]
        for code, q in questionnaires.items()
    }

    assert named == {
        "eccp-user-satisfaction": ("cluster organisation", "cluster organisations"),
        "escp-4i-progress": ("partnership", "partnerships"),
        "escp-s3-progress": ("partnership", "partnerships"),
    }


@pytest.fixture
def eccp_wave(questionnaires: dict[str, Questionnaire]) -> Wave:
    cluster = PartnershipFactory.create(
        acronym="CLUSTER-01", name="Demo cluster organisation 1", programme="eccp", group="cluster-organisation"
    )
    ContactFactory.create(partnership=cluster, name="Ines Cluster", email="ines@cluster.example.org")
    version = questionnaires["eccp-user-satisfaction"].latest_version()
    assert version is not None
    return wave_open(version=version, slug="eccp-2019", opens_at=days(-1), closes_at=days(10))


@pytest.fixture
def cluster(eccp_wave: Wave) -> Persona:
    contact = eccp_wave.invitations.get().contact
    return make_persona(eccp_wave, contact)


def test_the_journey_speaks_of_cluster_organisations_in_the_eccp_survey(client: Client, cluster: Persona) -> None:
    welcome = client.get(cluster.url()).content.decode()
    review = client.get(cluster.url("review")).content.decode()

    assert "Progress of your cluster organisation" in welcome
    assert "All contacts of your cluster organisation share one set of answers" in welcome
    assert "Check the answers of your cluster organisation, CLUSTER-01." in review
    # What the page says, not the names of the scripts it loads (partnership-picker.js).
    said = re.sub(r"<script[^>]*></script>", "", welcome)
    assert "partnership" not in said.lower()


def test_the_journey_still_speaks_of_partnerships_in_annex_a(client: Client, coordinator: Persona) -> None:
    assert "Progress of your partnership" in client.get(coordinator.url()).content.decode()


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    # In-process even where REDIS_URL is set (CI), as in tests/outreach/conftest.py.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_the_eccp_invitation_speaks_of_cluster_organisations(
    eccp_wave: Wave, django_capture_on_commit_callbacks: Any, eager_tasks: None
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=eccp_wave)

    (email,) = mail.outbox
    assert "One response per cluster organisation is enough." in email.body
    assert "One response per cluster organisation is enough." in html_of(email)
    assert "partnership" not in email.body.lower()


def test_the_eccp_dashboard_counts_cluster_organisations(eccp_wave: Wave, staff_client: Client) -> None:
    page = staff_client.get(reverse("reports:dashboard", args=[eccp_wave.slug])).content.decode()

    assert "0 of 1 invited cluster organisations completed the survey" in page
