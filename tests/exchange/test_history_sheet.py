"""The export's `history` sheet (issue 15 item 6) on Annex A with the demo's answers: the
audit entries of a journey save, an import and an admin deletion, read back with openpyxl;
the import ignores the sheet; who an import is by (a staff user, or the command and file)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exchange.export import wave_export
from exchange.reader import workbook_read
from exchange.services import responses_import
from reports.demo import demo_responses_fill
from surveys.models import Answer, AnswerChange, Contact, Questionnaire, Response, Wave
from surveys.services.deletions import answers_delete, responses_delete
from surveys.services.demo import demo_load
from surveys.services.responses import response_save_section
from tests.exchange.conftest import exported_through_page, read_cells
from tests.exchange.test_bundled import empty_copy, without_outreach
from tests.exchange.test_import import edited, set_cell
from tests.factories import StaffFactory

BRUSSELS = ZoneInfo("Europe/Brussels")
HEADER = ["partnership", "group", "at", "by", "source", "question", "old_value", "new_value"]


def export(wave: Wave, **kwargs: Any) -> BytesIO:
    target = BytesIO()
    wave_export(wave=wave, target=target, **kwargs)
    target.seek(0)
    return target


def local(at: dt.datetime) -> dt.datetime:
    """A time as the sheet shows it: in Brussels, without a zone, to the second."""
    return at.astimezone(BRUSSELS).replace(tzinfo=None, microsecond=0)


@pytest.fixture
def annex_a(questionnaires: dict[str, Questionnaire]) -> Wave:
    demo_load()
    demo_responses_fill()
    return Wave.objects.select_related("version__questionnaire").get(slug="escp-4i-demo")


@pytest.fixture
def changed(annex_a: Wave, tmp_path: Path) -> dict[str, Any]:
    """A response of the demo not started yet: saved in the journey by its contact, R1
    corrected by an import, R2's answer deleted in the admin."""
    response = (
        Response.objects.filter(wave=annex_a, status=Response.Status.NOT_STARTED)
        .select_related("partnership")
        .order_by("partnership__acronym")
        .first()
    )
    assert response is not None
    contact = Contact.objects.filter(partnership=response.partnership).order_by("pk").first()
    assert contact is not None
    staff = StaffFactory.create(username="importer")
    t1 = timezone.now().replace(microsecond=250_000) - dt.timedelta(hours=3)
    t2, t3 = t1 + dt.timedelta(hours=1), t1 + dt.timedelta(hours=2)
    # The demo's prefilled responses have a history (the prefill, then their answers); this
    # one has none, and the sheet's rows of the others are the demo's, kept as they were.
    assert not AnswerChange.objects.filter(response=response).exists()
    demo_rows = read_cells(export(annex_a, history=True))["history"][1:]
    assert demo_rows and acronym_of(demo_rows) <= prefilled_acronyms(annex_a)

    response_save_section(
        response_id=response.pk,
        section_code="respondent",
        contact=contact,
        values={"R1": "Ada Lovelace", "R2": "Cluster manager", "R3": '=HYPERLINK("http://x")'},
        lock_version=0,
        now=t1,
    )
    acronym = response.partnership.acronym
    path = edited(export(annex_a), tmp_path, set_cell("responses", acronym, "R1", "Ada King"))
    responses_import(wave=annex_a, plan=workbook_read(wave=annex_a, file=path), now=t2, by=staff)
    answer = Answer.objects.get(response=response, question__code="R2")
    answers_delete(answer_ids=[answer.pk], by=staff, now=t3)
    return {
        "response": response,
        "acronym": acronym,
        "group": response.partnership.group,
        "contact": f"{contact.name} <{contact.email}>",
        "times": (t1, t2, t3),
        "demo_rows": demo_rows,
    }


def acronym_of(rows: list[list[Any]]) -> set[str]:
    return {row[0] for row in rows}


def prefilled_acronyms(wave: Wave) -> set[str]:
    return set(wave.responses.filter(prefilled_from__isnull=False).values_list("partnership__acronym", flat=True))


def added(rows: list[list[Any]], changed: dict[str, Any]) -> list[list[Any]]:
    """The sheet's rows less the demo's (which must all still be there)."""
    demo = changed["demo_rows"]
    assert all(row in rows for row in demo)
    return [row for row in rows if row not in demo]


def test_the_history_sheet_has_one_row_per_change_read_back_with_openpyxl(annex_a: Wave, changed) -> None:
    cells = read_cells(export(annex_a, history=True))
    cells["history"] = [HEADER, *added(cells["history"][1:], changed)]
    acronym, group, contact = changed["acronym"], changed["group"], changed["contact"]
    t1, t2, t3 = (local(t) for t in changed["times"])
    # By hand: the save's three answers from nothing (an empty old value is an empty cell);
    # the import changed R1 only (every other response of the wave came back as it was);
    # the deletion took R2. The formula-like R3 is a text, not a formula.
    assert cells["history"] == [
        HEADER,
        [acronym, group, t1, contact, "journey", "R1", None, "Ada Lovelace"],
        [acronym, group, t1, contact, "journey", "R2", None, "Cluster manager"],
        [acronym, group, t1, contact, "journey", "R3", None, '=HYPERLINK("http://x")'],
        [acronym, group, t2, "importer (staff)", "import", "R1", "Ada Lovelace", "Ada King"],
        [acronym, group, t3, "importer (staff)", "admin_delete", "R2", "Cluster manager"],
    ]
    book = openpyxl.load_workbook(export(annex_a, history=True))
    assert book.sheetnames[-1] == "history"
    sheet = book["history"]
    r3 = next(row[7] for row in sheet.iter_rows(min_row=2) if row[0].value == acronym and row[5].value == "R3")
    assert r3.data_type == "s" and r3.quotePrefix
    # Without asking, no such sheet.
    assert "history" not in read_cells(export(annex_a))


