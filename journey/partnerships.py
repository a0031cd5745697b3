"""The registered partnerships that a partnership question offers.

A question designates them in its definition (`partnerships: {programmes, groups, acronyms}`,
any that matches); without it, it offers the partnerships of the wave. The respondent's own
partnership is never offered. The register holds thousands of organisations of other
programmes (884 ECCP cluster organisations alone), which a respondent must neither scroll
through nor be able to post: the parser refuses an acronym outside this set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from surveys.definition.structure import QuestionNode, SectionNode
from surveys.models import Partnership, Question, Response

# Headings of the choice's groups, in this order; a programme not named here comes after, by code.
PROGRAMME_NAMES = {
    "escp-4i": "ESCP-4i",
    "escp-s3": "ESCP-S3",
    "eccp": "ECCP cluster organisations",
    "escp-other": "Other partnerships",
}
# Groups that split a programme; a group that is the whole programme (s3) adds nothing.
GROUP_NAMES = {"strand-1": "strand 1", "strand-2": "strand 2", "s3": "", "cluster-organisation": ""}


@dataclass(frozen=True)
class PartnershipChoice:
    acronym: str
    label: str
    heading: str


@dataclass
class PartnershipChoices:
    """Per partnership question (by question id): acronym -> choice, in display order."""

    by_question: dict[int, dict[str, PartnershipChoice]] = field(default_factory=dict)

    def of(self, node: QuestionNode) -> dict[str, PartnershipChoice]:
        return self.by_question.get(node.id, {})


def partnership_nodes(section: SectionNode) -> list[QuestionNode]:
    """The partnership questions of a page, top-level or fields of a table."""
    found = []
    for node in section.questions:
        for candidate in [node, *node.fields]:
            if candidate.type == Question.Type.PARTNERSHIP:
                found.append(candidate)
    return found


def _designates(rule: dict[str, list[str]]) -> Q:
    condition = Q(pk__in=[])
    if rule.get("programmes"):
        condition |= Q(programme__in=rule["programmes"])
    if rule.get("groups"):
        condition |= Q(group__in=rule["groups"])
    if rule.get("acronyms"):
        condition |= Q(acronym__in=rule["acronyms"])
    return condition


def _matches(rule: dict[str, list[str]], row: dict[str, object]) -> bool:
    return (
        row["programme"] in rule.get("programmes", [])
        or (bool(row["group"]) and row["group"] in rule.get("groups", []))
        or row["acronym"] in rule.get("acronyms", [])
    )


def _rank(programme: str) -> int:
    """The programmes named above in their order, then any other."""
    order = list(PROGRAMME_NAMES)
    return order.index(programme) if programme in order else len(order)


def heading_of(programme: str, group: str) -> str:
    name = PROGRAMME_NAMES.get(programme, programme)
    part = GROUP_NAMES.get(group, group)
    return f"{name}, {part}" if part else name


def label_of(acronym: str, name: str) -> str:
    return f"{acronym} – {name}" if name and name != acronym else acronym


def partnership_choices(*, section: SectionNode, wave_id: int, own_partnership_id: int) -> PartnershipChoices:
    """The choices of every partnership question of a page, in one query (none if it has none)."""
    nodes = partnership_nodes(section)
    if not nodes:
        return PartnershipChoices()
    condition = Q(pk__in=[])
    for node in nodes:
        rule = node.question.partnerships
        condition |= _designates(rule) if rule else Q(in_wave=True)
    in_wave = Exists(Response.objects.filter(wave_id=wave_id, partnership=OuterRef("pk")))
    rows = list(
        Partnership.objects.annotate(in_wave=in_wave)
        .filter(condition)
        .exclude(pk=own_partnership_id)
        .values("acronym", "name", "programme", "group", "in_wave")
    )
    rows.sort(
        key=lambda r: (
            _rank(r["programme"]),
            heading_of(r["programme"], r["group"]).casefold(),
            r["acronym"].casefold(),
        )
    )
    result = PartnershipChoices()
    for node in nodes:
        rule = node.question.partnerships
        result.by_question[node.id] = {
            r["acronym"]: PartnershipChoice(
                acronym=r["acronym"],
                label=label_of(r["acronym"], r["name"]),
                heading=heading_of(r["programme"], r["group"]),
            )
            for r in rows
            if (_matches(rule, r) if rule else r["in_wave"])
        }
    return result
