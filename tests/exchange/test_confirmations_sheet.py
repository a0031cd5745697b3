"""The export's `confirmations` sheet (issue 15 item 3): the claims of collaboration read from
the submitted answers of ESCP-4i's Annex A and what the partnerships named answered, read back
with openpyxl; formula-safe; the import ignores the sheet (round trip); the command, the export
page and its job; a partnership named in a question outside a table; the demo."""

from __future__ import annotations

import datetime as dt
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exchange.export import wave_export
from exchange.reader import workbook_read
from exchange.services import responses_import
from reports.demo import demo_responses_fill
from surveys.models import CollaborationConfirmation, Contact, Questionnaire, Response, Wave
from surveys.services.collaborations import collaboration_answer, collaborations_for
from surveys.services.demo import demo_load
from surveys.values import Choice, PartnershipValue
from tests.exchange.conftest import exported_through_page, read_cells
from tests.exchange.test_bundled import empty_copy, without_outreach
from tests.factories import StaffFactory
from tests.reports.conftest import give

BRUSSELS = ZoneInfo("Europe/Brussels")
HEADER = [
    "partnership",
    "group",
    "named",
    "question",
    "row",
    "purpose",
    "answer",
    "comment",
    "answered_by",
    "answered_at",
]
FORMULA = '=HYPERLINK("http://evil.example","click")'


def export(wave: Wave, **kwargs: Any) -> BytesIO:
    target = BytesIO()
    wave_export(wave=wave, target=target, **kwargs)
    target.seek(0)
    return target


def local(at: dt.datetime) -> dt.datetime:
    """A time as the sheet shows it: in Brussels, without a zone, to the second."""
    return at.astimezone(BRUSSELS).replace(tzinfo=None, microsecond=0)


def a7(*rows: tuple[str, str]) -> dict[str, Any]:
    return {
        "A6": Choice("yes"),
        "A7": [
            {"partnership": PartnershipValue(p), **({"purpose": purpose} if purpose else {})} for p, purpose in rows
        ],
    }


@pytest.fixture
def claimed(wave_4i: Wave, register_4i: dict[str, Contact]) -> dict[str, Any]:
    """Annex A, a small wave: GCA (submitted) names ELBE, BioXclusters (not in the wave) and
    EC2i; ELBE (submitted) names GCA back. ELBE confirms GCA's claim with a formula-like
    comment, EC2i declines it, GCA has not answered ELBE's. EC2i's draft names GCA: no claim."""
    gca = give(
        wave_4i,
        "GCA",
        a7(("ELBE", "Joint mission to Japan"), ("BioXclusters", "Study visit"), ("EC2i", "  Shared training ")),
    )
    elbe = give(wave_4i, "ELBE", a7(("GCA", "")))
    ec2i = give(wave_4i, "EC2i", a7(("GCA", "Fair")), status=Response.Status.DRAFT)
    t1 = timezone.now().replace(microsecond=250_000) - dt.timedelta(hours=3)
    t2 = t1 + dt.timedelta(hours=1)
    collaboration_answer(
        response_id=elbe.pk,
        claimant_id=gca.pk,
        status="confirmed",
        comment=FORMULA,
        by=register_4i["outsider"],
        now=t1,
    )
    collaboration_answer(response_id=ec2i.pk, claimant_id=gca.pk, status="declined", by=register_4i["strand2"], now=t2)
    return {"GCA": gca, "ELBE": elbe, "EC2i": ec2i, "times": (t1, t2)}


def expected(claimed: dict[str, Any]) -> list[list[Any]]:
    t1, t2 = (local(t) for t in claimed["times"])
    # By hand: ELBE's one row (no purpose written: an empty cell) is not answered; GCA's rows
    # 1 and 3 in the table's order (row 2 names a partnership outside the wave, which nobody
    # can be asked); the purpose stripped as the report shows it.
    return [
        HEADER,
        ["ELBE", "strand-1", "GCA", "A7", 1, None, "not_answered"],
        [
            "GCA",
            "strand-1",
            "ELBE",
            "A7",
            1,
            "Joint mission to Japan",
            "confirmed",
            FORMULA,
            "Cleo Outsider <cleo@elbe.example.org>",
            t1,
        ],
        [
            "GCA",
            "strand-1",
            "EC2i",
            "A7",
            3,
            "Shared training",
            "declined",
            None,
            "Dan Strand <dan@ec2i.example.org>",
            t2,
        ],
    ]


