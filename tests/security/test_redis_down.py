"""The reports work while Redis (their cache) is down."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from surveys.models import Wave
from tests.reports.conftest import answers_4i

# Nothing listens on the discard port: every connection is refused at once.
DEAD = "redis://127.0.0.1:9/0"
DOWN = {"BACKEND": "escp_survey.cache.ForgivingRedisCache", "LOCATION": DEAD}


@pytest.fixture
def answered(wave_4i: Wave) -> Wave:
    answers_4i(wave_4i)
    return wave_4i


@pytest.mark.django_db
@override_settings(CACHES={"default": DOWN, "throttle": DOWN})
def test_the_dashboard_figures_json_and_excel_answer_with_redis_down(staff_client: Client, answered: Wave) -> None:
    for url in (
        reverse("reports:dashboard", args=[answered.slug]),
        reverse("reports:json", args=[answered.slug]),
        reverse("reports:excel", args=[answered.slug]),
        reverse("reports:figure", kwargs={"slug": answered.slug, "name": "population", "fmt": "png"}),
    ):
        assert staff_client.get(url).status_code == 200, url
    assert staff_client.get(reverse("reports:json", args=[answered.slug])).json()["population"]


@override_settings(CACHES={"default": {**DOWN, "BACKEND": "django.core.cache.backends.redis.RedisCache"}})
def test_django_s_own_redis_cache_raises_which_is_why() -> None:
    with pytest.raises(RedisConnectionError):
        cache.get("anything")


@override_settings(CACHES={"default": DOWN})
def test_the_forgiving_cache_reads_as_a_miss_and_drops_writes() -> None:
    assert cache.get("k", "default") == "default"
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    assert cache.get_many(["k"]) == {}
    assert cache.get_or_set("k", 5) == 5
    cache.delete("k")
