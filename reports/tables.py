"""The tables of the printed progress report, as pure functions over the report's data.

- **Table 1**: a number per partnership in the first and the second wave (the number
  question, the number beside an option or the rows of a repeat table that the definition's
  `report.table1` names), the difference ("new since"), totals per group and overall, and
  how many partnerships have at least one.
- **Table 2**: the collaborations listed by reporting partnership, with purposes, the
  partner (named as registered where it is), reciprocity and the change against the
  previous wave (new, ended, continued).
- **Derived indicators** a definition asks for (`report.indicators`): partnerships with at
  least one row of a repeat table, a country question split into EU and non-EU, the
  cumulative share on an ordered scale ("at least once a month"); and, for every wave, the
  participation rate (started / invited) beside the completion rate (completed / invited).

Nothing here reads the database: `report.py` passes the indicators it built and the groups
of the register, and the tests pass plain values worked out by hand.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from surveys.countries import EU_COUNTRIES

from . import indicators as ind

TOTAL = ind.TOTAL
Number = int | float


def _sorted_by_group(names: Sequence[str], group_of: Mapping[str, str], groups: Sequence[str]) -> list[str]:
    """Partnerships by their group in the questionnaire's order, then by name
    (`ind.sort_names`: case-insensitively)."""
    ordered = list(names)
    ind.sort_names(ordered)
    rank = {g: i for i, g in enumerate(groups)}
    return sorted(ordered, key=lambda name: rank.get(group_of.get(name, ind.UNGROUPED), len(rank)))


def _difference(previous: Number | None, current: Number | None) -> Number | None:
    if previous is None or current is None:
        return None
    return current - previous


@dataclass(frozen=True)
class RowChanges:
    """What the repeat table listing Table 1's figure (A5 for A4) says per partnership: its
    rows new since the previous wave, and those carried from it and marked ended."""

    new: Mapping[str, Number]
    ended: Mapping[str, Number]


def table1(
    *,
    current: Mapping[str, Number],
    previous: Mapping[str, Number] | None,
    group_of: Mapping[str, str],
    groups: Sequence[str],
    changes: RowChanges | None = None,
) -> dict[str, Any]:
    """Table 1 from the figures of each partnership in this wave and the previous one
    (None: the wave follows no other; the columns of the first wave are then null).

    A row for every partnership with a figure in either wave (one row each: the figures are
    keyed by partnership). Where both figures exist, "new since" is, when a repeat table lists
    the figure (`changes`), its rows new since the previous wave (the derived status of each
    row) and "ended" its rows marked ended, so that previous + new − ended = current for a
    partnership whose rows were carried (`balanced`, None where a figure is missing: a
    partnership whose figures do not add up is one to ask); without a table "new since" is
    the second figure minus the first and "ended" is null. Totals per group and overall add
    the figures given (a missing one counts as nothing), and count the partnerships with at
    least one (a figure of 1 or more).
    """
    names = set(current) | set(previous or {})
    order = _sorted_by_group(list(names), group_of, groups)
    rows: list[dict[str, Any]] = []
    for name in order:
        before = previous.get(name) if previous is not None else None
        now = current.get(name)
        row: dict[str, Any] = {
            "partnership": name,
            "group": group_of.get(name, ind.UNGROUPED),
            "previous": before,
            "current": now,
            "new_since": _difference(before, now),
            "ended": None,
            "balanced": None,
        }
        if changes is not None and before is not None and now is not None:
            new, ended = changes.new.get(name, 0), changes.ended.get(name, 0)
            row.update(new_since=new, ended=ended, balanced=before + new - ended == now)
        rows.append(row)
    keys = [TOTAL, *groups, *sorted({r["group"] for r in rows} - set(groups))]
    totals: dict[str, dict[str, Any]] = {}
    for key in keys:
        mine = [r for r in rows if key == TOTAL or r["group"] == key]
        totals[key] = {
            "partnerships": len(mine),
            **{
                column: (
                    None
                    if column == "previous" and previous is None
                    else sum(r[column] for r in mine if r[column] is not None)
                )
                for column in ("previous", "current", "new_since", "ended")
            },
            "at_least_one": {
                "previous": None if previous is None else sum(1 for r in mine if (r["previous"] or 0) >= 1),
                "current": sum(1 for r in mine if (r["current"] or 0) >= 1),
            },
        }
    for total in totals.values():
        if previous is None:
            total["new_since"] = None
        if previous is None or changes is None:
            total["ended"] = None
    return {
        "rows": rows,
        "totals": totals,
        "from_rows": changes is not None,
        "unbalanced": [r["partnership"] for r in rows if r["balanced"] is False],
    }


# Table 2 ------------------------------------------------------------------------------------


def _registered_name(name: str, registered: bool, acronyms: Mapping[str, str]) -> tuple[str, bool]:
    """A partner named in free text that is the acronym of a registered partnership is
    named (and counted) as that partnership."""
    if registered:
        return name, True
    known = acronyms.get(name.strip().casefold())
    return (known, True) if known is not None else (name, False)


def _reports(collaborations: Mapping[str, Any], acronyms: Mapping[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(reporter, partner) -> purposes and reciprocity, from a wave's collaboration pairs."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for pair in collaborations.get("pairs", []):
        names = list(pair["partnerships"])
        flags = list(pair.get("registered", [True, True]))
        for reporter in pair["reported_by"]:
            partner_index = 1 if names[0] == reporter else 0
            partner, registered = _registered_name(names[partner_index], flags[partner_index], acronyms)
            entry = out.setdefault(
                (reporter, partner),
                {"registered": registered, "purposes": [], "reciprocal": False, "confirmation": None},
            )
            for purpose in pair.get("purposes", {}).get(reporter, []):
                if purpose and purpose not in entry["purposes"]:
                    entry["purposes"].append(purpose)
            entry["reciprocal"] = entry["reciprocal"] or bool(pair["reciprocal"])
            # What the partner answered (reports/confirmations.py); None in reports without it.
            entry["confirmation"] = entry["confirmation"] or pair.get("confirmation")
    return out


def _marked_ended(
    collaborations: Mapping[str, Any], acronyms: Mapping[str, str]
) -> dict[tuple[str, str], dict[str, Any]]:
    """(reporter, partner) -> purposes, of the rows coordinators marked ended in a wave."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for item in collaborations.get("ended", []):
        partner, registered = _registered_name(item["partner"], item["registered"], acronyms)
        entry = out.setdefault(
            (item["partnership"], partner),
            {"registered": registered, "purposes": [], "reciprocal": False, "confirmation": None},
        )
        entry["purposes"].extend(p for p in item["purposes"] if p and p not in entry["purposes"])
    return out


