from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from exchange.export import wave_export
from exchange.imports import ImportRefused
from exchange.reader import workbook_read
from exchange.services import responses_import
from surveys.definition.structure import structure_for
from surveys.models import Answer, AnswerChange, RepeatRow, Response, SectionState, Wave
from surveys.values import Choice, load_values
from tests.exchange.conftest import ELBE_VALUES, GCA_VALUES, answer, read_cells, second_wave
from tests.factories import StaffFactory


def export(wave: Wave, **kwargs: Any) -> BytesIO:
    target = BytesIO()
    wave_export(wave=wave, target=target, **kwargs)
    target.seek(0)
    return target


def import_file(wave: Wave, file: Any, **kwargs: Any) -> Any:
    return responses_import(wave=wave, plan=workbook_read(wave=wave, file=file), **kwargs)


def values_of(wave: Wave, acronym: str) -> dict[str, Any]:
    response = Response.objects.get(wave=wave, partnership__acronym=acronym)
    return load_values(response, structure_for(wave.version))


def edited(source: BytesIO, tmp_path: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    """The exported workbook after a person changed it in a spreadsheet."""
    book = openpyxl.load_workbook(source)
    change(book)
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path


def set_cell(sheet: str, acronym: str, column: str, value: Any) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        ws = book[sheet]
        header = [c.value for c in ws[1]]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == acronym)
        ws.cell(row=row, column=header.index(column) + 1).value = value

    return change


def problems_of(wave: Wave, file: Any) -> list[str]:
    return [str(p) for p in workbook_read(wave=wave, file=file).problems]


def snapshot(wave: Wave) -> list[tuple[Any, ...]]:
    return sorted(
        Answer.objects.filter(response__wave=wave).values_list(
            "response_id", "question_id", "option_id", "text", "number"
        )
    ) + sorted(Response.objects.filter(wave=wave).values_list("id", "status", "submitted_at"))


# The round trip ------------------------------------------------------------------------------


def test_it_imports_an_export_into_an_empty_wave_and_exports_identical_cells(answered_wave: Wave) -> None:
    first = export(answered_wave)
    target = second_wave(answered_wave)
    report = import_file(target, first)
    assert [(o.acronym, o.action, o.status) for o in report.outcomes] == [
        ("EC2i", "replaced", "not_started"),
        ("ELBE", "replaced", "draft"),
        ("GCA", "replaced", "submitted"),
    ]
    first.seek(0)
    assert read_cells(export(target)) == read_cells(first)


def test_every_question_type_round_trips_to_the_same_values(answered_wave: Wave) -> None:
    target = second_wave(answered_wave)
    import_file(target, export(answered_wave))
    assert values_of(target, "GCA") == GCA_VALUES
    assert values_of(target, "ELBE") == ELBE_VALUES
    assert values_of(target, "EC2i") == {}
    gca = Response.objects.get(wave=target, partnership__acronym="GCA")
    assert gca.status == Response.Status.SUBMITTED
    # To the second: a spreadsheet keeps no microseconds.
    assert gca.submitted_at == dt.datetime(2019, 5, 20, 12, 30, 15, tzinfo=dt.UTC)


def test_it_replaces_a_response_and_keeps_no_old_answer(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(answered_wave), tmp_path, set_cell("responses", "GCA", "T1", "Someone else"))
    answer(answered_wave, "GCA", {"T1": "Changed meanwhile", "L1": "To be dropped"}, status=Response.Status.DRAFT)
    import_file(answered_wave, path)
    values = values_of(answered_wave, "GCA")
    assert values["T1"] == "Someone else"
    assert values["L1"] == GCA_VALUES["L1"]
    assert len(values["RP"]) == 3
    assert RepeatRow.objects.filter(response__wave=answered_wave, response__partnership__acronym="GCA").count() == 3


def test_it_creates_a_response_for_a_registered_partnership_not_yet_in_the_wave(
    answered_wave: Wave, tmp_path: Path
) -> None:
    Response.objects.filter(wave=answered_wave, partnership__acronym="EC2i").delete()
    path = edited(export(answered_wave), tmp_path, lambda book: book["responses"].append(["EC2i", "", "draft"]))
    report = import_file(answered_wave, path)
    assert ("EC2i", "created") in [(o.acronym, o.action) for o in report.outcomes]
    assert Response.objects.get(wave=answered_wave, partnership__acronym="EC2i").status == "draft"


