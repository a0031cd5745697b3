"""Every question of every bundled questionnaire can be answered: its page draws a labelled
input for each answer it accepts.

The expectations come from the questionnaire's structure (its options, levels, rows and
fields) and the input-naming contract of `journey.forms`, never from the widgets:
a question type whose template draws nothing (as ECCP C5's rating matrix once did) fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.test import Client

from surveys.definition.structure import QuestionNode, structure_for
from surveys.models import Question, Questionnaire, SectionState, Wave
from surveys.services.waves import wave_open
from tests.conftest import Persona, make_persona
from tests.factories import ContactFactory, PartnershipFactory, days

T = Question.Type
BUNDLED = ["escp-4i-progress", "escp-s3-progress", "eccp-user-satisfaction"]


@dataclass
class Control:
    tag: str
    name: str
    type: str
    value: str
    id: str
    aria_label: str
    options: list[str] = field(default_factory=list)  # of a <select>


class Controls(HTMLParser):
    """The form controls of a page (outside <template>), and the ids of those a <label> names:
    by its `for`, or by holding the control (an implicit label, as the options draw theirs)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.controls: list[Control] = []
        self.labelled: set[str] = set()
        self._template_depth = 0
        self._label_depth = 0
        self._select: Control | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "template":
            self._template_depth += 1
        if self._template_depth:
            return
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"])
        elif tag == "label":
            self._label_depth += 1
        if tag in ("input", "textarea", "select"):
            control = Control(
                tag=tag,
                name=a.get("name", ""),
                type=a.get("type", "text" if tag == "input" else tag),
                value=a.get("value", ""),
                id=a.get("id", ""),
                aria_label=a.get("aria-label", ""),
            )
            self.controls.append(control)
            if self._label_depth and control.id:
                self.labelled.add(control.id)
            if tag == "select":
                self._select = control
        if tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._template_depth -= 1
        if tag == "select":
            self._select = None
        if tag == "label" and self._label_depth:
            self._label_depth -= 1


def controls_of(html: str) -> Controls:
    parser = Controls()
    parser.feed(html)
    return parser


def expected_inputs(node: QuestionNode, prefix: str) -> list[tuple[str, str, str]]:
    """(tag or input type, name, value) of the inputs that answer this question, by hand from
    the input names documented in journey/forms.py."""
    q = node.question
    if node.type == T.MULTI_CHOICE:
        found = []
        for o in node.options:
            found.append(("checkbox", prefix, o.code))
            if o.comment:
                found.append(("textarea", f"{prefix}.{o.code}.comment", ""))
            if o.number_label:
                found.append(("text", f"{prefix}.{o.code}.number", ""))
            if o.is_other:
                found.append(("text", f"{prefix}.other.text", ""))
        return found
    if node.type in (T.SINGLE_CHOICE, T.YES_NO):
        found = [("radio", prefix, o.code) for o in node.options]
        found += [("text", f"{prefix}.other.text", "") for o in node.options if o.is_other]
        return found
    if node.type == T.RATING_MATRIX:
        return [("radio", f"{prefix}.{row.code}", level.code) for row in node.rows for level in node.options]
    if node.type == T.COUNTRIES:
        # Issue 17: the page carries one labelled text input (names or codes) instead of 250
        # checkboxes or options; static/js/country-fields.js draws the list (the browser
        # tests use it), test_journey_countries.py reads what the input posts.
        return [("text", prefix, "")]
    if node.type == T.PARTNERSHIP:
        return [("select", prefix, ""), ("text", f"{prefix}.other.text", "")]
    if node.type == T.LONG_TEXT:
        return [("textarea", prefix, "")]
    if node.type == T.DATE:
        return [("date", prefix, "")]
    if node.type in (T.TEXT, T.NUMBER):
        return [("text", prefix, "")]
    if node.type == T.REPEAT:
        found = [("hidden", f"{prefix}.rows", "1")]
        for f in node.fields:
            found += expected_inputs(f, f"{prefix}.0.{f.code}")
        return found
    raise AssertionError(f"no expectation for the type {node.type} of {q.code}: add one")


def kind(control: Control) -> str:
    return control.type if control.tag == "input" else control.tag


@pytest.fixture
def persona_of(questionnaires: dict[str, Questionnaire]):
    """A persona of an open wave of one bundled questionnaire, with other partnerships of
    every programme registered (so that partnership questions have something to offer)."""

    def make(code: str) -> Persona:
        version = questionnaires[code].latest_version()
        assert version is not None
        for programme, group in [("escp-4i", "strand-1"), ("escp-s3", "s3"), ("eccp", "cluster-organisation")]:
            PartnershipFactory.create(acronym=f"OTHER-{programme}", programme=programme, group=group)
        own = PartnershipFactory.create(acronym="OWN", programme="x", group=version.groups[0])
        contact = ContactFactory.create(partnership=own)
        wave: Wave = wave_open(version=version, slug=f"{code}-test", opens_at=days(-1), closes_at=days(10))
        return make_persona(wave, contact)

    return make


