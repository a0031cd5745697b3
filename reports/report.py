"""The report of a wave: indicators of every question, the comparison with the previous
wave and the collaborations, as one JSON-ready dict (the contract of `manage.py report`).

Shape (see docs/reports.md for every key):

    {"wave", "questionnaire", "version", "title", "previous_wave", "groups",
     "population": {"invited"|"started"|"completed": breakdown}, "response_rate": breakdown,
     "questions": {code: {...}}, "collaborations": {...},
     "comparison": {...} (only for a wave that follows another)}

Query count: a fixed number per wave (see `reports.selectors`), whatever the number of
responses. The counts of a whole wave come from its tallies (`reports.tallies`); the panel of a
comparison (partnerships that completed both waves) is the whole minus the answer rows of the
others, or the panel's own answer rows when it is the smaller part.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import compress, islice, repeat
from operator import gt
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils import timezone

from surveys.bulk import collector_paused
from surveys.definition.structure import QuestionNode, Structure, structure_for
from surveys.models import Partnership, Question, Response, Wave
from surveys.types import type_of

from . import confirmations, selectors, tables, tallies
from . import indicators as ind
from .selectors import CountRow, Scope, WaveRows

if TYPE_CHECKING:
    from .filters import ReportScope

T = Question.Type
TOTAL = ind.TOTAL


@dataclass(frozen=True)
class Series:
    """One figure of a wave per partnership (a number question, the numbers of an option,
    the rows of a repeat table): the figures by acronym, JSON-ready, and how many times each
    (group, figure) occurs, from which every statistic is computed exactly."""

    by_partnership: ind.PlainDict
    counts: dict[tuple[str, int | Decimal], int]

    def stats(self, groups: list[str]) -> dict[str, ind.Breakdown]:
        return ind.counted_number_stats(self.counts, groups)

    def sums(self, groups: list[str]) -> tuple[ind.Breakdown, ind.Breakdown]:
        """How many partnerships have a figure, and the sum of their figures, per group."""
        return (
            ind.breakdown(((g, n) for (g, _), n in self.counts.items()), groups),
            ind.breakdown(((g, v * n) for (g, v), n in self.counts.items()), groups),
        )


EMPTY_SERIES = Series(by_partnership=ind.PlainDict(), counts={})
SeriesKey = tuple[int, int | None]  # question, option (None: the question's own figure)


def _json_number(whole: int | None, fraction: Decimal | None) -> int | float:
    return whole if whole is not None else round(float(fraction), 4)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Register:
    """The partnerships of the register by id: acronym, group, and rank in acronym order
    (`ind.sort_names`, the same on every database), read once per report."""

    acronym: dict[int, str]
    group: dict[int, str]
    rank: dict[int, int]

    @classmethod
    def read(cls) -> Register:
        ids, acronyms, groups = selectors.register()
        ordered = list(acronyms)
        ind.sort_names(ordered)
        position = {a: i for i, a in enumerate(ordered)}  # acronyms are unique
        return cls(
            acronym=dict(zip(ids, acronyms, strict=True)),
            group=dict(zip(ids, groups, strict=True)),
            rank=dict(zip(ids, map(position.__getitem__, acronyms), strict=True)),
        )

    def in_order(self, ids: Sequence[int]) -> list[int] | None:
        """Positions that put these partnerships in acronym order; None when they are."""
        ranks = list(map(self.rank.__getitem__, ids))
        if not any(map(gt, ranks, islice(ranks, 1, None))):
            return None
        return sorted(range(len(ranks)), key=ranks.__getitem__)


def figure_series(
    figures: list[selectors.FigureColumns], panel: set[int] | None, register: Register
) -> tuple[dict[SeriesKey, Series], dict[SeriesKey, Series]]:
    """The series of a wave's figures, and of the partnerships in `panel` (the panel of a
    comparison; None: none, the second dict is empty).

    Most of the work happens in C: acronyms and groups come out of `map`, the
    per-partnership dicts out of `dict(zip(...))`, the occurrence counts out of `Counter`; a
    panel that holds every partnership of a series shares the whole wave's objects.
    """
    whole: dict[SeriesKey, Series] = {}
    in_panel: dict[SeriesKey, Series] = {}
    for question, option, *figure_columns in figures:
        columns: Sequence[Sequence[Any]] = figure_columns
        order = register.in_order(columns[0])
        if order is not None:
            columns = [[column[i] for i in order] for column in columns]
        partnerships, wholes, fractions = columns
        acronyms = list(map(register.acronym.__getitem__, partnerships))
        groups = list(map(register.group.__getitem__, partnerships))
        if None in wholes:  # a number with decimals: kept exact for the statistics
            values: Sequence[int | Decimal] = [
                w if w is not None else f for w, f in zip(wholes, fractions, strict=True)
            ]
            shown: Sequence[int | float] = [_json_number(w, f) for w, f in zip(wholes, fractions, strict=True)]
        else:
            values = shown = wholes
        key = (question, option or None)
        series = whole[key] = Series(
            by_partnership=ind.PlainDict(zip(acronyms, shown, strict=True)),
            counts=Counter(zip(groups, values, strict=True)),
        )
        if panel is None:
            continue
        kept = [p in panel for p in partnerships]
        if all(kept):
            in_panel[key] = series
        elif any(kept):
            in_panel[key] = Series(
                by_partnership=ind.PlainDict(compress(zip(acronyms, shown, strict=True), kept)),
                counts=Counter(compress(zip(groups, values, strict=True), kept)),
            )
    return whole, in_panel


@dataclass
class _Rows:
    """A wave's rows indexed by question, and the groups every breakdown lists."""

    groups: list[str]
    counts: dict[int, list[CountRow]] = field(default_factory=lambda: defaultdict(list))
    respondents: dict[int, list[tuple[str, int, int]]] = field(default_factory=lambda: defaultdict(list))
    series: dict[SeriesKey, Series] = field(default_factory=dict)
    years: dict[int, list[tuple[int, str, int]]] = field(default_factory=lambda: defaultdict(list))
    acronyms: dict[int, str] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return [TOTAL, *self.groups]

    def figures(self, question_id: int, option_id: int | None = None) -> Series:
        return self.series.get((question_id, option_id), EMPTY_SERIES)


