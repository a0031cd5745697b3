"""Every workbook and CSV the product writes, with hostile texts, scanned for formulas.

Writers: the responses export (codes and texts), the Excel report, the admin's register
export (CSV and xlsx, through the admin's own pages) and every format any import/export admin
offers. A formula cell (openpyxl's `data_type == "f"`) or a CSV cell beginning with `=`, `+`,
`-`, `@`, a tab or a carriage return (not a number, and not behind `'`) fails the test.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest
import tablib
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from import_export.mixins import BaseImportExportMixin

from exchange.export import wave_export
from reports.tallies import tallies_add
from surveys.models import Contact, Partnership, Response, Wave
from surveys.resources import RegisterResource
from surveys.services.register import register_import
from surveys.spreadsheet import (
    FORMULA_STARTS,
    SAFE_FORMATS,
    SafeCSV,
    SafeWorkbook,
    SafeXLSX,
    csv_cell,
    csv_text,
)
from surveys.values import Choice, PartnershipValue, Ticked
from tests.exchange.conftest import answer

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-1+2", "@SUM(A1)", "\t=1+1", "\r=1+1"]
NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def formulas_in_workbook(data: bytes) -> list[str]:
    """Cells of the workbook that a spreadsheet would run: formulas, and formula-like texts
    without the quote prefix."""
    book = openpyxl.load_workbook(BytesIO(data))
    found = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    found.append(f"{ws.title}!{cell.coordinate}: formula {cell.value!r}")
                elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS) and not cell.quotePrefix:
                    found.append(f"{ws.title}!{cell.coordinate}: unquoted {cell.value!r}")
    return found


def hostile_texts_in_workbook(data: bytes) -> set[str]:
    book = openpyxl.load_workbook(BytesIO(data))
    return {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)} & set(
        HOSTILE + [t.replace("\r", "_x000D_") for t in HOSTILE]
    )


def formulas_in_csv(text: str) -> list[str]:
    found = []
    for r, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
        for c, cell in enumerate(row):
            if cell.startswith(FORMULA_STARTS) and not NUMBER.match(cell):
                found.append(f"row {r + 1}, column {c + 1}: {cell!r}")
    return found


@pytest.fixture
def hostile_wave(wave_4i: Wave, register_4i: dict[str, Contact]) -> Wave:
    """Annex A answered with formula-like texts, by partnerships and contacts named so."""
    Partnership.objects.filter(acronym="ELBE").update(name=HOSTILE[0])
    Contact.objects.filter(email="ada@gca.example.org").update(name=HOSTILE[3])
    answer(
        wave_4i,
        "GCA",
        {
            "R1": HOSTILE[0],
            "R2": HOSTILE[1],
            "A1": {"events_missions": Ticked(comment=HOSTILE[2])},
            "A6": Choice(option="yes"),
            "A7": [{"partnership": PartnershipValue(acronym="ELBE"), "purpose": text} for text in HOSTILE]
            + [{"partnership": PartnershipValue(text=HOSTILE[4])}],
        },
        status=Response.Status.SUBMITTED,
        submitted_at=dt.datetime(2019, 5, 20, 10, 0, tzinfo=dt.UTC),
    )
    answer(
        wave_4i,
        "ELBE",
        {"A6": Choice(option="yes"), "A7": [{"partnership": PartnershipValue(acronym="GCA"), "purpose": HOSTILE[5]}]},
        status=Response.Status.SUBMITTED,
        submitted_at=dt.datetime(2019, 5, 21, 10, 0, tzinfo=dt.UTC),
    )
    for response in Response.objects.filter(wave=wave_4i):
        tallies_add(response_id=response.pk)
    return wave_4i


@pytest.mark.parametrize("labels", [False, True])
def test_the_responses_export_writes_no_formula(hostile_wave: Wave, labels: bool) -> None:
    target = BytesIO()
    wave_export(wave=hostile_wave, target=target, labels=labels)
    data = target.getvalue()
    assert formulas_in_workbook(data) == []
    assert len(hostile_texts_in_workbook(data)) == len(HOSTILE)  # they are there, as text


def test_the_excel_report_writes_no_formula(hostile_wave: Wave, staff_client: Client) -> None:
    response = staff_client.get(reverse("reports:excel", args=[hostile_wave.slug]))
    assert response.status_code == 200
    data = response.content
    assert formulas_in_workbook(data) == []
    # The purposes typed by respondents are in it, as texts: one alone (ELBE's, trimmed to
    # "=1+1"), all joined in the collaborations table.
    book = openpyxl.load_workbook(BytesIO(data))
    texts = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "=1+1" in texts
    assert any(HOSTILE[0] in t and HOSTILE[3] in t for t in texts)


def test_the_reports_numbers_stay_numbers() -> None:
    buffer = BytesIO()
    book = SafeWorkbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("S")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, [-1, Decimal("-2.5"), 3, "-1", "=1+1", "http://x.example"])
    sheet.write(1, 0, "=SUM(A1)", bold)
    book.close()
    ws = openpyxl.load_workbook(BytesIO(buffer.getvalue()))["S"]
    assert [(c.value, c.data_type) for c in ws[1]] == [
        (-1, "n"),
        (-2.5, "n"),
        (3, "n"),
        ("-1", "s"),
        ("=1+1", "s"),
        ("http://x.example", "s"),
    ]
    assert [c.quotePrefix for c in ws[1]] == [False, False, False, True, True, False]
    # The quoted copy keeps the cell's own format.
    assert (ws["A2"].value, ws["A2"].data_type, ws["A2"].quotePrefix, ws["A2"].font.b) == ("=SUM(A1)", "s", True, True)
    assert not ws._hyperlinks


def admin_export(client: Client, file_format: type) -> Any:
    """The register as the admin's export page gives it, in one of its formats."""
    url = reverse("admin:surveys_partnership_export")
    page = client.get(url)
    assert page.status_code == 200
    choices = page.context["form"].fields["format"].choices
    index = next(value for value, label in choices if label == file_format().get_title())
    data = {"format": index, "resource": 0}
    for name in page.context["form"].fields:
        if name.startswith("registerresource_"):
            data[name] = "on"
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    return response.content