def test_one_line_per_claim_with_the_answer_read_back_with_openpyxl(wave_4i: Wave, claimed) -> None:
    cells = read_cells(export(wave_4i, confirmations=True))
    assert cells["confirmations"] == expected(claimed)
    book = openpyxl.load_workbook(export(wave_4i, confirmations=True))
    assert book.sheetnames[-1] == "confirmations"
    # The comment beginning with "=" is a text cell with Excel's quote prefix, no formula.
    comment = book["confirmations"]["H3"]
    assert (comment.value, comment.data_type, comment.quotePrefix) == (FORMULA, "s", True)
    assert not any(
        cell.data_type == "f" for row in book["confirmations"].iter_rows() for cell in row
    )  # nothing anywhere on the sheet is a formula
    # Without asking, no such sheet.
    assert "confirmations" not in read_cells(export(wave_4i))


def test_with_texts_the_answers_are_named_and_the_columns_say_what_they_hold(wave_4i: Wave, claimed) -> None:
    rows = read_cells(export(wave_4i, confirmations=True, labels=True))["confirmations"]
    assert rows[0] == HEADER
    assert rows[1][6] == "Answer of the partnership named: confirmed, declined, not_answered"
    assert [row[6] for row in rows[2:]] == ["Not answered yet", "Confirmed", "Declined"]


def test_a_comment_only_is_not_answered_with_its_comment_who_and_when(wave_4i: Wave, claimed, register_4i) -> None:
    at = claimed["times"][1] + dt.timedelta(minutes=30)
    collaboration_answer(
        response_id=claimed["GCA"].pk,
        claimant_id=claimed["ELBE"].pk,
        status="pending",
        comment="Ask our director",
        by=register_4i["coordinator"],
        now=at,
    )
    rows = read_cells(export(wave_4i, confirmations=True))["confirmations"]
    assert rows[1] == [
        "ELBE",
        "strand-1",
        "GCA",
        "A7",
        1,
        None,
        "not_answered",
        "Ask our director",
        "Ada Coordinator <ada@gca.example.org>",
        local(at),
    ]


def test_a_reopened_claimant_has_no_claims_its_answers_come_back_on_submission(wave_4i: Wave, claimed) -> None:
    gca = claimed["GCA"]
    Response.objects.filter(pk=gca.pk).update(status=Response.Status.DRAFT, submitted_at=None)
    rows = read_cells(export(wave_4i, confirmations=True))["confirmations"]
    assert rows == expected(claimed)[:2]
    Response.objects.filter(pk=gca.pk).update(status=Response.Status.SUBMITTED, submitted_at=timezone.now())
    assert read_cells(export(wave_4i, confirmations=True))["confirmations"] == expected(claimed)


def test_submitted_only_lists_the_same_claims(wave_4i: Wave, claimed) -> None:
    # The claims are of submitted responses already; EC2i's answer (its response a draft)
    # counts as in the report.
    rows = read_cells(export(wave_4i, confirmations=True, status="submitted"))["confirmations"]
    assert rows == expected(claimed)


def test_a_contact_deleted_since_leaves_who_empty(wave_4i: Wave, claimed, register_4i) -> None:
    register_4i["strand2"].delete()
    rows = read_cells(export(wave_4i, confirmations=True))["confirmations"]
    t2 = local(claimed["times"][1])
    assert rows[3] == ["GCA", "strand-1", "EC2i", "A7", 3, "Shared training", "declined", None, None, t2]


def test_an_export_with_the_confirmations_imports_and_round_trips(wave_4i: Wave, claimed) -> None:
    with_sheet = export(wave_4i, confirmations=True, history=True)
    plan = workbook_read(wave=wave_4i, file=with_sheet)
    assert [str(p) for p in plan.problems] == []
    target = empty_copy(wave_4i, "escp-4i-copy")
    with_sheet.seek(0)
    responses_import(wave=target, plan=workbook_read(wave=target, file=with_sheet))
    before = read_cells(export(wave_4i))
    after = read_cells(export(target))
    assert without_outreach(after) == without_outreach(before)
    # The answers stay with their wave: an import brings none (they are not the responses').
    assert CollaborationConfirmation.objects.filter(response__wave=target).count() == 0
    assert read_cells(export(target, confirmations=True))["confirmations"] == [
        HEADER,
        ["ELBE", "strand-1", "GCA", "A7", 1, None, "not_answered"],
        ["GCA", "strand-1", "ELBE", "A7", 1, "Joint mission to Japan", "not_answered"],
        ["GCA", "strand-1", "EC2i", "A7", 3, "Shared training", "not_answered"],
    ]
    # Imported back into its own wave, the file changes no answer and leaves the answers be.
    with_sheet.seek(0)
    responses_import(wave=wave_4i, plan=workbook_read(wave=wave_4i, file=with_sheet))
    assert read_cells(export(wave_4i, confirmations=True))["confirmations"] == expected(claimed)