def _index(
    rows: WaveRows, groups: list[str], *, panel_only: bool, acronyms: dict[int, str], series: dict[SeriesKey, Series]
) -> _Rows:
    indexed = _Rows(groups=groups, acronyms=acronyms, series=series)
    for c in rows.counts:
        if c.panel or not panel_only:
            indexed.counts[c.question_id].append(c)
    for q, g, p, n, ne in rows.respondents:
        if p or not panel_only:
            indexed.respondents[q].append((g, n, ne))
    for q, d, g, p, n in rows.dates:
        if p or not panel_only:
            indexed.years[q].append((d.year, g, n))
    return indexed


def _population(rows: WaveRows, groups: list[str], *, panel_only: bool) -> dict[str, ind.Breakdown]:
    started = {Response.Status.DRAFT, Response.Status.SUBMITTED}
    kept = [(g, s, n) for g, s, p, n in rows.population if p or not panel_only]
    return {
        "invited": ind.breakdown(((g, n) for g, _, n in kept), groups),
        "started": ind.breakdown(((g, n) for g, s, n in kept if s in started), groups),
        "completed": ind.breakdown(((g, n) for g, s, n in kept if s == Response.Status.SUBMITTED), groups),
    }


# Per question type -----------------------------------------------------------------------------


def _choice(node: QuestionNode, r: _Rows, base: ind.Breakdown, *, unit_rows: bool = False) -> dict[str, Any]:
    counts = r.counts[node.id]
    out: dict[str, Any] = {}
    options = {
        o.code: ind.breakdown(((c.group, c.n) for c in counts if c.option_id == o.pk), r.groups) for o in node.options
    }
    out["options"] = options
    out["percent"] = {code: ind.percents(b, base) for code, b in options.items()}
    comments = {o.code: sum(c.comments for c in counts if c.option_id == o.pk) for o in node.options}
    if any(comments.values()):
        out["comments"] = {code: n for code, n in comments.items() if n}
    other = node.option("other")
    if other is not None:
        out["other_texts"] = sum(c.texts for c in counts if c.option_id == other.pk)
    if node.question.scale and not unit_rows:
        scores = ind.scale_scores([o.code for o in node.options])
        if scores:
            stats = ind.scale_stats(options, scores, r.keys)
            out["mean"] = stats["mean"]
            out["top_two"] = stats["top_two"]
            out["top_two_levels"] = ind.top_levels(scores)
    numbered = [o for o in node.options if o.number_label]
    if numbered and not unit_rows:
        out["option_numbers"] = {}
        for o in numbered:
            series = r.figures(node.id, o.pk)
            out["option_numbers"][o.code] = {
                "label": o.number_label,
                **series.stats(r.groups),
                "by_partnership": series.by_partnership,
            }
    return out


def _matrix(node: QuestionNode, r: _Rows) -> dict[str, Any]:
    counts = r.counts[node.id]
    matrix = {
        row.code: {
            level.code: ind.breakdown(
                ((c.group, c.n) for c in counts if c.matrix_row_id == row.pk and c.option_id == level.pk), r.groups
            )
            for level in node.options
        }
        for row in node.rows
    }
    scores = ind.scale_scores([o.code for o in node.options])
    summary: dict[str, Any] = {}
    for row in node.rows:
        rated = {key: sum(matrix[row.code][level.code][key] for level in node.options) for key in r.keys}
        summary[row.code] = {"rated": rated}
        if scores:
            stats = ind.scale_stats(matrix[row.code], scores, r.keys)
            summary[row.code]["mean"] = stats["mean"]
            summary[row.code]["top_two"] = stats["top_two"]
    out: dict[str, Any] = {"matrix": matrix, "row_summary": summary}
    if scores:
        out["top_two_levels"] = ind.top_levels(scores)
    return out


