"""Filters and breakdowns of a wave's report (issue 16, item 5): the indicators of the
respondents who gave a chosen answer (A6 = yes, several conditions ANDed), broken down by a
single-choice or yes/no question instead of the groups, and optionally counting the
incomplete responses (drafts) beside the completed ones, as the ECCP summary's frequency
counts do.

A scoped report is computed from the answer rows (the scan of `reports.selectors`, the
reference the tallies are tested against), never from the tallies: those hold the
completed responses per group only. Its shape is the report's (`reports.report`), with:

- `groups`: the breakdown's columns (the groups, or the codes of the question's options
  then `no answer`); every breakdown is by those columns;
- `population`: the responses of the wave that pass the filter, per column
  (`invited`/`started`/`completed`), and `counted`: those whose answers count (completed,
  and drafts with `include_incomplete`);
- `scope`: what was asked (`filter`, `breakdown`, `include_incomplete`), the columns with
  their labels, how many responses of each status count, and a sentence saying it all;
- no `comparison`: the previous wave is not filtered (its Table 1 column stays empty).

The unfiltered report by group of the completed responses is `ReportScope()` (`is_default`):
it is the tallied report, unchanged.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from surveys.bulk import collector_paused
from surveys.definition.structure import QuestionNode, Structure, structure_for
from surveys.models import Answer, Response, Wave
from surveys.types import type_of

from . import indicators as ind
from . import selectors
from .report import (
    Context,
    FetchedRows,
    Register,
    WaveResponses,
    _scanned_named,
    _tables,
    build_indicators,
    confirmed_collaborations,
    figure_series,
    question_kinds,
)
from .selectors import Scope, WaveRows

GROUP = "group"
NO_ANSWER = "no answer"


def can_filter(node: QuestionNode) -> bool:
    """Whether a report may keep the respondents who chose or ticked an option of `node`:
    a type answered by choosing one option or ticking options (single choice, yes/no,
    multiple choice)."""
    return type_of(node).options_kind in ("choice", "tick")


def can_break_down(node: QuestionNode) -> bool:
    """Whether a report may have a column per answer of `node`: one option chosen (single
    choice, yes/no)."""
    return type_of(node).options_kind == "choice"


TRUE_VALUES = {"1", "true", "on", "yes"}


@dataclass(frozen=True)
class Condition:
    """Respondents who gave this answer: the option `option` of the question `question`
    (for a multiple choice: ticked it)."""

    question: str
    option: str

    def __str__(self) -> str:
        return f"{self.question}={self.option}"


@dataclass(frozen=True)
class ReportScope:
    conditions: tuple[Condition, ...] = ()
    by: str = GROUP
    include_incomplete: bool = False

    @property
    def is_default(self) -> bool:
        return not self.conditions and self.by == GROUP and not self.include_incomplete

    def params(self) -> list[tuple[str, str]]:
        """The query parameters that ask for this scope (none for the default)."""
        out = [("filter", str(c)) for c in self.conditions]
        if self.by != GROUP:
            out.append(("by", self.by))
        if self.include_incomplete:
            out.append(("include_incomplete", "1"))
        return out

    def query(self) -> str:
        return urlencode(self.params())

    @property
    def key(self) -> str:
        """A key for the cache."""
        return hashlib.sha256(self.query().encode()).hexdigest()[:16]


class ScopeErrors(ValueError):
    """Bad parameters, by parameter name ("filter", "by"), each with its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _top_level(structure: Structure, code: str) -> QuestionNode | None:
    return next((n for n in structure.questions() if n.code == code), None)


def parse_condition(text: str, structure: Structure) -> Condition:
    """`A6=yes` as a condition of this questionnaire, or ValueError saying what is wrong."""
    code, sep, option = (part.strip() for part in text.partition("="))
    if not sep or not code or not option:
        raise ValueError(f"“{text}” is not QUESTION=OPTION (e.g. A6=yes).")
    node = _top_level(structure, code)
    if node is None:
        raise ValueError(f"No question {code} in this questionnaire.")
    if not can_filter(node):
        raise ValueError(f"{code} is not a single-choice, yes/no or multiple-choice question.")
    if node.option(option) is None:
        codes = ", ".join(o.code for o in node.options)
        raise ValueError(f"{code} has no option “{option}” (its options: {codes}).")
    return Condition(question=code, option=option)


def parse_breakdown(text: str, structure: Structure) -> str:
    code = text.strip() or GROUP
    if code == GROUP:
        return GROUP
    node = _top_level(structure, code)
    if node is None:
        raise ValueError(f"No question {code} in this questionnaire.")
    if not can_break_down(node):
        raise ValueError(f"{code} is not a single-choice or yes/no question: its answers cannot be columns.")
    return code


