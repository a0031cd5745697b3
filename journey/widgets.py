"""What the section templates need to draw each question: names, ids, raw input, errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from journey import fragments
from journey.countries import countries_text, country_names
from journey.forms import OTHER_PARTNERSHIP, Raw, input_id
from journey.partnerships import PartnershipChoices
from surveys.definition.structure import QuestionNode, SectionNode, Structure
from surveys.models import MatrixRow, Option, Question
from surveys.services.prefill import PreviousValue
from surveys.services.responses import DERIVED_NEW_FIELD
from surveys.types import type_of


@dataclass
class Input:
    name: str
    value: Any = ""
    error: str = ""

    @property
    def id(self) -> str:
        return input_id(self.name)

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"


@dataclass
class OptionUI:
    option: Option
    id: str
    checked: bool
    comment: Input | None = None
    number: Input | None = None
    text: Input | None = None

    @property
    def has_extra(self) -> bool:
        return bool(self.comment or self.number or self.text)

    @property
    def extra_id(self) -> str:
        return f"{self.id}-extra"


@dataclass
class MatrixRowUI:
    row: MatrixRow
    input: Input


@dataclass
class PartnershipGroupUI:
    """One <optgroup> of a partnership choice: (acronym, label, selected) under a heading."""

    heading: str
    choices: list[tuple[str, str, bool]] = field(default_factory=list)


@dataclass
class RepeatRowUI:
    index: int | str
    number: int | str
    fields: list[QuestionUI]
    # A row carried from last year: its origin (a hidden input) and status ("carried" until
    # the respondent chooses "still current" (confirmed) or "ended"); "" for a new row.
    origin: str = ""
    status: str = ""
    # Shown "new since last year": a new row of a table that holds carried rows.
    new_since: bool = False


@dataclass
class QuestionUI:
    node: QuestionNode
    input: Input
    label: str
    in_repeat: bool = False
    options: list[OptionUI] = field(default_factory=list)
    matrix: list[MatrixRowUI] = field(default_factory=list)
    # The posted or stored values of a countries question (codes, or names as typed).
    countries: list[str] = field(default_factory=list)
    partnership_groups: list[PartnershipGroupUI] = field(default_factory=list)
    other: Input | None = None
    rows: list[RepeatRowUI] = field(default_factory=list)
    template_row: RepeatRowUI | None = None
    rows_expected: int | None = None
    shown_if: dict[str, str] = field(default_factory=dict)
    shown_if_label: str = ""
    # Last year's value, where it differs from the saved one (a prefilled response: see
    # `show_previous`); "" draws nothing.
    previous: str = ""

    @property
    def template(self) -> str:
        return f"journey/q/{look(self.node)}.html"

    @property
    def code(self) -> str:
        return self.node.code

    @property
    def question(self) -> Question:
        return self.node.question

    @property
    def described_by(self) -> str:
        ids = []
        if self.node.question.help:
            ids.append(f"{self.input.id}-help")
        if self.previous:
            ids.append(f"{self.input.id}-previous")
        if self.input.error:
            ids.append(self.input.error_id)
        return " ".join(ids)

    @property
    def has_error(self) -> bool:
        return (
            bool(self.input.error)
            or any(
                (o.comment and o.comment.error) or (o.number and o.number.error) or (o.text and o.text.error)
                for o in self.options
            )
            or any(r.input.error for r in self.matrix)
            or bool(self.other and self.other.error)
            or any(f.has_error for r in self.rows for f in r.fields)
        )

    @property
    def countries_text(self) -> str:
        """The text input's value: the names of the chosen countries, or what was typed."""
        return countries_text(self.countries, exclude_eu=self.node.question.exclude_eu)

    @property
    def countries_chosen(self) -> str:
        """The chosen codes, for the script that draws the list (static/js/country-fields.js)."""
        names = country_names(self.node.question.exclude_eu)
        return " ".join(code for code in self.countries if code in names)

    @property
    def is_single_country(self) -> bool:
        return self.node.question.max_items == 1

    @property
    def add_action(self) -> str:
        return f"add:{self.node.code}"

    # The repeated markup, drawn in Python from the version's fixed parts (journey/fragments.py).
    @property
    def options_html(self) -> SafeString:
        return fragments.options(self, ticks=look(self.node) == "multi_choice")

    @property
    def matrix_html(self) -> SafeString:
        return fragments.matrix_rows(self)

    @property
    def template_row_html(self) -> SafeString:
        """The blank row that "Add" copies (`template_row`), drawn once per version.

        It shows no answer, so it depends only on the version and on whether the table holds
        rows carried from last year (which changes its fields and badge): kept on the node of
        the version's cached tree under both. A table with a partnership field is drawn per
        request: its list leaves out the response's own partnership.
        """
        row = self.template_row
        assert row is not None
        key = f"template_row:{row.new_since}"
        keep = all(look(f) != "partnership" for f in self.node.fields)
        html = self.node.memo.get(key) if keep else None
        if html is None:
            html = render_to_string("journey/q/_repeat_row.html", {"q": self, "row": row})
            if keep:
                self.node.memo[key] = html
        return html  # type: ignore[return-value]