def _number(node: QuestionNode, r: _Rows) -> dict[str, Any]:
    series = r.figures(node.id)
    return {**series.stats(r.groups), "by_partnership": series.by_partnership}


def _countries(node: QuestionNode, r: _Rows) -> dict[str, Any]:
    by_country: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for c in r.counts[node.id]:
        if c.country:
            by_country[c.country].append((c.group, c.n))
    return {"countries": ind.ranked({code: ind.breakdown(pairs, r.groups) for code, pairs in by_country.items()})}


def _years(node: QuestionNode, r: _Rows) -> dict[str, Any]:
    by_year: dict[int, list[tuple[str, int]]] = defaultdict(list)  # several days of a year add up
    for y, g, n in r.years[node.id]:
        by_year[y].append((g, n))
    return {"years": {str(y): ind.breakdown(by_year[y], r.groups) for y in sorted(by_year)}}


def _partnership(node: QuestionNode, r: _Rows) -> dict[str, Any]:
    named: dict[str, list[tuple[str, int]]] = defaultdict(list)
    unregistered: list[tuple[str, int]] = []
    for c in r.counts[node.id]:
        if c.partnership_id is not None:
            named[r.acronyms.get(c.partnership_id, str(c.partnership_id))].append((c.group, c.n))
        elif c.texts:
            unregistered.append((c.group, c.texts))
    return {
        "partnerships": ind.ranked({a: ind.breakdown(p, r.groups) for a, p in named.items()}),
        "unregistered": ind.breakdown(unregistered, r.groups),
    }


def _answered(node: QuestionNode, r: _Rows) -> ind.Breakdown:
    return ind.breakdown(((c.group, c.n) for c in r.counts[node.id]), r.groups)


def _field(node: QuestionNode, r: _Rows, table_rows: ind.Breakdown) -> dict[str, Any]:
    """A field of a repeat table: every count is a number of table rows."""
    out: dict[str, Any] = {"type": node.type, "text": node.question.text}
    question_type = type_of(node)
    kind = question_type.report_kind
    if kind in ("ticks", "choice"):
        out.update(_choice(node, r, table_rows, unit_rows=True))
    elif kind == "number":
        counts = r.counts[node.id]
        total = ind.breakdown(((c.group, c.number_sum or Decimal(0)) for c in counts), r.groups, zero=Decimal(0))
        n = ind.breakdown(((c.group, c.number_n) for c in counts), r.groups)
        out["sum"] = total
        out["count"] = n
        out["mean"] = {k: ind.mean(total[k], n[k]) for k in r.keys}
    elif kind in _BUILDERS:
        out.update(_BUILDERS[kind](node, r))
    if not question_type.several_rows:
        out["answered"] = _answered(node, r)
    return out


def _repeat(node: QuestionNode, r: _Rows) -> dict[str, Any]:
    series = r.figures(node.id)
    respondents, rows = series.sums(r.groups)
    return {
        "respondents": respondents,
        "rows": rows,
        "rows_by_partnership": series.by_partnership,
        # Of the rows, those new since the previous wave, and the rows carried from it that
        # the coordinator marked ended (not among the rows): Table 1 adds them up.
        "new_rows_by_partnership": r.figures(node.id, selectors.NEW_ROWS).by_partnership,
        "ended_rows_by_partnership": r.figures(node.id, selectors.ENDED_ROWS).by_partnership,
        "fields": {f.code: _field(f, r, rows) for f in node.fields},
    }


def _question(node: QuestionNode, r: _Rows) -> dict[str, Any]:
    out: dict[str, Any] = {"type": node.type, "text": node.question.text}
    question_type = type_of(node)
    kind = question_type.report_kind
    if kind == "repeat":
        out.update(_repeat(node, r))
        return out
    if question_type.several_rows:
        respondents = ind.breakdown(((g, n) for g, n, _ in r.respondents[node.id]), r.groups)
    else:
        # One answer row per response for the other types: their count is the respondents.
        respondents = _answered(node, r)
    out["respondents"] = respondents
    if kind in ("ticks", "choice"):
        out.update(_choice(node, r, respondents))
        if kind == "ticks":
            out["at_least_one"] = ind.breakdown(((g, ne) for g, _, ne in r.respondents[node.id]), r.groups)
    elif kind in _BUILDERS:
        out.update(_BUILDERS[kind](node, r))
    return out


# The builder of each `report_kind` of surveys.types but choices ("ticks", "choice") and
# tables ("repeat"), which take more than the question and its rows.
_BUILDERS = {
    "matrix": _matrix,
    "number": _number,
    "countries": _countries,
    "years": _years,
    "partnership": _partnership,
}


