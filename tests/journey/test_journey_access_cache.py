"""The personal link's resolution is cached (ids only) and never outlives a change (issue 17).

`journey.views._cached_access` reads, in the query that loads the response, what can change
between two requests (the key, the invitation's revocation, the contact's partnership), so a
revoked link or a moved contact is refused or re-resolved at the very next request, whoever
changed it and however (a service, the admin, a bare UPDATE). Run on the test's cache
(locmem) and, when REDIS_URL is set, on Redis as in production.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journey.views import _access_cache_key
from surveys.models import AccessKey, Contact, Invitation, Partnership, Response, Wave
from surveys.models.waves import hash_key
from surveys.services.waves import invitation_revoke
from tests.conftest import Persona
from tests.journey.test_journey_annex_a import RESPONDENT, post

_BACKENDS = ["locmem"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.fixture(params=_BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "locmem":
        config = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "access-cache-test"}
    else:
        config = {"BACKEND": "escp_survey.cache.ForgivingRedisCache", "LOCATION": os.environ["REDIS_URL"]}
    with override_settings(CACHES={"default": config, "throttle": config | {"KEY_PREFIX": "throttle"}}):
        cache.clear()
        yield request.param
        cache.clear()


def _entry(persona: Persona) -> object:
    return cache.get(_access_cache_key(hash_key(persona.key)))


def _welcome_queries(client, persona: Persona) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(persona.url())
    return page.status_code, len(queries)


def test_the_cache_holds_ids_only_and_saves_the_join(backend, client, coordinator):
    assert _entry(coordinator) is None
    assert client.get(coordinator.url()).status_code == 200  # warms the structure cache too
    response = Response.objects.get(wave=coordinator.invitation.wave, partnership=coordinator.contact.partnership)
    assert _entry(coordinator) == {
        "invitation": coordinator.invitation.pk,
        "contact": coordinator.contact.pk,
        "partnership": coordinator.contact.partnership_id,
        "wave": coordinator.invitation.wave_id,
        "response": response.pk,
    }
    cache.delete(_access_cache_key(hash_key(coordinator.key)))
    status, uncached = _welcome_queries(client, coordinator)
    assert status == 200 and _entry(coordinator) is not None
    status, cached = _welcome_queries(client, coordinator)
    assert status == 200 and cached == uncached - 1
    page = client.get(coordinator.url()).content.decode()
    assert "Welcome, Ada Coordinator" in page and "GCA" in page
    # A save through the cached access records who saved (the contact loaded from ids).
    assert post(client, coordinator, "respondent", RESPONDENT, action="save").status_code == 302
    response.refresh_from_db()
    assert response.last_saved_by_id == coordinator.contact.pk
    assert response.last_saved_by.name == "Ada Coordinator"


@pytest.mark.parametrize("how", ["service", "update"])
def test_a_revoked_link_is_refused_at_the_next_request(backend, client, coordinator, how):
    assert client.get(coordinator.url()).status_code == 200
    assert _entry(coordinator) is not None
    if how == "service":
        invitation_revoke(invitation=coordinator.invitation)
    else:  # no writer code at all: the admin, a script
        Invitation.objects.filter(pk=coordinator.invitation.pk).update(revoked_at=timezone.now())
    for path in [coordinator.url(), coordinator.url("section", "respondent"), coordinator.url("review")]:
        page = client.get(path)
        assert page.status_code == 410, path
        assert "no longer valid" in page.content.decode()
    assert post(client, coordinator, "respondent", RESPONDENT, action="save", lock=0).status_code == 410


def test_a_deleted_key_is_unknown_at_the_next_request(backend, client, coordinator):
    assert client.get(coordinator.url()).status_code == 200
    AccessKey.objects.filter(key_hash=hash_key(coordinator.key)).delete()
    assert client.get(coordinator.url()).status_code == 404
    assert _entry(coordinator) is None


def test_a_moved_contact_never_sees_the_old_partnerships_answers(backend, client, coordinator, outsider):
    post(client, coordinator, "respondent", RESPONDENT, action="save")
    assert "Ada Coordinator" in client.get(coordinator.url("section", "respondent")).content.decode()
    old = _entry(coordinator)
    assert isinstance(old, dict)
    # Moved to a partnership of the wave: the link now answers for that one (as uncached).
    elbe = outsider.contact.partnership
    Contact.objects.filter(pk=coordinator.contact.pk).update(partnership=elbe)
    page = client.get(coordinator.url("section", "respondent")).content.decode()
    assert "ada@gca.example.org" not in page  # GCA's answer R3
    assert client.get(coordinator.url()).content.decode().count(elbe.display_name) >= 1
    new = _entry(coordinator)
    assert isinstance(new, dict) and new["partnership"] == elbe.pk and new["response"] != old["response"]
    # Moved to a partnership outside the wave: refused.
    elsewhere = Partnership.objects.get(acronym="BioXclusters")
    Contact.objects.filter(pk=coordinator.contact.pk).update(partnership=elsewhere)
    assert client.get(coordinator.url()).status_code == 410
    assert client.get(coordinator.url("section", "respondent")).status_code == 410
    # And back: GCA's answers again.
    Contact.objects.filter(pk=coordinator.contact.pk).update(partnership=old["partnership"])
    assert "ada@gca.example.org" in client.get(coordinator.url("section", "respondent")).content.decode()


def test_a_wave_closed_or_reopened_is_read_fresh(backend, client, coordinator):
    assert client.get(coordinator.url("section", "respondent")).status_code == 200
    Wave.objects.filter(pk=coordinator.invitation.wave_id).update(closed_at=timezone.now())
    assert client.get(coordinator.url("section", "respondent")).status_code == 403
    Wave.objects.filter(pk=coordinator.invitation.wave_id).update(closed_at=None)
    assert client.get(coordinator.url("section", "respondent")).status_code == 200


def test_an_invitation_given_to_another_contact_is_resolved_afresh(backend, client, coordinator):
    from tests.factories import ContactFactory

    assert "Welcome, Ada Coordinator" in client.get(coordinator.url()).content.decode()
    other = ContactFactory.create(partnership=coordinator.contact.partnership, name="Eve Successor")
    Invitation.objects.filter(pk=coordinator.invitation.pk).update(contact=other)
    assert "Welcome, Eve Successor" in client.get(coordinator.url()).content.decode()
    entry = _entry(coordinator)
    assert isinstance(entry, dict) and entry["contact"] == other.pk
