"""Demo answers for `make run`: deterministic, idempotent, never touching real waves."""

from __future__ import annotations

from django.core.management import call_command

from reports.demo import PREVIOUS_SLUG, demo_responses_fill, fake_values
from reports.report import wave_report
from surveys.definition.structure import structure_for
from surveys.models import Answer, Questionnaire, RepeatRow, Response, Wave
from surveys.services.demo import demo_load
from surveys.services.demo_plausibility import demo_implausible_ensure
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


def test_table1_of_the_demo_adds_up_for_every_partnership(questionnaires: dict[str, Questionnaire]) -> None:
    demo_load()
    demo_responses_fill()
    demo_implausible_ensure()
    current = Wave.objects.get(slug="escp-4i-demo")

    def a4(response: Response) -> int:
        number = Answer.objects.get(response=response, question__code="A4").number
        assert number is not None
        return int(number)

    # Independently of the report: from the submitted responses' answers and A5 rows.
    expected = {}
    for response in current.responses.filter(status="submitted").select_related("partnership"):
        before = Response.objects.filter(
            wave=current.previous, partnership=response.partnership, status="submitted"
        ).first()
        rows = list(RepeatRow.objects.filter(response=response, question__code="A5"))
        new = sum(1 for r in rows if r.status == RepeatRow.Status.NEW)
        ended = sum(1 for r in rows if r.status == RepeatRow.Status.ENDED)
        # A4 counts the rows still current; every carried row is one of last year's.
        assert a4(response) == len(rows) - ended
        if before is None:
            continue
        assert response.prefilled_from_id == before.pk
        assert {r.carried_from for r in rows if r.status != RepeatRow.Status.NEW} <= set(
            RepeatRow.objects.filter(response=before).values_list("pk", flat=True)
        )
        assert a4(before) + new - ended == a4(response) >= a4(before)
        expected[response.partnership.acronym] = (a4(before), a4(response), new, ended)
    # The demo shows both: agreements ended and new ones.
    assert any(e[3] for e in expected.values()) and any(e[2] for e in expected.values())
    table = wave_report(current)["tables"]["table1"]
    assert table["unbalanced"] == []
    shown = {
        r["partnership"]: (r["previous"], r["current"], r["new_since"], r["ended"])
        for r in table["rows"]
        if r["partnership"] in expected
    }
    assert shown == expected
