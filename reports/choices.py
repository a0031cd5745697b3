"""Figures as the report prints them: the choices a staff member sets per figure, remembered
for the wave (`FigureChoice`), applied to the figures of the dashboard, the PNG/SVG
downloads, the Excel report and the Word draft.

- **Order**: the questionnaire's order, or by frequency (the percentage in the total or in one
  group, highest first; ties keep the questionnaire's order), with each option's rank in the
  table (ties share a rank: 1, 2, 2, 4).
- **Labels** on the bars: percentages, counts, or both ("5 (63%)").
- **Groups**: which groups the chart shows (the table under it keeps every group).
- **Unit**: "% of respondents" names the questionnaire's population ("% of responding
  cluster organisations") where the definition declares one (`population.plural`).

Choices apply to the option charts of choice questions and of choice fields of tables
(`data["choosable"]`), and to the charts of counts (`choosable: "counts"`): countries and
partnerships named (as listed: most named first), the years of date questions and fields
(as listed: in order) and the per-partnership bars of a number question (as listed: by
acronym; by frequency: largest first). These show counts whatever the labels chosen, and
their table keeps its order when it is not one row per bar. Other figures (scales,
matrices, the population, the network) are left as they are.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from surveys.models import Wave

from .charts import FigureSpec
from .figures import QuestionView
from .indicators import TOTAL
from .models import FigureChoice

RESPONDENTS_LABEL = "% of respondents"


@dataclass(frozen=True)
class Choices:
    order: str = FigureChoice.Order.QUESTIONNAIRE
    order_by: str = TOTAL
    labels: str = FigureChoice.Labels.PERCENT
    groups: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"order": self.order, "order_by": self.order_by, "labels": self.labels, "groups": list(self.groups)}


DEFAULT = Choices()


def population_plural(definition: dict[str, Any]) -> str | None:
    """The plural name of the questionnaire's population, when the definition declares one
    (`population: {singular, plural}`); read defensively: older definitions have none."""
    population = definition.get("population")
    if isinstance(population, dict) and isinstance(population.get("plural"), str):
        return population["plural"].strip() or None
    if isinstance(population, str):
        return population.strip() or None
    return None


def apply_choices(spec: FigureSpec, choices: Choices, *, unit: str | None = None) -> FigureSpec:
    """A copy of the figure with the choices applied (pure: the spec given is not changed)."""
    out = copy.deepcopy(spec)
    data = out.data
    if unit and data.get("xlabel") == RESPONDENTS_LABEL:
        data["xlabel"] = f"% of responding {unit}"
    if not data.get("choosable"):
        return out
    data["choice"] = choices.as_dict()
    data["show"] = choices.labels
    n = len(data["labels"])
    order = list(range(n))
    if choices.order == FigureChoice.Order.FREQUENCY:
        values = data["sort_values"].get(choices.order_by) or data["sort_values"].get(TOTAL) or [0] * n
        order.sort(key=lambda i: -(values[i] or 0))  # stable: ties keep the questionnaire's order
    data["labels"] = [data["labels"][i] for i in order]
    for s in data["series"]:
        s["values"] = [s["values"][i] for i in order]
        if "counts" in s:
            s["counts"] = [s["counts"][i] for i in order]
    data["sort_values"] = {k: [v[i] for i in order] for k, v in data["sort_values"].items()}
    if data.get("table_follows", True) and len(out.table_rows) == n:
        out.table_rows = [out.table_rows[i] for i in order]
        if choices.order == FigureChoice.Order.FREQUENCY:
            sorted_values = [values[i] for i in order]
            out.table_headers = [out.table_headers[0], "Rank", *out.table_headers[1:]]
            out.table_rows = [
                [row[0], rank, *row[1:]] for row, rank in zip(out.table_rows, ranks(sorted_values), strict=True)
            ]
    if choices.groups:
        kept = [s for s in data["series"] if s.get("key") in choices.groups]
        if kept:
            data["series"] = kept
    return out


def ranks(values: list[Any]) -> list[int]:
    """Ranks of values sorted highest first, ties sharing a rank ("1, 2, 2, 4"): the
    "fourth most common" of the report."""
    out: list[int] = []
    for i, v in enumerate(values):
        out.append(out[-1] if i and (v or 0) == (values[i - 1] or 0) else i + 1)
    return out


def apply_to_views(
    sections: list[tuple[str, list[QuestionView]]], choices: dict[str, Choices], *, unit: str | None
) -> list[tuple[str, list[QuestionView]]]:
    for _, views in sections:
        for view in views:
            view.figures = [apply_choices(s, choices.get(s.id, DEFAULT), unit=unit) for s in view.figures]
    return sections


def figure_choices(wave: Wave) -> dict[str, Choices]:
    """The choices remembered for a wave's figures, by figure id (one query)."""
    return {
        c.figure: Choices(order=c.order, order_by=c.order_by, labels=c.labels, groups=list(c.groups))
        for c in FigureChoice.objects.filter(wave=wave)
    }


@transaction.atomic
def figure_choice_set(*, wave: Wave, figure: str, choices: Choices) -> FigureChoice:
    """Remember how a figure of the wave is printed (replacing earlier choices)."""
    choice, _ = FigureChoice.objects.update_or_create(wave=wave, figure=figure, defaults=choices.as_dict())
    return choice
