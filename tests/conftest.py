"""Shared fixtures: the bundled questionnaires, open waves and the personas.

Personas: `coordinator` and `colleague` are two contacts of the same ESCP-4i partnership
(GCA, strand-1); `outsider` belongs to another partnership (ELBE); `staff` is an admin.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from surveys.definition.loader import bundled_paths, questionnaire_load, read_file
from surveys.definition.structure import clear_cache
from surveys.models import Contact, Invitation, Questionnaire, Wave
from surveys.services.waves import access_key_mint, wave_open
from tests.factories import ContactFactory, PartnershipFactory, StaffFactory, days


def pytest_configure(config: pytest.Config) -> None:
    # In CI the suite must really run against PostgreSQL and Redis, never fall back.
    if os.getenv("CI_REQUIRE_SERVICES"):
        from django.conf import settings

        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql", "CI must use PostgreSQL"
        assert os.getenv("REDIS_URL"), "CI must set REDIS_URL"


@pytest.fixture(autouse=True)
def _fresh_structure_cache() -> None:
    # Version ids repeat across tests (transactions roll back), so the per-process
    # structure cache must not outlive a test.
    clear_cache()


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    # The failed-attempt counters (escp_survey/security.py) live in a per-process cache: the
    # 404s of one test must not make another's requests "too many".
    from django.core.cache import caches

    caches["throttle"].clear()


@pytest.fixture
def questionnaires(db: None) -> dict[str, Questionnaire]:
    for path in bundled_paths():
        questionnaire_load(definition=read_file(path), source=str(path))
    return {q.code: q for q in Questionnaire.objects.all()}


@dataclass
class Persona:
    contact: Contact
    invitation: Invitation
    key: str

    def url(self, name: str = "welcome", *args: str) -> str:
        return reverse(f"journey:{name}", args=[self.key, *args])


def make_persona(wave: Wave, contact: Contact) -> Persona:
    invitation, _ = Invitation.objects.get_or_create(wave=wave, contact=contact)
    return Persona(contact=contact, invitation=invitation, key=access_key_mint(invitation=invitation))


@pytest.fixture
def register_4i(db: None) -> dict[str, Contact]:
    gca = PartnershipFactory.create(acronym="GCA", group="strand-1")
    elbe = PartnershipFactory.create(acronym="ELBE", group="strand-1")
    ec2i = PartnershipFactory.create(acronym="EC2i", group="strand-2")
    PartnershipFactory.create(acronym="BioXclusters", programme="escp-other", group="")
    return {
        "coordinator": ContactFactory.create(partnership=gca, name="Ada Coordinator", email="ada@gca.example.org"),
        "colleague": ContactFactory.create(partnership=gca, name="Ben Colleague", email="ben@gca.example.org"),
        "outsider": ContactFactory.create(partnership=elbe, name="Cleo Outsider", email="cleo@elbe.example.org"),
        "strand2": ContactFactory.create(partnership=ec2i, name="Dan Strand", email="dan@ec2i.example.org"),
    }


@pytest.fixture
def wave_4i(questionnaires: dict[str, Questionnaire], register_4i: dict[str, Contact]) -> Wave:
    version = questionnaires["escp-4i-progress"].latest_version()
    assert version is not None
    return wave_open(version=version, slug="escp-4i-2019", opens_at=days(-1), closes_at=days(20))


@pytest.fixture
def register_s3(db: None) -> dict[str, Contact]:
    med = PartnershipFactory.create(acronym="S3martMed", programme="escp-s3", group="s3")
    agri = PartnershipFactory.create(acronym="S3-AGRI", programme="escp-s3", group="s3")
    return {
        "coordinator": ContactFactory.create(partnership=med, name="Eva S3", email="eva@s3martmed.example.org"),
        "other": ContactFactory.create(partnership=agri, name="Finn S3", email="finn@agri.example.org"),
    }


@pytest.fixture
def wave_s3(questionnaires: dict[str, Questionnaire], register_s3: dict[str, Contact]) -> Wave:
    version = questionnaires["escp-s3-progress"].latest_version()
    assert version is not None
    return wave_open(version=version, slug="escp-s3-2019", opens_at=days(-1), closes_at=days(10))


@pytest.fixture
def coordinator(wave_4i: Wave, register_4i: dict[str, Contact]) -> Persona:
    return make_persona(wave_4i, register_4i["coordinator"])


@pytest.fixture
def colleague(wave_4i: Wave, register_4i: dict[str, Contact]) -> Persona:
    return make_persona(wave_4i, register_4i["colleague"])


@pytest.fixture
def outsider(wave_4i: Wave, register_4i: dict[str, Contact]) -> Persona:
    return make_persona(wave_4i, register_4i["outsider"])


@pytest.fixture
def staff_client(db: None) -> Client:
    client = Client()
    client.force_login(StaffFactory.create())
    return client
