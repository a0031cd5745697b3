"""Which figures a report has, built from the report's data and the questionnaire's labels.

Each `FigureSpec` carries the table of the same figures, shown under the chart on the
dashboard and written beside the native chart in the Excel report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django_countries import countries

from surveys.definition.structure import QuestionNode, Structure
from surveys.types import type_of

from . import indicators as ind
from .charts import PALETTE, FigureSpec
from .indicators import TOTAL

TOP_COUNTRIES = 20
TOP_PARTNERSHIPS = 20
PER_PARTNERSHIP_LIMIT = 40  # above this many partnerships, per-partnership bars become unreadable
COUNTS = "counts"  # `choosable` of a chart of counts: order and groups, no percentages
TABLE_LIMIT = 300  # rows of a table on the dashboard; the Excel report and the JSON have all
NETWORK_LIMIT = 60  # partnerships drawn in the network picture (the most connected ones)


def _capped(rows: list[list[Any]], width: int) -> list[list[Any]]:
    if len(rows) <= TABLE_LIMIT:
        return rows
    more = len(rows) - TABLE_LIMIT
    return [*rows[:TABLE_LIMIT], [f"… and {more} more rows: see the Excel report or the JSON", *[""] * (width - 1)]]


def country_name(code: str) -> str:
    return str(countries.name(code)) or code


class Shown(str):
    """A cell of a figure's table: the text the dashboard and the Word draft show ("12 (63%)"),
    carrying the count and the percentage it was made of, so that the Excel report writes
    them as numbers (a count column and a percentage column)."""

    number: Any
    percent: Any
    paired: bool  # a count of a percentage (Excel: a count column and a % column, even when empty)

    def __new__(cls, text: str, number: Any = None, percent: Any = None, *, paired: bool = False) -> Shown:
        shown = super().__new__(cls, text)
        shown.number = number
        shown.percent = percent
        shown.paired = paired
        return shown


def cell(n: Any, pct: Any = None) -> str:
    """A count with its percentage, as the report prints it: "12 (63%)"."""
    if n is None:
        return "–"
    text = _num(n)
    if pct is not None:
        text += f" ({ind.percent_text(pct)})"
    return Shown(text, number=n, percent=pct, paired=True)


def _num(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, Decimal | float):
        text = f"{v:.0f}" if float(v).is_integer() else f"{float(v):.2f}".rstrip("0").rstrip(".")
    else:
        text = str(v)
    return Shown(text, number=v) if isinstance(v, int | float | Decimal) and not isinstance(v, bool) else text


def _pct(v: Any) -> str:
    """A percentage as the figures show it ("63%"), its value kept for the Excel report."""
    return "–" if v is None else Shown(ind.percent_text(v), percent=v)


def _keys(groups: Sequence[str]) -> list[str]:
    """Breakdown columns: the groups, then the total when there is more than one group."""
    return [*groups, TOTAL] if len(groups) > 1 else list(groups) or [TOTAL]


def _label(key: str) -> str:
    return "Total" if key == TOTAL else key


@dataclass
class QuestionView:
    """A question as the dashboard shows it: its text, respondents, figures and tables."""

    code: str
    text: str
    type: str
    respondents: dict[str, Any]
    figures: list[FigureSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _choice_figure(
    fid: str,
    title: str,
    options: list[tuple[str, str]],
    q: dict[str, Any],
    groups: Sequence[str],
    base_label: str,
    previous: dict[str, Any] | None,
) -> FigureSpec:
    keys = _keys(groups)
    shown = list(groups) or [TOTAL]
    series = [
        {
            "name": _label(k),
            "values": [q["percent"][code][k] for code, _ in options],
            # For the choices a staff member sets (reports.choices): counts on the bars, groups.
            "key": k,
            "counts": [q["options"][code][k] for code, _ in options],
        }
        for k in shown
    ]
    headers = ["Option", *[f"{_label(k)}" for k in keys]]
    if previous is not None:
        headers.append("Previous wave, total")
    rows = []
    for code, label in options:
        row = [label, *[cell(q["options"][code][k], q["percent"][code][k]) for k in keys]]
        if previous is not None:
            prev = previous.get("options", {}).get(code)
            row.append(cell(prev[TOTAL], previous["percent"][code][TOTAL]) if prev else "–")
        rows.append(row)
    return FigureSpec(
        id=fid,
        title=title,
        kind="bars",
        data={
            "labels": [label for _, label in options],
            "series": series,
            "unit": "%",
            "xlabel": base_label,
            # What ordering by frequency (total or one group) sorts on (reports.choices).
            "choosable": True,
            "sort_values": {k: [q["percent"][code][k] for code, _ in options] for k in [*groups, TOTAL]},
        },
        table_headers=headers,
        table_rows=rows,
    )


def _compare_figure(
    fid: str, title: str, options: list[tuple[str, str]], q: dict[str, Any], prev: dict[str, Any]
) -> FigureSpec:
    series = [
        {
            "name": "Previous wave",
            "values": [prev["percent"].get(code, {}).get(TOTAL) for code, _ in options],
            "colour": "#9ca3af",
        },
        {"name": "This wave", "values": [q["percent"][code][TOTAL] for code, _ in options], "colour": "#0072B2"},
    ]
    rows = [
        [
            label,
            cell(prev["options"].get(code, {}).get(TOTAL), prev["percent"].get(code, {}).get(TOTAL)),
            cell(q["options"][code][TOTAL], q["percent"][code][TOTAL]),
        ]
        for code, label in options
    ]
    return FigureSpec(
        id=fid,
        title=title,
        kind="bars",
        data={
            "labels": [label for _, label in options],
            "series": series,
            "unit": "%",
            "xlabel": "% of respondents",
            "legend": True,
        },
        table_headers=["Option", "Previous wave", "This wave"],
        table_rows=rows,
    )


# Per group across waves: the previous wave in a light shade of the group's colour.
PREVIOUS_SHADES = ["#9fc6e0", "#f2cf85", "#8fd3bd", "#e3bad3", "#b9dcf2", "#f0b58a", "#f7f1a6", "#9ca3af"]


def _compare_groups_figure(
    code: str, options: list[tuple[str, str]], q: dict[str, Any], prev: dict[str, Any], groups: Sequence[str]
) -> FigureSpec:
    """The previous and this wave side by side in each group (strand-1, strand-2...)."""
    series = []
    headers = ["Option"]
    for i, g in enumerate(groups):
        series.append(
            {
                "name": f"{g}, previous",
                "values": [prev.get("percent", {}).get(c, {}).get(g) for c, _ in options],
                "colour": PREVIOUS_SHADES[i % len(PREVIOUS_SHADES)],
            }
        )
        series.append(
            {
                "name": f"{g}, this wave",
                "values": [q["percent"][c][g] for c, _ in options],
                "colour": PALETTE[i % len(PALETTE)],
            }
        )
        headers += [f"{g}, previous", f"{g}, this wave"]
    rows = []
    for c, label in options:
        row = [label]
        for g in groups:
            before = prev.get("options", {}).get(c)
            row.append(cell(before[g], prev["percent"][c][g]) if before else "–")
            row.append(cell(q["options"][c][g], q["percent"][c][g]))
        rows.append(row)
    return FigureSpec(
        id=f"{code}-compare-groups",
        title=f"{code}: previous and this wave, per group",
        kind="bars",
        data={
            "labels": [label for _, label in options],
            "series": series,
            "unit": "%",
            "xlabel": "% of respondents",
            "legend": True,
        },
        table_headers=headers,
        table_rows=rows,
    )


def _scale_figure(fid: str, title: str, node: QuestionNode, q: dict[str, Any], groups: Sequence[str]) -> FigureSpec:
    keys = _keys(groups)
    levels = [(o.code, o.label) for o in node.options]
    counts = [[q["options"][code][k] for code, _ in levels] for k in keys]
    headers = ["Level", *[_label(k) for k in keys]]
    rows = [[label, *[cell(q["options"][code][k], q["percent"][code][k]) for k in keys]] for code, label in levels]
    if "mean" in q:
        rows.append(["Mean score", *[_num(q["mean"][k]) for k in keys]])
        top = " or ".join(node.option(c).label for c in q["top_two_levels"] if node.option(c))  # type: ignore[union-attr]
        rows.append([f"Share {top}", *[_pct(q["top_two"][k]) for k in keys]])
    return FigureSpec(
        id=fid,
        title=title,
        kind="stacked",
        data={"labels": [_label(k) for k in keys], "levels": [label for _, label in levels], "counts": counts},
        table_headers=headers,
        table_rows=rows,
    )


def _matrix_figure(fid: str, title: str, node: QuestionNode, q: dict[str, Any], groups: Sequence[str]) -> FigureSpec:
    keys = _keys(groups)
    levels = [(o.code, o.label) for o in node.options]
    counts = [[q["matrix"][row.code][code][TOTAL] for code, _ in levels] for row in node.rows]
    headers = ["Item", *[label for _, label in levels], *[f"Mean, {_label(k)}" for k in keys], "Top two, total"]
    rows = []
    for row in node.rows:
        summary = q["row_summary"][row.code]
        rows.append(
            [
                row.label,
                *[_num(q["matrix"][row.code][code][TOTAL]) for code, _ in levels],
                *[_num(summary.get("mean", {}).get(k)) for k in keys],
                _pct(summary.get("top_two", {}).get(TOTAL)),
            ]
        )
    return FigureSpec(
        id=fid,
        title=title,
        kind="stacked",
        data={"labels": [row.label for row in node.rows], "levels": [label for _, label in levels], "counts": counts},
        table_headers=headers,
        table_rows=rows,
    )


def _countries_figures(
    fid: str, title: str, breakdowns: dict[str, Any], groups: Sequence[str], unit: str
) -> list[FigureSpec]:
    keys = _keys(groups)
    table = [[f"{country_name(code)} ({code})", *[_num(b[k]) for k in keys]] for code, b in breakdowns.items()]
    headers = ["Country", *[_label(k) for k in keys]]
    world = FigureSpec(
        id=f"{fid}-map",
        title=title,
        kind="map",
        data={"counts": {code: b[TOTAL] for code, b in breakdowns.items()}, "unit": unit},
        table_headers=headers,
        table_rows=table,
    )
    top = list(breakdowns.items())[:TOP_COUNTRIES]
    shown = list(groups) or [TOTAL]
    bars = FigureSpec(
        id=fid,
        title=f"{title}: the {len(top)} most named" if len(breakdowns) > TOP_COUNTRIES else title,
        kind="bars",
        data={
            "labels": [country_name(code) for code, _ in top],
            "series": [{"name": _label(k), "key": k, "values": [b[k] for _, b in top]} for k in shown],
            "xlabel": unit,
            **_count_choices({k: [b[k] for _, b in top] for k in [*groups, TOTAL]}),
        },
        table_headers=headers,
        table_rows=table,
    )
    return [bars, world]


def _count_choices(sort_values: dict[str, list[Any]], *, table_follows: bool = True) -> dict[str, Any]:
    """What the choices of a chart of counts need (reports.choices): the order (as listed, or
    most first in the total or one group) and the groups shown; its bars show counts."""
    return {"choosable": COUNTS, "sort_values": sort_values, "table_follows": table_follows}


def _years_figure(fid: str, title: str, years: dict[str, Any], groups: Sequence[str], unit: str) -> FigureSpec:
    """A date question or field: how many answers fall in each year, per group, in order."""
    keys = _keys(groups)
    shown = list(groups) or [TOTAL]
    return FigureSpec(
        id=fid,
        title=title,
        kind="bars",
        data={
            "labels": list(years),
            "series": [{"name": _label(k), "key": k, "values": [b[k] for b in years.values()]} for k in shown],
            "xlabel": unit,
            **_count_choices({k: [b[k] for b in years.values()] for k in [*groups, TOTAL]}),
        },
        table_headers=["Year", *[_label(k) for k in keys]],
        table_rows=[[year, *[_num(b[k]) for k in keys]] for year, b in years.items()],
    )


def _named_figure(fid: str, title: str, breakdowns: dict[str, Any], groups: Sequence[str], unit: str) -> FigureSpec:
    keys = _keys(groups)
    top = list(breakdowns.items())[:TOP_PARTNERSHIPS]
    shown = list(groups) or [TOTAL]
    return FigureSpec(
        id=fid,
        title=title,
        kind="bars",
        data={
            "labels": [name for name, _ in top],
            "series": [{"name": _label(k), "key": k, "values": [b[k] for _, b in top]} for k in shown],
            "xlabel": unit,
            **_count_choices({k: [b[k] for _, b in top] for k in [*groups, TOTAL]}),
        },
        table_headers=["Partnership", *[_label(k) for k in keys]],
        table_rows=_capped([[name, *[_num(b[k]) for k in keys]] for name, b in breakdowns.items()], len(keys) + 1),
    )


def _number_figure(
    fid: str, title: str, q: dict[str, Any], groups: Sequence[str], previous: dict[str, Any] | None
) -> FigureSpec:
    keys = _keys(groups)
    rows = [
        [name.title(), *[_num(q[name][k]) for k in keys]] for name in ("count", "sum", "mean", "median", "min", "max")
    ]
    headers = ["", *[_label(k) for k in keys]]
    by_partnership: dict[str, Any] = q["by_partnership"]
    prev_by = (previous or {}).get("by_partnership", {})
    names = sorted(set(by_partnership) | set(prev_by), key=str.casefold)
    if 0 < len(names) <= PER_PARTNERSHIP_LIMIT:
        series = [{"name": "This wave", "values": [by_partnership.get(n) for n in names], "colour": "#0072B2"}]
        if previous is not None:
            series.insert(0, {"name": "Previous wave", "values": [prev_by.get(n) for n in names], "colour": "#9ca3af"})
        data = {
            "labels": names,
            "series": series,
            "xlabel": "per partnership",
            "legend": previous is not None,
            # Largest first: by this wave's figure (the table under it is the statistics).
            **_count_choices({TOTAL: [by_partnership.get(n) for n in names]}, table_follows=False),
        }
    else:
        shown = list(groups) or [TOTAL]
        stats = ["sum", "mean", "median"]
        data = {
            "labels": [s.title() for s in stats],
            "series": [{"name": _label(k), "values": [q[s][k] for s in stats]} for k in shown],
        }
    return FigureSpec(id=fid, title=title, kind="bars", data=data, table_headers=headers, table_rows=rows)


def _groups_bars(fid: str, title: str, breakdown: dict[str, Any], groups: Sequence[str], unit: str) -> FigureSpec:
    keys = _keys(groups)
    return FigureSpec(
        id=fid,
        title=title,
        kind="bars",
        data={
            "labels": [_label(k) for k in keys],
            "series": [{"name": unit, "values": [breakdown[k] for k in keys]}],
            "xlabel": unit,
        },
        table_headers=["Group", unit],
        table_rows=[[_label(k), _num(breakdown[k])] for k in keys],
    )


def question_view(
    node: QuestionNode, q: dict[str, Any], groups: Sequence[str], previous: dict[str, Any] | None = None
) -> QuestionView:
    code = node.code
    title = f"{code}. {node.question.text}"
    view = QuestionView(code=code, text=node.question.text, type=node.type, respondents=q["respondents"])
    # Which figures: by the builder that summarised it (surveys.types, report_kind).
    kind = type_of(node).report_kind
    if kind in ("ticks", "choice"):
        options = [(o.code, o.label) for o in node.options]
        if node.question.scale:
            view.figures.append(_scale_figure(code, title, node, q, groups))
        else:
            view.figures.append(_choice_figure(code, title, options, q, groups, "% of respondents", previous))
        if previous is not None:
            view.figures.append(
                _compare_figure(
                    f"{code}-compare", f"{code}: previous and this wave (all respondents)", options, q, previous
                )
            )
            if len(groups) > 1:
                view.figures.append(_compare_groups_figure(code, options, q, previous, groups))
        if "at_least_one" in q:
            view.notes.append(
                "At least one option (other than an exclusive one such as “None”): "
                + ", ".join(f"{_label(k)} {_num(q['at_least_one'][k])}" for k in _keys(groups))
            )
        for option, stats in q.get("option_numbers", {}).items():
            if not (stats.get("count") or {}).get(TOTAL):
                continue  # a number box nobody filled in: no empty chart
            label = node.option(option).label if node.option(option) else option  # type: ignore[union-attr]
            view.figures.append(
                _number_figure(f"{code}.{option}", f"{code}: {label}: {stats['label']}", stats, groups, None)
            )
    elif kind == "matrix":
        view.figures.append(_matrix_figure(code, title, node, q, groups))
    elif kind == "number":
        view.figures.append(_number_figure(code, title, q, groups, previous))
    elif kind == "countries":
        view.figures.extend(_countries_figures(code, title, q["countries"], groups, "partnerships"))
    elif kind == "partnership":
        view.figures.append(_named_figure(code, title, q["partnerships"], groups, "partnerships naming it"))
    elif kind == "years" and q.get("years"):
        view.figures.append(_years_figure(code, title, q["years"], groups, "respondents"))
    elif kind == "repeat":
        view.figures.append(_groups_bars(code, f"{code}: rows entered", q["rows"], groups, "rows"))
        for f in node.fields:
            fq = q["fields"][f.code]
            ftitle = f"{code}: {f.question.text} (rows)"
            fid = f"{code}.{f.code}"
            field_kind = type_of(f).report_kind
            if field_kind in ("ticks", "choice"):
                options = [(o.code, o.label) for o in f.options]
                view.figures.append(_choice_figure(fid, ftitle, options, fq, groups, "% of rows", None))
            elif field_kind == "countries":
                view.figures.extend(_countries_figures(fid, ftitle, fq["countries"], groups, "rows"))
            elif field_kind == "partnership":
                view.figures.append(_named_figure(fid, ftitle, fq["partnerships"], groups, "rows"))
            elif field_kind == "years" and fq.get("years"):
                view.figures.append(
                    _years_figure(fid, f"{code}: {f.question.text}, by year (rows)", fq["years"], groups, "rows")
                )
    return view


def population_figure(report: dict[str, Any]) -> FigureSpec:
    groups = report["groups"]
    keys = _keys(groups)
    population = report["population"]
    series = [
        {"name": "Invited", "values": [population["invited"][k] for k in keys], "colour": "#9ca3af"},
        {"name": "Started", "values": [population["started"][k] for k in keys], "colour": "#E69F00"},
        {"name": "Completed", "values": [population["completed"][k] for k in keys], "colour": "#0072B2"},
    ]
    rate = report["response_rate"]
    rows = [
        [
            _label(k),
            _num(population["invited"][k]),
            _num(population["started"][k]),
            _num(population["completed"][k]),
            _pct(rate[k]),
        ]
        for k in keys
    ]
    return FigureSpec(
        id="population",
        title="Response rate: invited, started and completed responses",
        kind="bars",
        data={"labels": [_label(k) for k in keys], "series": series, "xlabel": "partnerships", "legend": True},
        table_headers=["Group", "Invited", "Started", "Completed", "Response rate"],
        table_rows=rows,
    )


def collaboration_figure(report: dict[str, Any]) -> FigureSpec:
    collab = report["collaborations"]
    rows = []
    for pair in collab["pairs"]:
        a, b = pair["partnerships"]
        status = "reciprocal" if pair["reciprocal"] else f"reported by {pair['reported_by'][0]} only"
        purposes = "; ".join(f"{who}: {' / '.join(p)}" for who, p in pair["purposes"].items() if p)
        rows.append([a, b, status, purposes])
    nodes: dict[str, str] = collab["partnerships"]
    pairs = collab["pairs"]
    title = "Collaborations between partnerships"
    if len(nodes) > NETWORK_LIMIT:
        # Too many to read on one picture: draw the most connected partnerships only.
        degree: dict[str, int] = {}
        for pair in pairs:
            for name in pair["partnerships"]:
                degree[name] = degree.get(name, 0) + 1
        kept = set(sorted(degree, key=lambda n: (-degree[n], n))[:NETWORK_LIMIT])
        nodes = {n: g for n, g in nodes.items() if n in kept}
        pairs = [p for p in pairs if set(p["partnerships"]) <= kept]
        title += f" (the {NETWORK_LIMIT} most connected)"
    return FigureSpec(
        id="collaborations",
        title=title,
        kind="network",
        data={"nodes": nodes, "pairs": pairs, "groups": report["groups"]},
        table_headers=["Partnership", "Partnership", "Reported", "Purposes"],
        table_rows=_capped(rows, 4),
    )


def report_views(report: dict[str, Any], structure: Structure) -> list[tuple[str, list[QuestionView]]]:
    """Sections with their question views, in questionnaire order."""
    previous = report.get("comparison", {}).get("previous", {}).get("questions", {})
    sections = []
    for section in structure.sections:
        views = [
            question_view(
                node,
                report["questions"][node.code],
                report["groups"],
                previous.get(node.code) if report.get("comparison") else None,
            )
            for node in section.questions
        ]
        sections.append((section.title, views))
    return sections


def all_figures(report: dict[str, Any], structure: Structure) -> dict[str, FigureSpec]:
    figures = {"population": population_figure(report)}
    for _, views in report_views(report, structure):
        for view in views:
            for spec in view.figures:
                figures[spec.id] = spec
    if report["collaborations"]["pairs"]:
        figures["collaborations"] = collaboration_figure(report)
    return figures
