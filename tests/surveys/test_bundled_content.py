"""The content of the bundled questionnaires against their sources (issue 12): C8's wording,
the relevance and usefulness rating of the ECCP survey, Annex B's completed labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from journey.countries import countries_offered
from reports.demo import demo_responses_fill
from reports.report import as_json, wave_report
from surveys.definition.loader import read_file
from surveys.models import Answer, Question, Questionnaire, Response, Wave
from surveys.services.demo import demo_load
from surveys.services.waves import wave_open
from tests.conftest import Persona, make_persona
from tests.factories import ContactFactory, PartnershipFactory, days

BUNDLED = Path(__file__).resolve().parents[2] / "surveys" / "definition" / "bundled"


def question(code: str) -> Question:
    return Question.objects.get(version__questionnaire__code="eccp-user-satisfaction", code=code)


@pytest.fixture
def cluster(questionnaires: dict[str, Questionnaire]) -> Persona:
    organisation = PartnershipFactory.create(acronym="CL-A", programme="eccp", group="cluster-organisation")
    contact = ContactFactory.create(partnership=organisation, name="Ines", email="ines@cl-a.example.org")
    version = questionnaires["eccp-user-satisfaction"].latest_version()
    assert version is not None
    wave = wave_open(version=version, slug="eccp-2019", opens_at=days(-1), closes_at=days(10))
    return make_persona(wave, contact)


def test_c8_asks_for_the_countries_it_offers(
    questionnaires: dict[str, Questionnaire], client: Client, cluster: Persona
) -> None:
    c8 = question("C8")
    page = client.get(cluster.url("section", "internationalisation")).content.decode()

    # The list is every country outside the EU-27, so the question says so (not "beyond Europe").
    assert c8.exclude_eu
    assert c8.text == "Which countries outside the EU does your cluster organisation target?"
    assert "beyond Europe" not in page
    # The page draws its list from the shared script of countries (docs/journey-speed.md), for
    # this question the list outside the EU, which holds Norway and Switzerland.
    assert "data-exclude-eu" in page
    offered = dict(countries_offered(exclude_eu=True))
    assert offered["NO"] == "Norway" and offered["CH"] == "Switzerland"
    assert "FR" not in offered


def test_the_eccp_survey_rates_the_relevance_and_usefulness_of_the_services(
    questionnaires: dict[str, Questionnaire],
) -> None:
    c14 = question("C14")

    assert c14.type == Question.Type.RATING_MATRIX
    assert c14.section.code == "satisfaction"
    # The same services as C3 asks about, on four levels of relevance/usefulness.
    services = [o.code for o in question("C3").options.order_by("position") if o.code != "other"]
    assert [r.code for r in c14.rows.order_by("position")] == services
    assert [o.label for o in c14.options.order_by("position")] == [
        "Not relevant/useful",
        "Slightly relevant/useful",
        "Relevant/useful",
        "Very relevant/useful",
    ]


def test_a_coordinator_rates_relevance_in_the_journey(client: Client, cluster: Persona) -> None:
    data = {"C14.news": "4", "C14.events": "3", "C6": "4", "C7": "5", "action": "next", "lock_version": 0}

    client.post(cluster.url("section", "satisfaction"), data)

    response = Response.objects.get(wave=cluster.invitation.wave)
    rated = {
        (a.matrix_row.code, a.option.code)  # type: ignore[union-attr]
        for a in Answer.objects.filter(response=response, question__code="C14").select_related("matrix_row", "option")
    }
    assert rated == {("news", "4"), ("events", "3")}


def test_the_demo_answers_and_the_report_cover_the_new_rating(questionnaires: dict[str, Questionnaire]) -> None:
    demo_load()
    demo_responses_fill()
    wave = Wave.objects.get(slug="eccp-demo")

    assert Answer.objects.filter(response__wave=wave, question__code="C14").exists()
    assert "C14" in as_json(wave_report(wave))["questions"]


def test_annex_b_marks_its_seven_completed_labels_and_loads() -> None:
    text = (BUNDLED / "escp-s3-progress.yaml").read_text()
    definition = read_file(BUNDLED / "escp-s3-progress.yaml")
    b1 = next(q for s in definition["sections"] for q in s["questions"] if q["code"] == "B1")

    assert text.count("# completed:") == 7
    assert {o["code"]: o["label"] for o in b1["options"]}["legal_representation"] == (
        "Legal advice for developing a legal representation for the consortium"
    )
