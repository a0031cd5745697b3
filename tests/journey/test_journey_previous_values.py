"""Last year's value beside each answer that differs, on a prefilled response's section page
(issue 15): Annex A with the demo's answers as last year's, then a version that renames a
question (`same_as`), removes one and adds one."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from journey.forms import raw_for_section
from reports.demo import fake_values
from surveys.definition.loader import normalise, questionnaire_load
from surveys.definition.structure import structure_for
from surveys.models import Contact, QuestionnaireVersion, RepeatRow, Response, SectionState
from surveys.services.waves import wave_open
from surveys.values import Choice, PartnershipValue, Values, load_values
from tests.conftest import Persona, make_persona
from tests.factories import days
from tests.reports.conftest import give
from tests.surveys.test_lineage import BUNDLED

SCRIPT = "<script>alert('x')</script> & manager"


def demo_answers(version: QuestionnaireVersion) -> Values:
    """The demo's answers of GCA in the demo's first wave (reports/demo.py), with a role that
    must be escaped. By hand from the seed: R1 "Robin Keller", R3 "contact@gca.example.org",
    A4 5, A5 five agreements (the first with the Polytechnic University, AR), A6 "no", A10
    and A11 two of the demo's sentences."""
    values = fake_values(
        structure_for(version), seed="escp-4i-demo-2018:GCA", acronym="GCA", others=["ELBE", "EC2i", "BioXclusters"]
    )
    assert (values["R1"], values["A4"], len(values["A5"]), values["A6"].option) == ("Robin Keller", 5, 5, "no")
    assert values["A5"][0]["organisation"] == "Polytechnic University"
    return values | {"R2": SCRIPT}


def prefilled(client: Client, old: QuestionnaireVersion, new: QuestionnaireVersion, contact: Contact):
    previous = wave_open(version=old, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-300))
    current = wave_open(version=new, slug="escp-4i-2019", opens_at=days(-1), closes_at=days(20), previous=previous)
    give(previous, "GCA", demo_answers(old))
    ada = make_persona(current, contact)
    client.post(ada.url("prefill"), {"start": "previous"})
    response = Response.objects.get(wave=current, partnership__acronym="GCA")
    assert response.prefilled_from is not None
    return ada, response


def post(client: Client, persona: Persona, response: Response, section: str, changes: dict[str, Any]):
    """Save a section as its page would post it: the saved answers, with `changes`."""
    structure = structure_for(response.wave.version)
    node = structure.section(section)
    assert node is not None
    state = SectionState.objects.filter(response=response, section__code=section).first()
    data = raw_for_section(node, load_values(response, structure)) | changes
    data |= {"action": "stay", "lock_version": str(state.lock_version if state else 0)}
    page = client.post(persona.url("section", section), data)
    assert page.status_code == 302, re.findall(
        r'<p class="error-message[^"]*" id="([^"]*)">(.*?)</p>', page.content.decode()
    )


def previous_line(html: str, ident: str) -> str | None:
    """The text of the "Last year:" line with this id, or None."""
    found = re.search(rf'<p class="form-text mt-0 previous-value" id="{ident}-previous">(.*?)</p>', html, re.S)
    return found.group(1) if found else None


def described_by(html: str, ident: str) -> list[str]:
    """The ids the element with this id names in aria-describedby."""
    tag = re.search(rf'<[^>]* id="{ident}"[^>]*>', html)
    assert tag is not None, ident
    found = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    return found.group(1).split() if found else []


@pytest.fixture
def annex_a(client: Client, questionnaires, register_4i) -> tuple[Persona, Response]:
    version = questionnaires["escp-4i-progress"].latest_version()
    return prefilled(client, version, version, register_4i["coordinator"])


def test_a_changed_text_shows_last_years_escaped_and_an_unchanged_one_nothing(client: Client, annex_a) -> None:
    ada, response = annex_a
    post(client, ada, response, "respondent", {"R2": "Coordinator"})
    html = client.get(ada.url("section", "respondent")).content.decode()
    assert previous_line(html, "id-R2") == (
        'Last year: <span class="fw-semibold">&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; manager</span>'
    )
    assert "<script>alert" not in html
    assert described_by(html, "id-R2") == ["id-R2-previous"]
    # R1 and R3 are last year's: nothing beside them, and nothing for them to name.
    for unchanged in ("id-R1", "id-R3"):
        assert previous_line(html, unchanged) is None
        assert described_by(html, unchanged) == []
    assert html.count("Last year: <") == 1
    # The card counts and links, and says nothing twice.
    card = html.split('id="previous-answers"')[1].split("</section>")[0]
    assert (
        '1 answer on this page differs from what your partnership gave last year, shown beside it: <a href="#id-R2">R2</a>.'
        in card
    )
    assert "alert" not in card