def scope_from(params: Mapping[str, Any], structure: Structure) -> ReportScope:
    """The scope asked for by query parameters (`filter` repeated, `by`,
    `include_incomplete`), or ScopeErrors with a message per bad parameter."""
    getlist = getattr(params, "getlist", None)
    raw_filters: Iterable[str] = getlist("filter") if getlist else [params.get("filter") or ""]
    errors: dict[str, list[str]] = defaultdict(list)
    conditions: list[Condition] = []
    for text in raw_filters:
        if not text.strip():
            continue
        try:
            condition = parse_condition(text, structure)
        except ValueError as e:
            errors["filter"].append(str(e))
        else:
            if condition not in conditions:
                conditions.append(condition)
    by = GROUP
    try:
        by = parse_breakdown(params.get("by") or GROUP, structure)
    except ValueError as e:
        errors["by"].append(str(e))
    if errors:
        raise ScopeErrors(dict(errors))
    incomplete = (params.get("include_incomplete") or "").strip().lower() in TRUE_VALUES
    return ReportScope(conditions=tuple(conditions), by=by, include_incomplete=incomplete)


def describe(scope: ReportScope, structure: Structure) -> str:
    """The scope in one sentence, for the banner, the titles and the JSON."""
    parts = []
    if scope.conditions:
        said = []
        for c in scope.conditions:
            node = _top_level(structure, c.question)
            option = node.option(c.option) if node else None
            said.append(f"{c.question} = {option.label if option else c.option}")
        parts.append("respondents with " + " and ".join(said))
    else:
        parts.append("all respondents")
    if scope.by != GROUP:
        parts.append(f"by the answer to {scope.by} instead of by group")
    parts.append(
        "incomplete responses (drafts) included beside the completed ones"
        if scope.include_incomplete
        else "completed responses only"
    )
    return "; ".join(parts)


def scope_counted(scope: dict[str, Any]) -> str:
    """What a filtered report counts, in words (from its JSON `scope`)."""
    counted = scope["counted"]
    text = f"{counted['submitted']} completed responses"
    if scope["include_incomplete"]:
        text += f" and {counted['draft']} incomplete ones (drafts)"
    return text


# The report ------------------------------------------------------------------------------


def _answers_of(response_ids: list[int], question_ids: list[int]) -> list[tuple[int, int, int]]:
    """(response, question, option) of these responses' answers to these questions (outside
    tables)."""
    if not response_ids or not question_ids:
        return []
    return list(
        Answer.objects.filter(
            response_id__any_of=response_ids,
            question_id__in=question_ids,
            repeat_row__isnull=True,
            option__isnull=False,
        ).values_list("response_id", "question_id", "option_id")
    )


def _matching(scope: ReportScope, structure: Structure, response_ids: list[int]) -> set[int] | None:
    """The responses that gave every answer of the filter (None: no filter). One query."""
    if not scope.conditions:
        return None
    wanted: set[tuple[int, int]] = set()
    for c in scope.conditions:
        node = _top_level(structure, c.question)
        option = node.option(c.option) if node else None
        assert node is not None and option is not None  # checked by `parse_condition`
        wanted.add((node.id, option.pk))
    given: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for r, q, o in _answers_of(response_ids, sorted({q for q, _ in wanted})):
        if (q, o) in wanted:
            given[r].add((q, o))
    return {r for r, pairs in given.items() if pairs == wanted}


def _columns(scope: ReportScope, structure: Structure, version_groups: list[str]) -> list[dict[str, str]]:
    if scope.by == GROUP:
        return [{"key": g, "label": g} for g in version_groups]
    node = _top_level(structure, scope.by)
    assert node is not None
    return [*({"key": o.code, "label": o.label} for o in node.options), {"key": NO_ANSWER, "label": "No answer"}]


def _column_of(
    scope: ReportScope, structure: Structure, ids: list[int], partnerships: list[int], register: Register
) -> dict[int, str]:
    """The column of every response of the wave: its partnership's group, or its answer to
    the breakdown question (NO_ANSWER: none)."""
    if scope.by == GROUP:
        return {r: register.group[p] for r, p in zip(ids, partnerships, strict=True)}
    node = _top_level(structure, scope.by)
    assert node is not None
    codes = {o.pk: o.code for o in node.options}
    column = dict.fromkeys(ids, NO_ANSWER)
    for r, _, o in _answers_of(ids, [node.id]):
        column[r] = codes.get(o, NO_ANSWER)
    return column


def scoped_report(wave: Wave, scope: ReportScope) -> dict[str, Any]:
    """The report of a wave restricted to a filter, broken down by a question or by group,
    counting drafts or not (plain data, as `report.wave_report`)."""
    with collector_paused():
        return _scoped_report(wave, scope)


