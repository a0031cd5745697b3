"""A partnership question offers only the partnerships it designates, and the server refuses
any other; without script the choice is a grouped native select."""

from __future__ import annotations

import pytest
from django.test import Client

from surveys.definition.loader import DefinitionError, normalise, questionnaire_load
from surveys.models import Answer, Contact, RepeatRow, Wave
from surveys.services.waves import wave_open
from tests.conftest import Persona, make_persona
from tests.factories import ContactFactory, PartnershipFactory, days
from tests.journey.test_journey_annex_a import ACHIEVEMENTS, post, response_of
from tests.journey.test_journey_inputs import controls_of


@pytest.fixture
def register(register_4i: dict[str, Contact]) -> None:
    # Beside the ESCP-4i partnerships of register_4i (GCA is the coordinator's, ELBE and
    # EC2i others, BioXclusters of escp-other): an ESCP-S3 partnership and two of the ECCP's
    # cluster organisations, which A7 ("Other ESCP") must not offer.
    PartnershipFactory.create(acronym="S3martMed", name="", programme="escp-s3", group="s3")
    PartnershipFactory.create(acronym="CO-ALPHA", programme="eccp", group="cluster-organisation")
    PartnershipFactory.create(acronym="CO-BETA", programme="eccp", group="cluster-organisation")


def a7_select(client: Client, persona: Persona) -> list[str]:
    post(client, persona, "achievements", {**ACHIEVEMENTS, "A7.0.partnership": ""}, action="save")
    page = client.get(persona.url("section", "achievements")).content.decode()
    (select,) = [c for c in controls_of(page).controls if c.name == "A7.0.partnership"]
    return select.options


def test_other_escp_offers_the_escps_and_not_the_cluster_organisations(client, register, coordinator):
    # escp-4i (strand 1, then 2), escp-s3, then escp-other; never one's own (GCA).
    assert a7_select(client, coordinator) == ["", "ELBE", "EC2i", "S3martMed", "BioXclusters", "__other__"]


def test_the_choices_are_grouped_by_programme_and_strand(client, register, coordinator):
    a7_select(client, coordinator)
    page = client.get(coordinator.url("section", "achievements")).content.decode()
    start = page.index('name="A7.0.partnership"')
    select = page[start : page.index("</select>", start)]
    assert select.count("<optgroup") == 4
    headings = [
        'label="ESCP-4i, strand 1"',
        'label="ESCP-4i, strand 2"',
        'label="ESCP-S3"',
        'label="Other partnerships"',
    ]
    positions = [select.index(h) for h in headings]
    assert positions == sorted(positions)
    assert '<option value="ELBE">ELBE – Partnership ELBE</option>' in select


def test_a_cluster_organisation_posted_to_other_escp_is_refused_at_the_field(client, register, coordinator):
    page = post(client, coordinator, "achievements", {**ACHIEVEMENTS, "A7.0.partnership": "CO-ALPHA"}, action="save")
    assert page.status_code == 422
    html = page.content.decode()
    message = "“CO-ALPHA” is not one of the partnerships offered here"
    assert message in html
    # At the field: the message is the one its select is described by, and the summary links to it.
    assert '<p class="error-message" id="id-A7-0-partnership-error">' in html
    assert 'aria-describedby="id-A7-0-partnership-error"' in html
    assert '<a href="#id-A7-0-partnership">A7:' in html
    # What was posted stays shown (chosen), and the rest of the page is kept too.
    assert '<option value="CO-ALPHA" selected>CO-ALPHA</option>' in html
    assert 'value="Osaka cluster"' in html
    # The page saves what is valid (issue 12): the row is kept with its other fields, never
    # with the refused partnership.
    rows = RepeatRow.objects.filter(response=response_of(coordinator), question__code="A7")
    assert not Answer.objects.filter(repeat_row__in=rows, partnership__isnull=False).exists()
    assert not Answer.objects.filter(repeat_row__in=rows, partnership__acronym="CO-ALPHA").exists()


def test_ones_own_partnership_is_refused_too(client, register, coordinator):
    page = post(client, coordinator, "achievements", {**ACHIEVEMENTS, "A7.0.partnership": "GCA"}, action="save")
    assert page.status_code == 422
    assert "“GCA” is not one of the partnerships offered here" in page.content.decode()


def test_a_designated_partnership_of_another_programme_is_saved(client, register, coordinator):
    page = post(client, coordinator, "achievements", {**ACHIEVEMENTS, "A7.0.partnership": "S3martMed"}, action="save")
    assert page.status_code == 302
    answer = Answer.objects.get(response=response_of(coordinator), question__code="partnership")
    assert answer.partnership is not None and answer.partnership.acronym == "S3martMed"