def test_the_history_sheet_with_texts_names_the_sources_and_has_the_column_texts(annex_a: Wave, changed) -> None:
    rows = read_cells(export(annex_a, history=True, labels=True))["history"]
    assert rows[0] == HEADER
    assert rows[1][2] == "When (Europe/Brussels time)"
    mine = [row[4] for row in rows[2:] if row[0] == changed["acronym"]]
    assert mine == ["Journey"] * 3 + ["Import", "Deleted in the admin"]
    # The demo's: its prefills, then its answers, "journey" worded as such.
    assert {row[4] for row in rows[2:] if row[0] != changed["acronym"]} == {"Prefill", "Journey"}


def test_submitted_only_leaves_out_the_changes_of_drafts(annex_a: Wave, changed) -> None:
    # By hand: the demo's rows of its submitted responses, none of the changed draft's.
    submitted = set(annex_a.responses.filter(status="submitted").values_list("partnership__acronym", flat=True))
    expected = [row for row in changed["demo_rows"] if row[0] in submitted]
    assert expected and changed["acronym"] not in submitted
    assert read_cells(export(annex_a, history=True, status="submitted"))["history"] == [HEADER, *expected]


def test_an_export_with_the_history_imports_as_one_without(annex_a: Wave, changed) -> None:
    with_history = export(annex_a, history=True)
    plan = workbook_read(wave=annex_a, file=with_history)
    assert [str(p) for p in plan.problems] == []
    target = empty_copy(annex_a, "escp-4i-copy")
    with_history.seek(0)
    responses_import(wave=target, plan=workbook_read(wave=target, file=with_history))
    before = read_cells(export(annex_a))
    after = read_cells(export(target))
    assert without_outreach(after) == without_outreach(before)


def test_a_deleted_response_keeps_its_entries_the_last_its_deletion(annex_a: Wave, changed) -> None:
    response = changed["response"]
    responses_delete(response_ids=[response.pk], by=StaffFactory.create(username="cleaner"))
    rows = read_cells(export(annex_a, history=True))["history"]
    # By hand: what was left (R1 "Ada King", R3) goes, in questionnaire order.
    assert [row[3:] for row in added(rows[1:], changed)[5:]] == [
        ["cleaner (staff)", "admin_delete", "R1", "Ada King"],
        ["cleaner (staff)", "admin_delete", "R3", '=HYPERLINK("http://x")'],
    ]
    assert AnswerChange.objects.filter(response__isnull=True).count() == 7


def test_the_commands_export_the_history_and_say_who_imported(annex_a: Wave, changed, tmp_path: Path) -> None:
    out = tmp_path / "with-history.xlsx"
    call_command("export_responses", "--wave", annex_a.slug, "-o", str(out), "--history", stdout=StringIO())
    rows = read_cells(out)["history"]
    assert len(rows) == 6 + len(changed["demo_rows"])
    acronym = changed["acronym"]
    again = edited(BytesIO(out.read_bytes()), tmp_path, set_cell("responses", acronym, "R1", "A. King"))
    call_command("import_responses", "--wave", annex_a.slug, str(again), stdout=StringIO())
    entry = AnswerChange.objects.order_by("pk").last()
    assert entry is not None
    assert (entry.question_code, entry.new_value, entry.by_user, entry.author) == (
        "R1",
        "A. King",
        None,
        f"manage.py import_responses {again.name}",
    )
    call_command(
        "import_responses", "--wave", annex_a.slug, str(again), "--by", "importer", stdout=StringIO()
    )  # nothing changes: no entry
    assert AnswerChange.objects.order_by("pk").last() == entry
    with pytest.raises(CommandError, match="no staff user"):
        call_command("import_responses", "--wave", annex_a.slug, str(again), "--by", "nobody")


def test_the_staff_export_page_has_the_history_checkbox(
    annex_a: Wave, changed, client: Client, django_capture_on_commit_callbacks
) -> None:
    client.force_login(StaffFactory.create())
    page = client.get(reverse("exchange:wave_excel", args=[annex_a.slug])).content.decode()
    assert 'name="history"' in page

    def exported(**data: str) -> dict:
        return exported_through_page(client, annex_a, django_capture_on_commit_callbacks, **data)

    rows = exported(history="on")["history"]
    assert rows[0] == HEADER and len(rows) == 6 + len(changed["demo_rows"])
    assert "history" not in exported()


def test_a_value_longer_than_a_cell_is_cut_in_the_sheet_only(annex_a: Wave, changed) -> None:
    response = changed["response"]
    AnswerChange.objects.create(
        response=response,
        wave=annex_a,
        partnership=response.partnership,
        at=timezone.now(),
        source="journey",
        question_code="A10",
        old_value="",
        new_value="x" * 40_000,
    )
    rows = read_cells(export(annex_a, history=True))["history"]
    cell = next(row[7] for row in rows if row[0] == response.partnership.acronym and row[5] == "A10")
    assert len(cell) == 32_767 and cell.endswith("x…")
    assert len(AnswerChange.objects.get(response=response, question_code="A10").new_value) == 40_000