def _reciprocity(row: Mapping[str, Any]) -> str:
    """Table 2's "Reciprocal" cell, with the partner's answer to a one-sided report."""
    said = {"confirmed": ", confirmed by the partner", "declined": ", declined by the partner"}
    if row["reciprocal"]:
        return "yes" + (" (declined by one side)" if row.get("confirmation") == "declined" else "")
    return "no" + said.get(row.get("confirmation") or "", "")


def table2(
    *,
    current: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    group_of: Mapping[str, str],
    groups: Sequence[str],
    completed: Container[str],
) -> dict[str, Any]:
    """Table 2 from the collaborations of this wave and of the previous one (None: no
    previous wave, the change is null).

    One row per reporting partnership and partner. The change is about the collaboration,
    whoever reported it: *continued* when the two partnerships were paired in the previous
    wave too (by either side), *new* when not; a pair of the previous wave that nobody
    reports any more is listed under its former reporters as *ended*, with its former
    purposes, when that reporter completed this wave (`completed`): one that did not answer
    could not say, and its former collaborations are left out rather than called ended.

    A row carried from the previous wave that the coordinator marked ended (the current
    collaborations' `ended`) is no current collaboration: it is listed as *ended* with
    `reported_ended` (the reporter said so, rather than just no longer listing it), with the
    previous wave's purposes and confirmation where that wave has the pair, even when the
    other side still reports the pair (the other side's row then says *continued*).
    """
    acronyms = {name.casefold(): name for name in group_of}
    now = _reports(current, acronyms)
    before = _reports(previous, acronyms) if previous is not None else {}
    marked = _marked_ended(current, acronyms)
    now_pairs = {frozenset(key) for key in now}
    before_pairs = {frozenset(key) for key in before}
    entries: list[tuple[str, str, dict[str, Any], str | None]] = []
    for (reporter, partner), entry in now.items():
        change = (
            None if previous is None else ("continued" if frozenset((reporter, partner)) in before_pairs else "new")
        )
        entries.append((reporter, partner, entry, change))
    for (reporter, partner), entry in before.items():
        if (reporter, partner) in marked:
            continue  # listed below, whoever reports the pair now
        if reporter in completed and frozenset((reporter, partner)) not in now_pairs:
            entries.append((reporter, partner, entry, "ended"))
    if previous is not None:
        for key, entry in marked.items():
            entries.append((*key, before.get(key, entry), "ended"))
    reporters = _sorted_by_group(list({e[0] for e in entries}), group_of, groups)
    rank = {name: i for i, name in enumerate(reporters)}
    partners = [e[1] for e in entries]
    ind.sort_names(partners)
    partner_rank = {name: i for i, name in enumerate(partners)}
    change_rank = {"continued": 0, "new": 0, None: 0, "ended": 1}
    entries.sort(key=lambda e: (rank[e[0]], change_rank[e[3]], partner_rank[e[1]]))
    rows = [
        {
            "partnership": reporter,
            "group": group_of.get(reporter, ind.UNGROUPED),
            "partner": partner,
            "partner_registered": entry["registered"],
            "partner_group": group_of.get(partner) if entry["registered"] else None,
            "purposes": list(entry["purposes"]),
            "reciprocal": entry["reciprocal"],
            "confirmation": entry.get("confirmation"),
            "change": change,
            "reported_ended": change == "ended" and (reporter, partner) in marked,
        }
        for reporter, partner, entry, change in entries
    ]
    changes = {
        key: sum(1 for r in rows if r["change"] == key) if previous is not None else None
        for key in ("new", "continued", "ended")
    }
    return {"rows": rows, "changes": changes}


