"""The Excel report writes the dashboard's tables as numbers: a count column and a
percentage column (a number with a % format) where the dashboard shows "12 (63%)"."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from django.test import Client
from django.urls import reverse

from surveys.models import Wave
from tests.reports.conftest import answers_4i


def _table_under(sheet: Any, title: str) -> list[list[Any]]:
    """The header and rows of the table under the row whose first cell is `title`, up to a
    blank row."""
    rows = list(sheet.iter_rows())
    start = next(i for i, r in enumerate(rows) if r[0].value == title) + 1
    out = [rows[start]]
    for r in rows[start + 1 :]:
        if r[0].value is None:
            break
        out.append(r)
    return out


def test_counts_and_percentages_are_numbers(staff_client: Client, wave_4i: Wave) -> None:
    # GCA and ELBE (strand-1) completed: A1 events_missions by both, intelligence by GCA.
    answers_4i(wave_4i)
    content = staff_client.get(reverse("reports:excel", args=[wave_4i.slug])).content
    book = openpyxl.load_workbook(io.BytesIO(content))
    table = _table_under(book["A1"], "As shown on the dashboard")
    headers = [c.value for c in table[0]]
    assert headers[:7] == ["Option", "strand-1", "strand-1 (%)", "strand-2", "strand-2 (%)", "Total", "Total (%)"]
    rows = {r[0].value: r for r in table[1:]}
    events = rows["Organisation of events/ missions"]
    assert [c.value for c in events[1:7]] == [2, 1, 0, None, 2, 1]
    intelligence = rows["Intelligence gathering"]
    assert [c.value for c in intelligence[1:7]] == [1, 0.5, 0, None, 1, 0.5]
    assert intelligence[2].number_format == "0.0%"
    assert isinstance(intelligence[1].value, int)
    # Numbers of a number question and the response rate are numbers too.
    a4 = {r[0].value: [c.value for c in r[1:]] for r in _table_under(book["A4"], "As shown on the dashboard")[1:]}
    assert a4["Count"][:3] == [2, 0, 2]
    assert a4["Sum"][:3] == [3, 0, 3]
    assert a4["Mean"][:3] == [1.5, "–", 1.5]  # no figure: as on the dashboard
    summary = book["Summary"]
    population = _table_under(summary, "As shown on the dashboard")
    assert [c.value for c in population[0]][:5] == ["Group", "Invited", "Started", "Completed", "Response rate"]
    strand1 = next(r for r in population if r[0].value == "strand-1")
    assert [c.value for c in strand1[1:5]] == [2, 2, 2, 1.0]
    assert strand1[4].number_format == "0.0%"