def _input(name: str, raw: Raw, errors: dict[str, str], default: Any = "") -> Input:
    return Input(name=name, value=raw.get(name, default), error=errors.get(name, ""))


def look(node: QuestionNode) -> str:
    """What the page draws for a question: `templates/journey/q/<look>.html` (the type's
    `template`, else its code); `build_question` fills in what that template shows."""
    return type_of(node).template or node.type


def build_question(
    node: QuestionNode,
    prefix: str,
    raw: Raw,
    errors: dict[str, str],
    *,
    partnerships: PartnershipChoices,
    in_repeat: bool = False,
) -> QuestionUI:
    ui = QuestionUI(node=node, input=_input(prefix, raw, errors), label=node.question.text, in_repeat=in_repeat)
    parts = _PARTS.get(look(node))
    if parts is not None:
        parts(ui, node, prefix, raw, errors, partnerships)
    return ui


def _options(ui: QuestionUI, node: QuestionNode, prefix: str, raw: Raw, errors: dict[str, str], *, ticks: bool) -> None:
    chosen = raw.get(prefix, [] if ticks else "")
    chosen_set = set(chosen) if isinstance(chosen, list) else {chosen}
    for option in node.options:
        opt_id = input_id(f"{prefix}.{option.code}")
        option_ui = OptionUI(option=option, id=opt_id, checked=option.code in chosen_set)
        if ticks:
            if option.comment:
                option_ui.comment = _input(f"{prefix}.{option.code}.comment", raw, errors)
            if option.number_label:
                option_ui.number = _input(f"{prefix}.{option.code}.number", raw, errors)
        if option.is_other:
            option_ui.text = _input(f"{prefix}.other.text", raw, errors)
        ui.options.append(option_ui)


def _ticks(
    ui: QuestionUI, node: QuestionNode, prefix: str, raw: Raw, errors: dict[str, str], _: PartnershipChoices
) -> None:
    _options(ui, node, prefix, raw, errors, ticks=True)


def _choice(
    ui: QuestionUI, node: QuestionNode, prefix: str, raw: Raw, errors: dict[str, str], _: PartnershipChoices
) -> None:
    _options(ui, node, prefix, raw, errors, ticks=False)


def _matrix(
    ui: QuestionUI, node: QuestionNode, prefix: str, raw: Raw, errors: dict[str, str], _: PartnershipChoices
) -> None:
    # The levels are the matrix's options: the header and every row's radios are drawn
    # from them (without them the rows had no buttons at all).
    ui.options = [
        OptionUI(option=level, id=input_id(f"{prefix}.{level.code}"), checked=False) for level in node.options
    ]
    ui.matrix = [MatrixRowUI(row=row, input=_input(f"{prefix}.{row.code}", raw, errors)) for row in node.rows]


def _countries(
    ui: QuestionUI, node: QuestionNode, prefix: str, raw: Raw, errors: dict[str, str], _: PartnershipChoices
) -> None:
    # The page draws no list: a text input, which the script turns into the checkboxes or
    # the select (journey/countries.py).
    chosen = raw.get(prefix, [])
    ui.countries = chosen if isinstance(chosen, list) else [chosen]


def _partnership(
    ui: QuestionUI,
    node: QuestionNode,
    prefix: str,
    raw: Raw,
    errors: dict[str, str],
    partnerships: PartnershipChoices,
) -> None:
    chosen = raw.get(prefix, "")
    offered = partnerships.of(node)
    groups: dict[str, PartnershipGroupUI] = {}
    for choice in offered.values():
        group = groups.setdefault(choice.heading, PartnershipGroupUI(heading=choice.heading))
        group.choices.append((choice.acronym, choice.label, choice.acronym == chosen))
    ui.partnership_groups = list(groups.values())
    if chosen and chosen != OTHER_PARTNERSHIP and chosen not in offered:
        # An answer the question no longer offers (stored before its designation changed,
        # or posted from outside it) stays shown, with the parser's message, not dropped.
        ui.partnership_groups.insert(
            0, PartnershipGroupUI(heading="Your earlier answer, not offered here", choices=[(chosen, chosen, True)])
        )
    ui.other = _input(f"{prefix}.other.text", raw, errors)
    ui.input.value = chosen