# A wave (or a panel of it) -------------------------------------------------------------------


def question_kinds(structure: Structure) -> selectors.QuestionKinds:
    top = structure.questions()
    return selectors.QuestionKinds(
        several_rows=[n.id for n in top if type_of(n).several_rows],
        numbered=[n.id for n in top if type_of(n).value_column == "number" or any(o.number_label for o in n.options)],
        dated=[n.id for n in structure.by_id.values() if type_of(n).value_column == "date"],
        exclusive_options=[o.pk for n in top for o in n.options if o.exclusive],
    )


CountKey = tuple[int, int | None, int | None, str, int | None, str]  # question, option, row, country, named, group


@dataclass
class _Sums:
    """The additive part of a wave's rows (answer rows, respondents and dates counted per key),
    so that the rows of some responses can be subtracted from the whole wave's tallies."""

    counts: dict[CountKey, list[Any]] = field(default_factory=dict)  # n, number sum, numbers, comments, texts
    respondents: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # respondents, non-exclusive
    years: dict[tuple[int, int, str], int] = field(default_factory=dict)  # (question, year, group): rows

    def add_counts(self, rows: Iterable[CountRow], sign: int = 1) -> None:
        for c in rows:
            key = (c.question_id, c.option_id, c.matrix_row_id, c.country, c.partnership_id, c.group)
            sums = self.counts.setdefault(key, [0, Decimal(0), 0, 0, 0])
            sums[0] += sign * c.n
            sums[1] += sign * (c.number_sum or Decimal(0))
            sums[2] += sign * c.number_n
            sums[3] += sign * c.comments
            sums[4] += sign * c.texts

    def add_respondents(self, rows: Iterable[tuple[int, str, int, int]], sign: int = 1) -> None:
        for q, g, n, ne in rows:
            sums = self.respondents.setdefault((q, g), [0, 0])
            sums[0] += sign * n
            sums[1] += sign * ne

    def add_years(self, rows: Iterable[tuple[int, int, str, int]], sign: int = 1) -> None:
        for q, y, g, n in rows:
            self.years[(q, y, g)] = self.years.get((q, y, g), 0) + sign * n

    def minus(self, other: _Sums) -> _Sums:
        out = _Sums()
        for sums in (self, other):
            sign = 1 if sums is self else -1
            out.add_counts(
                (
                    CountRow(q, o, m, c, p, g, False, v[0], v[1], v[2], v[3], v[4])
                    for (q, o, m, c, p, g), v in sums.counts.items()
                ),
                sign,
            )
            out.add_respondents(((q, g, n, ne) for (q, g), (n, ne) in sums.respondents.items()), sign)
            out.add_years(((q, y, g, n) for (q, y, g), n in sums.years.items()), sign)
        return out

    def fill(self, rows: WaveRows, *, panel: bool) -> WaveRows:
        """Put these sums into `rows` as count, respondent and date rows (keys nobody holds
        any more left out, as a scan would never have met them)."""
        rows.counts = [
            CountRow(q, o, m, c, p, g, panel, v[0], v[1], v[2], v[3], v[4])
            for (q, o, m, c, p, g), v in self.counts.items()
            if v[0]
        ]
        rows.respondents = [(q, g, panel, n, ne) for (q, g), (n, ne) in self.respondents.items() if n]
        rows.dates = [(q, dt.date(y, 1, 1), g, panel, n) for (q, y, g), n in self.years.items() if n]
        return rows


@dataclass(frozen=True)
class Tallied:
    """What the report of a wave reads from its tallies (read after they were checked and
    any stale ones recounted)."""

    counts: list[tuple[CountRow, int]]
    respondents: list[tuple[int, str, int, int]]
    figures: list[selectors.FigureColumns]
    named: list[selectors.TalliedNamedRow]  # the collaborations of the wave

    @classmethod
    def read(cls, wave: Wave) -> Tallied:
        return cls(
            counts=selectors.tally_counts(wave.pk),
            respondents=selectors.tally_respondents(wave.pk),
            figures=selectors.figures(wave.pk),
            named=selectors.tallied_named_partnerships(wave.pk),
        )

    def sums(self) -> _Sums:
        sums = _Sums()
        sums.add_counts(c for c, _ in self.counts)
        sums.add_years((c.question_id, y, c.group, c.n) for c, y in self.counts if y)
        sums.add_respondents(self.respondents)
        return sums


def _scanned_sums(scope: Scope, kinds: selectors.QuestionKinds) -> _Sums:
    sums = _Sums()
    sums.add_counts(selectors.answer_counts(scope))
    respondents = selectors.respondents(
        scope, question_ids=kinds.several_rows, exclusive_option_ids=kinds.exclusive_options
    )
    sums.add_respondents((q, g, n, ne) for q, g, _, n, ne in respondents)
    sums.add_years((q, d.year, g, n) for q, d, g, _, n in selectors.dates(scope, question_ids=kinds.dated))
    return sums