def test_the_admins_register_export_writes_no_formula_in_csv_or_xlsx(
    hostile_wave: Wave, staff_client: Client, tmp_path: Any
) -> None:
    Partnership.objects.filter(acronym="GCA").update(name=HOSTILE[2])
    text = admin_export(staff_client, SafeCSV).decode("utf-8-sig")
    assert formulas_in_csv(text) == []
    cells = {cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row}
    assert {f"'{HOSTILE[0]}", f"'{HOSTILE[2]}", f"'{HOSTILE[3]}"} <= cells
    data = admin_export(staff_client, SafeXLSX)
    assert formulas_in_workbook(data) == []
    assert {HOSTILE[0], HOSTILE[2], HOSTILE[3]} <= hostile_texts_in_workbook(data)
    # Imported again, the exported CSV gives back the same names (the ' is removed).
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    register_import(path=path)
    assert Partnership.objects.get(acronym="ELBE").name == HOSTILE[0]
    assert Contact.objects.get(email="ada@gca.example.org").name == HOSTILE[3]


def test_every_import_export_admin_offers_only_the_safe_formats() -> None:
    admins = [a for a in admin.site._registry.values() if isinstance(a, BaseImportExportMixin)]
    assert admins
    for model_admin in admins:
        assert list(model_admin.get_export_formats()) == SAFE_FORMATS, type(model_admin).__name__
        assert list(model_admin.get_import_formats()) == SAFE_FORMATS, type(model_admin).__name__


@pytest.mark.parametrize("file_format", SAFE_FORMATS)
def test_the_safe_formats_write_hostile_texts_as_text_and_numbers_as_numbers(file_format: type) -> None:
    dataset = tablib.Dataset(headers=["text", "number"])
    for text in HOSTILE:
        dataset.append([text, -3])
    data = file_format().export_data(dataset)
    if file_format is SafeCSV:
        assert formulas_in_csv(data) == []
        rows = list(csv.reader(io.StringIO(data, newline="")))
        assert [r[1] for r in rows[1:]] == ["-3"] * len(HOSTILE)
        assert [csv_text(r[0]) for r in rows[1:]] == HOSTILE
    else:
        assert formulas_in_workbook(data) == []
        ws = openpyxl.load_workbook(BytesIO(data)).active
        assert [(c.value, c.data_type) for c in ws["B"][1:]] == [(-3, "n")] * len(HOSTILE)
        # XML keeps no carriage return: openpyxl_cell writes it as a line feed.
        assert [c.value for c in ws["A"][1:]] == [t.replace("\r", "\n") for t in HOSTILE]


def test_csv_cells_quote_formula_like_texts_only() -> None:
    assert [csv_cell(v) for v in [*HOSTILE, -1, "plain", "1-2", ""]] == [
        *[f"'{t}" for t in HOSTILE],
        -1,
        "plain",
        "1-2",
        "",
    ]
    assert [csv_text(csv_cell(t)) for t in HOSTILE] == HOSTILE
    assert csv_text("'quoted on purpose") == "'quoted on purpose"


def test_the_register_resource_export_through_the_safe_csv(register_4i: dict[str, Contact]) -> None:
    Partnership.objects.filter(acronym="GCA").update(name="@SUM(A1)")
    text = SafeCSV().export_data(RegisterResource().export(Contact.objects.select_related("partnership")))
    assert formulas_in_csv(text) == []
