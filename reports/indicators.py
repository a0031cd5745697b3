"""Indicator maths: pure functions over plain values (no database, no Django).

A *breakdown* is a dict with the key "total" first and then one key per group, in the
questionnaire's order: `{"total": 19, "strand-1": 12, "strand-2": 7}`. Every group of the
questionnaire is present, with 0 where nobody answered; a group met in the data that the
questionnaire does not list (a partnership moved in the register) is added after them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

Number = int | float | Decimal
Exact = int | Decimal  # a number kept exact (statistics never see floats)
Breakdown = dict[str, Any]

TOTAL = "total"
UNGROUPED = "ungrouped"


def group_key(group: str) -> str:
    """The key of a partnership's group in breakdowns (a blank group has a name too)."""
    return group or UNGROUPED


def groups_in_order(version_groups: Sequence[str], seen: Iterable[str]) -> list[str]:
    """The questionnaire's groups, then any other group found in the data, sorted."""
    extra = sorted({group_key(g) for g in seen} - set(version_groups))
    return [*version_groups, *extra]


def breakdown(pairs: Iterable[tuple[str, Number]], groups: Sequence[str], *, zero: Number = 0) -> Breakdown:
    """Sum (group, value) pairs into a breakdown with a total."""
    sums: dict[str, Number] = defaultdict(lambda: zero)
    for group, value in pairs:
        sums[group_key(group)] += value  # type: ignore[operator]
    total = sum(sums.values(), zero)
    return {TOTAL: total, **{g: sums.get(g, zero) for g in groups}}


def empty_breakdown(groups: Sequence[str], value: Any = 0) -> Breakdown:
    return {TOTAL: value, **{g: value for g in groups}}


def round_half_up(value: Number, places: int = 0) -> Decimal:
    """The report's one rounding rule: half away from zero, as people round by hand
    (12.5 -> 13, 6.25 -> 6.3), where Python's `round` and format strings round half to
    even on the float's binary value (12.5 -> 12, 6.25 -> 6.2)."""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent_text(value: Number | None) -> str:
    """A percentage as the figures show it: whole, rounded half away from zero ("63%")."""
    return "–" if value is None else f"{round_half_up(value)}%"


def percent(part: Number, whole: Number) -> float | None:
    """Part of whole in percent with one decimal (rounded half away from zero, from the
    exact quotient); None when there is no whole."""
    if not whole:
        return None
    exact = Decimal(100) * Decimal(str(part)) / Decimal(str(whole))
    return float(round_half_up(exact, 1))


def percents(counts: Breakdown, bases: Breakdown) -> Breakdown:
    """Each count of a breakdown as a percentage of the same key's base."""
    return {key: percent(value, bases.get(key, 0)) for key, value in counts.items()}


def response_rates(completed: Breakdown, invited: Breakdown) -> Breakdown:
    return percents(completed, invited)


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def mean(total: Exact | None, count: int) -> Decimal | None:
    if not count or total is None:
        return None
    return Decimal(total) / count


def number_stats(values: Iterable[tuple[str, Decimal]], groups: Sequence[str]) -> dict[str, Breakdown]:
    """Sum, count, mean, median, minimum and maximum of numbers, per group and in total."""
    return counted_number_stats(Counter(values), groups)


