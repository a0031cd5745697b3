"""Answers as a person reads them: the review page, the printable copy, the admin, conflicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from surveys.definition.structure import QuestionNode, SectionNode, Structure
from surveys.types import type_of
from surveys.values import Values, hidden_codes, is_empty


@dataclass
class Line:
    text: str
    details: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Shown:
    node: QuestionNode
    lines: list[Line] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    hidden: bool = False
    problem: str = ""

    @property
    def empty(self) -> bool:
        return not self.lines and not self.rows

    @property
    def is_table(self) -> bool:
        return bool(self.headers)


@dataclass
class ShownSection:
    section: SectionNode
    items: list[Shown]
    problems: dict[str, str] = field(default_factory=dict)
    edit_url: str = ""


def value_text(node: QuestionNode, value: Any, partnership_names: dict[str, str]) -> str:
    """One value as a single line of text (cells of repeat tables, single values)."""
    if is_empty(node, value):
        return ""
    return type_of(node).display_text(node, value, partnership_names)


def shown_question(node: QuestionNode, value: Any, partnership_names: dict[str, str]) -> Shown:
    shown = Shown(node=node)
    question_type = type_of(node)
    table = question_type.shown_table(node, value, partnership_names)
    if table is not None:
        shown.headers, shown.rows = table
        return shown
    if is_empty(node, value):
        return shown
    shown.lines = [
        Line(text=text, details=details) for text, details in question_type.shown_lines(node, value, partnership_names)
    ]
    return shown


def value_line(node: QuestionNode, value: Any, partnership_names: dict[str, str]) -> str:
    """A value as one line of text, worded as the review page shows it (its lines, each with
    its details in brackets); a table in a few words ("2 entries"), its cells being shown
    beside the cells themselves. "" for no answer."""
    if is_empty(node, value):
        return ""
    shown = shown_question(node, value, partnership_names)
    if shown.is_table:
        return type_of(node).short_text(node, value)
    return "; ".join(
        line.text + (f" ({', '.join(f'{label}: {text}' for label, text in line.details)})" if line.details else "")
        for line in shown.lines
    )


def shown_sections(
    structure: Structure,
    values: Values,
    *,
    partnership_names: dict[str, str],
    problems: dict[str, dict[str, str]] | None = None,
    sections: list[SectionNode] | None = None,
) -> list[ShownSection]:
    hidden = hidden_codes(structure, values)
    result = []
    for section in sections or structure.sections:
        section_problems = (problems or {}).get(section.code, {})
        items = []
        for node in section.questions:
            shown = shown_question(node, values.get(node.code), partnership_names)
            shown.hidden = node.code in hidden
            shown.problem = next(
                (
                    msg
                    for name, msg in section_problems.items()
                    if name == node.code or name.startswith(node.code + ".")
                ),
                "",
            )
            items.append(shown)
        result.append(ShownSection(section=section, items=items, problems=section_problems))
    return result