# Derived indicators --------------------------------------------------------------------------


def with_at_least_one(
    rows_by_partnership: Mapping[str, Number], *, group_of: Mapping[str, str], completed: ind.Breakdown
) -> dict[str, ind.Breakdown]:
    """Partnerships with at least one row of a repeat table, per group, and their share of
    the completed responses."""
    groups = [key for key in completed if key != TOTAL]
    count = ind.breakdown(
        ((group_of.get(n, ind.UNGROUPED), 1) for n, v in rows_by_partnership.items() if v >= 1), groups
    )
    return {"count": count, "percent": ind.percents(count, completed)}


def eu_split(countries: Mapping[str, ind.Breakdown], *, groups: Sequence[str]) -> dict[str, dict[str, ind.Breakdown]]:
    """Mentions of countries inside and outside the EU-27, per group, and their shares of
    all mentions."""
    eu = ind.empty_breakdown(groups)
    non_eu = ind.empty_breakdown(groups)
    for code, counts in countries.items():
        target = eu if code.upper() in EU_COUNTRIES else non_eu
        for key, n in counts.items():
            target[key] = target.get(key, 0) + n
    mentions = {key: eu.get(key, 0) + non_eu.get(key, 0) for key in eu}
    return {
        "count": {"eu": eu, "non_eu": non_eu},
        "percent": {"eu": ind.percents(eu, mentions), "non_eu": ind.percents(non_eu, mentions)},
    }


def cumulative_share(
    options: Mapping[str, ind.Breakdown], *, order: Sequence[str], through: str, respondents: ind.Breakdown
) -> dict[str, Any]:
    """Respondents who chose any level of an ordered scale from its first one through
    `through` ("at least once a month" on a scale that starts at "more than once a week"),
    per group, and their share of the question's respondents."""
    levels = list(order[: order.index(through) + 1])
    count = {key: sum(options.get(level, {}).get(key, 0) for level in levels) for key in respondents}
    return {"levels": levels, "count": count, "percent": ind.percents(count, respondents)}


def rates(population: Mapping[str, ind.Breakdown]) -> dict[str, ind.Breakdown]:
    """The participation rate (started / invited) beside the completion rate (completed /
    invited, the response rate)."""
    return {
        "participation": ind.percents(population["started"], population["invited"]),
        "completion": ind.percents(population["completed"], population["invited"]),
    }


# The tables of a report ------------------------------------------------------------------------


def _question(questions: Mapping[str, Any], code: str) -> Mapping[str, Any] | None:
    """A question's indicators by code, or a field of a repeat table by `TABLE.FIELD`."""
    head, _, rest = code.partition(".")
    q = questions.get(head)
    if q is not None and rest:
        q = q.get("fields", {}).get(rest)
    return q


def _figures(questions: Mapping[str, Any], question: str, option: str | None) -> dict[str, Number] | None:
    """The figure of each partnership that Table 1 shows: a number question's numbers, the
    number beside an option, or the rows of a repeat table."""
    q = questions.get(question)
    if q is None:
        return None
    if option:
        stats = q.get("option_numbers", {}).get(option)
        return dict(stats["by_partnership"]) if stats is not None else None
    if "rows_by_partnership" in q:
        return dict(q["rows_by_partnership"])
    if "by_partnership" in q:
        return dict(q["by_partnership"])
    return None