def counted_number_stats(counts: Mapping[tuple[str, Exact], int], groups: Sequence[str]) -> dict[str, Breakdown]:
    """`number_stats` from how many times each (group, value) occurs: a wave's numbers take
    a few dozen values, so the statistics walk these instead of every partnership's.

    Values are ints or Decimals (never floats): every figure stays exact.
    """
    by_group: dict[str, dict[Exact, int]] = defaultdict(dict)
    total: dict[Exact, int] = {}
    for (group, value), n in counts.items():
        of_group = by_group[group_key(group)]
        of_group[value] = of_group.get(value, 0) + n
        total[value] = total.get(value, 0) + n
    stats: dict[str, Breakdown] = {name: {} for name in ("count", "sum", "mean", "median", "min", "max")}
    for key in [TOTAL, *groups]:
        occurrences = sorted((total if key == TOTAL else by_group.get(key, {})).items())
        count = sum(n for _, n in occurrences)
        value_sum = sum((v * n for v, n in occurrences), Decimal(0))
        stats["count"][key] = count
        stats["sum"][key] = value_sum
        stats["mean"][key] = mean(value_sum, count)
        stats["median"][key] = _counted_median(occurrences, count)
        stats["min"][key] = occurrences[0][0] if occurrences else None
        stats["max"][key] = occurrences[-1][0] if occurrences else None
    return stats


def _counted_median(occurrences: Sequence[tuple[Exact, int]], count: int) -> Decimal | None:
    """`median` of the values that occur so many times each (in ascending order)."""
    if not count:
        return None
    middle = count // 2
    wanted = [middle - 1, middle] if count % 2 == 0 else [middle]
    found: list[Exact] = []
    seen = 0
    for value, n in occurrences:
        seen += n
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
        if not wanted:
            break
    if len(found) == 1:
        return Decimal(found[0])
    return (Decimal(found[0]) + Decimal(found[1])) / 2


def scale_scores(level_codes: Sequence[str]) -> dict[str, Decimal] | None:
    """Scores of a scale's levels: their codes when every code is a number ("1".."5").

    A scale whose levels are words ("weekly", "monthly") gets no score: its order on the
    page says nothing about which end is "top", so no mean or top-two share is made up.
    """
    if len(level_codes) < 2:
        return None
    try:
        return {code: Decimal(code) for code in level_codes}
    except InvalidOperation:
        return None


def top_levels(scores: Mapping[str, Decimal], n: int = 2) -> list[str]:
    """Codes of the n best-scored levels, best first."""
    return [code for code, _ in sorted(scores.items(), key=lambda item: item[1], reverse=True)[:n]]


def scale_stats(
    distribution: Mapping[str, Breakdown], scores: Mapping[str, Decimal], keys: Sequence[str]
) -> dict[str, Breakdown]:
    """Mean score and share in the top two levels from a distribution {level: breakdown}.

    `keys` are the breakdown's keys ("total" and the groups). Levels without a score (none
    of a scored scale) are ignored; a key with no rating gets None.
    """
    top = set(top_levels(scores))
    result: dict[str, Breakdown] = {"rated": {}, "mean": {}, "top_two": {}}
    for key in keys:
        rated = sum(distribution[level].get(key, 0) for level in scores if level in distribution)
        weighted = sum(
            (scores[level] * distribution[level].get(key, 0) for level in scores if level in distribution), Decimal(0)
        )
        in_top = sum(distribution[level].get(key, 0) for level in top if level in distribution)
        result["rated"][key] = rated
        result["mean"][key] = mean(weighted, rated)
        result["top_two"][key] = percent(in_top, rated)
    return result


def ranked(breakdowns: Mapping[str, Breakdown]) -> dict[str, Breakdown]:
    """Breakdowns ordered by their total, highest first, then by key (countries, partnerships)."""
    return dict(sorted(breakdowns.items(), key=lambda item: (-item[1][TOTAL], item[0])))


class PlainDict(dict[str, Any]):
    """A dict whose values are already JSON-ready (ints, floats, texts, None, and plain
    dicts and lists of them): `plain` takes it as it is instead of walking it. The report's
    per-partnership figures are built this way (hundreds of thousands of values each)."""


class PlainList(list[Any]):
    """A list whose items are already JSON-ready (see `PlainDict`)."""


def sort_names(names: list[str]) -> None:
    """Sort partnership names in place in the order in which they are listed: by name,
    case-insensitively, then as written (so that "ABC" and "abc" still have an order). Two
    sorts that run in C (as written, then a stable sort by the case-folded name) instead of
    a Python key per name."""
    names.sort()
    names.sort(key=str.casefold)


