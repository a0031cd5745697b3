"""The report draft as a Word document and as a printable page."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from reports.demo import demo_responses_fill
from surveys.models import Questionnaire, Wave
from surveys.services.demo import demo_load
from surveys.services.waves import wave_open
from surveys.values import Choice, PartnershipValue, Ticked
from tests.factories import days
from tests.reports.conftest import answers_4i, give


@pytest.fixture
def two_waves(wave_4i: Wave) -> Wave:
    previous = wave_open(version=wave_4i.version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-380))
    Wave.objects.filter(pk=wave_4i.pk).update(previous=previous)
    give(previous, "GCA", {"A4": Decimal(2), "A6": Choice("yes"), "A7": [{"partnership": PartnershipValue("EC2i")}]})
    give(previous, "EC2i", {"A4": Decimal(1)})
    answers_4i(wave_4i)
    wave_4i.refresh_from_db()
    return wave_4i


def _open(content: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(content))


def _cells(table: docx.table.Table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_it_writes_the_word_draft_with_headings_figures_and_table1(staff_client: Client, two_waves: Wave) -> None:
    response = staff_client.get(reverse("reports:docx", args=[two_waves.slug]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="escp-4i-2019-report.docx"'
    doc = _open(response.content)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == "ESCP-4i Progress Survey (escp-4i-2019)"
    assert "Response rates" in headings
    assert "A4. Please indicate the number of cooperation agreements or MoU signed by your ESCP-4i so far." in headings
    assert "Table 1. Cooperation agreements or MoU signed per partnership" in headings
    assert "Table 2. Collaborations between partnerships" in headings
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    # Every figure is an image with its caption, numbered in order.
    assert len(doc.inline_shapes) == len(captions) > 5
    assert captions[0].startswith("Figure 1. ")
    assert [c.split(".")[0] for c in captions] == [f"Figure {i}" for i in range(1, len(captions) + 1)]
    table1 = next(
        t
        for t in doc.tables
        if _cells(t)[0] == ["Partnership", "Group", "escp-4i-2018", "escp-4i-2019", "New since", "Ended"]
    )
    rows = _cells(table1)
    # GCA's 3 rows of A5 were not carried from last year: all new (which does not add up with 2).
    assert rows[1:4] == [
        ["ELBE", "strand-1", "–", "0", "–", "–"],
        ["GCA", "strand-1", "2", "3", "3", "0"],
        ["EC2i", "strand-2", "1", "–", "–", "–"],
    ]
    assert ["Total", "3 partnerships", "3", "3", "3", "0"] in rows
    table2 = next(t for t in doc.tables if _cells(t)[0][:3] == ["Partnership", "Group", "Partner"])
    assert ["GCA", "strand-1", "EC2i", "yes", "", "no", "ended"] in _cells(table2)


def test_it_puts_each_comment_in_an_editable_quote_box(staff_client: Client, two_waves: Wave) -> None:
    give(
        two_waves,
        "GCA",
        {"A1": {"events_missions": Ticked(comment="<b>Fair</b> in Toronto\x0b{ PAGE }")}, "R1": "Ada Coordinator"},
    )
    doc = _open(staff_client.get(reverse("reports:docx", args=[two_waves.slug])).content)
    boxes = [t for t in doc.tables if len(t.rows) == 1 and len(t.columns) == 1]
    texts = [t.rows[0].cells[0].text for t in boxes]
    # Text stays text: the markup as typed, the control character dropped, no field code.
    assert "“<b>Fair</b> in Toronto{ PAGE }”\n— GCA · strand-1 · Organisation of events/ missions" in texts
    assert b"w:fldSimple" not in _document_xml(staff_client, two_waves)
    assert b"w:instrText" not in _document_xml(staff_client, two_waves)
    # A name typed in a one-line answer is not a quote (nor printed at all).
    assert not any("Ada Coordinator" in p.text for p in doc.paragraphs)
    assert not any("Ada Coordinator" in t for t in texts)


def _document_xml(client: Client, wave: Wave) -> bytes:
    import zipfile

    content = client.get(reverse("reports:docx", args=[wave.slug])).content
    return zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml")


def test_it_prints_the_same_draft_as_a_page_with_texts_escaped(staff_client: Client, two_waves: Wave) -> None:
    give(two_waves, "GCA", {"A1": {"events_missions": Ticked(comment="<script>alert(1)</script>")}})
    page = staff_client.get(reverse("reports:printable", args=[two_waves.slug])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "print.css" in page
    assert "Table 1. Cooperation agreements or MoU signed per partnership" in page
    assert "<figcaption>Figure 1. " in page
    assert "<script>" not in page.split("</main>")[0]  # no inline script in the content


def test_it_has_a_print_stylesheet() -> None:
    css = (Path(__file__).resolve().parents[2] / "static" / "reports" / "print.css").read_text()
    assert "@media print" in css
    assert "break-inside: avoid" in css


@pytest.mark.parametrize("name", ["reports:docx", "reports:printable"])
def test_it_needs_the_view_report_permission(name: str, two_waves: Wave) -> None:
    user = get_user_model().objects.create_user(username="clerk", password="x", is_staff=True)
    client = Client()
    client.force_login(user)
    assert client.get(reverse(name, args=[two_waves.slug])).status_code == 403


@pytest.mark.parametrize("name", ["reports:docx", "reports:printable"])
def test_it_refuses_posts(name: str, staff_client: Client, two_waves: Wave) -> None:
    assert staff_client.post(reverse(name, args=[two_waves.slug])).status_code == 405


def test_the_command_writes_a_draft_for_every_bundled_questionnaire(
    questionnaires: dict[str, Questionnaire], tmp_path: Path
) -> None:
    demo_load()
    demo_responses_fill()
    for slug, first_heading in [
        ("escp-4i-demo", "A1."),
        ("escp-s3-demo", "B1."),
        ("eccp-demo", "C1."),
    ]:
        out = tmp_path / f"{slug}.docx"
        call_command("report", wave=slug, format="docx", output=str(out))
        doc = docx.Document(str(out))
        headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
        assert any(h.startswith(first_heading) for h in headings), slug
        captions = [p for p in doc.paragraphs if p.style.name == "Caption"]
        assert len(doc.inline_shapes) == len(captions) > 0, slug
    s3 = docx.Document(str(tmp_path / "escp-s3-demo.docx"))
    table1 = next(t for t in s3.tables if _cells(t)[0] == ["Partnership", "Group", "escp-s3-demo"])
    assert "Total" in [row[0] for row in _cells(table1)]


def test_the_command_needs_a_file_for_docx(questionnaires: dict[str, Questionnaire]) -> None:
    from django.core.management.base import CommandError

    demo_load()
    with pytest.raises(CommandError, match="--format docx writes a file"):
        call_command("report", wave="escp-4i-demo", format="docx")