def test_another_partnership_by_name_works_without_script(client, register, coordinator):
    data = {**ACHIEVEMENTS, "A7.0.partnership": "__other__", "A7.0.partnership.other.text": "Nordic Health Cluster"}
    assert post(client, coordinator, "achievements", data, action="save").status_code == 302
    answer = Answer.objects.get(response=response_of(coordinator), question__code="partnership")
    assert (answer.partnership, answer.text) == (None, "Nordic Health Cluster")
    page = client.get(coordinator.url("section", "achievements")).content.decode()
    assert '<option value="__other__" selected>' in page
    assert 'value="Nordic Health Cluster"' in page


def test_the_page_loads_the_search_script(client, register, coordinator):
    page = client.get(coordinator.url("section", "achievements")).content.decode()
    assert '<script src="/static/js/partnership-picker.js" defer></script>' in page
    assert "data-partnership-select" in page


def definition(**partnership: object) -> dict:
    field = {"code": "with", "type": "partnership", "label": "Partner"} | partnership
    return {
        "code": "collab",
        "title": "Collaborations",
        "version": 1,
        "groups": ["g1"],
        "sections": [
            {
                "code": "s",
                "title": "S",
                "questions": [{"code": "Q1", "type": "repeat", "text": "With whom?", "fields": [field]}],
            }
        ],
    }


def test_without_a_designation_the_question_offers_the_partnerships_of_the_wave(client: Client, db) -> None:
    version = questionnaire_load(definition=normalise(definition())).version
    own = PartnershipFactory.create(acronym="OWN", programme="x", group="g1")
    PartnershipFactory.create(acronym="INVITED", programme="x", group="g1")
    PartnershipFactory.create(acronym="NOT-INVITED", programme="x", group="g2")
    wave: Wave = wave_open(version=version, slug="collab-1", opens_at=days(-1), closes_at=days(5))
    persona = make_persona(wave, ContactFactory.create(partnership=own))
    client.post(persona.url("section", "s"), {"Q1.rows": "1", "action": "save", "lock_version": 0})
    page = client.get(persona.url("section", "s")).content.decode()
    (select,) = [c for c in controls_of(page).controls if c.name == "Q1.0.with"]
    assert select.options == ["", "INVITED", "__other__"]
    refused = client.post(
        persona.url("section", "s"), {"Q1.rows": "1", "Q1.0.with": "NOT-INVITED", "action": "save", "lock_version": 1}
    )
    assert refused.status_code == 422


def test_a_designation_by_group_and_acronym(client: Client, db) -> None:
    version = questionnaire_load(
        definition=normalise(definition(partnerships={"groups": ["g2"], "acronyms": ["NAMED"]}))
    ).version
    own = PartnershipFactory.create(acronym="OWN", programme="x", group="g1")
    PartnershipFactory.create(acronym="INVITED", programme="x", group="g1")
    PartnershipFactory.create(acronym="IN-G2", programme="x", group="g2")
    PartnershipFactory.create(acronym="NAMED", programme="y", group="")
    wave: Wave = wave_open(version=version, slug="collab-1", opens_at=days(-1), closes_at=days(5))
    persona = make_persona(wave, ContactFactory.create(partnership=own))
    client.post(persona.url("section", "s"), {"Q1.rows": "1", "action": "save", "lock_version": 0})
    page = client.get(persona.url("section", "s")).content.decode()
    (select,) = [c for c in controls_of(page).controls if c.name == "Q1.0.with"]
    assert sorted(select.options) == ["", "IN-G2", "NAMED", "__other__"]


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"programmes": "escp-4i"}, "partnerships.programmes: must be a non-empty list of texts"),
        ({"programme": ["escp-4i"]}, "partnerships: must be a mapping of programmes, groups, acronyms"),
        ({}, "partnerships: must be a mapping"),
        (["escp-4i"], "partnerships: must be a mapping"),
    ],
)
def test_the_loader_refuses_a_malformed_designation(value: object, path: str) -> None:
    with pytest.raises(DefinitionError) as error:
        normalise(definition(partnerships=value))
    assert any(path in problem and "fields[0]" in problem for problem in error.value.problems), error.value.problems


def test_the_loader_refuses_a_designation_on_another_type() -> None:
    data = definition(partnerships={"groups": ["g"]})
    data["sections"][0]["questions"][0]["fields"][0]["type"] = "text"
    with pytest.raises(DefinitionError) as error:
        normalise(data)
    assert any("partnerships: is not a known attribute" in p for p in error.value.problems)