def side_by_side(previous: Mapping[str, Number], current: Mapping[str, Number]) -> dict[str, dict[str, Number | None]]:
    """Per-partnership figures of two waves, for every partnership in either, in name order."""
    names = list(previous)
    if names == list(current):
        ordered = list(names)
        sort_names(ordered)
        if ordered == names:
            # The same partnerships in both, in name order already (a panel, as the report
            # builds them): the values line up, with no lookup per partnership.
            values = zip(names, previous.values(), current.values(), strict=True)
            return _plain_if_both(
                {name: {"previous": before, "current": now} for name, before, now in values}, previous, current
            )
    names.extend(name for name in current if name not in previous)
    sort_names(names)
    before, now = previous.get, current.get
    return _plain_if_both({name: {"previous": before(name), "current": now(name)} for name in names}, previous, current)


def _plain_if_both(pairs: dict[str, Any], *sources: Mapping[str, Any]) -> dict[str, Any]:
    return PlainDict(pairs) if all(isinstance(source, PlainDict) for source in sources) else pairs


def collaboration_pairs(edges: Iterable[tuple[str, str, str]], *, registered: Container[str]) -> list[dict[str, Any]]:
    """Pairs of partnerships from (reporter, named, purpose) edges.

    A pair is reciprocal when each side names the other; otherwise it is reported by one side
    only. A partnership named in free text (not in `registered`) is kept under its text and
    can only be reported by one side. Purposes are kept per reporting side, in the order
    given, without blanks or repeats. Pairs come sorted by their names (`sort_names`).

    The arrays of a pair are tuples (JSON arrays all the same): the garbage collector stops
    watching a tuple of texts, and then the dict holding it, after one look, whereas it
    would walk lists at every later collection, and a wave has tens of thousands of pairs.
    """
    reported: dict[tuple[str, str], tuple[str, ...]] = {}
    for reporter, named, purpose in edges:
        if not named or named == reporter:
            continue
        purposes = reported.get((reporter, named))
        if purposes is None:
            reported[(reporter, named)] = (purpose,) if purpose else ()
        elif purpose and purpose not in purposes:
            reported[(reporter, named)] = (*purposes, purpose)
    # Every name ranked once (a wave names tens of thousands): pairs and sides are then
    # ordered by comparing ints.
    names = list({name for key in reported for name in key})
    sort_names(names)
    rank = {name: i for i, name in enumerate(names)}
    pairs: list[tuple[int, dict[str, Any]]] = []
    pair: dict[str, Any]
    width = len(rank)
    for (reporter, named), purposes in reported.items():
        back = reported.get((named, reporter))
        if back is None:
            a, b = (reporter, named) if rank[reporter] < rank[named] else (named, reporter)
            pair = {"partnerships": (a, b), "reported_by": (reporter,), "purposes": {reporter: purposes}}
            reciprocal = False
        elif rank[reporter] < rank[named]:
            a, b = reporter, named
            pair = {"partnerships": (a, b), "reported_by": (a, b), "purposes": {reporter: purposes, named: back}}
            reciprocal = True
        else:
            continue  # the other side of a reciprocal pair, which the first side makes
        pair["reciprocal"] = reciprocal
        pair["registered"] = (a in registered, b in registered)
        pairs.append((rank[a] * width + rank[b], pair))
    pairs.sort(key=itemgetter(0))
    return [pair for _, pair in pairs]


def plain(value: Any) -> Any:
    """Numbers for JSON: Decimals become whole numbers when whole, else floats (4 decimals)."""
    # Exact types first: a large report holds millions of values, most of them plain.
    kind = type(value)
    if kind is PlainDict or kind is PlainList:
        return value
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if kind is int or kind is str or kind is float or value is None:
        return value
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return round(float(value), 4)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
