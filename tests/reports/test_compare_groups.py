"""Across waves per group: the comparison page and the dashboard show the previous and this
wave in each group, countries by name."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from surveys.models import Wave
from surveys.services.waves import wave_open
from surveys.values import Ticked
from tests.factories import days
from tests.reports.conftest import answers_4i, give


@pytest.fixture
def two_waves(wave_4i: Wave) -> Wave:
    previous = wave_open(version=wave_4i.version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-380))
    Wave.objects.filter(pk=wave_4i.pk).update(previous=previous)
    give(previous, "GCA", {"A1": {"events_missions": Ticked()}, "A2": ["CN"]})
    give(previous, "EC2i", {"A1": {"intelligence": Ticked()}})
    answers_4i(wave_4i)
    wave_4i.refresh_from_db()
    return wave_4i


def _page(client: Client, name: str, wave: Wave) -> str:
    return re.sub(r">\s+<", "><", client.get(reverse(name, args=[wave.slug])).content.decode())


def _row(label: str, *values: int) -> str:
    return f'<th scope="row">{label}</th>' + "".join(f'<td class="text-end">{v}</td>' for v in values)


def test_the_comparison_page_shows_each_group_in_both_waves(staff_client: Client, two_waves: Wave) -> None:
    page = _page(staff_client, "reports:compare", two_waves)
    assert '<th scope="col" class="text-end">strand-1, previous</th>' in page
    # Events/missions: strand-1 GCA before, GCA and ELBE now; strand-2 nobody (EC2i ticked
    # intelligence before, and has only a draft now).
    assert _row("Organisation of events/ missions", 1, 2, 0, 0) in page
    assert _row("Intelligence gathering", 0, 1, 1, 0) in page
    # Respondents of A1: strand-1 1 then 2, strand-2 1 then 0.
    assert _row("Respondents", 1, 2, 1, 0) in page


def test_the_comparison_names_countries(staff_client: Client, two_waves: Wave) -> None:
    page = _page(staff_client, "reports:compare", two_waves)
    # A2: CN by GCA in both waves; US and IN this wave.
    assert _row("China", 1, 2, 1, 1) in page
    assert '<th scope="row">CN</th>' not in page


def test_the_dashboard_draws_both_waves_per_group(staff_client: Client, two_waves: Wave) -> None:
    page = _page(staff_client, "reports:dashboard", two_waves)
    assert 'id="figure-a1-compare-groups"' in page
    figure = page.split('id="figure-a1-compare-groups"')[1].split("</figure>")[0]
    assert '<th scope="col">strand-1, previous</th><th scope="col">strand-1, this wave</th>' in figure
    # GCA of 1 respondent before (100%), GCA and ELBE of 2 now (100%).
    assert '<tr><th scope="row">Organisation of events/ missions</th><td>1 (100%)</td><td>2 (100%)</td>' in figure
