"""The status of repeat rows through the workbook: Annex A's A5 prefilled from 2018 (`carried_wave`).

The A5 sheet of its export, line by line: 2 ELBE's new row; 3 to 6 GCA's rows: confirmed
(from 2018's row 2), ended (from 3), carried (from 4), new. Columns D `A5[_status]` and
E `A5[_from_row]`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

from exchange.imports import ImportRefused
from exchange.reader import workbook_read
from surveys.models import AnswerChange, RepeatRow, Response, Wave
from surveys.services.waves import wave_open
from tests.exchange.conftest import read_cells
from tests.exchange.test_bundled import empty_copy, export, stored_rows, without_row_status
from tests.exchange.test_import import edited, import_file
from tests.factories import StaffFactory, days

GCA_ROWS = [
    ("confirmed", 2, "Tsinghua", "no"),
    ("ended", 3, "Kyoto Robotics", "no"),
    ("carried", 4, "Seoul City", "no"),
    ("new", None, "Busan Shipyards", "yes"),
]


def set_at(line: int, column: str, value: Any) -> Callable[[openpyxl.Workbook], None]:
    """Set one cell of the A5 sheet, by its line and header."""

    def change(book: openpyxl.Workbook) -> None:
        ws = book["A5"]
        header = [c.value for c in ws[1]]
        ws.cell(row=line, column=header.index(column) + 1).value = value

    return change


def both(*changes: Callable[[openpyxl.Workbook], None]) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        for one in changes:
            one(book)

    return change


def problems(wave: Wave, path: Path) -> list[str]:
    return [str(p) for p in workbook_read(wave=wave, file=path).problems]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            set_at(5, "A5[_status]", "still current"),
            [
                "sheet A5, row 5, column A5[_status] (D): 'still current' is not a row status: write new, carried, "
                "confirmed, ended."
            ],
        ),
        (
            set_at(5, "A5[_from_row]", 9),
            [
                "sheet A5, row 5, column A5[_from_row] (E): GCA's table A5 in the previous wave (escp-4i-2018) has "
                "no row 9 (it has 4 rows)."
            ],
        ),
        (
            set_at(4, "A5[_from_row]", 2),
            [
                "sheet A5, row 4, column A5[_from_row] (E): row 2 of the previous wave (escp-4i-2018) is carried by "
                "row 1 of this table already."
            ],
        ),
        (
            set_at(5, "A5[_from_row]", None),
            [
                "sheet A5, row 5, column A5[_from_row] (E): a carried row needs the number of the row it comes from "
                "in GCA's table A5 of the previous wave (escp-4i-2018): give it, or set the status to new."
            ],
        ),
        (
            set_at(6, "A5[_from_row]", 1),
            [
                "sheet A5, row 6, column A5[_from_row] (E): a new row is carried from no row of the previous wave: "
                "clear this cell, or set the status to carried, confirmed or ended."
            ],
        ),
        (
            # ELBE answered nothing in 2018: there is no row to carry.
            both(set_at(2, "A5[_status]", "confirmed"), set_at(2, "A5[_from_row]", 1)),
            [
                "sheet A5, row 2, column A5[_from_row] (E): ELBE's table A5 in the previous wave (escp-4i-2018) has "
                "no row 1 (it has no rows)."
            ],
        ),
    ],
)
def test_a_wrong_row_status_or_origin_is_named_and_nothing_changes(
    carried_wave: Wave, tmp_path: Path, change: Callable[[openpyxl.Workbook], None], expected: list[str]
) -> None:
    path = edited(export(carried_wave), tmp_path, change)
    assert problems(carried_wave, path) == expected
    with pytest.raises(ImportRefused):
        import_file(carried_wave, path)
    assert stored_rows(carried_wave, "GCA") == GCA_ROWS


def test_carried_rows_into_a_wave_without_a_previous_one_are_refused(carried_wave: Wave, tmp_path: Path) -> None:
    alone = wave_open(version=carried_wave.version, slug="escp-4i-alone", opens_at=days(-1), closes_at=days(10))
    path = edited(export(carried_wave), tmp_path, lambda book: None)
    message = "the wave escp-4i-alone follows no previous wave to carry it from: set the status to new."
    assert problems(alone, path) == [
        f"sheet A5, row 3, column A5[_status] (D): the row is confirmed, but {message}",
        f"sheet A5, row 4, column A5[_status] (D): the row is ended, but {message}",
        f"sheet A5, row 5, column A5[_status] (D): the row is carried, but {message}",
    ]


def test_an_empty_status_cell_is_a_new_row(carried_wave: Wave, tmp_path: Path) -> None:
    path = edited(
        export(carried_wave), tmp_path, both(set_at(5, "A5[_status]", None), set_at(5, "A5[_from_row]", None))
    )
    import_file(carried_wave, path)
    # GCA's response was prefilled: its new rows are new since the previous wave.
    assert stored_rows(carried_wave, "GCA") == [*GCA_ROWS[:2], ("new", None, "Seoul City", "yes"), GCA_ROWS[3]]


def test_a_workbook_without_the_status_columns_imports_every_row_as_new(carried_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(carried_wave), tmp_path, without_row_status)
    assert "A5[_status]" not in [c.value for c in openpyxl.load_workbook(path)["A5"][1]]
    copy = empty_copy(carried_wave, "escp-4i-2019-copy")
    import_file(copy, path)
    # Not prefilled, and no row carried: new_since_previous is as the file says.
    assert stored_rows(copy, "GCA") == [("new", None, organisation, new) for _, _, organisation, new in GCA_ROWS]
    # Into the prefilled response, the same file makes every row new since the previous wave.
    import_file(carried_wave, path)
    assert stored_rows(carried_wave, "GCA") == [
        ("new", None, organisation, "yes") for _, _, organisation, _ in GCA_ROWS
    ]


def test_an_import_back_into_the_prefilled_wave_finds_the_origins_through_the_prefill(
    carried_wave: Wave, tmp_path: Path
) -> None:
    # Ended in the file: Seoul (carried), and Busan made a carried row of 2018's Osaka.
    change = both(
        set_at(5, "A5[_status]", "ended"),
        set_at(6, "A5[_status]", "carried"),
        set_at(6, "A5[_from_row]", 1),
    )
    path = edited(export(carried_wave), tmp_path, change)
    # The wave's previous wave no longer says where GCA's rows came from: its prefill does.
    Wave.objects.filter(pk=carried_wave.pk).update(previous=None)
    carried_wave.refresh_from_db()
    import_file(carried_wave, path)
    osaka = RepeatRow.objects.get(response__wave__slug="escp-4i-2018", position=1)
    assert stored_rows(carried_wave, "GCA") == [
        GCA_ROWS[0],
        GCA_ROWS[1],
        ("ended", 4, "Seoul City", "no"),
        # The typed "yes" of a carried row is derived back to "no".
        ("carried", 1, "Busan Shipyards", "no"),
    ]
    assert RepeatRow.objects.filter(response__wave=carried_wave, status="carried").get().carried_from == osaka.pk


def test_the_import_records_a_rows_new_status_in_the_history(carried_wave: Wave, tmp_path: Path) -> None:
    StaffFactory.create(username="importer")
    unchanged = tmp_path / "unchanged.xlsx"
    unchanged.write_bytes(export(carried_wave).getvalue())
    call_command("import_responses", "--wave", carried_wave.slug, str(unchanged), "--by", "importer")
    # Imported as it was: statuses included, nothing changed.
    assert not AnswerChange.objects.filter(response__wave=carried_wave, source="import").exists()

    path = edited(export(carried_wave), tmp_path, set_at(5, "A5[_status]", "ended"))
    call_command("import_responses", "--wave", carried_wave.slug, str(path), "--by", "importer")
    change = AnswerChange.objects.get(response__wave=carried_wave, source="import")
    assert (change.question_code, change.by_user.username) == ("A5", "importer")
    old, new = change.old_value.split("\n"), change.new_value.split("\n")
    assert [line[:17] for line in old] == [
        "1. (still current",
        "2. (ended) counte",
        "3. counterpart_ty",
        "4. counterpart_ty",
    ]
    assert [line[:17] for line in new] == [
        "1. (still current",
        "2. (ended) counte",
        "3. (ended) counte",
        "4. counterpart_ty",
    ]
    assert new[2] == "3. (ended) " + old[2][len("3. ") :]
    assert old[:2] + old[3:] == new[:2] + new[3:]


def test_the_export_of_an_import_gives_the_same_status_cells(carried_wave: Wave, tmp_path: Path) -> None:
    path = edited(export(carried_wave), tmp_path, lambda book: None)
    import_file(carried_wave, path)
    assert [row[3:5] for row in read_cells(export(carried_wave))["A5"][1:]] == [
        ["new", None],
        ["confirmed", 2],
        ["ended", 3],
        ["carried", 4],
        ["new", None],
    ]
    assert Response.objects.get(wave=carried_wave, partnership__acronym="GCA").prefilled_from_id is not None
