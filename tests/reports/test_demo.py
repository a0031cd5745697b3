"""Demo answers for `make run`: deterministic, idempotent, never touching real waves."""

from __future__ import annotations

from django.core.management import call_command

from reports.demo import PREVIOUS_SLUG, demo_responses_fill, fake_values
from surveys.definition.structure import structure_for
from surveys.models import Questionnaire, Response, Wave
from surveys.services.demo import demo_load
from surveys.values import completeness_problems, hidden_codes


def test_it_answers_the_demo_waves_once(questionnaires: dict[str, Questionnaire]) -> None:
    demo_load()
    first = demo_responses_fill()
    assert first[PREVIOUS_SLUG] > 0
    assert first["escp-4i-demo"] > 0
    current = Wave.objects.get(slug="escp-4i-demo")
    assert current.previous is not None
    assert current.previous.slug == PREVIOUS_SLUG
    assert current.previous.closed_at is not None
    submitted = Response.objects.filter(wave=current, status="submitted").count()
    assert 0 < submitted < current.responses.count()
    assert demo_responses_fill() == dict.fromkeys(first, 0)
    assert Response.objects.filter(wave=current, status="submitted").count() == submitted


def test_it_generates_the_same_complete_answers_for_the_same_seed(questionnaires: dict[str, Questionnaire]) -> None:
    version = questionnaires["escp-4i-progress"].latest_version()
    assert version is not None
    structure = structure_for(version)
    one = fake_values(structure, seed="w:GCA", acronym="GCA", others=["ELBE"])
    assert one == fake_values(structure, seed="w:GCA", acronym="GCA", others=["ELBE"])
    # Complete by the engine's own rules (required questions, rows matching A4), so a
    # demo response could have been submitted through the journey.
    assert completeness_problems(structure.questions(), one, hidden_codes(structure, one)) == {}


def test_it_has_a_command(questionnaires: dict[str, Questionnaire], capsys: object) -> None:
    demo_load()
    call_command("demo_responses")
    assert Wave.objects.filter(slug=PREVIOUS_SLUG).exists()
