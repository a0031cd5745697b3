"""A version's sections, questions, options and rows as one in-memory tree.

Pages, exports and reports walk a questionnaire many times per request; loading the tree
costs four queries, and a version that waves use never changes, so the tree is cached per
process and keyed on the version's checksum (a version rebuilt before any wave opened gets a
new checksum, hence a new entry).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from surveys.models import MatrixRow, Option, Question, QuestionnaireVersion, Section


@dataclass
class QuestionNode:
    question: Question
    options: list[Option] = field(default_factory=list)
    rows: list[MatrixRow] = field(default_factory=list)
    fields: list[QuestionNode] = field(default_factory=list)
    # What callers compute once per version from this node and keep on it (the node belongs to
    # the version's cached, never-changing tree): the journey's fixed markup (journey/fragments.py).
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def code(self) -> str:
        return self.question.code

    @property
    def type(self) -> str:
        return self.question.type

    @property
    def id(self) -> int:
        return self.question.pk

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    def row(self, code: str) -> MatrixRow | None:
        return next((r for r in self.rows if r.code == code), None)

    def field_node(self, code: str) -> QuestionNode | None:
        return next((f for f in self.fields if f.code == code), None)


@dataclass
class SectionNode:
    section: Section
    questions: list[QuestionNode] = field(default_factory=list)
    index: int = 0

    @property
    def code(self) -> str:
        return self.section.code

    @property
    def title(self) -> str:
        return self.section.title


@dataclass
class Structure:
    version_id: int
    checksum: str
    sections: list[SectionNode]
    by_code: dict[str, QuestionNode]
    by_id: dict[int, QuestionNode]

    @cached_property
    def option_codes(self) -> dict[int, str]:
        """Option id -> code, over every question of the version (built once per structure)."""
        return {o.pk: o.code for node in self.by_id.values() for o in node.options}

    @cached_property
    def row_codes(self) -> dict[int, str]:
        """Matrix row id -> code."""
        return {r.pk: r.code for node in self.by_id.values() for r in node.rows}

    def section(self, code: str) -> SectionNode | None:
        return next((s for s in self.sections if s.code == code), None)

    def questions(self) -> list[QuestionNode]:
        """Top-level questions in questionnaire order."""
        return [q for s in self.sections for q in s.questions]

    def section_of(self, question_code: str) -> SectionNode | None:
        return next((s for s in self.sections if any(q.code == question_code for q in s.questions)), None)


_cache: dict[tuple[int, str], Structure] = {}
_lock = threading.Lock()


def structure_for(version: QuestionnaireVersion) -> Structure:
    key = (version.pk, version.checksum)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    built = _build(version)
    with _lock:
        _cache[key] = built
    return built


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _build(version: QuestionnaireVersion) -> Structure:
    sections = [SectionNode(section=s, index=i) for i, s in enumerate(Section.objects.filter(version=version))]
    questions = list(Question.objects.filter(version=version).order_by("parent_id", "position"))
    options: dict[int, list[Option]] = defaultdict(list)
    for option in Option.objects.filter(question__version=version).order_by("question_id", "position"):
        options[option.question_id].append(option)
    rows: dict[int, list[MatrixRow]] = defaultdict(list)
    for row in MatrixRow.objects.filter(question__version=version).order_by("question_id", "position"):
        rows[row.question_id].append(row)

    by_id = {q.pk: QuestionNode(question=q, options=options[q.pk], rows=rows[q.pk]) for q in questions}
    section_by_id = {s.section.pk: s for s in sections}
    for q in sorted(questions, key=lambda q: q.position):
        node = by_id[q.pk]
        if q.parent_id is not None:
            by_id[q.parent_id].fields.append(node)
        else:
            section_by_id[q.section_id].questions.append(node)
    by_code = {node.code: node for node in by_id.values() if node.question.parent_id is None}
    return Structure(version_id=version.pk, checksum=version.checksum, sections=sections, by_code=by_code, by_id=by_id)