def test_it_imports_into_a_closed_wave(answered_wave: Wave) -> None:
    closed = second_wave(answered_wave)
    closed.opens_at, closed.closes_at, closed.closed_at = (
        timezone.now() - dt.timedelta(days=400),
        timezone.now() - dt.timedelta(days=300),
        timezone.now() - dt.timedelta(days=300),
    )
    closed.save()
    import_file(closed, export(answered_wave))
    assert values_of(closed, "GCA") == GCA_VALUES


def test_a_dry_run_reports_and_changes_nothing(answered_wave: Wave) -> None:
    target = second_wave(answered_wave)
    before = snapshot(target)
    report = import_file(target, export(answered_wave), dry_run=True)
    assert report.count("replaced") == 3
    assert "Dry run" in str(report)
    assert snapshot(target) == before


def test_it_bumps_the_lock_versions_so_an_open_page_conflicts(answered_wave: Wave) -> None:
    target = second_wave(answered_wave)
    gca = Response.objects.get(wave=target, partnership__acronym="GCA")
    choices = structure_for(target.version).section("choices")
    assert choices is not None
    SectionState.objects.create(response=gca, section=choices.section, lock_version=5)
    import_file(target, export(answered_wave))
    states = dict(SectionState.objects.filter(response=gca).values_list("section__code", "lock_version"))
    assert states == {"choices": 6, "facts": 1}


# Malformed files -----------------------------------------------------------------------------


def test_a_missing_column_is_named_and_nothing_changes(answered_wave: Wave, tmp_path: Path) -> None:
    def drop_column(book: openpyxl.Workbook) -> None:
        book["responses"].delete_cols(6)  # M1[events][comment]

    path = edited(export(answered_wave), tmp_path, drop_column)
    before = snapshot(answered_wave)
    assert problems_of(answered_wave, path) == [
        "sheet responses, row 1, column M1[events][comment]: the column M1[events][comment] is missing."
    ]
    with pytest.raises(ImportRefused):
        import_file(answered_wave, path)
    assert snapshot(answered_wave) == before


