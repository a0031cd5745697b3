"""Guessing links and admin passwords is limited per client address; a down cache lets
requests through."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import Persona


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


def _guess(client: Client, n: int) -> str:
    return f"/r/guess{n:03d}{'x' * 36}/"


@pytest.mark.django_db
@override_settings(THROTTLE_LINK_FAILURES=5)
def test_many_unknown_links_from_one_address_get_429(coordinator: Persona) -> None:
    client = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(5):
        assert client.get(_guess(client, n)).status_code == 404
    refused = client.get(_guess(client, 5))
    assert refused.status_code == 429
    assert "Too many links that do not exist" in refused.content.decode()
    # Even a real link waits from that address, while another address is not affected.
    assert client.get(coordinator.url()).status_code == 429
    assert Client(REMOTE_ADDR="192.0.2.11").get(coordinator.url()).status_code == 200


@pytest.mark.django_db
@override_settings(THROTTLE_LINK_FAILURES=3)
def test_opening_real_links_counts_nothing(coordinator: Persona) -> None:
    client = Client(REMOTE_ADDR="192.0.2.12")
    for _ in range(10):
        assert client.get(coordinator.url()).status_code == 200


@pytest.mark.django_db
@override_settings(THROTTLE_LINK_FAILURES=3, CLIENT_IP_HEADER="X-Forwarded-For")
def test_behind_a_proxy_the_address_it_adds_counts() -> None:
    # The client's own X-Forwarded-For value is not trusted: the last hop (the proxy's) is.
    for n in range(3):
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.9").get(_guess(Client(), n))
    blocked = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.9")
    assert blocked.get(_guess(blocked, 9)).status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.10")
    assert other.get(_guess(other, 9)).status_code == 404


@pytest.mark.django_db
@override_settings(THROTTLE_LOGIN_FAILURES=3)
def test_failed_admin_logins_are_limited() -> None:
    get_user_model().objects.create_user(username="ana", password="right-password-123", is_staff=True)
    client = Client(REMOTE_ADDR="192.0.2.20")
    url = reverse("admin:login")
    for _ in range(3):
        assert client.post(url, {"username": "ana", "password": "wrong"}).status_code == 200
    refused = client.post(url, {"username": "ana", "password": "right-password-123"})
    assert refused.status_code == 429
    assert "too many failed sign-ins" in refused.content.decode()
    # From elsewhere the right password works.
    assert (
        Client(REMOTE_ADDR="192.0.2.21").post(url, {"username": "ana", "password": "right-password-123"}).status_code
        == 302
    )


@pytest.mark.django_db
@override_settings(
    THROTTLE_LINK_FAILURES=2,
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {"BACKEND": "escp_survey.cache.ForgivingRedisCache", "LOCATION": "redis://127.0.0.1:9/0"},
    },
)
def test_with_the_cache_down_nobody_is_locked_out() -> None:
    client = Client(REMOTE_ADDR="192.0.2.30")
    for n in range(4):
        assert client.get(_guess(client, n)).status_code == 404
