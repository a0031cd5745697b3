"""The Excel report prints cleanly: charts beside the tables and never over them, sheets on
whole pages, no empty chart for a number box nobody used."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from surveys.models import Wave
from surveys.services.waves import wave_open
from surveys.values import Ticked
from tests.factories import days
from tests.reports.conftest import answers_4i, give


@pytest.fixture
def workbook(staff_client: Client, wave_4i: Wave) -> bytes:
    # With a previous wave the option tables get a fifth column, where the chart stands.
    previous = wave_open(version=wave_4i.version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-380))
    Wave.objects.filter(pk=wave_4i.pk).update(previous=previous)
    give(previous, "GCA", {"A1": {"events_missions": Ticked()}, "A4": Decimal(2)})
    answers_4i(wave_4i)
    return staff_client.get(reverse("reports:excel", args=[wave_4i.slug])).content


def _anchors(content: bytes) -> dict[str, list[tuple[int, int, int, int]]]:
    """The chart anchors of each sheet: (from column, from row, to column, to row), 0-based."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    book = openpyxl.load_workbook(io.BytesIO(content))
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    for i, sheet in enumerate(book.worksheets, start=1):
        rels = f"xl/worksheets/_rels/sheet{i}.xml.rels"
        if rels not in archive.namelist():
            continue
        target = re.search(r'Target="\.\./drawings/(drawing\d+\.xml)"', archive.read(rels).decode())
        if target is None:
            continue
        xml = archive.read(f"xl/drawings/{target.group(1)}").decode()
        out[sheet.title] = [
            (int(a), int(b), int(c), int(d))
            for a, b, c, d in re.findall(
                r"<xdr:from><xdr:col>(\d+)</xdr:col><xdr:colOff>-?\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>.*?"
                r"<xdr:to><xdr:col>(\d+)</xdr:col><xdr:colOff>-?\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>",
                xml,
                flags=re.S,
            )
        ]
    return out


def test_no_chart_covers_a_filled_cell(workbook: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    anchors = _anchors(workbook)
    # A1 has 14 options in two groups: its chart is taller than the 20 rows once reserved.
    assert anchors["A1"] and anchors["A1"][0][3] - anchors["A1"][0][1] > 20
    for name, boxes in anchors.items():
        sheet = book[name]
        for c0, r0, c1, r1 in boxes:
            covered = [
                cell.coordinate
                for row in sheet.iter_rows(min_row=r0 + 1, max_row=r1 + 1, min_col=c0 + 1, max_col=c1 + 1)
                for cell in row
                if cell.value not in (None, "")
            ]
            assert covered == [], f"a chart of sheet {name} covers {covered}"


def test_every_sheet_prints_landscape_one_page_wide_with_its_title_repeated(workbook: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.paperSize == 9, sheet.title  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        # fitToWidth is left out when it is 1, the format's default.
        assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title


def test_it_draws_no_chart_for_a_number_box_nobody_used(workbook: bytes, staff_client: Client, wave_4i: Wave) -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    # GCA gave 4 agreements beside A8's option; nobody ticked that option in A9.
    a8 = [c.value for c in book["A8"]["A"] if c.value]
    a9 = [c.value for c in book["A9"]["A"] if c.value]
    assert any(str(v).endswith(": Number of agreements") for v in a8)
    assert not any(str(v).endswith(": Number of agreements") for v in a9)
    page = staff_client.get(reverse("reports:dashboard", args=[wave_4i.slug])).content.decode()
    assert 'id="figure-a8partnership_agreements"' in page
    assert 'id="figure-a9partnership_agreements"' not in page


def test_it_writes_one_country_table_per_question(workbook: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    # A2: GCA named CN, US, IN; ELBE CN. The bars' table lists every country; the map adds none.
    column = [c.value for c in book["A2"]["A"]]
    assert column.count("India (IN)") == 1
    assert any(str(v).endswith("world map on the dashboard (PNG/SVG); countries above.") for v in column)


def test_the_word_draft_has_one_country_table_per_question(staff_client: Client, wave_4i: Wave) -> None:
    import docx

    answers_4i(wave_4i)
    content = staff_client.get(reverse("reports:docx", args=[wave_4i.slug])).content
    doc = docx.Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    # India is named in A2 only (A5's rows name China and the United States).
    assert cells.count("India (IN)") == 1


def test_the_network_legend_names_registered_partnerships_of_other_groups_as_registered() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from reports.charts import FigureSpec, draw

    pair = {"reported_by": ["GCA"], "reciprocal": False, "purposes": {}}
    spec = FigureSpec(
        id="collaborations",
        title="Collaborations",
        kind="network",
        data={
            "nodes": {"GCA": "strand-1", "S3-AGRI": "s3", "Foo Cluster": ""},
            "pairs": [
                {**pair, "partnerships": ["GCA", "S3-AGRI"], "registered": [True, True]},
                {**pair, "partnerships": ["Foo Cluster", "GCA"], "registered": [False, True]},
            ],
            "groups": ["strand-1", "strand-2"],
        },
    )
    fig = draw(spec)
    FigureCanvasAgg(fig).draw()
    legend = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert "registered: s3" in legend
    assert "not in the register" in legend
    assert "not registered" not in legend