def test_an_unknown_column_is_named(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(
        export(answered_wave), tmp_path, lambda book: book["responses"].cell(row=1, column=27, value="M1[parties]")
    )
    assert problems_of(answered_wave, path) == [
        "sheet responses, row 1, column M1[parties] (AA): unknown column M1[parties]: the questionnaire of this wave "
        "has no such question or option (see the codebook of an export)."
    ]


def test_a_missing_repeat_sheet_is_named(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(answered_wave), tmp_path, lambda book: book.remove(book["RP"]))
    assert problems_of(answered_wave, path) == ["sheet RP: the workbook has no sheet RP."]


@pytest.mark.parametrize(
    ("sheet", "column", "value", "expected"),
    [
        (
            "responses",
            "S1",
            "partner",
            "sheet responses, row 4, column S1 (N): 'partner' is not an option of S1 (its codes: cluster, sme, other).",
        ),
        (
            "responses",
            "R1[news]",
            4,
            "sheet responses, row 4, column R1[news] (Q): '4' is not an level of the scale of R1 (its codes: 1, 2, 3).",
        ),
        (
            "responses",
            "Y1",
            "maybe",
            "sheet responses, row 4, column Y1 (P): 'maybe' is not an option of Y1 (its codes: yes, no).",
        ),
        (
            "responses",
            "M1[events]",
            "x",
            "sheet responses, row 4, column M1[events] (E): 'x' is not a tick: write 1 when the option is ticked, 0 or nothing when it is not.",
        ),
        (
            "responses",
            "N2",
            501,
            "sheet responses, row 4, column N2 (T): 501 is out of bounds: the question takes numbers from 0 to 500.",
        ),
        ("responses", "N2", 2.5, "sheet responses, row 4, column N2 (T): 2.5 is not a whole number."),
        ("responses", "N1", "twelve", "sheet responses, row 4, column N1 (S): 'twelve' is not a number."),
        ("responses", "N1", 12.345, "sheet responses, row 4, column N1 (S): 12.345 has more than 2 decimals."),
        (
            "responses",
            "D1",
            "next year",
            "sheet responses, row 4, column D1 (W): 'next year' is not a date: write it as YYYY-MM-DD, for example 2019-05-13.",
        ),
        (
            "responses",
            "C1",
            "JP,XX",
            "sheet responses, row 4, column C1 (X): XX: not ISO 3166 country codes (write codes such as CN, US).",
        ),
        (
            "responses",
            "C1",
            "JP,DE",
            "sheet responses, row 4, column C1 (X): DE: C1 takes only countries outside the EU.",
        ),
        ("responses", "C1", "JP,CA,US,CN", "sheet responses, row 4, column C1 (X): C1 takes at most 3 countries."),
        (
            "responses",
            "M1[none]",
            1,
            "sheet responses, row 4, column M1[none] (K): 'None' excludes every other option of M1, but others are ticked too.",
        ),
        (
            "responses",
            "status",
            "done",
            "sheet responses, row 4, column status (C): 'done' is not a status: write not_started, draft, submitted.",
        ),
        (
            "responses",
            "submitted_at",
            None,
            "sheet responses, row 4, column submitted_at (D): a submitted response needs the time it was submitted.",
        ),
        ("RP", "RP[qty]", "many", "sheet RP, row 3, column RP[qty] (M): 'many' is not a number."),
        ("RP", "RP[land]", "JP,CN", "sheet RP, row 3, column RP[land] (I): land takes at most 1 country."),
        ("RP", "row", "first", "sheet RP, row 3, column row (C): 'first' is not a row number (1, 2, …)."),
        (
            "RP",
            "RP[_status]",
            "stopped",
            "sheet RP, row 3, column RP[_status] (D): 'stopped' is not a row status: write new, carried, confirmed, ended.",
        ),
        (
            "RP",
            "RP[_status]",
            "carried",
            "sheet RP, row 3, column RP[_status] (D): the row is carried, but the wave every-2019 follows no previous "
            "wave to carry it from: set the status to new.",
        ),
        (
            "RP",
            "RP[_from_row]",
            2,
            "sheet RP, row 3, column RP[_from_row] (E): a new row is carried from no row of the previous wave: clear "
            "this cell, or set the status to carried, confirmed or ended.",
        ),
        (
            "RP",
            "RP[_from_row]",
            "two",
            "sheet RP, row 3, column RP[_from_row] (E): 'two' is not a row number (1, 2, …).",
        ),
    ],
)
def test_a_wrong_cell_gives_its_precise_error_and_nothing_changes(
    answered_wave: Wave, tmp_path: Path, sheet: str, column: str, value: Any, expected: str
) -> None:
    path = edited(export(answered_wave), tmp_path, set_cell(sheet, "GCA", column, value))
    before = snapshot(answered_wave)
    assert problems_of(answered_wave, path) == [expected]
    with pytest.raises(ImportRefused):
        import_file(answered_wave, path)
    assert snapshot(answered_wave) == before


def test_an_unknown_partnership_is_named(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(answered_wave), tmp_path, set_cell("responses", "EC2i", "partnership", "NOPE"))
    assert problems_of(answered_wave, path) == [
        "sheet responses, row 2, column partnership (A): unknown partnership NOPE: no partnership has this acronym "
        "in the register."
    ]


def test_a_comment_without_its_tick_is_an_error(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(answered_wave), tmp_path, set_cell("responses", "GCA", "M1[events]", None))
    assert problems_of(answered_wave, path) == [
        "sheet responses, row 4, column M1[events][comment] (F): there is a comment but M1[events] is not ticked: "
        "write 1 in M1[events] or clear the comment."
    ]


def test_a_repeat_row_of_a_partnership_without_a_response_row_is_an_error(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(
        export(answered_wave), tmp_path, lambda book: book["RP"].append(["S3-AGRI", "s3", 1, "new", None, "sme"])
    )
    assert problems_of(answered_wave, path) == [
        "sheet RP, row 6, column partnership (A): S3-AGRI has no row in the sheet responses: add it there or remove this row."
    ]


def test_a_partnership_twice_is_an_error(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(answered_wave), tmp_path, lambda book: book["responses"].append(["GCA", "", "draft"]))
    assert problems_of(answered_wave, path) == [
        "sheet responses, row 5, column partnership (A): GCA has a row already (row 4)."
    ]


def test_a_formula_typed_in_a_cell_is_refused(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(answered_wave), tmp_path, set_cell("responses", "GCA", "N2", "=2+2"))
    assert problems_of(answered_wave, path) == [
        "sheet responses, row 4, column N2 (T): the cell holds a formula (=2+2): type its value instead."
    ]


def test_every_problem_of_a_file_is_reported_at_once(answered_wave: Wave, tmp_path: Path) -> None:
    def break_three(book: openpyxl.Workbook) -> None:
        set_cell("responses", "GCA", "N2", 900)(book)
        set_cell("responses", "ELBE", "S1", "large")(book)
        set_cell("RP", "GCA", "RP[day]", "someday")(book)

    assert len(problems_of(answered_wave, edited(export(answered_wave), tmp_path, break_three))) == 3


def test_a_file_exported_with_labels_is_refused(answered_wave: Wave) -> None:
    assert problems_of(answered_wave, export(answered_wave, labels=True)) == [
        "this workbook was exported with texts (--labels), for reading; import reads the default export with codes."
    ]


def test_a_workbook_of_another_questionnaire_is_refused(answered_wave: Wave, wave_4i: Wave) -> None:
    assert problems_of(wave_4i, export(answered_wave)) == [
        "this workbook is an export of the questionnaire every-type; the wave escp-4i-2019 uses escp-4i-progress."
    ]


def test_a_file_that_is_no_workbook_is_refused(answered_wave: Wave) -> None:
    assert problems_of(answered_wave, BytesIO(b"partnership,status\nGCA,draft\n")) == [
        "the file is not an Excel workbook (.xlsx)."
    ]


def test_answers_with_the_status_not_started_are_refused(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(answered_wave), tmp_path, set_cell("responses", "ELBE", "status", "not_started"))
    assert problems_of(answered_wave, path) == [
        "sheet responses, row 3, column status: ELBE has answers but the status not_started: set the status to draft or submitted."
    ]


def test_a_free_text_partnership_and_an_acronym_are_told_apart(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(answered_wave), tmp_path, set_cell("responses", "ELBE", "P1", "GCA"))
    import_file(answered_wave, path)
    values = values_of(answered_wave, "ELBE")
    assert values["P1"].acronym == "GCA"
    assert values["S1"] == Choice(option="sme")


# The command -------------------------------------------------------------------------------


def test_the_command_imports_and_reports(
    answered_wave: Wave, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "wave.xlsx"
    source.write_bytes(export(answered_wave).getvalue())
    target = second_wave(answered_wave)
    call_command("import_responses", "--wave", target.slug, str(source))
    assert capsys.readouterr().out.strip() == "3 responses in every-2020: 0 created, 3 replaced."
    assert values_of(target, "GCA") == GCA_VALUES


def test_the_command_lists_the_problems_and_imports_nothing(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(answered_wave), tmp_path, set_cell("responses", "GCA", "N2", 900))
    target = second_wave(answered_wave)
    with pytest.raises(CommandError) as raised:
        call_command("import_responses", "--wave", target.slug, str(path))
    assert str(raised.value).endswith(
        "nothing was imported, 1 problem in the file:\n"
        "  sheet responses, row 4, column N2 (T): 900 is out of bounds: the question takes numbers from 0 to 500."
    )
    assert values_of(target, "GCA") == {}


def test_an_import_records_in_the_history_only_what_it_changed(answered_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(answered_wave), tmp_path, set_cell("responses", "GCA", "T1", "Someone else"))
    answer(answered_wave, "GCA", {"T1": "Changed meanwhile", "L1": "To be dropped"}, status=Response.Status.DRAFT)
    staff = StaffFactory.create(username="importer")
    import_file(answered_wave, path, by=staff)

    entries = AnswerChange.objects.filter(response__partnership__acronym="GCA", source="import")
    # `answer` left GCA with T1 and L1 only: those two change, the others are new.
    assert {
        c.question_code: (c.old_value, c.new_value, c.by_user)
        for c in entries.filter(question_code__in=["T1", "L1", "Y1"])
    } == {
        "T1": ("Changed meanwhile", "Someone else", staff),
        "L1": ("To be dropped", GCA_VALUES["L1"], staff),
        "Y1": ("", "Yes", staff),
    }
    # ELBE's import changed nothing it held before the export.
    assert not AnswerChange.objects.filter(response__partnership__acronym="ELBE", source="import").exists()
