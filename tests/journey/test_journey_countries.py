"""Country questions: the page carries no list of countries; a text input works without
script, the list comes once from static/js/countries.js (issue 17)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from journey.countries import countries_read, countries_script
from surveys.models import Answer, Response
from tests.journey.test_journey_annex_a import ACHIEVEMENTS, ACTIVITIES, RESPONDENT, post


def countries_of(persona, code: str) -> list[str]:
    response = Response.objects.get(wave=persona.invitation.wave, partnership=persona.contact.partnership)
    return [
        a.country
        for a in Answer.objects.filter(response=response, question__code=code, repeat_row__isnull=True).order_by("id")
    ]


def test_section_pages_hold_no_country_list(client, coordinator):
    # The activities page was 63 KB: A2's 222 checkboxes; a table row's select was 9 KB.
    post(client, coordinator, "respondent", RESPONDENT)
    post(client, coordinator, "activities", ACTIVITIES)
    post(client, coordinator, "achievements", ACHIEVEMENTS)
    sizes = {}
    for section in ["respondent", "activities", "barriers", "achievements", "benefits", "practices"]:
        html = client.get(coordinator.url("section", section)).content.decode()
        sizes[section] = len(html.encode())
        assert "Zimbabwe" not in html
    assert sizes["activities"] < 20 * 1024, sizes
    # Every page under 25 KB with the demo's answers (achievements, with its three rows and
    # the blank rows that "Add" copies, by a few bytes: its tables' radios weigh, not countries).
    assert all(size < 25 * 1024 for size in sizes.values()), str(sizes)
    # A row of the agreements table costs its own inputs, no longer a list of countries.
    four = {**ACHIEVEMENTS, "A4": "4", "A5.rows": "4"}
    for i in (2, 3):
        four |= {f"A5.{i}.counterpart_type": "sme", f"A5.{i}.organisation": f"SME {i}", f"A5.{i}.country": "JP"}
    post(client, coordinator, "achievements", four)
    grown = len(client.get(coordinator.url("section", "achievements")).content) - sizes["achievements"]
    # 3.7 KB a row: 4.7 KB before an option's label held its box (journey/fragments.py), 14 KB
    # with its select of countries.
    assert grown < 2 * 4 * 1024, grown
    activities = client.get(coordinator.url("section", "activities")).content.decode()
    # Without script: the chosen countries by name in a labelled text input; with script,
    # their codes for the checkboxes it draws.
    assert 'value="Japan, China"' in activities and 'data-chosen="JP CN"' in activities
    assert '<label class="form-label small" for="id-A2-text">' in activities


def test_without_script_countries_are_typed_by_name_or_code(client, coordinator):
    page = post(client, coordinator, "activities", {**ACTIVITIES, "A2": "japan; CN,  South   Korea"})
    assert page.status_code == 302
    assert countries_of(coordinator, "A2") == ["JP", "CN", "KR"]
    table = {**ACHIEVEMENTS, "A5.0.country": "Japan", "A5.1.country": "cn"}
    assert post(client, coordinator, "achievements", table).status_code == 302
    rows = Answer.objects.filter(repeat_row__question__code="A5", question__code="country").order_by(
        "repeat_row__position"
    )
    assert [a.country for a in rows] == ["JP", "CN"]


def test_a_country_not_offered_is_refused_with_what_was_typed_kept(client, coordinator):
    # A2 offers countries outside the EU only.
    page = post(client, coordinator, "activities", {**ACTIVITIES, "A2": "Japan, Germany, Atlantis"})
    assert page.status_code == 422
    html = page.content.decode()
    assert "“Germany”, “Atlantis” cannot be chosen here" in html
    assert 'value="Japan, Germany, Atlantis"' in html
    assert countries_of(coordinator, "A2") == []


def test_ticked_boxes_post_codes_as_before(client, coordinator):
    assert post(client, coordinator, "activities", ACTIVITIES).status_code == 302
    assert countries_of(coordinator, "A2") == ["JP", "CN"]
    assert countries_read(["JP", "DE"], exclude_eu=True) == (["JP"], ["DE"])


def test_the_static_list_is_the_servers_list():
    path = Path(settings.BASE_DIR) / "static" / "js" / "countries.js"
    assert path.read_text(encoding="utf-8") == countries_script(), (
        "static/js/countries.js is out of date: regenerate it (see journey/countries.py)"
    )
