"""A section's completeness flag follows the answers of the other sections (issue 17).

A question may be shown by an answer of an earlier section: saving that earlier section
changes what the later one needs. The save recomputes the flags of the other saved sections,
and the submission trusts the flags (it reads no answer when every section says complete).
"""

from __future__ import annotations

import pytest

from surveys.definition.loader import normalise, questionnaire_load
from surveys.exceptions import Incomplete
from surveys.models import Response, SectionState
from surveys.services.responses import response_save_section, response_submit
from surveys.services.waves import wave_open
from surveys.values import Choice
from tests.factories import ContactFactory, PartnershipFactory, days

CROSS = {
    "code": "cross",
    "title": "Two sections, one rule",
    "version": 1,
    "groups": ["g"],
    "sections": [
        {"code": "first", "title": "First", "questions": [{"code": "Q1", "type": "yes_no", "text": "Exports?"}]},
        {
            "code": "second",
            "title": "Second",
            "questions": [
                {
                    "code": "Q2",
                    "type": "text",
                    "text": "To which countries?",
                    "required": True,
                    "shown_if": {"question": "Q1", "equals": "yes"},
                },
                {"code": "Q3", "type": "text", "text": "Anything else?"},
            ],
        },
    ],
}


@pytest.fixture
def response(db: None) -> Response:
    version = questionnaire_load(definition=normalise(CROSS)).version
    partnership = PartnershipFactory.create(acronym="GCA", group="g")
    ContactFactory.create(partnership=partnership)
    wave = wave_open(version=version, slug="cross-2019", opens_at=days(-1), closes_at=days(20))
    return Response.objects.get(wave=wave, partnership=partnership)


def save(response: Response, section: str, values: dict) -> SectionState:
    state = SectionState.objects.filter(response=response, section__code=section).first()
    return response_save_section(
        response_id=response.pk,
        section_code=section,
        contact=None,
        values=values,
        lock_version=state.lock_version if state else 0,
        confirm_removal=None,
    )


def complete(response: Response, section: str) -> bool:
    return SectionState.objects.get(response=response, section__code=section).complete


def test_showing_a_required_question_elsewhere_makes_that_section_incomplete(response):
    save(response, "first", {"Q1": Choice(option="no")})
    save(response, "second", {"Q3": "Nothing"})
    assert complete(response, "second")  # Q2 is not asked
    # "yes" asks Q2, unanswered, in the second section: it is no longer complete.
    save(response, "first", {"Q1": Choice(option="yes")})
    assert not complete(response, "second")
    with pytest.raises(Incomplete) as refused:
        response_submit(response_id=response.pk, contact=None)
    assert refused.value.problems == {"second": {"Q2": "This question needs an answer."}}


def test_hiding_an_unanswered_question_elsewhere_makes_that_section_complete(response):
    save(response, "first", {"Q1": Choice(option="yes")})
    save(response, "second", {"Q3": "Nothing"})
    assert not complete(response, "second")
    save(response, "first", {"Q1": Choice(option="no")})
    assert complete(response, "second")
    submitted = response_submit(response_id=response.pk, contact=None)
    assert submitted.status == Response.Status.SUBMITTED


def test_clearing_a_hidden_answer_elsewhere_keeps_the_flags_true_to_the_answers(response):
    save(response, "first", {"Q1": Choice(option="yes")})
    save(response, "second", {"Q2": "Japan", "Q3": "Nothing"})
    assert complete(response, "second")
    # "no" hides Q2: its answer is cleared, and the second section needs nothing more.
    save(response, "first", {"Q1": Choice(option="no")})
    assert complete(response, "second")
    assert not response.answers.filter(question__code="Q2").exists()
    # And back to "yes": Q2 is asked again, without its cleared answer.
    save(response, "first", {"Q1": Choice(option="yes")})
    assert not complete(response, "second")