def lock_of(persona: Persona, section: str) -> int:
    state = SectionState.objects.filter(
        response__wave=persona.invitation.wave, section__code=section, response__partnership=persona.contact.partnership
    ).first()
    return state.lock_version if state else 0


@pytest.mark.parametrize("code", BUNDLED)
def test_every_question_draws_a_labelled_input_for_each_answer(client: Client, persona_of, code: str) -> None:
    persona = persona_of(code)
    structure = structure_for(persona.invitation.wave.version)
    assert structure.sections, code
    missing: list[str] = []
    for section in structure.sections:
        # Questions shown only for some answer get it first, and every table one row, so that
        # the page draws every input a respondent can meet.
        relevance = [n.question.shown_if for n in structure.questions() if n.question.shown_if]
        setup = {r["question"]: r["equals"] for r in relevance if structure.section_of(r["question"]) is section}
        tables = {f"{n.code}.rows": "1" for n in section.questions if n.type == T.REPEAT}
        if tables:
            data = {**setup, **tables, "action": "save", "lock_version": lock_of(persona, section.code)}
            assert client.post(persona.url("section", section.code), data).status_code == 302
        page = client.get(persona.url("section", section.code))
        assert page.status_code == 200, (code, section.code)
        found = controls_of(page.content.decode())
        by_key = {(kind(c), c.name, c.value if kind(c) in ("checkbox", "radio") else ""): c for c in found.controls}
        for node in section.questions:
            for key in expected_inputs(node, node.code):
                lookup = key if key[0] in ("checkbox", "radio") else (key[0], key[1], "")
                control = by_key.get(lookup)
                if control is None:
                    missing.append(f"{section.code}/{node.code}: no {key[0]} input named {key[1]!r} {key[2]!r}")
                    continue
                if key[0] == "hidden":
                    assert control.value == key[2], (node.code, control)
                    continue
                if not (control.id in found.labelled or control.aria_label):
                    missing.append(f"{section.code}/{node.code}: the input {key[1]!r} {key[2]!r} has no label")
            if node.type == T.PARTNERSHIP or any(f.type == T.PARTNERSHIP for f in node.fields):
                for select in (c for c in found.controls if c.tag == "select" and c.name.endswith("partnership")):
                    assert "__other__" in select.options and len(select.options) > 2, select
    assert not missing, "\n".join(missing)


def test_the_eccp_quality_matrix_offers_five_levels_on_each_of_its_six_rows(client: Client, persona_of) -> None:
    persona = persona_of("eccp-user-satisfaction")
    page = client.get(persona.url("section", "satisfaction"))
    radios = [c for c in controls_of(page.content.decode()).controls if c.type == "radio" and c.name.startswith("C5.")]
    rows = ["news", "events", "digest", "mapping_tool", "partner_search", "information"]
    assert sorted({c.name for c in radios}) == sorted(f"C5.{r}" for r in rows)
    assert [c.value for c in radios if c.name == "C5.digest"] == ["1", "2", "3", "4", "5"]
    html = page.content.decode()
    for level in ["Poor", "Fair", "Good", "Very good", "Excellent"]:
        assert f'<th scope="col" class="text-center small">{level}</th>' in html
    assert "Weekly digest: Very good" in html  # each radio's own label says row and level


def test_an_answer_to_the_eccp_quality_matrix_is_saved_and_shown_again(client: Client, persona_of) -> None:
    persona = persona_of("eccp-user-satisfaction")
    data = {"C5.news": "4", "C5.digest": "2", "action": "save", "lock_version": 0}
    assert client.post(persona.url("section", "satisfaction"), data).status_code == 302
    page = client.get(persona.url("section", "satisfaction")).content.decode()
    assert 'name="C5.news" value="4" id="id-C5-news-4" checked' in page
    assert 'name="C5.digest" value="2" id="id-C5-digest-2" checked' in page
    assert page.count(" checked") == 2


def test_a_level_outside_the_scale_is_refused_at_its_row(client: Client, persona_of) -> None:
    persona = persona_of("eccp-user-satisfaction")
    data = {"C5.news": "4", "C5.digest": "9", "action": "save", "lock_version": 0}
    page = client.post(persona.url("section", "satisfaction"), data)
    assert page.status_code == 422
    html = page.content.decode()
    assert '<a href="#id-C5-digest">C5: Please choose one of the levels shown.</a>' in html
    assert 'id="id-C5-digest-1" aria-invalid="true" aria-describedby="id-C5-digest-error"' in html
    assert 'name="C5.news" value="4" id="id-C5-news-4" checked' in html  # the rest is kept