def test_a_changed_number_choice_and_row_field_show_last_years(client: Client, annex_a) -> None:
    ada, response = annex_a
    first, second = RepeatRow.objects.filter(response__wave=response.wave.previous).order_by("position")[:2]
    post(
        client,
        ada,
        response,
        "achievements",
        {
            "A4": "6",
            "A6": "yes",
            "A7.rows": "1",
            "A7.0.partnership": "ELBE",
            # The first agreement, still current, now with its full name; the second ended as it was.
            "A5.0._status": "confirmed",
            "A5.0.organisation": "Polytechnic University of Buenos Aires",
            "A5.1._status": "ended",
        },
    )
    html = client.get(ada.url("section", "achievements")).content.decode()
    assert previous_line(html, "id-A4") == 'Last year: <span class="fw-semibold">5</span>'
    assert described_by(html, "id-A4") == ["id-A4-previous"]
    # A choice is a group of radios: its fieldset names the line.
    assert previous_line(html, "id-A6") == 'Last year: <span class="fw-semibold">No</span>'
    assert 'id="id-A6" tabindex="-1" aria-describedby="id-A6-previous"' in html
    # The table kept its five carried rows: nothing beside the table, the changed field only.
    assert f'name="A5.0._origin" value="{first.pk}"' in html and f'name="A5.1._origin" value="{second.pk}"' in html
    assert previous_line(html, "id-A5") is None
    assert previous_line(html, "id-A5-0-organisation") == (
        'Last year: <span class="fw-semibold">Polytechnic University</span>'
    )
    assert described_by(html, "id-A5-0-organisation") == ["id-A5-0-organisation-previous"]
    # Unchanged: the row's other fields, the ended row (a status, not a change of answer).
    for unchanged in (
        "id-A5-0-country",
        "id-A5-0-counterpart_type",
        "id-A5-1-organisation",
        "id-A5-1-counterpart_type",
    ):
        assert previous_line(html, unchanged) is None
    # A7 was not answered last year: nothing to compare.
    assert previous_line(html, "id-A7") is None and previous_line(html, "id-A7-0-partnership") is None
    assert html.count("Last year: <") == 3
    card = html.split('id="previous-answers"')[1].split("</section>")[0]
    assert "3 answers on this page differ" in card
    assert '<a href="#id-A4">A4</a>, <a href="#id-A5">A5</a>, <a href="#id-A6">A6</a>.' in card


def test_a_table_whose_rows_came_or_went_shows_last_years_count(client: Client, annex_a) -> None:
    ada, response = annex_a
    # A sixth agreement, new since last year, after the five carried ones.
    new_row = {"A5.5.counterpart_type": "sme", "A5.5.organisation": "Kyoto Robotics", "A5.5.country": "JP"}
    post(client, ada, response, "achievements", {"A4": "6", "A5.rows": "6", **new_row})
    html = client.get(ada.url("section", "achievements")).content.decode()
    assert previous_line(html, "id-A5") == 'Last year: <span class="fw-semibold">5 entries</span>'
    assert described_by(html, "id-A5") == ["id-A5-previous"]
    # Besides A4 (5 last year): the carried rows' fields are last year's, the new row has none.
    assert previous_line(html, "id-A5-5-organisation") is None
    assert html.count("Last year: <") == 2


def test_ticks_are_worded_as_the_review_words_them(client: Client, annex_a) -> None:
    ada, response = annex_a
    post(client, ada, response, "activities", {"A1": ["events_missions"], "A1.joint_communication.comment": ""})
    html = client.get(ada.url("section", "activities")).content.decode()
    # By hand from the demo's A1: four ticks, the third with its comment.
    assert previous_line(html, "id-A1") == (
        'Last year: <span class="fw-semibold">Identification of strategic partners in third countries; '
        "Identification of strategic partners in Europe; Joint communication actions (Comment: Joint mission "
        "to the target market with twelve SMEs from four regions.); Consultation of cluster members</span>"
    )
    assert previous_line(html, "id-A2") is None