def _repeat(
    ui: QuestionUI,
    node: QuestionNode,
    prefix: str,
    raw: Raw,
    errors: dict[str, str],
    partnerships: PartnershipChoices,
) -> None:
    try:
        count = int(raw.get(f"{prefix}.rows", "0"))
    except ValueError:
        count = 0
    for index in range(count):
        ui.rows.append(
            RepeatRowUI(
                index=index,
                number=index + 1,
                fields=[
                    build_question(
                        f, f"{prefix}.{index}.{f.code}", raw, errors, partnerships=partnerships, in_repeat=True
                    )
                    for f in node.fields
                ],
                origin=raw.get(f"{prefix}.{index}._origin", ""),
                status=raw.get(f"{prefix}.{index}._status", "") if raw.get(f"{prefix}.{index}._origin") else "",
            )
        )
    carried = any(row.origin for row in ui.rows)
    for row in ui.rows:
        row.new_since = carried and not row.origin
        if carried:  # derived from the row's origin on save (docs/questionnaire-format.md)
            row.fields = [f for f in row.fields if f.code != DERIVED_NEW_FIELD]
    # A blank row with a placeholder index that the script copies when "Add" is pressed.
    ui.template_row = RepeatRowUI(
        index="__index__",
        number="__number__",
        fields=[
            build_question(f, f"{prefix}.__index__.{f.code}", {}, {}, partnerships=partnerships, in_repeat=True)
            for f in node.fields
            if not (carried and f.code == DERIVED_NEW_FIELD)
        ],
        new_since=carried,
    )


# What each template shows beyond `QuestionUI.input`, by the template (a type drawn like an
# existing one, `template = "number"`, needs nothing here; the templates without an entry,
# number, text, long_text and date, show the one input).
_PARTS: dict[str, Callable[[QuestionUI, QuestionNode, str, Raw, dict[str, str], PartnershipChoices], None]] = {
    "multi_choice": _ticks,
    "single_choice": _choice,
    "yes_no": _choice,
    "rating_matrix": _matrix,
    "countries": _countries,
    "partnership": _partnership,
    "repeat": _repeat,
}


def build_section(
    section: SectionNode,
    structure: Structure,
    raw: Raw,
    errors: dict[str, str],
    *,
    partnerships: PartnershipChoices,
    hidden_elsewhere: set[str],
    rows_expected: dict[str, int | None],
) -> list[QuestionUI]:
    """The questions of a section page.

    A question hidden by an answer in an earlier section is not drawn at all; one whose
    rule depends on a question of this same page is drawn with its rule, which the script
    applies as the person answers (and the server applies on save, with or without script).
    """
    section_codes = {n.code for n in section.questions}
    result = []
    for node in section.questions:
        if node.code in hidden_elsewhere:
            continue
        ui = build_question(node, node.code, raw, errors, partnerships=partnerships)
        rule = node.question.shown_if
        if rule and rule["question"] in section_codes:
            ui.shown_if = rule
            controller = structure.by_code[rule["question"]]
            option = controller.option(rule["equals"])
            ui.shown_if_label = (
                f"Only if you answered “{option.label if option else rule['equals']}” to {controller.code}."
            )
        ui.rows_expected = rows_expected.get(node.code)
        result.append(ui)
    return result


def show_previous(questions: list[QuestionUI], previous: list[PreviousValue] | None) -> list[PreviousValue] | None:
    """Put last year's value beside each question, and each field of a carried row, whose
    saved value differs from it (`previous_values`, computed once for the page). Returns
    those of the questions drawn (None: the response was not prefilled)."""
    if previous is None:
        return None
    by_code = {p.code: p for p in previous}
    shown = []
    for ui in questions:
        p = by_code.get(ui.code)
        if p is None:
            continue
        shown.append(p)
        ui.previous = p.previous
        for row in ui.rows:
            fields = p.rows.get(row.origin, {}) if row.origin else {}
            for f in row.fields:
                f.previous = fields.get(f.code, "")
    return shown


def error_summary(questions: list[QuestionUI], errors: dict[str, str]) -> list[tuple[str, str, str]]:
    """(input id, question code, message) in page order, for the list at the top of the page."""
    order = {q.code: i for i, q in enumerate(questions)}
    items = []
    for name, message in errors.items():
        code = name.split(".", 1)[0]
        if code in order:
            items.append((order[code], input_id(name), code, message))
    items.sort(key=lambda item: item[0])
    return [(target, code, message) for _, target, code, message in items]