@dataclass
class FetchedRows:
    """A wave's rows, those of its panel with another wave (None without one), the acronyms
    of the partnerships its answers name, and the per-partnership series of both."""

    whole: WaveRows
    panel: WaveRows | None
    acronyms: dict[int, str]
    series: dict[SeriesKey, Series]
    panel_series: dict[SeriesKey, Series]


@dataclass(frozen=True)
class WaveResponses:
    """Every response of a wave, as columns (partnerships, statuses by their position in
    `selectors.STATUSES`), and the completed ones."""

    partnerships: Sequence[int]
    statuses: Sequence[int | None]
    submitted: list[tuple[int, int]]  # (response, partnership)
    completed: set[int]  # partnerships

    @classmethod
    def read(cls, wave_id: int) -> WaveResponses:
        ids, partnerships, statuses = selectors.wave_responses(wave_id)
        submitted = list(compress(zip(ids, partnerships, strict=True), map(SUBMITTED_INDEX.__eq__, statuses)))
        return cls(
            partnerships=partnerships,
            statuses=statuses,
            submitted=submitted,
            completed={p for _, p in submitted},
        )


SUBMITTED_INDEX = selectors.STATUSES.index(Response.Status.SUBMITTED)


@dataclass(frozen=True)
class Context:
    """What the rows of both waves of a report are read with: the register, and every
    response of each wave (by wave id), read once."""

    register: Register
    responses: dict[int, WaveResponses]

    @classmethod
    def read(cls, wave_ids: list[int]) -> Context:
        return cls(register=Register.read(), responses={w: WaveResponses.read(w) for w in wave_ids})

    def submitted(self, wave: Wave) -> list[tuple[int, int]]:
        """The completed responses of a wave: (response, partnership)."""
        return self.responses[wave.pk].submitted

    def completed(self, wave: Wave) -> set[int]:
        """Partnerships that completed this wave."""
        return self.responses[wave.pk].completed

    def population(self, wave: Wave, *, panel_with: Wave | None) -> list[tuple[str, str, bool, int]]:
        """The wave's responses per group (the register's), status and whether the
        partnership completed `panel_with`: the rows of `selectors.population`."""
        responses = self.responses[wave.pk]
        partnerships = responses.partnerships
        groups = map(self.register.group.__getitem__, partnerships)
        in_panel = (
            map(self.completed(panel_with).__contains__, partnerships)
            if panel_with
            else repeat(False, len(partnerships))
        )
        counts = Counter(zip(groups, responses.statuses, in_panel, strict=True))
        status = dict(enumerate(selectors.STATUSES))
        return [(g, status.get(s, ""), p, n) for (g, s, p), n in counts.items()]  # type: ignore[arg-type]


def fetch_rows(
    wave: Wave, *, structure: Structure, context: Context, tallied: Tallied, panel_with: Wave | None = None
) -> FetchedRows:
    """The rows of a wave from its tallies, and those of its panel with `panel_with`.

    Numbers and repeat rows per partnership are read from the figures kept with the tallies
    (medians and per-partnership figures need each response's); the panel's counts are the
    whole wave's minus the answer rows of the responses outside the panel, or the panel's
    own answer rows when the panel is the smaller part: either way the scan covers the
    smaller part only.
    """
    kinds = question_kinds(structure)
    population = context.population(wave, panel_with=panel_with)
    whole_sums = tallied.sums()
    whole = whole_sums.fill(WaveRows(population=population), panel=False)
    panel = None
    panel_ids = None
    if panel_with is not None:
        panel_ids = context.completed(panel_with)
        submitted = context.submitted(wave)
        inside = [r for r, p in submitted if p in panel_ids]
        members = "panel" if len(inside) < len(submitted) - len(inside) else "others"
        ids = inside if members == "panel" else [r for r, p in submitted if p not in panel_ids]
        part_scope = Scope(wave_id=wave.pk, panel_with=panel_with.pk, members=members, response_ids=tuple(ids))
        part = _scanned_sums(part_scope, kinds)
        panel_sums = part if members == "panel" else whole_sums.minus(part)
        panel = panel_sums.fill(WaveRows(population=population), panel=True)
    series, panel_series = figure_series(tallied.figures, panel_ids, context.register)
    return FetchedRows(
        whole=whole, panel=panel, acronyms=context.register.acronym, series=series, panel_series=panel_series
    )


