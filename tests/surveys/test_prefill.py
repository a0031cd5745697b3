"""Prefill from the previous wave: the welcome page's offer, what is carried, once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from surveys.definition.structure import structure_for
from surveys.models import PrefillChoice, RepeatRow, Response, Wave
from surveys.services.prefill import PrefillRefused, response_prefill
from surveys.services.responses import replace_answers
from surveys.services.waves import wave_open
from surveys.values import Choice, load_values
from tests.conftest import make_persona
from tests.factories import ContactFactory, PartnershipFactory, days
from tests.surveys.test_lineage import load, v1, v2


def answer_previous(response: Response, values: dict) -> None:
    structure = structure_for(response.wave.version)
    replace_answers(response=response, structure=structure, nodes=structure.questions(), values=values)
    Response.objects.filter(pk=response.pk).update(status=Response.Status.SUBMITTED, submitted_at=days(-300))


PREVIOUS = {
    "Q1": "GCA Partnership",
    "Q2": Decimal(12),
    "Q3": "100k",
    "Q4": "Fine",
    "Q5": Choice(option="ict"),
    "Q6": [{"partner": "Acme", "year": Decimal(2018)}, {"partner": "Beta", "year": Decimal(2019)}],
}


@pytest.fixture
def waves(db):
    gca = PartnershipFactory.create(acronym="GCA", group="g")
    elbe = PartnershipFactory.create(acronym="ELBE", group="g")
    ContactFactory.create(partnership=gca, name="Ada Coordinator", email="ada@gca.example.org")
    ContactFactory.create(partnership=elbe, name="Cleo", email="cleo@elbe.example.org")
    old = load(v1())
    # The new version: v2 (Q1 renamed NAME with same_as, Q3 retyped, Q5 `ict` renamed
    # `digital`, Q6 field `partner` renamed `organisation` and `year` removed) without Q2.
    d = v2()
    del d["sections"][0]["questions"][1]
    new = load(d)
    previous = wave_open(version=old, slug="lineage-2018", opens_at=days(-400), closes_at=days(-300))
    current = wave_open(version=new, slug="lineage-2019", opens_at=days(-1), closes_at=days(20), previous=previous)
    answer_previous(Response.objects.get(wave=previous, partnership=gca), PREVIOUS)
    return previous, current


def persona(wave: Wave, email: str):
    from surveys.models import Contact

    return make_persona(wave, Contact.objects.get(email=email))


def test_the_welcome_page_offers_last_years_answers_and_carries_only_corresponding_ones(client: Client, waves):
    previous, current = waves
    ada = persona(current, "ada@gca.example.org")
    html = client.get(ada.url()).content.decode()
    assert 'id="prefill-offer"' in html
    assert "Start from last year&#x27;s answers" in html or "Start from last year's answers" in html
    assert "Start empty" in html

    page = client.post(ada.url("prefill"), {"start": "previous"}, follow=True)
    assert page.status_code == 200
    # By hand: NAME (was Q1), Q4, Q5 (ict -> digital), Q6 (two rows, field renamed): 4;
    # Q2 removed, Q3 retyped (text -> number), Q6's `year` removed: not carried.
    assert "Answers to 4 questions were copied" in page.content.decode()
    response = Response.objects.get(wave=current, partnership__acronym="GCA")
    # Each carried row remembers last year's row it comes from, "carried" until confirmed.
    acme, beta = RepeatRow.objects.filter(response__wave=previous).order_by("position").values_list("id", flat=True)
    assert load_values(response, structure_for(current.version)) == {
        "NAME": "GCA Partnership",
        "Q4": "Fine",
        "Q5": Choice(option="digital"),
        "Q6": [
            {"organisation": "Acme", "_status": "carried", "_origin": acme},
            {"organisation": "Beta", "_status": "carried", "_origin": beta},
        ],
    }
    assert response.prefill_choice == PrefillChoice.PREVIOUS
    assert response.prefilled_from.wave_id == previous.pk
    assert response.status == Response.Status.DRAFT
    assert 'id="prefill-offer"' not in page.content.decode()


def test_prefill_happens_once(client: Client, waves):
    _, current = waves
    ada = persona(current, "ada@gca.example.org")
    client.post(ada.url("prefill"), {"start": "previous"})
    response = Response.objects.get(wave=current, partnership__acronym="GCA")
    structure = structure_for(current.version)
    replace_answers(
        response=response, structure=structure, nodes=[structure.by_code["Q4"]], values={"Q4": "Changed now"}
    )
    again = client.post(ada.url("prefill"), {"start": "previous"}, follow=True)
    assert "already made" in again.content.decode()
    assert load_values(response, structure)["Q4"] == "Changed now"
    with pytest.raises(PrefillRefused):
        response_prefill(response=response, source=response.prefilled_from, contact=None)


def test_start_empty_copies_nothing_and_withdraws_the_offer(client: Client, waves):
    _, current = waves
    ada = persona(current, "ada@gca.example.org")
    client.post(ada.url("prefill"), {"start": "empty"})
    response = Response.objects.get(wave=current, partnership__acronym="GCA")
    assert load_values(response, structure_for(current.version)) == {}
    assert response.prefill_choice == PrefillChoice.EMPTY
    assert response.status == Response.Status.NOT_STARTED
    assert 'id="prefill-offer"' not in client.get(ada.url()).content.decode()


def test_no_offer_without_previous_answers_or_previous_wave(client: Client, waves):
    previous, current = waves
    cleo = persona(current, "cleo@elbe.example.org")  # ELBE did not answer last year
    assert 'id="prefill-offer"' not in client.get(cleo.url()).content.decode()
    refused = client.post(cleo.url("prefill"), {"start": "previous"}, follow=True)
    assert "no answers of the previous survey" in refused.content.decode()
    assert Response.objects.get(wave=current, partnership__acronym="ELBE").prefill_choice == ""
    ada_last_year = persona(previous, "ada@gca.example.org")  # the first wave follows none
    assert 'id="prefill-offer"' not in client.get(ada_last_year.url()).content.decode()


def test_a_bad_choice_changes_nothing(client: Client, waves):
    _, current = waves
    ada = persona(current, "ada@gca.example.org")
    page = client.post(ada.url("prefill"), {"start": "everything"}, follow=True)
    assert "Choose to start from last year" in page.content.decode()
    assert Response.objects.get(wave=current, partnership__acronym="GCA").prefill_choice == ""


def test_the_real_annex_a_carries_numbers_and_agreements(client: Client, questionnaires, register_4i):
    version = questionnaires["escp-4i-progress"].latest_version()
    previous = wave_open(version=version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-300))
    current = wave_open(version=version, slug="escp-4i-2019", opens_at=days(-1), closes_at=days(20), previous=previous)
    # Both signed since the survey before last year's: "yes" last year, so "no" this year.
    yes = Choice(option="yes")
    rows = [
        {"counterpart_type": Choice(option="cluster"), "new_since_previous": yes},
        {"counterpart_type": Choice(option="university"), "new_since_previous": yes},
    ]
    answer_previous(
        Response.objects.get(wave=previous, partnership__acronym="GCA"),
        {"A4": Decimal(2), "A5": rows, "A2": ["US", "JP"]},
    )
    ada = make_persona(current, register_4i["coordinator"])
    client.post(ada.url("prefill"), {"start": "previous"})
    response = Response.objects.get(wave=current, partnership__acronym="GCA")
    values = load_values(response, structure_for(version))
    assert values["A4"] == Decimal(2)
    assert values["A2"] == ["US", "JP"]
    first, second = RepeatRow.objects.filter(response__wave=previous).order_by("position").values_list("id", flat=True)
    no = Choice(option="no")
    assert values["A5"] == [
        {
            "counterpart_type": Choice(option="cluster"),
            "new_since_previous": no,
            "_status": "carried",
            "_origin": first,
        },
        {
            "counterpart_type": Choice(option="university"),
            "new_since_previous": no,
            "_status": "carried",
            "_origin": second,
        },
    ]
    assert list(RepeatRow.objects.filter(response=response).values_list("status", "carried_from")) == [
        ("carried", first),
        ("carried", second),
    ]


def prefilled(client: Client, current: Wave):
    ada = persona(current, "ada@gca.example.org")
    client.post(ada.url("prefill"), {"start": "previous"})
    return ada, Response.objects.get(wave=current, partnership__acronym="GCA")


def test_the_section_shows_last_years_answer_where_it_differs_escaped(client: Client, waves):
    previous, current = waves
    ada, response = prefilled(client, current)
    structure = structure_for(current.version)
    replace_answers(
        response=response, structure=structure, nodes=[structure.by_code["Q4"]], values={"Q4": "<i>Better</i>"}
    )
    last_year = Response.objects.get(wave=previous, partnership__acronym="GCA")
    answer_previous(last_year, PREVIOUS | {"Q1": "<b>GCA</b> & co"})
    html = client.get(ada.url("section", "s")).content.decode()
    box = html.split('id="previous-answers"')[1].split("</section>")[0]
    # By hand: NAME now "GCA Partnership" (copied before the change above), last year
    # "<b>GCA</b> & co"; Q4 now "<i>Better</i>", last year "Fine"; Q5 and Q6 the same.
    # The card counts them and links to them; each shows last year's value beside it.
    assert "2 answers on this page differ from" in box
    assert '<a href="#id-NAME">NAME</a>, <a href="#id-Q4">Q4</a>.' in box
    assert (
        '<p class="form-text mt-0 previous-value" id="id-NAME-previous">'
        'Last year: <span class="fw-semibold">&lt;b&gt;GCA&lt;/b&gt; &amp; co</span></p>'
    ) in html
    assert 'Last year: <span class="fw-semibold">Fine</span>' in html
    assert html.count("Last year: <") == 2


def test_no_change_since_last_year_copies_the_section_and_saves_it(client: Client, waves):
    _, current = waves
    ada, response = prefilled(client, current)
    structure = structure_for(current.version)
    replace_answers(
        response=response,
        structure=structure,
        nodes=[structure.by_code["Q4"], structure.by_code["Q5"]],
        values={"Q4": "Changed"},
    )
    page = client.post(ada.url("section_unchanged", "s"))
    assert page.status_code == 302 and page["Location"] == ada.url("review")  # the only section
    values = load_values(response, structure)
    assert values["Q4"] == "Fine" and values["Q5"] == Choice(option="digital")
    state = response.section_states.get(section__code="s")
    assert state.saved_at is not None and state.lock_version == 1
    follow = client.get(ada.url("section", "s")).content.decode()
    assert "The answers of this section are those of last year." in follow


def test_no_change_is_refused_to_a_response_that_started_empty(client: Client, waves):
    _, current = waves
    ada = persona(current, "ada@gca.example.org")
    client.post(ada.url("prefill"), {"start": "empty"})
    page = client.post(ada.url("section_unchanged", "s"), follow=True)
    assert "did not start from the previous survey" in page.content.decode()
    assert 'id="previous-answers"' not in page.content.decode()


def test_the_copy_is_told_to_the_apps_above_as_a_change_of_answers(client: Client, waves):
    from surveys import signals

    _, current = waves
    seen: list[tuple[str, list[int]]] = []

    def changing(sender, response_ids, **kwargs):
        seen.append(("changing", response_ids))

    def changed(sender, response_ids, **kwargs):
        seen.append(("changed", response_ids))

    signals.answers_changing.connect(changing, dispatch_uid="test-prefill-changing")
    signals.answers_changed.connect(changed, dispatch_uid="test-prefill-changed")
    try:
        _, response = prefilled(client, current)
    finally:
        signals.answers_changing.disconnect(dispatch_uid="test-prefill-changing")
        signals.answers_changed.disconnect(dispatch_uid="test-prefill-changed")
    assert seen == [("changing", [response.pk]), ("changed", [response.pk])]


def test_the_prefill_and_no_change_since_last_year_are_in_the_audit_trail(client: Client, waves):
    from surveys.models import AnswerChange, Contact
    from surveys.services.responses import response_save_section

    _, current = waves
    ada, response = prefilled(client, current)
    contact = Contact.objects.get(email="ada@gca.example.org")
    # By hand from PREVIOUS: the four carried questions, in questionnaire order, from nothing.
    assert [
        (c.source, c.question_code, c.old_value, c.new_value, c.by_contact)
        for c in AnswerChange.objects.filter(response=response).order_by("pk")
    ] == [
        ("prefill", "NAME", "", "GCA Partnership", contact),
        ("prefill", "Q4", "", "Fine", contact),
        ("prefill", "Q5", "", "Digital", contact),
        ("prefill", "Q6", "", "1. organisation: Acme\n2. organisation: Beta", contact),
    ]
    structure = structure_for(current.version)
    values = load_values(response, structure)
    response_save_section(
        response_id=response.pk,
        section_code="s",
        contact=contact,
        values={**values, "Q4": "Better", "Q5": Choice(option="energy")},
        lock_version=0,
    )
    client.post(ada.url("section_unchanged", "s"))
    assert [
        (c.source, c.question_code, c.old_value, c.new_value)
        for c in AnswerChange.objects.filter(response=response).order_by("pk")[4:]
    ] == [
        ("journey", "Q4", "Fine", "Better"),
        ("journey", "Q5", "Digital", "Energy"),
        # "No change since last year": back to last year's, said as such.
        ("prefill", "Q4", "Better", "Fine"),
        ("prefill", "Q5", "Energy", "Digital"),
        # …and the rows carried from last year, still current.
        (
            "prefill",
            "Q6",
            "1. organisation: Acme\n2. organisation: Beta",
            "1. (still current) organisation: Acme\n2. (still current) organisation: Beta",
        ),
    ]