def _indicator(
    spec: Mapping[str, Any],
    wave: Mapping[str, Any],
    groups: Sequence[str],
    group_of: Mapping[str, str],
    order: Sequence[str],
) -> dict[str, Any] | None:
    q = _question(wave["questions"], spec["question"])
    if q is None:
        return None
    kind = spec["kind"]
    if kind == "at_least_one_row":
        return with_at_least_one(
            q.get("rows_by_partnership", {}), group_of=group_of, completed=wave["population"]["completed"]
        )
    if kind == "eu_split":
        return eu_split(q.get("countries", {}), groups=groups)
    if kind == "cumulative_share":
        if spec["through"] not in order:
            return None
        base = q.get("answered") or q["respondents"]
        return cumulative_share(q.get("options", {}), order=order, through=spec["through"], respondents=base)
    return None


def report_tables(
    report: Mapping[str, Any],
    *,
    settings: Mapping[str, Any],
    option_orders: Mapping[str, Sequence[str]],
    group_of: Mapping[str, str],
    previous_collaborations: Mapping[str, Any] | None,
    completed: Container[str],
    table1_rows: str | None = None,
) -> dict[str, Any]:
    """The `tables` key of a report (see docs/reports.md): Table 1 (when the definition's
    `report.table1` names its figure), Table 2, the derived indicators the definition asks
    for, and the participation and completion rates, for this wave and the previous one.

    `settings` is the definition's `report` mapping (may be empty); `option_orders` the
    option codes of each question (or `TABLE.FIELD`) in questionnaire order; `group_of` the
    register's group of every partnership by acronym; `completed` the partnerships that
    completed this wave; `table1_rows` the repeat table whose rows Table 1's figure counts
    (A5 for A4), whose new and ended rows make "new since" and "ended".
    """
    groups = list(report["groups"])
    comparison = report.get("comparison")
    previous = comparison["previous"] if comparison else None
    out: dict[str, Any] = {"rates": rates(report["population"]), "table1": None, "indicators": []}
    if previous is not None:
        out["previous_rates"] = rates(previous["population"])
    spec = settings.get("table1")
    if spec:
        current = _figures(report["questions"], spec["question"], spec.get("option"))
        before = _figures(previous["questions"], spec["question"], spec.get("option")) if previous else None
        question = report["questions"].get(spec["question"], {})
        table = report["questions"].get(table1_rows or "")
        changes = (
            RowChanges(new=table["new_rows_by_partnership"], ended=table["ended_rows_by_partnership"])
            if table is not None and previous is not None
            else None
        )
        out["table1"] = {
            "question": spec["question"],
            "option": spec.get("option"),
            "title": spec.get("title") or question.get("text", spec["question"]),
            **table1(
                current=current or {},
                previous=(before or {}) if previous is not None else None,
                group_of=group_of,
                groups=groups,
                changes=changes,
            ),
        }
    for item in settings.get("indicators", []):
        order = option_orders.get(item["question"], [])
        now = _indicator(item, report, groups, group_of, order)
        if now is None:
            continue
        out["indicators"].append(
            {
                **item,
                "current": now,
                "previous": _indicator(item, previous, groups, group_of, order) if previous is not None else None,
            }
        )
    out["table2"] = table2(
        current=report["collaborations"],
        previous=previous_collaborations,
        group_of=group_of,
        groups=groups,
        completed=completed,
    )
    return out