def scanned_rows(wave: Wave, *, structure: Structure, context: Context, panel_with: Wave | None = None) -> FetchedRows:
    """The same rows from a scan of every answer row of the wave, without the tallies: the
    reference the tallies are checked against (tests, `rebuild_tallies --check`); slow on
    large waves."""
    scope = Scope(wave_id=wave.pk, panel_with=panel_with.pk if panel_with else None)
    rows = selectors.wave_rows(scope, kinds=question_kinds(structure))
    named = scope.answers().filter(partnership__isnull=False).values("partnership_id")
    acronyms = dict(Partnership.objects.filter(pk__in=named).values_list("pk", "acronym"))
    panel_ids = context.completed(panel_with) if panel_with else None
    series, panel_series = figure_series(selectors.figure_columns(rows.figures), panel_ids, context.register)
    return FetchedRows(
        whole=rows,
        panel=rows if panel_with else None,
        acronyms=acronyms,
        series=series,
        panel_series=panel_series,
    )


def build_indicators(
    fetched: FetchedRows,
    *,
    structure: Structure,
    groups: list[str],
    panel_only: bool = False,
) -> dict[str, Any]:
    """Population and question indicators from a wave's rows (all, or the panel only)."""
    rows = fetched.panel if panel_only else fetched.whole
    assert rows is not None
    series = fetched.panel_series if panel_only else fetched.series
    groups = ind.groups_in_order(groups, {g for g, _, _, _ in rows.population})
    indexed = _index(rows, groups, panel_only=panel_only, acronyms=fetched.acronyms, series=series)
    population = _population(rows, groups, panel_only=panel_only)
    return {
        "groups": groups,
        "population": population,
        "response_rate": ind.response_rates(population["completed"], population["invited"]),
        "questions": {node.code: _question(node, indexed) for node in structure.questions()},
    }


def _scanned_named(scope: Scope, structure: Structure) -> list[selectors.NamedRow]:
    """The partnerships named in a wave, with their purposes, from a scan of the answers."""
    tables = [
        node.id
        for node in structure.questions()
        if node.type == T.REPEAT and any(f.type == T.PARTNERSHIP for f in node.fields)
    ]
    purposes: dict[int, list[str]] = defaultdict(list)
    if tables:
        for row_id, _, text in selectors.repeat_row_texts(scope, repeat_question_ids=tables):
            purposes[row_id].append(text.strip())
    return [
        (reporter, group, named, named_group, text, " · ".join(purposes.get(row_id, [])) if row_id else "", ended)
        for row_id, reporter, group, named, named_group, text, ended in selectors.named_partnerships(scope)
    ]


def _tallied_named(rows: list[selectors.TalliedNamedRow], register: Register) -> list[selectors.NamedRow]:
    """The partnerships named in a wave, with their purposes, from the copies kept with the
    tallies, in the order of a scan (by reporter's acronym, question and table row)."""
    order = register.in_order([r[0] for r in rows])
    if order is not None:
        rows = [rows[i] for i in order]  # a stable sort: each reporter's answers keep their order
    acronym, group = register.acronym, register.group
    return [
        (
            acronym[reporter],
            reporter_group,
            acronym[named] if named else "",
            group[named] if named else "",
            text,
            purpose,
            bool(ended),  # an integer on SQLite
        )
        for reporter, reporter_group, named, text, purpose, ended in rows
    ]


def confirmed_collaborations(
    wave: Wave, named: list[selectors.NamedRow], *, asked: set[str], closed: bool = False
) -> dict[str, Any]:
    """The wave's collaborations with each pair's confirmation status (asked: the acronyms of the
    wave's partnerships, the only ones that can answer a claim).

    `closed`: a previous wave, read for the comparison. One whose partnerships gave no answer
    at all to the claims was not asked (it ran before confirmations, or without them): its
    one-sided pairs are *not_asked* rather than waiting for an answer that will not come."""
    answers = selectors.collaboration_answers(wave.pk)
    if closed and not answers:
        asked = set()
    return confirmations.with_confirmations(collaborations(named), answers, asked=asked)


def collaborations(named: list[selectors.NamedRow]) -> dict[str, Any]:
    """Pairs of partnerships named in partnership questions and fields, with purposes.

    Only current rows make pairs: a table row carried from the previous wave that the
    coordinator marked ended is listed under `ended` instead (reporter, partner, purposes),
    unless the same reporter still names that partner in a current row."""
    current = [row for row in named if not row[6]]
    groups: dict[str, str] = {}
    for reporter, reporter_group, acronym, named_group, _, _, _ in current:
        groups[reporter] = reporter_group or ind.UNGROUPED
        if acronym:
            groups[acronym] = named_group or ind.UNGROUPED
    # A partnership named in free text goes under its text, as a node without a group.
    edges = [(reporter, acronym or text.strip(), purpose) for reporter, _, acronym, _, text, purpose, _ in current]
    unregistered = {text.strip() for _, _, acronym, _, text, _, _ in current if not acronym} - {""}
    pairs = ind.collaboration_pairs(edges, registered=groups)
    nodes = {**{name: "" for name in unregistered if name not in groups}, **groups}
    reciprocal = sum(1 for p in pairs if p["reciprocal"])
    return {
        "pairs": ind.PlainList(pairs),
        "partnerships": ind.PlainDict(sorted(nodes.items(), key=lambda item: item[0].casefold())),
        "reciprocal": reciprocal,
        "one_sided": len(pairs) - reciprocal,
        "ended": _ended_collaborations(named, current_edges={(r, n) for r, n, _ in edges}),
    }


