"""The question types' registry (surveys.types): every type has one home, and it round-trips.

On the three bundled questionnaires with the demo's answers, each type's value goes to answer
rows and back, to workbook cells and back, and to the journey's inputs and back unchanged.
A toy type written in one test-only module (tests/surveys/toy_type.py) is then asked for in a
definition, answered on the journey's page, shown, exported, imported and reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client

from exchange.answer_cells import SheetPlan
from exchange.export import wave_export
from exchange.layout import RESPONSE_COLUMNS, CellReader, CellWriter, workbook_layout
from exchange.reader import workbook_read
from exchange.services import responses_import
from journey.forms import _Parser
from journey.partnerships import PartnershipChoices
from journey.widgets import build_question
from reports.demo import demo_responses_fill
from reports.report import wave_report
from surveys.definition.loader import DefinitionError, normalise, questionnaire_load
from surveys.definition.structure import QuestionNode, Structure, structure_for
from surveys.models import Answer, Partnership, Question, Questionnaire, Response, SectionState, Wave
from surveys.services.demo import demo_load
from surveys.services.history import value_text as history_text
from surveys.services.responses import response_submit
from surveys.services.waves import wave_open
from surveys.types import TYPES, register, type_of
from surveys.types.base import QuestionType
from surveys.types.choices import SingleChoice
from surveys.values import ORIGIN, STATUS, build_answer_rows, load_values, partnership_ids_for, values_from_rows
from tests.conftest import make_persona
from tests.exchange.conftest import read_cells
from tests.factories import ContactFactory, PartnershipFactory, days
from tests.surveys import toy_type

DEMO_WAVES = ["escp-4i-demo", "escp-s3-demo", "eccp-demo"]


def test_the_registry_holds_one_type_for_each_question_type() -> None:
    assert set(TYPES) == set(Question.Type.values)
    for code, question_type in TYPES.items():
        assert isinstance(question_type, QuestionType)
        assert question_type.code == code
    # The loader names the known types in this order (its message must not change).
    assert list(TYPES) == [
        "multi_choice",
        "single_choice",
        "rating_matrix",
        "yes_no",
        "number",
        "text",
        "long_text",
        "date",
        "countries",
        "repeat",
        "partnership",
    ]


def test_the_types_live_in_one_module_per_family() -> None:
    families = {code: type(t).__module__.rsplit(".", 1)[-1] for code, t in TYPES.items()}
    assert families == {
        "number": "scalars",
        "text": "scalars",
        "long_text": "scalars",
        "date": "scalars",
        "multi_choice": "choices",
        "single_choice": "choices",
        "yes_no": "choices",
        "rating_matrix": "choices",
        "countries": "choices",
        "partnership": "choices",
        "repeat": "tables",
    }


# Round trips on the demo's answers -----------------------------------------------------------


@pytest.fixture
def demo(questionnaires: dict[str, Questionnaire]) -> list[tuple[Structure, Response, dict[str, Any]]]:
    demo_load()
    demo_responses_fill()
    answered = []
    for wave in Wave.objects.filter(slug__in=DEMO_WAVES).select_related("version"):
        structure = structure_for(wave.version)
        for response in Response.objects.filter(wave=wave).order_by("id"):
            values = load_values(response, structure)
            if values:
                answered.append((structure, response, values))
    assert {r.wave.slug for _, r, _ in answered} == set(DEMO_WAVES)
    return answered


def _types_in(structure: Structure, values: dict[str, Any]) -> set[str]:
    found = set()
    for node in structure.questions():
        if node.code in values:
            found.add(node.type)
            for row in values[node.code] if node.type == Question.Type.REPEAT else []:
                found.update(f.type for f in node.fields if f.code in row)
    return found


def test_the_demo_answers_cover_every_type(demo) -> None:
    covered = set().union(*(_types_in(s, v) for s, _, v in demo))
    assert covered == set(Question.Type.values)


def test_values_go_to_answer_rows_and_back(demo) -> None:
    for structure, response, values in demo:
        nodes = structure.questions()
        answers, repeats = build_answer_rows(
            response=response, nodes=nodes, values=values, partnership_ids=partnership_ids_for(values, nodes)
        )
        rows = []
        for number, (repeat_row, row_answers) in enumerate(repeats, start=1):
            # With each row's status and origin: the demo's prefilled responses carry rows.
            rows.append((-number, repeat_row.question_id, repeat_row.status, repeat_row.carried_from))
            for a in row_answers:
                a.repeat_row_id = -number
        every: list[Answer] = answers + [a for _, row_answers in repeats for a in row_answers]
        assert values_from_rows(structure, every, rows) == values, response


def test_values_go_to_workbook_cells_and_back(demo) -> None:
    acronyms = set(Partnership.objects.values_list("acronym", flat=True))
    reader = CellReader(acronyms=acronyms)
    for structure, response, values in demo:
        layout = workbook_layout(structure)
        writer = CellWriter(labels=False)
        sheets = [(layout.responses, values)]
        for node, sheet in layout.repeats:
            sheets += [(sheet, row) for row in values.get(node.code) or []]
        for sheet, sheet_values in sheets:
            writer.prepare(sheet)
            out: list[tuple[Any, Any]] = []
            writer.cells(sheet, sheet_values, out)
            cells = dict(out)
            problems: list[tuple[Any, str]] = []
            back = reader.values(sheet, cells.get, problems)
            assert problems == []
            # A carried row's status and origin are the RepeatRow's, not cells of its sheet.
            expected = {
                k: v
                for k, v in sheet_values.items()
                if k not in {n.code for n, _ in layout.repeats} and k not in (STATUS, ORIGIN)
            }
            assert back == expected, (response, sheet.name)


class _EveryPartnership(_Parser):
    """The journey's parser, offering every registered partnership."""

    def partnerships_offered(self, node: QuestionNode) -> Any:
        return set(Partnership.objects.values_list("acronym", flat=True))


