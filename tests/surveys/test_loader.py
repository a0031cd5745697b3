from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.definition.loader import DefinitionError, normalise, questionnaire_load, read_file
from surveys.models import MatrixRow, Option, Question, Questionnaire, QuestionnaireVersion, Section
from tests.factories import days

BUNDLED = Path(__file__).resolve().parents[2] / "surveys" / "definition" / "bundled"


def minimal(**question: object) -> dict:
    q = {"code": "Q1", "type": "text", "text": "Name?"} | question
    return {
        "code": "demo",
        "title": "Demo",
        "version": 1,
        "groups": ["g"],
        "sections": [{"code": "s", "title": "S", "questions": [q]}],
    }


def test_it_loads_annex_a_with_every_attribute(db):
    call_command("load_questionnaires", str(BUNDLED / "escp-4i-progress.yaml"))
    version = QuestionnaireVersion.objects.get(questionnaire__code="escp-4i-progress")
    assert version.groups == ["strand-1", "strand-2"]
    assert version.minutes_needed == 50
    assert list(Section.objects.filter(version=version).values_list("code", flat=True)) == [
        "respondent",
        "activities",
        "barriers",
        "achievements",
        "benefits",
        "practices",
    ]
    a1 = Question.objects.get(version=version, code="A1")
    # 13 listed options and the "Other (please specify)" one.
    assert a1.options.count() == 14
    other = a1.options.get(code="other")
    assert other.is_other and not other.comment
    assert a1.options.get(code="events_missions").comment is True
    a2 = Question.objects.get(version=version, code="A2")
    assert a2.type == "countries" and a2.exclude_eu
    a4 = Question.objects.get(version=version, code="A4")
    assert (a4.min_value, a4.max_value) == (0, 500)
    a5 = Question.objects.get(version=version, code="A5")
    assert a5.rows_from == "A4"
    assert list(a5.fields.order_by("position").values_list("code", flat=True)) == [
        "counterpart_type",
        "organisation",
        "country",
        "description",
        "signed_on",
        "new_since_previous",
    ]
    assert a5.fields.get(code="country").max_items == 1
    assert a5.fields.get(code="counterpart_type").options.count() == 7
    assert list(a5.fields.get(code="new_since_previous").options.values_list("code", flat=True)) == ["yes", "no"]
    a7 = Question.objects.get(version=version, code="A7")
    assert a7.shown_if == {"question": "A6", "equals": "yes"}
    assert a7.fields.get(code="partnership").type == "partnership"
    a8 = Question.objects.get(version=version, code="A8")
    assert a8.options.get(code="partnership_agreements").number_label == "Number of agreements"
    # A9 shares A8's options through a YAML anchor; each question owns its own rows.
    assert Question.objects.get(version=version, code="A9").options.count() == 13


def test_it_loads_annex_b_exclusive_none(db):
    call_command("load_questionnaires", str(BUNDLED / "escp-s3-progress.yaml"))
    b6 = Question.objects.get(version__questionnaire__code="escp-s3-progress", code="B6")
    none = b6.options.get(code="none")
    assert none.exclusive and not none.comment
    assert b6.options.get(code="bankable_proposals").number_label == "Number of proposals"


def test_it_loads_the_satisfaction_matrix_and_scales(db):
    call_command("load_questionnaires", str(BUNDLED / "eccp-user-satisfaction.yaml"))
    c5 = Question.objects.get(version__questionnaire__code="eccp-user-satisfaction", code="C5")
    assert c5.scale
    assert list(MatrixRow.objects.filter(question=c5).values_list("code", flat=True)) == [
        "news",
        "events",
        "digest",
        "mapping_tool",
        "partner_search",
        "information",
    ]
    assert list(c5.options.values_list("code", flat=True)) == ["1", "2", "3", "4", "5"]
    c1 = Question.objects.get(version__questionnaire__code="eccp-user-satisfaction", code="C1")
    assert c1.scale and c1.type == "single_choice"
    c3 = Question.objects.get(version__questionnaire__code="eccp-user-satisfaction", code="C3")
    assert not c3.options.get(code="news").comment


def test_it_loads_all_bundled_definitions_and_is_safe_to_run_again(db, capsys):
    call_command("load_questionnaires")
    assert Questionnaire.objects.count() == 3
    counts = (QuestionnaireVersion.objects.count(), Question.objects.count(), Option.objects.count())
    call_command("load_questionnaires")
    assert (QuestionnaireVersion.objects.count(), Question.objects.count(), Option.objects.count()) == counts
    assert capsys.readouterr().out.count("unchanged") == 3


def test_it_updates_an_unused_version_in_place(db):
    questionnaire_load(definition=normalise(minimal()))
    result = questionnaire_load(definition=normalise(minimal(text="Your name?")))
    assert result.outcome == "updated"
    assert QuestionnaireVersion.objects.count() == 1
    assert Question.objects.get().text == "Your name?"


def test_it_never_changes_a_version_a_wave_uses(db):
    from surveys.services.waves import wave_open
    from tests.factories import PartnershipFactory

    PartnershipFactory(group="g")
    first = questionnaire_load(definition=normalise(minimal())).version
    wave_open(version=first, slug="w1", opens_at=days(-1), closes_at=days(1))
    result = questionnaire_load(definition=normalise(minimal(text="Your name?")))
    assert result.outcome == "new version"
    assert result.version.number == 2
    assert Question.objects.get(version=first).text == "Name?"
    assert Question.objects.get(version=result.version).text == "Your name?"
    # Loading the same changed file again recognises the stored new version.
    assert questionnaire_load(definition=normalise(minimal(text="Your name?"))).outcome == "unchanged"


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ({"type": "slider"}, "sections[0].questions[0].type: 'slider' is not a known type"),
        ({"type": "multi_choice"}, "sections[0].questions[0]: 'options' must be a non-empty list"),
        ({"type": "number", "min": 5, "max": 1}, "sections[0].questions[0].min: is above max"),
        ({"colour": "red"}, "sections[0].questions[0].colour: is not a known attribute"),
        ({"shown_if": {"question": "Q9", "equals": "yes"}}, "'Q9' is not a question asked before Q1"),
        (
            {"type": "repeat", "rows_from": "Q0", "fields": [{"code": "f", "type": "text", "label": "F"}]},
            "'Q0' is not a number question",
        ),
        (
            {"type": "repeat", "fields": [{"code": "f", "type": "rating_matrix", "label": "F"}]},
            "a repeat field cannot be of type 'rating_matrix'",
        ),
    ],
)
def test_it_names_each_problem_with_its_path(question, problem):
    with pytest.raises(DefinitionError) as info:
        normalise(minimal(**question))
    assert any(problem in p for p in info.value.problems), info.value.problems


def test_it_refuses_duplicate_codes_and_loads_nothing(db, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(
        "code: good\ntitle: Good\nversion: 1\ngroups: [g]\nsections:\n  - {code: s, title: S, questions: [{code: Q1, type: text, text: T}]}\n"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "code: bad\ntitle: Bad\nversion: 1\ngroups: [g]\nsections:\n"
        "  - {code: s, title: S, questions: [{code: Q1, type: text, text: T}, {code: Q1, type: text, text: U}]}\n"
    )
    with pytest.raises(CommandError) as info:
        call_command("load_questionnaires", str(good), str(bad))
    assert "'Q1' is used twice in the questionnaire" in str(info.value)
    assert not Questionnaire.objects.exists()


def test_it_reports_broken_yaml(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: [unclosed\n")
    with pytest.raises(DefinitionError) as info:
        read_file(broken)
    assert "not valid YAML" in info.value.problems[0]
