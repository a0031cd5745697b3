"""The Excel report: a summary sheet, a sheet per question with its figures as numbers and
native Excel charts (editable in Excel, ready to paste into a report), the collaborations
and, for a wave that follows another, the per-partnership figures side by side."""

from __future__ import annotations

import io
import re
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from surveys.definition.structure import Structure
from surveys.spreadsheet import SafeWorkbook

from .charts import PALETTE, FigureSpec
from .choices import Choices, apply_to_views
from .figures import Shown, collaboration_figure, population_figure, report_views
from .filters import scope_counted
from .tables import printed_tables

CHART_ROWS = 20  # rows of cells a chart covers at least
ROW_PIXELS = 20  # the default row height (15 points): how many rows a chart of some height covers


def _sheet_name(name: str, used: set[str]) -> str:
    clean = re.sub(r"[\[\]:*?/\\]", "-", name)[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


class _Writer:
    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.bold = book.add_format({"bold": True})
        self.title = book.add_format({"bold": True, "font_size": 13, "text_wrap": False})
        self.header = book.add_format({"bold": True, "bg_color": "#dfe3e8", "border": 1, "text_wrap": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        # The report's percentages have one decimal: shown as given, never rounded again.
        self.percent = book.add_format({"num_format": "0.0%"})
        self.used: set[str] = set()
        self.chart_end = 0  # the first row under the last chart inserted

    def sheet(self, name: str) -> Worksheet:
        sheet = self.book.add_worksheet(_sheet_name(name, self.used))
        sheet.set_column(0, 0, 48)
        sheet.set_column(1, 12, 14)
        # Printed on whole pages: A4 landscape, as wide as one page, the title row on each page.
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        return sheet

    def _insert_chart(self, sheet: Worksheet, row: int, col: int, chart: Any, height: int) -> None:
        sheet.insert_chart(row, col, chart)
        self.chart_end = row + max(CHART_ROWS, -(-height // ROW_PIXELS))

    def table(self, sheet: Worksheet, row: int, headers: list[str], rows: list[list[Any]]) -> int:
        """A table of numbers as numbers: a column of counts with their percentages ("12 (63%)"
        on the dashboard) becomes a column of counts and one of percentages (a number with a
        % format), a percentage alone is a percentage, a number a number."""
        width = max([len(headers), *map(len, rows)])
        split = [any(j < len(r) and _count_and_percent(r[j]) for r in rows) for j in range(width)]
        shown_headers: list[str] = []
        for j, header in enumerate([*headers, *[""] * (width - len(headers))]):
            shown_headers += [header, f"{header} (%)" if header else "%"] if split[j] else [header]
        sheet.write_row(row, 0, shown_headers, self.header)
        for i, values in enumerate(rows, start=1):
            col = 0
            for j, value in enumerate(values):
                if split[j]:
                    number, percent = (value.number, value.percent) if isinstance(value, Shown) else (None, None)
                    if number is not None:
                        sheet.write(row + i, col, number)
                    elif not isinstance(value, Shown):
                        sheet.write(row + i, col, _cell(value))
                    if percent is not None:
                        sheet.write_number(row + i, col + 1, float(percent) / 100, self.percent)
                    col += 2
                    continue
                if isinstance(value, Shown) and value.number is not None:
                    sheet.write(row + i, col, value.number)
                elif isinstance(value, Shown) and value.percent is not None:
                    sheet.write_number(row + i, col, float(value.percent) / 100, self.percent)
                else:
                    sheet.write(row + i, col, _cell(value))
                col += 1
        return row + len(rows) + 2

    def figure(self, sheet: Worksheet, row: int, spec: FigureSpec) -> int:
        """The figure's numbers, a native chart of them, and the table as the dashboard shows it."""
        sheet.write(row, 0, spec.title, self.title)
        row += 1
        chart_at = row
        if spec.kind == "bars":
            row = self._bars(sheet, row, spec)
        elif spec.kind == "stacked":
            row = self._stacked(sheet, row, spec)
        elif spec.kind == "map":
            return self.table(sheet, row, spec.table_headers, spec.table_rows)
        else:
            return self.table(sheet, row, spec.table_headers, spec.table_rows)
        # Under the chart, whatever its height: a tall chart never covers the table below.
        row = max(row, self.chart_end if self.chart_end > chart_at else chart_at) + 1
        sheet.write(row, 0, "As shown on the dashboard", self.bold)
        return self.table(sheet, row + 1, spec.table_headers, spec.table_rows)

    def _bars(self, sheet: Worksheet, row: int, spec: FigureSpec) -> int:
        labels = spec.data["labels"]
        series = spec.data["series"]
        unit = spec.data.get("unit", "")
        sheet.write_row(row, 0, ["", *[f"{s['name']}{' (%)' if unit == '%' else ''}" for s in series]], self.header)
        for i, label in enumerate(labels, start=1):
            sheet.write(row + i, 0, label, self.wrap)
            for j, s in enumerate(series, start=1):
                sheet.write(row + i, j, _cell(s["values"][i - 1]))
        if labels:
            chart = self.book.add_chart({"type": "bar"})
            for j, s in enumerate(series, start=1):
                chart.add_series(
                    {
                        "name": [sheet.name, row, j],
                        "categories": [sheet.name, row + 1, 0, row + len(labels), 0],
                        "values": [sheet.name, row + 1, j, row + len(labels), j],
                        "fill": {"color": s.get("colour") or PALETTE[(j - 1) % len(PALETTE)]},
                        "data_labels": {"value": True, "num_format": "0"},
                    }
                )
            chart.set_title({"name": spec.title[:250], "name_font": {"size": 11}})
            chart.set_y_axis({"reverse": True})
            chart.set_x_axis({"name": spec.data.get("xlabel", ""), "min": 0, **({"max": 100} if unit == "%" else {})})
            chart.set_legend({"position": "bottom" if len(series) > 1 else "none"})
            height = max(300, 60 + 22 * len(labels) * max(len(series), 1))
            chart.set_size({"width": 760, "height": height})
            self._insert_chart(sheet, row, len(series) + 2, chart, height)
        return row + len(labels) + 2

    def _stacked(self, sheet: Worksheet, row: int, spec: FigureSpec) -> int:
        labels, levels, counts = spec.data["labels"], spec.data["levels"], spec.data["counts"]
        sheet.write_row(row, 0, ["", *levels], self.header)
        for i, (label, values) in enumerate(zip(labels, counts, strict=True), start=1):
            sheet.write(row + i, 0, label, self.wrap)
            sheet.write_row(row + i, 1, values)
        chart = self.book.add_chart({"type": "bar", "subtype": "percent_stacked"})
        for j, level in enumerate(levels, start=1):
            chart.add_series(
                {
                    "name": level,
                    "categories": [sheet.name, row + 1, 0, row + len(labels), 0],
                    "values": [sheet.name, row + 1, j, row + len(labels), j],
                }
            )
        chart.set_title({"name": spec.title[:250], "name_font": {"size": 11}})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"position": "bottom"})
        height = max(280, 90 + 40 * len(labels))
        chart.set_size({"width": 760, "height": height})
        self._insert_chart(sheet, row, len(levels) + 2, chart, height)
        return row + len(labels) + 2


def _count_and_percent(value: Any) -> bool:
    return isinstance(value, Shown) and value.paired


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return str(value)
    return value


def _tables_sheet(w: _Writer, report: dict[str, Any]) -> None:
    """The printed report's tables (rates, Table 1, indicators, Table 2), as on the dashboard:
    every cell through `_Writer.table`, numbers as numbers."""
    sheet = w.sheet("Tables")
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, 6, 18)
    sheet.set_column(4, 4, 60)
    row = 0
    for table in printed_tables(
        report["tables"], groups=report["groups"], previous_wave=report["previous_wave"], wave=report["wave"]
    ):
        sheet.write(row, 0, table.title, w.title)
        row = w.table(sheet, row + 1, table.headers, table.rows)
        if table.note:
            sheet.write(row - 1, 0, table.note)
            row += 1


def report_workbook(
    report: dict[str, Any],
    *,
    structure: Structure,
    choices: dict[str, Choices] | None = None,
    unit: str | None = None,
) -> bytes:
    """The workbook as bytes, from the JSON-ready report (see `report.as_json`), with the
    figures as the staff chose to print them (`reports.choices`)."""
    buffer = io.BytesIO()
    # Formula-safe: texts are texts, formula-like ones quoted (surveys.spreadsheet).
    book = SafeWorkbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    w = _Writer(book)

    summary = w.sheet("Summary")
    scope = report.get("scope")  # a filtered report (reports.filters)
    summary.write(0, 0, f"{report['title']}: {scope['description']}" if scope else report["title"], w.title)
    facts = [
        ["Wave", report["wave"]],
        ["Questionnaire", f"{report['questionnaire']} v{report['version']}"],
        ["Previous wave", report["previous_wave"] or "–"],
        ["Groups", ", ".join(report["groups"])],
        ["Counted", "completed (submitted) responses only; drafts never count"],
    ]
    if scope:
        facts[3] = ["Columns", ", ".join(f"{c['key']}: {c['label']}" for c in scope["columns"])]
        facts[4] = ["Counted", scope_counted(scope)]
        facts.append(["Scope", scope["description"]])
    row = w.table(summary, 2, ["", ""], facts)
    row = w.figure(summary, row, population_figure(report))

    for title, views in apply_to_views(report_views(report, structure), choices or {}, unit=unit):
        for view in views:
            sheet = w.sheet(view.code)
            sheet.write(0, 0, f"{view.code}. {view.text}", w.title)
            sheet.write(1, 0, f"Section: {title}")
            keys = [*report["groups"], "total"]
            sheet.write_row(2, 0, ["Respondents", *keys], w.bold)
            sheet.write_row(3, 0, ["", *[view.respondents.get(k, 0) for k in keys]])
            row = 5
            for note in view.notes:
                sheet.write(row, 0, note)
                row += 1
            shown_rows = None
            for spec in view.figures:
                if spec.kind == "map" and spec.table_rows == shown_rows:
                    # One country table per question: the bars' table above lists every country.
                    sheet.write(row + 1, 0, f"{spec.title}: world map on the dashboard (PNG/SVG); countries above.")
                    row += 3
                    continue
                row = w.figure(sheet, row + 1, spec)
                shown_rows = spec.table_rows

    if report["collaborations"]["pairs"]:
        sheet = w.sheet("Collaborations")
        spec = collaboration_figure(report)
        sheet.write(0, 0, spec.title, w.title)
        sheet.set_column(3, 3, 80)
        rows = [
            [
                *pair["partnerships"],
                "reciprocal" if pair["reciprocal"] else f"reported by {pair['reported_by'][0]} only",
                "; ".join(f"{who}: {' / '.join(p)}" for who, p in pair["purposes"].items() if p),
            ]
            for pair in report["collaborations"]["pairs"]
        ]
        w.table(sheet, 2, spec.table_headers, rows)

    if "tables" in report:
        _tables_sheet(w, report)

    comparison = report.get("comparison")
    if comparison:
        sheet = w.sheet("By partnership")
        sheet.write(0, 0, f"Per partnership: {comparison['previous_wave']} (previous) and {report['wave']}", w.title)
        row = 2
        for key, values in comparison["by_partnership"].items():
            if not values:
                continue
            sheet.write(row, 0, key, w.bold)
            row = w.table(
                sheet,
                row + 1,
                ["Partnership", "Previous wave", "This wave"],
                [[name, v["previous"], v["current"]] for name, v in values.items()],
            )
    book.close()
    return buffer.getvalue()
