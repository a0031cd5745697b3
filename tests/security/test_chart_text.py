"""Text from respondents, the register and the questionnaires is drawn as text in the
report's figures: never parsed as mathtext (a `$`), never markup in the SVG."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from reports.figures import all_figures
from reports.report import cached_report
from surveys.definition.structure import clear_cache, structure_for
from surveys.models import Option, Partnership, Wave
from surveys.values import PartnershipValue
from tests.reports.conftest import answers_4i, give

# An even number of `$` (what matplotlib takes for mathtext), an unbalanced TeX brace, markup.
NASTY = "Cost $5 and $x^2$ \\frac{ <script>alert(1)</script> & _^ $"


@pytest.fixture
def nasty_wave(wave_4i: Wave) -> Wave:
    cache.clear()
    answers_4i(wave_4i)
    # A registered name and a free-text partnership name with mathtext, TeX and markup.
    Partnership.objects.filter(acronym="ELBE").update(name=NASTY)
    give(
        wave_4i,
        "ELBE",
        {"A7": [{"partnership": PartnershipValue("GCA")}, {"partnership": PartnershipValue(text=NASTY)}]},
    )
    # And an option's text as the questionnaire defines it.
    Option.objects.filter(question__version=wave_4i.version, question__code="A1", code="events_missions").update(
        label="Events $ missions $\\frac{ <b>"
    )
    clear_cache()
    return wave_4i


def _figure_names(wave: Wave) -> list[str]:
    return list(all_figures(cached_report(wave), structure_for(wave.version)))


def test_the_dashboard_draws_dollars_and_markup_as_text(staff_client: Client, nasty_wave: Wave) -> None:
    response = staff_client.get(reverse("reports:dashboard", args=[nasty_wave.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The option's text in the bars' SVG, as typed (escaped as XML), not as maths.
    assert "Events $ missions $\\frac{ &lt;b&gt;" in html


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_every_figure_renders_with_such_texts(staff_client: Client, nasty_wave: Wave, fmt: str) -> None:
    names = _figure_names(nasty_wave)
    assert "collaborations" in names
    for name in names:
        url = reverse("reports:figure", kwargs={"slug": nasty_wave.slug, "name": name, "fmt": fmt})
        response = staff_client.get(url)
        assert response.status_code == 200, name
        if fmt == "svg":
            svg = response.content.decode()
            assert "<script" not in svg, name
            assert not re.search(r"<b>", svg), name


def test_the_network_names_the_partnership_as_typed(staff_client: Client, nasty_wave: Wave) -> None:
    url = reverse("reports:figure", kwargs={"slug": nasty_wave.slug, "name": "collaborations", "fmt": "svg"})
    svg = staff_client.get(url).content.decode()
    assert "Cost $5 and $x^2$ \\frac{ &lt;script&gt;alert(1)&lt;/script&gt; &amp; _^ $" in svg