def _scoped_report(wave: Wave, scope: ReportScope) -> dict[str, Any]:
    wave = Wave.objects.select_related("version__questionnaire", "previous").get(pk=wave.pk)
    structure = structure_for(wave.version)
    register = Register.read()
    ids, partnerships, statuses = selectors.wave_responses(wave.pk)
    status_of = [selectors.STATUSES[s] if s is not None else "" for s in statuses]
    matching = _matching(scope, structure, list(ids))
    counted_statuses = {Response.Status.SUBMITTED} | ({Response.Status.DRAFT} if scope.include_incomplete else set())
    column = _column_of(scope, structure, list(ids), list(partnerships), register)
    kept = [
        (r, p, s) for r, p, s in zip(ids, partnerships, status_of, strict=True) if matching is None or r in matching
    ]
    counted = [(r, p, s) for r, p, s in kept if s in counted_statuses]

    # Counts per column: one scan per column, its rows put under the column.
    by_column: dict[str, list[int]] = defaultdict(list)
    for r, _, _ in counted:
        by_column[column[r]].append(r)
    kinds = question_kinds(structure)
    rows = WaveRows(population=[(g, s, False, n) for (g, s), n in Counter((column[r], s) for r, _, s in kept).items()])
    for key, members in by_column.items():
        part = Scope(wave_id=wave.pk, response_ids=tuple(members))
        rows.counts += [replace(c, group=key) for c in selectors.answer_counts(part)]
        rows.respondents += [
            (q, key, False, n, ne)
            for q, _, _, n, ne in selectors.respondents(
                part, question_ids=kinds.several_rows, exclusive_option_ids=kinds.exclusive_options
            )
        ]
        rows.dates += [(q, d, key, False, n) for q, d, _, _, n in selectors.dates(part, question_ids=kinds.dated)]
    everyone = Scope(wave_id=wave.pk, response_ids=tuple(r for r, _, _ in counted))
    figures = [
        *selectors.numbers(everyone, question_ids=kinds.numbered),
        *selectors.repeat_rows_per_partnership(everyone),
    ]
    # A partnership has one response per wave: its column is its response's; one without a
    # response in this wave (named by another) has none.
    partnership_column = {p: column[r] for r, p in zip(ids, partnerships, strict=True)}
    columned = Register(
        acronym=register.acronym,
        group={
            p: partnership_column.get(p, register.group[p] if scope.by == GROUP else NO_ANSWER) for p in register.group
        },
        rank=register.rank,
    )
    series, _ = figure_series(selectors.figure_columns(figures), None, columned)
    fetched = FetchedRows(whole=rows, panel=None, acronyms=register.acronym, series=series, panel_series={})
    columns = _columns(scope, structure, list(wave.version.groups))
    indicators = build_indicators(fetched, structure=structure, groups=[c["key"] for c in columns])
    indicators["population"]["counted"] = ind.breakdown(((column[r], 1) for r, _, _ in counted), indicators["groups"])

    named = _scanned_named(everyone, structure)
    if scope.by != GROUP:
        by_acronym = {columned.acronym[p]: g for p, g in columned.group.items()}
        named = [
            (a, by_acronym.get(a, NO_ANSWER), n, by_acronym.get(n, "") if n else "", text, purpose, ended)
            for a, _, n, _, text, purpose, ended in named
        ]
    statuses_counted = Counter(s for _, _, s in counted)
    labels = {c["key"]: c["label"] for c in columns}
    report: dict[str, Any] = {
        "wave": wave.slug,
        "title": wave.title,
        "questionnaire": wave.version.questionnaire.code,
        "version": wave.version.number,
        "previous_wave": wave.previous.slug if wave.previous else None,
        **indicators,
        "collaborations": confirmed_collaborations(wave, named, asked={register.acronym[p] for p in partnerships}),
        "scope": {
            "filter": [{"question": c.question, "option": c.option} for c in scope.conditions],
            "breakdown": scope.by,
            "include_incomplete": scope.include_incomplete,
            "columns": [{"key": g, "label": labels.get(g, g)} for g in indicators["groups"]],
            "counted": {
                "submitted": statuses_counted.get(Response.Status.SUBMITTED, 0),
                "draft": statuses_counted.get(Response.Status.DRAFT, 0),
            },
            "description": describe(scope, structure),
        },
    }
    counted_responses = [(r, p) for r, p, _ in counted]
    context = Context(
        register=columned,
        responses={
            wave.pk: WaveResponses(
                partnerships=[p for _, p, _ in kept],
                statuses=[selectors.STATUSES.index(s) for _, _, s in kept],
                submitted=counted_responses,
                completed={p for _, p in counted_responses},
            )
        },
    )
    report["tables"] = _tables(report, wave=wave, structure=structure, context=context, previous=None)
    return report
