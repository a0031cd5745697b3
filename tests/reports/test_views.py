"""The staff pages of the reports: access, methods, and what they show."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from surveys.models import Wave
from surveys.services.waves import wave_open
from tests.factories import days
from tests.reports.conftest import answers_4i, give

PAGES = ["dashboard", "comments", "excel", "json"]


@pytest.fixture
def answered(wave_4i: Wave) -> Wave:
    answers_4i(wave_4i)
    return wave_4i


@pytest.mark.parametrize("name", ["wave_list", *PAGES])
def test_it_sends_anonymous_visitors_to_the_login(client: Client, answered: Wave, name: str) -> None:
    url = reverse(f"reports:{name}", args=[] if name == "wave_list" else [answered.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_it_refuses_people_who_are_not_staff(client: Client, answered: Wave) -> None:
    client.force_login(get_user_model().objects.create_user(username="partner", password="x" * 12))
    response = client.get(reverse("reports:dashboard", args=[answered.slug]))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_it_refuses_posts(staff_client: Client, answered: Wave) -> None:
    assert staff_client.post(reverse("reports:dashboard", args=[answered.slug])).status_code == 405


def test_it_answers_404_for_an_unknown_wave(staff_client: Client, answered: Wave) -> None:
    assert staff_client.get(reverse("reports:dashboard", args=["nope"])).status_code == 404


def test_it_lists_waves_with_their_response_rate(staff_client: Client, answered: Wave) -> None:
    response = staff_client.get(reverse("reports:wave_list"))
    assert response.status_code == 200
    assert b"escp-4i-2019" in response.content
    assert b"67%" in response.content


def test_it_shows_the_dashboard_with_figures_and_their_tables(staff_client: Client, answered: Wave) -> None:
    response = staff_client.get(reverse("reports:dashboard", args=[answered.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 of 3 invited partnerships completed the survey (67%)" in html
    assert html.count('role="img"') >= 5
    assert "Organisation of events/ missions" in html
    assert reverse("reports:figure", args=[answered.slug, "A2-map", "svg"]) in html
    assert "1 reciprocal (both name each other), 1 reported by one side only" in html
    # No asset from elsewhere.
    assert 'src="http' not in html
    assert 'href="http' not in html


@pytest.mark.parametrize(
    ("name", "fmt", "content_type", "start"),
    [
        ("A1", "svg", "image/svg+xml", b"<?xml"),
        ("A2-map", "png", "image/png", b"\x89PNG"),
        ("A2-map", "svg", "image/svg+xml", b"<svg"),
        ("collaborations", "png", "image/png", b"\x89PNG"),
    ],
)
def test_it_serves_each_figure_as_png_and_svg(
    staff_client: Client, answered: Wave, name: str, fmt: str, content_type: str, start: bytes
) -> None:
    response = staff_client.get(reverse("reports:figure", args=[answered.slug, name, fmt]) + "?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(start)
    assert f"{answered.slug}-{name}.{fmt}" in response["Content-Disposition"]


def test_it_answers_404_for_an_unknown_figure(staff_client: Client, answered: Wave) -> None:
    assert staff_client.get(reverse("reports:figure", args=[answered.slug, "Z9", "svg"])).status_code == 404
    assert staff_client.get(f"/staff/reports/{answered.slug}/figures/A1.gif").status_code == 404


def test_it_downloads_the_excel_report(staff_client: Client, answered: Wave) -> None:
    response = staff_client.get(reverse("reports:excel", args=[answered.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def test_it_serves_the_json_contract(staff_client: Client, answered: Wave) -> None:
    data = staff_client.get(reverse("reports:json", args=[answered.slug])).json()
    assert data["questions"]["A4"]["sum"]["total"] == 3


def test_it_lists_comments_filtered_by_group(staff_client: Client, answered: Wave) -> None:
    url = reverse("reports:comments", args=[answered.slug])
    html = staff_client.get(url).content.decode()
    assert "Trade fair in Toronto" in html
    assert "Mission to Canada" in html
    assert "Trade fair in Toronto" not in staff_client.get(url + "?group=strand-2").content.decode()
    only_a7 = staff_client.get(url + "?question=A7").content.decode()
    assert "Mission to Canada" in only_a7
    assert "Trade fair in Toronto" not in only_a7


def test_it_never_shows_texts_of_drafts(staff_client: Client, answered: Wave) -> None:
    from surveys.values import Ticked

    give(answered, "EC2i", {"A1": {"events_missions": Ticked(comment="Secret draft note")}}, status="draft")
    html = staff_client.get(reverse("reports:comments", args=[answered.slug])).content.decode()
    assert "Secret draft note" not in html


def test_it_compares_with_the_previous_wave(staff_client: Client, answered: Wave) -> None:
    previous = wave_open(version=answered.version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-380))
    Wave.objects.filter(pk=answered.pk).update(previous=previous)
    from decimal import Decimal

    give(previous, "GCA", {"A4": Decimal(2)})
    response = staff_client.get(reverse("reports:compare", args=[answered.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "only the 1 partnerships that completed both" in html
    dashboard = staff_client.get(reverse("reports:dashboard", args=[answered.slug])).content.decode()
    assert "Previous wave, total" in dashboard


def test_it_has_no_comparison_page_for_a_first_wave(staff_client: Client, answered: Wave) -> None:
    assert staff_client.get(reverse("reports:compare", args=[answered.slug])).status_code == 404