def _query(raw: dict[str, Any]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in raw.items():
        data.setlist(name, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return data


def test_values_go_to_the_journeys_inputs_and_back(demo) -> None:
    for structure, _response, values in demo:
        for node in structure.questions():
            value = values.get(node.code)
            question_type = type_of(node)
            parser = _EveryPartnership(_query(question_type.raw(node, value, node.code)), PartnershipChoices())
            parsed = question_type.parse(parser, node, node.code)
            assert parser.errors == {}, (node.code, value)
            assert parsed == (value if value is not None or node.type != Question.Type.REPEAT else []), node.code


# One number check ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "journey", "cell"),
    [
        ("12.5", "Please enter a whole number.", "12.5 is not a whole number."),
        (
            "-1",
            "Please enter a number of at least 0.",
            "-1 is out of bounds: the question takes numbers of at least 0.",
        ),
        ("1e14", "This number is too large.", "100000000000000 is too large."),
        ("ten", "“ten” is not a number: please enter digits only, such as 12.", "'ten' is not a number."),
    ],
)
def test_the_journey_and_the_workbook_check_an_options_number_alike(typed: str, journey: str, cell: str) -> None:
    from surveys.types.base import CellError
    from surveys.types.scalars import as_number

    parser = _Parser(_query({"n": typed}), PartnershipChoices())
    assert parser.number("n", minimum=Decimal(0)) is None
    assert parser.errors == {"n": journey}
    with pytest.raises(CellError) as refused:
        as_number(None, typed, minimum=Decimal(0))
    assert str(refused.value) == cell


# A type in one module --------------------------------------------------------------------------


@pytest.fixture
def percentage() -> Iterator[QuestionType]:
    installed = toy_type.install()
    yield installed
    toy_type.uninstall()


def _definition(**extra: Any) -> dict[str, Any]:
    share = {"code": "Q1", "type": "percentage", "text": "Share of women in the team?", "decimals": 1} | extra
    table = {
        "code": "RP",
        "type": "repeat",
        "text": "Your sites",
        "fields": [
            {"code": "site", "type": "text", "label": "Site"},
            {"code": "share", "type": "percentage", "label": "Share of the budget"},
        ],
    }
    return {
        "code": "toy",
        "title": "Toy",
        "version": 1,
        "groups": ["g"],
        "sections": [{"code": "s", "title": "S", "questions": [share, table]}],
    }


def test_without_its_module_the_type_is_unknown() -> None:
    with pytest.raises(DefinitionError) as refused:
        normalise(_definition())
    assert "'percentage' is not a known type" in str(refused.value)


def test_registered_it_is_a_choice_of_the_question_field_without_a_migration(percentage: QuestionType) -> None:
    from surveys.models import Question

    field = Question._meta.get_field("type")
    assert ("percentage", "Percentage") in list(field.choices or [])
    assert Question(type="percentage").get_type_display() == "Percentage"
    field.clean("percentage", None)  # a choice the admin's form accepts
    toy_type.uninstall()
    assert "percentage" not in [code for code, _ in field.choices or []]
    toy_type.install()


def test_its_definition_check_is_the_types(percentage: QuestionType) -> None:
    with pytest.raises(DefinitionError) as refused:
        normalise(_definition(decimals=2))
    assert refused.value.problems == ["sections[0].questions[0].decimals: a percentage keeps at most 1 decimal"]
    with pytest.raises(DefinitionError) as refused:
        normalise(_definition(max=3))
    assert refused.value.problems == ["sections[0].questions[0].max: is not a known attribute"]


def test_a_type_written_in_one_module_works_everywhere(db: None, client: Client, percentage: QuestionType) -> None:
    version = questionnaire_load(definition=normalise(_definition())).version
    own = PartnershipFactory.create(acronym="OWN", group="g")
    persona = make_persona(
        wave_open(version=version, slug="toy-1", opens_at=days(-1), closes_at=days(10)),
        ContactFactory.create(partnership=own),
    )
    wave = persona.invitation.wave
    response = Response.objects.get(wave=wave)
    url = persona.url("section", "s")

    # The journey: drawn with the template it names, checked with its messages, saved.
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="Q1"' in page.content.decode()
    post = {"Q1": "150", "RP.rows": "1", "RP.0.site": "Lyon", "RP.0.share": "40 %", "action": "save"}
    page = client.post(url, post | {"lock_version": 0})
    assert page.status_code == 422
    assert "A percentage is from 0 to 100." in page.content.decode()
    structure = structure_for(version)
    assert load_values(response, structure)["RP"] == [{"site": "Lyon", "share": Decimal(40)}]
    lock = SectionState.objects.get(response=response).lock_version
    assert client.post(url, post | {"Q1": "12,5 %", "lock_version": lock}).status_code == 302
    values = load_values(response, structure)
    assert values["Q1"] == Decimal("12.5")

    # Shown to a person, and in the history.
    assert "12.5 %" in client.get(persona.url("review")).content.decode()
    assert history_text(structure.questions()[0], values["Q1"]) == "12.5 %"

    # Exported, imported into an empty wave, exported again: the same cells.
    response_submit(response_id=response.pk, contact=persona.contact)
    first = BytesIO()
    wave_export(wave=wave, target=first)
    first.seek(0)
    copy = wave_open(version=version, slug="toy-2", opens_at=days(-1), closes_at=days(10))
    plan = workbook_read(wave=copy, file=first)
    assert [str(p) for p in plan.problems] == []
    responses_import(wave=copy, plan=plan)
    assert load_values(Response.objects.get(wave=copy), structure) == values
    again = BytesIO()
    wave_export(wave=copy, target=again)
    first.seek(0)
    again.seek(0)
    assert read_cells(first)["responses"][1][4:] == read_cells(again)["responses"][1][4:]

    # Reported as a number.
    q1 = wave_report(wave, scan=True)["questions"]["Q1"]
    assert q1["type"] == "percentage"
    assert q1["sum"]["total"] == Decimal("12.5")


class _DrawnLikeAChoice(SingleChoice):
    """A type with its own code that is a single choice in all but its name."""

    code = "toy_choice"  # type: ignore[assignment]  # not one of Question.Type: registered by the test only
    template = "single_choice"


@pytest.fixture
def toy_choice() -> Iterator[QuestionType]:
    yield register(_DrawnLikeAChoice())
    TYPES.pop("toy_choice", None)


def test_a_type_like_an_existing_one_needs_nothing_in_the_apps(db: None, toy_choice: QuestionType) -> None:
    # Its page, its workbook columns and the export's fast path come from its template and
    # its methods: journey.widgets, exchange.layout and exchange.answer_cells know no code.
    question = {
        "code": "Q1",
        "type": "toy_choice",
        "text": "Which?",
        "options": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}],
        "other": True,
    }
    definition = {
        "code": "toy",
        "title": "Toy",
        "version": 1,
        "groups": ["g"],
        "sections": [{"code": "s", "title": "S", "questions": [question]}],
    }
    structure = structure_for(questionnaire_load(definition=normalise(definition)).version)
    node = structure.questions()[0]
    ui = build_question(node, "Q1", {"Q1": "b"}, {}, partnerships=PartnershipChoices())
    assert ui.template == "journey/q/single_choice.html"
    assert [(o.option.code, o.checked) for o in ui.options] == [("a", False), ("b", True), ("other", False)]
    sheet = workbook_layout(structure).responses
    assert sheet.headers[len(RESPONSE_COLUMNS) :] == ["Q1", "Q1[other][text]"]
    plan = SheetPlan(sheet, CellWriter(labels=False))
    assert sorted(kind for _, kind, *_ in plan.by_option.values()) == [1, 1, 1]  # one chosen option