def test_a_partnership_named_last_year_is_worded_with_its_name_from_the_register(
    client: Client, questionnaires, register_4i
) -> None:
    version = questionnaires["escp-4i-progress"].latest_version()
    previous = wave_open(version=version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-300))
    current = wave_open(version=version, slug="escp-4i-2019", opens_at=days(-1), closes_at=days(20), previous=previous)
    collaboration = {"A6": Choice("yes"), "A7": [{"partnership": PartnershipValue("ELBE"), "purpose": "Joint mission"}]}
    give(previous, "GCA", demo_answers(version) | collaboration)
    ada = make_persona(current, register_4i["coordinator"])
    client.post(ada.url("prefill"), {"start": "previous"})
    response = Response.objects.get(wave=current, partnership__acronym="GCA")
    post(client, ada, response, "achievements", {"A7.0._status": "confirmed", "A7.0.partnership": "EC2i"})
    html = client.get(ada.url("section", "achievements")).content.decode()
    # As the review words it: the acronym and the register's name.
    assert (
        previous_line(html, "id-A7-0-partnership")
        == 'Last year: <span class="fw-semibold">ELBE – Partnership ELBE</span>'
    )
    assert "id-A7-0-partnership-previous" in described_by(html, "id-A7-0-partnership")
    assert previous_line(html, "id-A7-0-purpose") is None and previous_line(html, "id-A7") is None


def test_the_page_costs_the_same_queries_however_many_answers_differ(client: Client, annex_a) -> None:
    ada, response = annex_a
    url = ada.url("section", "achievements")
    with CaptureQueriesContext(connection) as none_differ:
        assert "Last year: <" not in client.get(url).content.decode()
    post(client, ada, response, "achievements", {"A4": "6", "A5.0.organisation": "X", "A5.1.organisation": "Y"})
    with CaptureQueriesContext(connection) as three_differ:
        assert client.get(url).content.decode().count("Last year: <") == 3
    assert len(three_differ) == len(none_differ)


def test_a_response_started_empty_shows_nothing_of_last_year(client: Client, questionnaires, register_4i) -> None:
    version = questionnaires["escp-4i-progress"].latest_version()
    previous = wave_open(version=version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-300))
    current = wave_open(version=version, slug="escp-4i-2019", opens_at=days(-1), closes_at=days(20), previous=previous)
    give(previous, "GCA", demo_answers(version))
    ada = make_persona(current, register_4i["coordinator"])
    client.post(ada.url("prefill"), {"start": "empty"})
    html = client.get(ada.url("section", "respondent")).content.decode()
    assert "Last year" not in html and "previous-answers" not in html and "-previous" not in html


def version_2() -> QuestionnaireVersion:
    """By hand from the bundled Annex A: R2 renamed ROLE (`same_as: R2`), A10 removed, A12
    added; A11 and everything else unchanged."""
    definition = yaml.safe_load((BUNDLED / "escp-4i-progress.yaml").read_text(encoding="utf-8"))
    definition["version"] = 2
    respondent, practices = definition["sections"][0], definition["sections"][-1]
    assert [q["code"] for q in respondent["questions"]] == ["R1", "R2", "R3"]
    respondent["questions"][1] = {**respondent["questions"][1], "code": "ROLE", "same_as": "R2"}
    assert [q["code"] for q in practices["questions"]] == ["A10", "A11"]
    practices["questions"] = [
        practices["questions"][1],
        {"code": "A12", "type": "long_text", "text": "What should the next survey ask?"},
    ]
    return questionnaire_load(definition=normalise(definition)).version


def test_across_versions_only_comparable_questions_show_last_years(client: Client, questionnaires, register_4i):
    old = questionnaires["escp-4i-progress"].latest_version()
    new = version_2()
    ada, response = prefilled(client, old, new, register_4i["coordinator"])
    post(client, ada, response, "respondent", {"ROLE": "Coordinator"})
    post(client, ada, response, "practices", {"A11": "Better than last year.", "A12": "Nothing more."})
    html = client.get(ada.url("section", "respondent")).content.decode()
    # The renamed question shows what was answered to R2 last year.
    assert previous_line(html, "id-ROLE") == (
        'Last year: <span class="fw-semibold">&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; manager</span>'
    )
    assert html.count("Last year: <") == 1
    html = client.get(ada.url("section", "practices")).content.decode()
    # A11 is the same question; A10 is gone (its answer is not shown anywhere); A12 is new.
    assert previous_line(html, "id-A11") == (
        'Last year: <span class="fw-semibold">A joint booth at the international fair gave the partnership '
        "visibility.</span>"
    )
    assert previous_line(html, "id-A12") is None and "id-A10" not in html
    assert "We shared market intelligence reports" not in html  # last year's A10
    assert html.count("Last year: <") == 1
    card = html.split('id="previous-answers"')[1].split("</section>")[0]
    assert "1 answer on this page differs" in card and '<a href="#id-A11">A11</a>.' in card