# As printed -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintedTable:
    """A table as the report prints it: the same headers and cells on the dashboard, in the
    Excel report, the Word draft and the printable page. Cells are numbers (never numbers
    as text), texts or None (printed as a dash)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    # Rows from this index on are totals (printed in bold).
    totals_from: int | None = None


CHANGE_LABELS = {"new": "new", "continued": "continued", "ended": "ended"}
# An ended collaboration that its reporter marked ended (rather than no longer listed it).
REPORTED_ENDED_LABEL = "ended (reported)"


def printed_tables(
    tables: Mapping[str, Any], *, groups: Sequence[str], previous_wave: str | None, wave: str
) -> list[PrintedTable]:
    """The report's tables as printed: rates, Table 1, the derived indicators, Table 2."""
    keys = [*groups, TOTAL]
    out: list[PrintedTable] = []
    rate_rows = [
        ["Participation rate (started / invited), %", *[tables["rates"]["participation"].get(k) for k in keys]]
    ]
    rate_rows.append(
        ["Completion rate (completed / invited), %", *[tables["rates"]["completion"].get(k) for k in keys]]
    )
    if tables.get("previous_rates"):
        for label, name in (("Participation", "participation"), ("Completion", "completion")):
            rate_rows.append(
                [f"{label} rate in {previous_wave}, %", *[tables["previous_rates"][name].get(k) for k in keys]]
            )
    out.append(PrintedTable("rates", "Participation and completion", ["", *keys], rate_rows))

    t1 = tables.get("table1")
    if t1:
        both = previous_wave is not None
        ended = both and bool(t1.get("from_rows"))
        headers = [
            "Partnership",
            "Group",
            *([previous_wave or "", wave, "New since"] if both else [wave]),
            *(["Ended"] if ended else []),
        ]

        def columns(r: Mapping[str, Any]) -> list[Any]:
            shown = [r["previous"], r["current"], r["new_since"]] if both else [r["current"]]
            return [*shown, *([r.get("ended")] if ended else [])]

        rows: list[list[Any]] = []
        for r in t1["rows"]:
            rows.append([r["partnership"], r["group"], *columns(r)])
        first_total = len(rows)
        totals = t1["totals"]
        for key in [*[k for k in totals if k != TOTAL], TOTAL]:
            t = totals[key]
            label = "Total" if key == TOTAL else f"Total {key}"
            rows.append([label, f"{t['partnerships']} partnerships", *columns(t)])
        for key in [*[k for k in totals if k != TOTAL], TOTAL]:
            t = totals[key]["at_least_one"]
            label = "With at least one" + ("" if key == TOTAL else f", {key}")
            blank = [None] * (1 + ended)
            rows.append([label, "partnerships", *([t["previous"], t["current"], *blank] if both else [t["current"]])])
        if ended:
            note = (
                "New since: the rows listed as new since the previous wave; ended: the rows carried from it and "
                "marked ended; for a partnership that answered both, previous + new − ended = this wave's figure."
            )
            if t1.get("unbalanced"):
                note += f" Figures that do not add up (to check): {', '.join(t1['unbalanced'])}."
        else:
            note = "New since: this wave's figure minus the previous one's, where the partnership answered both."
        out.append(PrintedTable("table1", f"Table 1. {t1['title']}", headers, rows, note if both else "", first_total))

    lines: list[list[Any]] = []
    for item in tables.get("indicators", []):
        label = item.get("label") or f"{item['kind']} of {item['question']}"
        now = item["current"]
        if item["kind"] == "eu_split":
            for part, name in (("eu", "in the EU"), ("non_eu", "outside the EU")):
                lines.append([f"{label}: {name}", *[now["count"][part].get(k) for k in keys]])
                lines.append([f"{label}: {name}, % of mentions", *[now["percent"][part].get(k) for k in keys]])
        else:
            base = "of completed responses" if item["kind"] == "at_least_one_row" else "of respondents"
            lines.append([label, *[now["count"].get(k) for k in keys]])
            lines.append([f"{label}, % {base}", *[now["percent"].get(k) for k in keys]])
    if lines:
        out.append(PrintedTable("indicators", "Indicators", ["", *keys], lines))

    t2 = tables["table2"]
    if t2["rows"]:
        with_change = previous_wave is not None
        headers = [
            "Partnership",
            "Group",
            "Partner",
            "Registered",
            "Purposes",
            "Reciprocal",
            *(["Change"] if with_change else []),
        ]
        rows2 = [
            [
                r["partnership"],
                r["group"],
                r["partner"],
                "yes" if r["partner_registered"] else "no (free text)",
                " · ".join(r["purposes"]),
                _reciprocity(r),
                *(
                    [REPORTED_ENDED_LABEL if r.get("reported_ended") else CHANGE_LABELS.get(r["change"] or "", "")]
                    if with_change
                    else []
                ),
            ]
            for r in t2["rows"]
        ]
        note = ""
        if with_change:
            c = t2["changes"]
            note = f"Against {previous_wave}: {c['new']} new, {c['continued']} continued, {c['ended']} ended."
            reported = sum(1 for r in t2["rows"] if r.get("reported_ended"))
            if reported:
                note += (
                    f" Of the ended, {reported} marked ended by the reporting partnership this wave"
                    " (ended (reported)); the others are no longer listed."
                )
        out.append(PrintedTable("table2", "Table 2. Collaborations between partnerships", headers, rows2, note))
    return out