def _ended_collaborations(named: list[selectors.NamedRow], *, current_edges: set[tuple[str, str]]) -> ind.PlainList:
    """The collaborations coordinators marked ended (rows carried from the previous wave):
    [{"partnership": reporter, "partner", "registered", "purposes"}], by reporter and partner."""
    ended: dict[tuple[str, str], dict[str, Any]] = {}
    for reporter, _, acronym, _, text, purpose, is_ended in named:
        partner = acronym or text.strip()
        if not is_ended or not partner or partner == reporter or (reporter, partner) in current_edges:
            continue
        entry = ended.setdefault(
            (reporter, partner),
            {"partnership": reporter, "partner": partner, "registered": bool(acronym), "purposes": ()},
        )
        if purpose and purpose not in entry["purposes"]:
            entry["purposes"] = (*entry["purposes"], purpose)
    names = list({name for key in ended for name in key})
    ind.sort_names(names)
    rank = {name: i for i, name in enumerate(names)}
    return ind.PlainList(ended[key] for key in sorted(ended, key=lambda k: (rank[k[0]], rank[k[1]])))


def _per_partnership(questions: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-partnership figures of a wave's indicators, by question code (and option)."""
    out: dict[str, dict[str, Any]] = {}
    for code, q in questions.items():
        if "by_partnership" in q:
            out[code] = q["by_partnership"]
        if "rows_by_partnership" in q:
            out[code] = q["rows_by_partnership"]
        for option, stats in q.get("option_numbers", {}).items():
            out[f"{code}.{option}"] = stats["by_partnership"]
    return out


def wave_report(wave: Wave, *, scan: bool = False) -> dict[str, Any]:
    """The whole report of a wave as plain data (Decimals kept; see `as_json`).

    Read from the tallies, repairing any that are stale first (see `tallies.tallies_check`). `scan=True` computes every count from the answer rows
    instead: the reference, slow on large waves.
    """
    with collector_paused():
        return _wave_report(wave, scan=scan)


def _wave_report(wave: Wave, *, scan: bool) -> dict[str, Any]:
    wave = Wave.objects.select_related("version__questionnaire", "previous__version").get(pk=wave.pk)
    if scan:
        return _assemble(wave, scan=True)
    wave_ids = [wave.pk] + ([wave.previous_id] if wave.previous_id else [])
    # Stale tallies (rare: a writer that bypassed the services, a partnership moved) are
    # recounted before the report reads them.
    tallies.tallies_repair(tallies.tallies_check(wave_ids=wave_ids))
    return _assemble(wave, scan=False)


def _assemble(wave: Wave, *, scan: bool) -> dict[str, Any]:
    """The report from the tallies, or (scan) from the answer rows."""
    structure = structure_for(wave.version)
    previous = wave.previous
    wave_ids = [wave.pk] + ([previous.pk] if previous else [])
    if scan:
        context = Context.read(wave_ids)

        def named(w: Wave, structure: Structure) -> list[selectors.NamedRow]:
            return _scanned_named(Scope(wave_id=w.pk), structure)

        def fetch(w: Wave, structure: Structure, other: Wave | None) -> FetchedRows:
            return scanned_rows(w, structure=structure, context=context, panel_with=other)

    else:
        # The previous wave's collaborations too: Table 2 says which are new, ended, continued.
        tallied = {w.pk: Tallied.read(w) for w in filter(None, (wave, previous))}
        context = Context.read(wave_ids)

        def named(w: Wave, structure: Structure) -> list[selectors.NamedRow]:
            return _tallied_named(tallied[w.pk].named, context.register)

        def fetch(w: Wave, structure: Structure, other: Wave | None) -> FetchedRows:
            return fetch_rows(w, structure=structure, context=context, tallied=tallied[w.pk], panel_with=other)

    fetched = fetch(wave, structure, previous)
    current = build_indicators(fetched, structure=structure, groups=list(wave.version.groups))
    report: dict[str, Any] = {
        "wave": wave.slug,
        "title": wave.title,
        "questionnaire": wave.version.questionnaire.code,
        "version": wave.version.number,
        "previous_wave": previous.slug if previous else None,
        **current,
        "collaborations": confirmed_collaborations(
            wave,
            named(wave, structure),
            asked={context.register.acronym[p] for p in context.responses[wave.pk].partnerships},
        ),
    }
    if previous is None:
        report["tables"] = _tables(report, wave=wave, structure=structure, context=context, previous=None)
        return report
    groups = current["groups"]
    prev_structure = structure_for(previous.version)
    prev = fetch(previous, prev_structure, wave)
    before = build_indicators(prev, structure=prev_structure, groups=groups)
    panel_now = build_indicators(fetched, structure=structure, groups=groups, panel_only=True)
    panel_before = build_indicators(prev, structure=prev_structure, groups=groups, panel_only=True)
    now_figures = _per_partnership(current["questions"])
    before_figures = _per_partnership(before["questions"])
    report["comparison"] = {
        "previous_wave": previous.slug,
        "previous_title": previous.title,
        "previous": before,
        "panel": {"size": panel_now["population"]["completed"], "current": panel_now, "previous": panel_before},
        "by_partnership": {
            key: ind.side_by_side(before_figures.get(key, ind.PlainDict()), figures)
            for key, figures in now_figures.items()
        },
    }
    # The previous wave's pairs carry their confirmation statuses as this wave's do: Table 2's
    # ended rows show what was confirmed then, and the comparison gives the counts.
    before_collaborations = confirmed_collaborations(
        previous,
        named(previous, prev_structure),
        asked={context.register.acronym[p] for p in context.responses[previous.pk].partnerships},
        closed=True,
    )
    report["comparison"]["collaborations"] = {
        "pairs": len(before_collaborations["pairs"]),
        **{key: before_collaborations[key] for key in ("reciprocal", "one_sided", "confirmations")},
    }
    report["tables"] = _tables(report, wave=wave, structure=structure, context=context, previous=before_collaborations)
    return report


def _tables(
    report: dict[str, Any], *, wave: Wave, structure: Structure, context: Context, previous: dict[str, Any] | None
) -> dict[str, Any]:
    """The printed report's tables (`reports.tables`): Table 1 and 2, derived indicators, rates."""
    orders: dict[str, list[str]] = {}
    for node in structure.questions():
        orders[node.code] = [o.code for o in node.options]
        for f in node.fields:
            orders[f"{node.code}.{f.code}"] = [o.code for o in f.options]
    register = context.register
    group_of = {register.acronym[pk]: ind.group_key(group) for pk, group in register.group.items()}
    return tables.report_tables(
        report,
        settings=wave.version.definition.get("report") or {},
        option_orders=orders,
        group_of=group_of,
        previous_collaborations=previous,
        completed={register.acronym[p] for _, p in context.submitted(wave)},
        table1_rows=_table1_rows(structure, wave.version.definition.get("report") or {}),
    )


def _table1_rows(structure: Structure, settings: dict[str, Any]) -> str | None:
    """The repeat table whose rows Table 1's figure counts: the question itself, or the table
    whose number of rows it gives (`rows_from`, A5 for A4); None for another figure."""
    spec = settings.get("table1") or {}
    code = spec.get("question")
    if not code or spec.get("option"):
        return None
    candidates = [structure.by_code[code]] if code in structure.by_code else []
    candidates += [n for n in structure.questions() if n.question.rows_from == code]
    return next((node.code for node in candidates if node.type == T.REPEAT), None)


def as_json(report: dict[str, Any]) -> dict[str, Any]:
    """The report with JSON-friendly numbers (the contract of `manage.py report`)."""
    return ind.plain(report)  # type: ignore[no-any-return]


REPORT_CACHE_SECONDS = 300


def report_fingerprint(wave: Wave) -> str:
    """What changes whenever an indicator may change: statuses, saves and the register.

    Saving, submitting and reopening a response all touch its `updated_at`; a partnership
    moved to another group touches its own. One query.
    """
    ids = [wave.pk] + ([wave.previous_id] if wave.previous_id else [])
    stats = Response.objects.filter(wave_id__in=ids).aggregate(
        n=Count("id"),
        submitted=Count("id", filter=Q(status=Response.Status.SUBMITTED)),
        last=Max("updated_at"),
        register=Max("partnership__updated_at"),
    )
    return f"{stats['n']}:{stats['submitted']}:{stats['last']}:{stats['register']}"


def cached_report(wave: Wave, *, fresh: bool = False, scope: ReportScope | None = None) -> dict[str, Any]:
    """The JSON-ready report, reused while nothing changed (at most REPORT_CACHE_SECONDS, in
    case answers were changed by a path that does not touch their response). A `scope`
    (`reports.filters.ReportScope`: a filter, a breakdown, drafts counted) other than the
    default is computed from the answer rows by `reports.filters`."""
    digest = hashlib.sha256(report_fingerprint(wave).encode()).hexdigest()[:32]
    if scope is not None and scope.is_default:
        scope = None
    key = f"reports:report:{wave.pk}:{digest}" + (f":{scope.key}" if scope is not None else "")
    report = None if fresh else cache.get(key)
    if report is None:
        if scope is not None:
            from .filters import scoped_report  # it builds on this module

            report = as_json(scoped_report(wave, scope))
        else:
            report = as_json(wave_report(wave))
        report["computed_at"] = timezone.now().isoformat()
        cache.set(key, report, REPORT_CACHE_SECONDS)
    return report  # type: ignore[no-any-return]