def test_a_partnership_named_outside_a_table_has_no_row_nor_purpose(answered_wave: Wave) -> None:
    # The every-type questionnaire: GCA (submitted) names ELBE in P1, EC2i in the table RP's
    # row 1 and a typed name in row 2 (nobody to ask); ELBE's draft claims nothing.
    gca = Response.objects.get(wave=answered_wave, partnership__acronym="GCA")
    ec2i = Response.objects.get(wave=answered_wave, partnership__acronym="EC2i")
    at = dt.datetime(2019, 5, 21, 9, 0, 30, tzinfo=dt.UTC)  # the wave is closed: stored as it was given
    CollaborationConfirmation.objects.create(response=ec2i, claimant=gca, status="declined", answered_at=at)
    rows = read_cells(export(answered_wave, confirmations=True))["confirmations"]
    assert rows == [
        HEADER,
        ["GCA", "strand-1", "ELBE", "P1", None, None, "not_answered"],
        [
            "GCA",
            "strand-1",
            "EC2i",
            "RP",
            1,
            "Kansai cluster · MoU on joint missions",
            "declined",
            None,
            None,
            dt.datetime(2019, 5, 21, 11, 0, 30),  # summer time in Brussels
        ],
    ]


def test_the_command_exports_the_confirmations(wave_4i: Wave, claimed, tmp_path: Path) -> None:
    out = tmp_path / "with-confirmations.xlsx"
    said = StringIO()
    call_command("export_responses", "--wave", wave_4i.slug, "-o", str(out), "--confirmations", stdout=said)
    assert said.getvalue().strip().endswith(", 3 claims in the confirmations sheet.")
    assert read_cells(out)["confirmations"] == expected(claimed)


def test_the_staff_export_page_has_the_confirmations_checkbox(
    wave_4i: Wave, claimed, client: Client, django_capture_on_commit_callbacks
) -> None:
    from exchange.models import ExportJob

    client.force_login(StaffFactory.create())
    page = client.get(reverse("exchange:wave_excel", args=[wave_4i.slug])).content.decode()
    assert 'name="confirmations"' in page

    def exported(**data: str) -> dict:
        return exported_through_page(client, wave_4i, django_capture_on_commit_callbacks, **data)

    assert exported(confirmations="on")["confirmations"] == expected(claimed)
    assert ExportJob.objects.latest("pk").confirmations
    both = exported(confirmations="on", history="on")
    assert list(both)[-2:] == ["history", "confirmations"]
    assert "confirmations" not in exported()


@pytest.fixture
def demo_4i(questionnaires: dict[str, Questionnaire]) -> Wave:
    demo_load()
    demo_responses_fill()
    return Wave.objects.select_related("version__questionnaire").get(slug="escp-4i-demo")


def test_the_demo_sheet_holds_the_claims_each_partnership_is_asked_about(demo_4i: Wave) -> None:
    # One claim answered on the page the demo links to, with a formula-like comment.
    answering = next(
        r for r in Response.objects.filter(wave=demo_4i).order_by("partnership__acronym") if collaborations_for(r)
    )
    claim = collaborations_for(answering)[0]
    collaboration_answer(
        response_id=answering.pk, claimant_id=claim.claimant_id, status="confirmed", comment=FORMULA, by=None
    )
    rows = read_cells(export(demo_4i, confirmations=True))["confirmations"][1:]
    assert rows
    # Every line's claim is one the journey's page asks about, and every such claim has its
    # lines: by pair, the purposes of its lines (blanks and repeats left out) and its answer.
    from_sheet: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        row = row + [None] * (len(HEADER) - len(row))
        pair = from_sheet.setdefault((row[0], row[2]), {"purposes": [], "answers": set(), "comments": set()})
        if row[5] and row[5] not in pair["purposes"]:
            pair["purposes"].append(row[5])
        pair["answers"].add(row[6])
        pair["comments"].add(row[7] or "")
    from_service = {
        (c.partnership.acronym, response.partnership.acronym): {
            "purposes": list(c.purposes),
            "answers": {"not_answered" if c.pending else c.status},
            "comments": {c.comment},
        }
        for response in Response.objects.filter(wave=demo_4i).select_related("partnership")
        for c in collaborations_for(response)
    }
    assert from_sheet == from_service
    assert from_sheet[(claim.partnership.acronym, answering.partnership.acronym)]["comments"] == {FORMULA}
    # And the demo's workbook with the sheet imports as one without.
    with_sheet = export(demo_4i, confirmations=True)
    target = empty_copy(demo_4i, "escp-4i-demo-copy")
    responses_import(wave=target, plan=workbook_read(wave=target, file=with_sheet))
    assert without_outreach(read_cells(export(target))) == without_outreach(read_cells(export(demo_4i)))
