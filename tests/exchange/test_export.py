from __future__ import annotations

import datetime as dt
from io import BytesIO

import openpyxl
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from exchange.export import wave_export
from exchange.resources import PartnershipRow, PartnershipStatusResource
from surveys.models import Contact, Response, Wave
from tests.exchange.conftest import answer, read_cells, row_of


def export(wave: Wave, **kwargs: object) -> BytesIO:
    target = BytesIO()
    wave_export(wave=wave, target=target, **kwargs)  # type: ignore[arg-type]
    target.seek(0)
    return target


def test_it_writes_the_sheets_in_order(answered_wave: Wave) -> None:
    book = openpyxl.load_workbook(export(answered_wave))
    assert book.sheetnames == ["responses", "RP", "codebook", "partnerships"]


def test_it_lays_out_the_responses_sheet_question_by_question(answered_wave: Wave) -> None:
    header = read_cells(export(answered_wave))["responses"][0]
    assert header == [
        "partnership",
        "group",
        "status",
        "submitted_at",
        "M1[events]",
        "M1[events][comment]",
        "M1[agreements]",
        "M1[agreements][comment]",
        "M1[agreements][number]",
        "M1[plain]",
        "M1[none]",
        "M1[other]",
        "M1[other][text]",
        "S1",
        "S1[other][text]",
        "Y1",
        "R1[news]",
        "R1[events]",
        "N1",
        "N2",
        "T1",
        "L1",
        "D1",
        "C1",
        "C2",
        "P1",
    ]


def test_it_puts_every_answer_and_comment_next_to_its_option(answered_wave: Wave) -> None:
    gca = row_of(read_cells(export(answered_wave)), "responses", "GCA")
    assert gca == {
        "partnership": "GCA",
        "group": "strand-1",
        "status": "submitted",
        # 12:30:15 UTC is 14:30:15 in Brussels (summer time); microseconds are dropped.
        "submitted_at": dt.datetime(2019, 5, 20, 14, 30, 15),
        "M1[events]": 1,
        "M1[events][comment]": "Two B2B missions to Japan",
        "M1[agreements]": 1,
        "M1[agreements][comment]": None,
        "M1[agreements][number]": 4,
        "M1[plain]": 1,
        # Not ticked by a respondent who saw the question (submitted): 0, not empty.
        "M1[none]": 0,
        "M1[other]": 1,
        "M1[other][text]": "Webinars",
        "S1": "other",
        "S1[other][text]": "Research centre",
        "Y1": "yes",
        "R1[news]": 3,
        "R1[events]": 1,
        "N1": 12.5,
        "N2": 4,
        "T1": "Ada Coordinator",
        "L1": "First line\nsecond line",
        "D1": dt.datetime(2018, 3, 1),
        "C1": "JP,CA",
        "C2": "DE,FR,IT",
        "P1": "ELBE",
    }


def test_it_writes_one_sheet_per_repeat_question_with_the_group(answered_wave: Wave) -> None:
    rows = read_cells(export(answered_wave))["RP"]
    assert rows == [
        [
            "partnership",
            "group",
            "row",
            "RP[_status]",
            "RP[_from_row]",
            "RP[kind]",
            "RP[kind][other][text]",
            "RP[name]",
            "RP[land]",
            "RP[note]",
            "RP[day]",
            "RP[new]",
            "RP[qty]",
            "RP[partner]",
        ],
        [
            "ELBE",
            "strand-1",
            1,
            "new",
            None,
            None,
            None,
            "@SUM(1)",
            None,
            "\tindented",
        ],
        [
            "GCA",
            "strand-1",
            1,
            "new",
            None,
            "cluster",
            None,
            "Kansai cluster",
            "JP",
            "MoU on joint missions",
            dt.datetime(2019, 2, 14),
            "yes",
            35,
            "EC2i",
        ],
        [
            "GCA",
            "strand-1",
            2,
            "new",
            None,
            "other",
            "Chamber",
            None,
            None,
            None,
            None,
            None,
            None,
            "Smart Textiles Alliance",
        ],
        ["GCA", "strand-1", 3, "new"],
    ]


def test_it_lists_every_partnership_invited_with_contacts_and_status(answered_wave: Wave) -> None:
    cells = read_cells(export(answered_wave))
    assert cells["partnerships"][0] == [
        "partnership",
        "name",
        "group",
        "contacts",
        "invited_on",
        "reminded_on",
        "status",
        "submitted_at",
    ]
    # EC2i and ELBE have not submitted; the fourth partnership is in no group of the wave.
    assert [r[0] for r in cells["partnerships"][1:]] == ["EC2i", "ELBE", "GCA"]
    gca = row_of(cells, "partnerships", "GCA")
    assert gca["contacts"] == "Ada Coordinator <ada@gca.example.org>; Ben Colleague <ben@gca.example.org>"
    assert gca["status"] == "submitted"
    assert gca["submitted_at"] == dt.datetime(2019, 5, 20, 14, 30, 15)
    assert row_of(cells, "partnerships", "EC2i")["status"] == "not_started"


def test_it_writes_a_codebook_of_every_question_and_option(answered_wave: Wave) -> None:
    rows = read_cells(export(answered_wave))["codebook"]
    assert rows[0] == ["sheet", "column", "question", "code", "kind", "text"]
    assert ["responses", "M1[events][comment]", "M1", "events", "comment", "Comment: Events"] in rows
    assert ["responses", "M1[agreements][number]", "M1", "agreements", "number", "Number of agreements"] in rows
    assert ["responses", "Y1", "Y1", "no", "value", "No"] in rows
    assert ["responses", "R1[…]", "R1", 2, "level", "Fair"] in rows
    assert ["RP", "RP[kind]", "RP", "kind", "field: single_choice", "Kind"] in rows
    assert ["responses", "T1", "T1", None, "question: text", "Name?"] in rows


