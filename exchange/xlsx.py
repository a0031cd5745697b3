"""Streaming .xlsx writing and the small helpers that reading needs.

XlsxWriter makes the workbook: sheets, styles, column widths, frozen header rows, filters
and document properties. The data rows of every sheet, though, are rendered here straight
to SpreadsheetML, compressed as they come into temporary files (`exchange.deflate`) and
spliced into XlsxWriter's sheets when the workbook is closed. XlsxWriter spends about 5 µs per cell (it checks, tracks dimensions and renders
each cell through several calls); a wave of 10,000 Annex A responses has most of a million
cells, so XlsxWriter alone would take longer than the whole export may. Rendering a row
here is one string join, and memory stays flat because rows go to disk as they come.

Cells are written with explicit types. A text is always an inline string cell, never a
formula, whatever it begins with; a text that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return also gets Excel's quote-prefix style, so that Excel keeps showing it as
text even after someone edits the cell (formula injection, for which LimeSurvey's exports
once had a CVE).

Texts are escaped the way Excel writes them: characters XML cannot carry become
`_xHHHH_`, and a literal `_xHHHH_` in an answer becomes `_x005F_xHHHH_`. openpyxl reads such
escapes verbatim, so readers call `cell_text` to undo them.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import xlsxwriter
from django.conf import settings
from xlsxwriter.utility import xl_col_to_name

from exchange.deflate import LEVEL, PIECE, DeflatedPart, write_member
from surveys.spreadsheet import FORMULA_STARTS, SafeWorkbook

EXCEL_EPOCH = dt.date(1899, 12, 30)
# Characters XML 1.0 cannot carry (tab and line feed can); a literal `_xHHHH_` is escaped too.
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_OOXML_LITERAL = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Excel's limit for the text of one cell.
CELL_TEXT_MAX = 32767


def xml_text(value: str) -> str:
    """A text as the content of a SpreadsheetML `<t>` element (Excel's escapes)."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    value = _OOXML_LITERAL.sub(r"_x005F_\1", value)
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell_text(value: str) -> str:
    """Undo Excel's `_xHHHH_` escapes in a text read by openpyxl (which keeps them)."""
    if "_x" not in value:
        return value
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


@dataclass(frozen=True)
class Styles:
    """Cell style indices (XlsxWriter's XF indices) used in streamed rows."""

    date: int
    datetime: int
    text_quoted: int


class RowRenderer:
    """The data rows of one sheet as SpreadsheetML text, one row at a time."""

    def __init__(self, name: str, columns: int, *, header_rows: int, styles: Styles, zone: ZoneInfo) -> None:
        self.name = name
        self.header_rows = header_rows
        self.styles = styles
        self.zone = zone
        self._letters = [xl_col_to_name(i) for i in range(columns)]

    def render(self, row: int, cells: dict[int, Any]) -> str:
        """Data row `row` (1 for the first under the headers): column index -> value, in any
        order; None and "" are skipped.

        The common cells (a plain text, a whole number) take one type check, a few string
        tests and one format; the rest go through `_cell`.
        """
        number = str(row + self.header_rows)
        letters = self._letters
        parts = [f'<row r="{number}">']
        append = parts.append
        # Sorting the keys alone is faster than sorting the items (ints compare directly,
        # no pair per cell), even with a lookup per cell after.
        for col in sorted(cells):
            value = cells[col]
            kind = type(value)
            if kind is str:
                # A plain text needs nothing but `<t>`: printable (so no control character
                # and no whitespace but " "), no formula-like or space start, no space end,
                # nothing to escape. Cheaper to test so than by one regex.
                if (
                    value
                    and value.isprintable()
                    and value[0] not in "=+-@ "
                    and value[-1] != " "
                    and "&" not in value
                    and "<" not in value
                    and ">" not in value
                    and "_x" not in value
                    and len(value) <= CELL_TEXT_MAX
                ):
                    append(f'<c r="{letters[col]}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
                elif value:
                    append(self._text(f"{letters[col]}{number}", value))
            elif kind is int:
                append(f'<c r="{letters[col]}{number}"><v>{value}</v></c>')
            elif kind is Decimal:
                append(f'<c r="{letters[col]}{number}"><v>{format(value.normalize(), "f")}</v></c>')
            elif value is not None:
                append(self._cell(f"{letters[col]}{number}", value))
        append("</row>")
        return "".join(parts)

    def _text(self, ref: str, value: str) -> str:
        if len(value) > CELL_TEXT_MAX:
            raise ValueError(f"{self.name}!{ref}: a text of {len(value)} characters does not fit in a cell")
        style = f' s="{self.styles.text_quoted}"' if value.startswith(FORMULA_STARTS) else ""
        space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{xml_text(value)}</t></is></c>'

    def _cell(self, ref: str, value: Any) -> str:
        if isinstance(value, str):
            return self._text(ref, value) if value else ""
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int):
            return f'<c r="{ref}"><v>{value}</v></c>'
        if isinstance(value, Decimal):
            return f'<c r="{ref}"><v>{format(value.normalize(), "f")}</v></c>'
        if isinstance(value, float):
            return f'<c r="{ref}"><v>{value!r}</v></c>'
        if isinstance(value, dt.datetime):
            local = value.astimezone(self.zone) if value.tzinfo else value
            serial = (local.date() - EXCEL_EPOCH).days + (local.hour * 3600 + local.minute * 60 + local.second) / 86400
            return f'<c r="{ref}" s="{self.styles.datetime}"><v>{serial!r}</v></c>'
        if isinstance(value, dt.date):
            return f'<c r="{ref}" s="{self.styles.date}"><v>{(value - EXCEL_EPOCH).days}</v></c>'
        raise TypeError(f"{self.name}!{ref}: cannot write a {type(value).__name__}")


@dataclass
class SheetRows:
    """The data rows of one sheet, rendered and compressed to a temporary file as they come."""

    name: str
    headers: list[str]
    header_texts: list[str] | None
    widths: Sequence[float]
    freeze_columns: int
    path: Path
    styles: Styles
    zone: ZoneInfo
    rows: int = 0
    part: DeflatedPart = field(init=False, repr=False)
    renderer: RowRenderer = field(init=False, repr=False)
    _pending: list[str] = field(default_factory=list, repr=False)
    _pending_size: int = 0

    def __post_init__(self) -> None:
        self.part = DeflatedPart(self.path)
        self.renderer = RowRenderer(
            self.name, len(self.headers), header_rows=self.header_rows, styles=self.styles, zone=self.zone
        )

    @property
    def header_rows(self) -> int:
        return 2 if self.header_texts is not None else 1

    def write(self, cells: dict[int, Any]) -> None:
        """Write one row: column index -> value, in any order; None and "" are skipped."""
        self.rows += 1
        row = self.renderer.render(self.rows, cells)
        self._pending.append(row)
        self._pending_size += len(row)
        if self._pending_size >= PIECE:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self.part.write("".join(self._pending).encode())
            self._pending.clear()
            self._pending_size = 0

    def close(self) -> None:
        self._flush()
        self.part.close()


def workbook_formats(book: xlsxwriter.Workbook) -> tuple[Styles, dict[str, Any]]:
    """The formats of the export's workbooks, added to `book`: the styles that streamed rows
    refer to by index, and the header formats by name.

    Streamed rows refer to styles by index, so the indices are fixed now, before any row is
    written (XlsxWriter numbers formats in the order they are first used).
    """
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    quoted = book.add_format({"quote_prefix": True})
    headers = {
        # Wrapped: a header longer than its column (45 characters at most) shows whole.
        "header": book.add_format(
            {"bold": True, "bg_color": "#DDE7F0", "bottom": 1, "text_wrap": True, "valign": "top"}
        ),
        "header_text": book.add_format(
            {"italic": True, "text_wrap": True, "valign": "top", "bg_color": "#F2F5F8", "bottom": 1}
        ),
    }
    styles = Styles(date=date._get_xf_index(), datetime=datetime._get_xf_index(), text_quoted=quoted._get_xf_index())
    return styles, headers


class StreamingWorkbook:
    """A workbook whose sheets are filled row by row and assembled on `save`.

    Sheets appear in the order they are added. Datetimes are written in the Observatory's
    time zone (Excel has none), to the second.
    """

    def __init__(self, *, properties: dict[str, str] | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="escp-export-")
        self._frame_path = Path(self._dir.name) / "frame.xlsx"
        self._book = SafeWorkbook(str(self._frame_path))
        for name, value in (properties or {}).items():
            self._book.set_custom_property(name, value)
        self.styles, formats = workbook_formats(self._book)
        self._header, self._header_text = formats["header"], formats["header_text"]
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.sheets: list[SheetRows] = []

    def add_sheet(
        self,
        name: str,
        headers: list[str],
        *,
        widths: Sequence[float],
        header_texts: list[str] | None = None,
        freeze_columns: int = 1,
    ) -> SheetRows:
        sheet = SheetRows(
            name=name,
            headers=headers,
            header_texts=header_texts,
            widths=widths,
            freeze_columns=freeze_columns,
            path=Path(self._dir.name) / f"sheet{len(self.sheets) + 1}.xml",
            styles=self.styles,
            zone=self.zone,
        )
        self.sheets.append(sheet)
        return sheet

    def save(self, target: str | Path | BinaryIO) -> None:
        """Write the finished workbook to a path or a binary file object."""
        for sheet in self.sheets:
            sheet.close()
            ws = self._book.add_worksheet(sheet.name)
            for col, header in enumerate(sheet.headers):
                ws.write_string(0, col, header, self._header)
            if sheet.header_texts is not None:
                ws.set_row(1, 45)
                for col, text in enumerate(sheet.header_texts):
                    ws.write_string(1, col, text[:CELL_TEXT_MAX], self._header_text)
            for col, width in enumerate(sheet.widths):
                ws.set_column(col, col, width)
            last = max(len(sheet.headers) - 1, 0)
            ws.freeze_panes(sheet.header_rows, sheet.freeze_columns)
            ws.autofilter(sheet.header_rows - 1, 0, sheet.header_rows - 1 + sheet.rows, last)
        self._book.close()
        with (
            zipfile.ZipFile(self._frame_path) as frame,
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as out,
        ):
            for info in frame.infolist():
                match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
                if match is None:
                    out.writestr(info.filename, frame.read(info.filename))
                    continue
                self._splice(out, info.filename, frame.read(info.filename).decode(), self.sheets[int(match[1]) - 1])
        self._dir.cleanup()

    def _splice(self, out: zipfile.ZipFile, name: str, xml: str, sheet: SheetRows) -> None:
        last_row = sheet.header_rows + sheet.rows
        last_col = xl_col_to_name(max(len(sheet.headers) - 1, 0))
        xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last_col}{last_row}"/>', xml, count=1)
        head, tail = xml.split("</sheetData>", 1)
        write_member(out, name, head.encode(), sheet.part, ("</sheetData>" + tail).encode())

    def discard(self) -> None:
        for sheet in self.sheets:
            sheet.close()
        self._dir.cleanup()
