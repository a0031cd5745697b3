"""Formula-safe spreadsheet writing: the one helper every workbook and CSV of the product uses.

A text that a respondent typed or a register file brought may begin with `=`, `+`, `-` or `@`
(or a tab or carriage return before one): a spreadsheet would run it as a formula
(`=HYPERLINK("http://evil.example","click")` opens a page; DDE payloads run programs).
LimeSurvey's exports had a CVE for exactly this. So:

- In a workbook, a text is always a text cell, never a formula or a hyperlink, and a
  formula-like text also gets Excel's quote prefix, so that Excel keeps it text when someone
  edits the cell. Numbers stay numbers (a negative number is a number, not a formula).
  `SafeWorkbook` (XlsxWriter) does this for every `write*` call; `openpyxl_cell` for openpyxl;
  the responses export renders its rows itself (`exchange.xlsx.RowRenderer`) by the same rule.
- In a CSV, where a cell has no type, a formula-like text is written with a leading `'`
  (`csv_cell`), which spreadsheets show as text; reading such a file back undoes it
  (`csv_text`), so a register exported and imported again is unchanged.
- The admin's import/export formats are `SafeCSV` and `SafeXLSX` only (`SAFE_FORMATS`).

tests/exchange/test_spreadsheet_safety.py writes every writer's output with hostile texts and
scans it for formulas.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import openpyxl
import tablib
import xlsxwriter
from import_export.formats import base_formats
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

# Characters that make Excel (or a spreadsheet that re-saves as CSV) treat a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_QUOTE = "'"


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: a formula-like text behind a `'`, anything else as it is."""
    return CSV_QUOTE + value if is_formula_like(value) else value


def csv_text(value: Any) -> Any:
    """A CSV cell as read: the `'` that `csv_cell` put before a formula-like text removed."""
    if isinstance(value, str) and value.startswith(CSV_QUOTE) and is_formula_like(value[1:]):
        return value[1:]
    return value


# XlsxWriter ---------------------------------------------------------------------------------

_FORMAT_STATE = {"xf_format_indices", "dxf_format_indices", "xf_index", "dxf_index", "_format_key"}


class SafeWorksheet(Worksheet):
    """A worksheet whose texts are text: formula-like ones with the quote prefix."""

    def _write_string(self, row: int, col: int, string: str, cell_format: Format | None = None) -> int:
        if is_formula_like(string):
            cell_format = self._quoted(cell_format)
        return super()._write_string(row, col, string, cell_format)

    def _quoted(self, cell_format: Format | None) -> Format:
        book: SafeWorkbook = self._safe_book  # type: ignore[attr-defined]
        return book.quoted(cell_format)


class SafeWorkbook(xlsxwriter.Workbook):
    """An XlsxWriter workbook in which `write()` never makes a formula or a hyperlink of a
    text (`strings_to_formulas`, `strings_to_urls` off) and every text beginning like a
    formula gets the quote prefix (same look otherwise: its format is copied)."""

    worksheet_class = SafeWorksheet

    def __init__(self, filename: Any = None, options: dict[str, Any] | None = None) -> None:
        options = {**(options or {}), "strings_to_formulas": False, "strings_to_urls": False}
        super().__init__(filename, options)
        self._quoted_formats: dict[int | None, Format] = {}

    def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Worksheet:
        sheet = super().add_worksheet(name, worksheet_class=worksheet_class)
        sheet._safe_book = self  # type: ignore[attr-defined]
        return sheet

    def quoted(self, cell_format: Format | None) -> Format:
        key = id(cell_format) if cell_format is not None else None
        found = self._quoted_formats.get(key)
        if found is None:
            found = self.add_format()
            if cell_format is not None:
                for name, value in vars(cell_format).items():
                    if name not in _FORMAT_STATE:
                        setattr(found, name, value)
            found.set_quote_prefix(True)
            self._quoted_formats[key] = found
        return found


# openpyxl -----------------------------------------------------------------------------------


def openpyxl_cell(cell: Any, value: Any) -> None:
    """Set an openpyxl cell: a text as a text (openpyxl makes a formula of any text that
    begins with `=`), with the quote prefix when formula-like; other values as they are."""
    if isinstance(value, str):
        # XML would turn a carriage return into a line feed anyway; characters it cannot
        # carry at all (openpyxl refuses them) become U+FFFD.
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value


# django-import-export -----------------------------------------------------------------------


def _escaped(dataset: tablib.Dataset) -> tablib.Dataset:
    out = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        out.append([csv_cell(v) for v in row])
    return out


def _checked(in_stream: Any, *, csv_file: bool) -> Any:
    """An admin upload within the limits of `surveys.uploads` (an `UploadRefused` if not)."""
    from surveys.uploads import csv_check, size_check, zip_check

    data = in_stream if isinstance(in_stream, bytes) else str(in_stream).encode()
    size_check(len(data))
    if csv_file:
        return csv_check(data)
    zip_check(BytesIO(data))
    return data


class SafeCSV(base_formats.CSV):
    """The admin's CSV: formula-like texts written behind a `'`, which the import removes.
    An upload is checked against the limits before it is parsed."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> str:
        return super().export_data(_escaped(dataset), **kwargs)

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        dataset = super().create_dataset(_checked(in_stream, csv_file=True), **kwargs)
        return csv_dataset_text(dataset)


def csv_dataset_text(dataset: tablib.Dataset) -> tablib.Dataset:
    """A CSV's dataset as read, with `csv_text` applied to every cell."""
    out = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        out.append([csv_text(v) for v in row])
    return out


class SafeXLSX(base_formats.XLSX):
    """The admin's xlsx: written with `openpyxl_cell`, so no text becomes a formula (tablib
    sets openpyxl cells directly, and openpyxl makes a formula of every `=` text). An upload
    is checked against the limits (size, zip directory) before it is parsed."""

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        return super().create_dataset(_checked(in_stream, csv_file=False), **kwargs)

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> bytes:
        book = openpyxl.Workbook()
        ws = book.active
        ws.title = (dataset.title or "Sheet")[:31]
        bold = Font(bold=True)
        for col, header in enumerate(dataset.headers or [], start=1):
            cell = ws.cell(row=1, column=col)
            openpyxl_cell(cell, str(header))
            cell.font = bold
        ws.freeze_panes = "A2"
        for r, row in enumerate(dataset, start=2):
            for col, value in enumerate(row, start=1):
                openpyxl_cell(ws.cell(row=r, column=col), value)
        buffer = BytesIO()
        book.save(buffer)
        return buffer.getvalue()


SAFE_FORMATS = [SafeCSV, SafeXLSX]