def test_it_exports_only_submitted_responses_when_asked(answered_wave: Wave) -> None:
    cells = read_cells(export(answered_wave, status="submitted"))
    assert [r[0] for r in cells["responses"][1:]] == ["GCA"]
    assert [r[0] for r in cells["RP"][1:]] == ["GCA", "GCA", "GCA"]


def test_it_writes_texts_instead_of_codes_with_labels(answered_wave: Wave) -> None:
    cells = read_cells(export(answered_wave, labels=True))
    header, texts = cells["responses"][0], cells["responses"][1]
    assert texts[header.index("M1[agreements][number]")] == "Number of agreements"
    gca = dict(zip(header, next(r for r in cells["responses"][2:] if r[0] == "GCA"), strict=False))
    assert gca["status"] == "Submitted"
    assert gca["S1"] == "Other (please specify)"
    assert gca["Y1"] == "Yes"
    assert gca["R1[news]"] == "Good"
    assert gca["C1"] == "Japan; Canada"
    assert gca["P1"] == "ELBE (Partnership ELBE)"


def test_it_sets_widths_frozen_headers_and_filters(answered_wave: Wave) -> None:
    book = openpyxl.load_workbook(export(answered_wave))
    responses = book["responses"]
    assert responses.freeze_panes == "B2"
    assert responses.auto_filter.ref == "A1:Z4"  # header and three responses
    assert responses.column_dimensions["F"].width > 30  # M1[events][comment]
    assert book["RP"].freeze_panes == "D2"
    assert book["RP"].auto_filter.ref == "A1:N5"  # 3 keys, the row's status and origin, 9 field columns


@pytest.mark.parametrize(
    "text", ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x","y")']
)
def test_it_writes_formula_like_answers_as_quoted_text(every_type_wave: Wave, text: str) -> None:
    answer(every_type_wave, "GCA", {"T1": text}, status=Response.Status.DRAFT)
    book = openpyxl.load_workbook(export(every_type_wave))
    responses = book["responses"]
    header = [c.value for c in responses[1]]
    row = next(r for r in range(2, responses.max_row + 1) if responses.cell(row=r, column=1).value == "GCA")
    cell = responses.cell(row=row, column=header.index("T1") + 1)
    assert cell.data_type == "s"  # a string cell, never a formula
    assert cell.quotePrefix is True  # Excel keeps it text when the cell is edited
    # openpyxl keeps Excel's escape of a carriage return; the importer undoes it.
    assert cell.value in (text, text.replace("\r", "_x000D_"))


def test_the_command_writes_the_file(answered_wave: Wave, tmp_path) -> None:
    target = tmp_path / "every.xlsx"
    call_command("export_responses", "--wave", "every-2019", "-o", str(target), "--status", "submitted")
    assert [r[0] for r in read_cells(target)["responses"][1:]] == ["GCA"]


def test_the_command_names_an_unknown_wave(answered_wave: Wave, tmp_path) -> None:
    with pytest.raises(CommandError, match="No wave 'nope'"):
        call_command("export_responses", "--wave", "nope", "-o", str(tmp_path / "x.xlsx"))


@pytest.mark.skipif(not apps.is_installed("outreach"), reason="the outreach app keeps the messages")
def test_it_gives_the_days_invitations_and_reminders_were_sent(answered_wave: Wave) -> None:
    message = apps.get_model("outreach", "Message")
    gca = Contact.objects.filter(partnership__acronym="GCA")
    sent = [
        # (contact, kind, sequence, sent_at UTC): the reminder at 23:30 UTC is the next day in Brussels.
        (gca[0], "invitation", 0, dt.datetime(2019, 5, 13, 8, 0, tzinfo=dt.UTC)),
        (gca[1], "invitation", 0, dt.datetime(2019, 5, 13, 8, 1, tzinfo=dt.UTC)),
        (gca[0], "reminder", 1, dt.datetime(2019, 5, 20, 23, 30, tzinfo=dt.UTC)),
        (gca[0], "reminder", 2, dt.datetime(2019, 5, 27, 8, 0, tzinfo=dt.UTC)),
    ]
    for contact, kind, sequence, sent_at in sent:
        message.objects.create(
            wave=answered_wave,
            contact=contact,
            kind=kind,
            sequence=sequence,
            status="sent",
            sent_at=sent_at,
            send_after=sent_at,
        )
    # A queued reminder has not gone out: it is not listed.
    message.objects.create(wave=answered_wave, contact=gca[1], kind="reminder", sequence=1, send_after=sent[0][3])
    gca_row = row_of(read_cells(export(answered_wave)), "partnerships", "GCA")
    assert gca_row["invited_on"] == "2019-05-13"
    assert gca_row["reminded_on"] == "2019-05-21, 2019-05-27"
    assert row_of(read_cells(export(answered_wave)), "partnerships", "ELBE")["invited_on"] is None


def test_the_partnerships_rows_are_what_the_resource_exports() -> None:
    resource = PartnershipStatusResource()
    row = PartnershipRow(
        acronym="GCA",
        name="Global Cluster Alliance",
        group="strand-1",
        status="submitted",
        submitted_at=dt.datetime(2019, 5, 20, 14, 30, 15),
        contacts=["Ada <ada@gca.example.org>", "Ben <ben@gca.example.org>"],
        invited=[dt.date(2019, 5, 13)],
        reminded=[dt.date(2019, 5, 21), dt.date(2019, 5, 27)],
    )
    assert resource.row_cells(row) == resource.export_resource(row)
    assert resource.row_cells(PartnershipRow("EC2i", "", "", "not_started", None)) == resource.export_resource(
        PartnershipRow("EC2i", "", "", "not_started", None)
    )
