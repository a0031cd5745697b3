"""The exchange on the real questionnaires: ESCP-4i (Annex A), ESCP-S3 and ECCP.

Each is exported with the demo's answers (`surveys.services.demo`, `reports.demo`), imported
into an empty wave of the same version and exported again: every sheet's cells must be the
same. Annex A's repeat question A7 has a field coded `partnership`, the name of a key column
of its sheet (issue 11): its field columns are `A7[partnership]`, `A7[purpose]`.
"""

from __future__ import annotations

import datetime as dt
import io
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from exchange.export import wave_export
from exchange.layout import FROM_ROW_TEXT, workbook_layout
from exchange.limesurvey import limesurvey_read
from exchange.reader import workbook_read
from exchange.services import responses_import
from reports.demo import demo_responses_fill
from surveys.definition.structure import structure_for
from surveys.models import Answer, Contact, Questionnaire, RepeatRow, Response, Wave
from surveys.services.demo import demo_load
from surveys.services.waves import wave_open
from surveys.values import Choice, PartnershipValue, load_values
from tests.exchange.conftest import answer, read_cells
from tests.exchange.test_answer_cells import by_answer_rows, by_values, written
from tests.exchange.test_limesurvey import ELBE, GCA, HEADER, csv_bytes, read
from tests.factories import days

DEMO_WAVES = ["escp-4i-demo", "escp-s3-demo", "eccp-demo"]


def export(wave: Wave, **kwargs: Any) -> BytesIO:
    target = BytesIO()
    wave_export(wave=wave, target=target, **kwargs)
    target.seek(0)
    return target


def empty_copy(wave: Wave, slug: str) -> Wave:
    """A wave of the same version, for the same partnerships, following the same previous
    wave (if any), without any answer."""
    copy = wave_open(version=wave.version, slug=slug, opens_at=days(-1), closes_at=days(10), previous=wave.previous)
    assert not Answer.objects.filter(response__wave=copy).exists()
    return copy


def round_trip(wave: Wave, slug: str) -> tuple[dict[str, Any], dict[str, Any], Wave]:
    first = export(wave)
    plan = workbook_read(wave=wave, file=first)
    assert [str(p) for p in plan.problems] == []
    target = empty_copy(wave, slug)
    first.seek(0)
    responses_import(wave=target, plan=workbook_read(wave=target, file=first))
    first.seek(0)
    return read_cells(first), read_cells(export(target)), target


def without_outreach(cells: dict[str, Any]) -> dict[str, Any]:
    """The sheets, with the partnerships sheet's invitation and reminder days left out (they
    belong to a wave's messages, which an import does not bring)."""
    sheets = dict(cells)
    header = sheets["partnerships"][0]
    keep = [i for i, h in enumerate(header) if h not in ("invited_on", "reminded_on")]
    sheets["partnerships"] = [[row[i] if i < len(row) else None for i in keep] for row in sheets["partnerships"]]
    return sheets


@pytest.fixture
def demo(questionnaires: dict[str, Questionnaire]) -> dict[str, Wave]:
    demo_load()
    demo_responses_fill()
    return {w.slug: w for w in Wave.objects.filter(slug__in=DEMO_WAVES).select_related("version__questionnaire")}


@pytest.mark.parametrize("slug", DEMO_WAVES)
def test_the_demo_answers_of_each_bundled_questionnaire_round_trip_to_identical_cells(
    demo: dict[str, Wave], slug: str
) -> None:
    wave = demo[slug]
    assert Answer.objects.filter(response__wave=wave).count() > 0
    before, after, target = round_trip(wave, f"{slug}-copy")
    assert set(after) == {"responses", "codebook", "partnerships"} | {
        s.name for _, s in workbook_layout(structure_for(wave.version)).repeats
    }
    assert without_outreach(after) == without_outreach(before)
    if slug == "escp-4i-demo":  # the demo has collaborations, and ticks left at 0
        assert len(before["A7"]) > 2
        assert any(0 in row for row in before["responses"][1:])
    structure = structure_for(wave.version)
    for response in Response.objects.filter(wave=wave).select_related("partnership"):
        copy = Response.objects.get(wave=target, partnership=response.partnership)
        assert (copy.status, load_values(copy, structure)) == (response.status, load_values(response, structure))


@pytest.mark.parametrize("slug", DEMO_WAVES)
def test_the_exports_direct_path_gives_the_definitions_cells_for_each_bundled_questionnaire(
    demo: dict[str, Wave], slug: str
) -> None:
    wave = demo[slug]
    for labels in (False, True):
        assert by_answer_rows(wave, labels) == written(by_values(wave, labels))


@pytest.fixture
def collaborations(wave_4i: Wave) -> Wave:
    """Annex A with A7 answered: registered partnerships, a typed name, a row with only a purpose."""
    answer(
        wave_4i,
        "GCA",
        {
            "R1": "Ada Coordinator",
            "A6": Choice(option="yes"),
            "A7": [
                {"partnership": PartnershipValue(acronym="ELBE"), "purpose": "Joint call on textiles"},
                {"partnership": PartnershipValue(text="Nordic Health Alliance"), "purpose": '=HYPERLINK("x")'},
                {"purpose": "Exchange of staff"},
                {},
            ],
        },
        status=Response.Status.SUBMITTED,
        submitted_at=dt.datetime(2019, 5, 20, 12, 30, tzinfo=dt.UTC),
    )
    answer(
        wave_4i,
        "ELBE",
        {"A6": Choice(option="yes"), "A7": [{"partnership": PartnershipValue(acronym="GCA")}]},
        status=Response.Status.DRAFT,
    )
    return wave_4i


def test_annex_a_has_bracketed_field_columns_so_a7s_partnership_is_no_key(collaborations: Wave) -> None:
    cells = read_cells(export(collaborations))
    assert cells["A7"][0] == [
        "partnership",
        "group",
        "row",
        "A7[_status]",
        "A7[_from_row]",
        "A7[partnership]",
        "A7[purpose]",
    ]
    # A first wave: every row is new, carried from no row.
    assert cells["A7"][1:] == [
        ["ELBE", "strand-1", 1, "new", None, "GCA"],
        ["GCA", "strand-1", 1, "new", None, "ELBE", "Joint call on textiles"],
        ["GCA", "strand-1", 2, "new", None, "Nordic Health Alliance", '=HYPERLINK("x")'],
        ["GCA", "strand-1", 3, "new", None, None, "Exchange of staff"],
        ["GCA", "strand-1", 4, "new"],
    ]
    codebook = cells["codebook"]
    assert ["A7", "A7[partnership]", "A7", "partnership", "field: partnership", "Other ESCP"] in codebook
    assert ["A7", "partnership", None, None, "fixed", "Acronym of the partnership"] in codebook


def test_annex_a_with_collaborations_imports_back_into_an_empty_wave_unchanged(collaborations: Wave) -> None:
    before, after, target = round_trip(collaborations, "escp-4i-copy")
    assert after == before
    structure = structure_for(target.version)
    gca = Response.objects.get(wave=target, partnership__acronym="GCA")
    assert load_values(gca, structure)["A7"][1] == {
        "partnership": PartnershipValue(text="Nordic Health Alliance"),
        "purpose": '=HYPERLINK("x")',
    }
    assert RepeatRow.objects.filter(response=gca).count() == 4


def without_row_status(book: openpyxl.Workbook) -> None:
    """The repeat sheets as an export before the rows' status wrote them: no `Q[_status]`, `Q[_from_row]`."""
    for ws in book.worksheets:
        header = [c.value for c in ws[1]]
        if ws.title not in ("responses", "codebook", "partnerships") and header[3].endswith("[_status]"):
            assert header[4].endswith("[_from_row]")
            ws.delete_cols(4, 2)


def old_layout(source: BytesIO, tmp_path: Path) -> Path:
    """The workbook as the export before bracketed field columns wrote it: bare field codes,
    no row status, and empty cells for options not ticked."""
    book = openpyxl.load_workbook(source)
    without_row_status(book)
    for ws in book.worksheets:
        if ws.title in ("responses", "codebook", "partnerships"):
            if ws.title == "responses":
                header = [c.value for c in ws[1]]
                ticks = [i for i, h in enumerate(header, start=1) if h and h.count("[") == 1]
                for row in ws.iter_rows(min_row=2):
                    for cell in row:
                        if cell.column in ticks and cell.value == 0:
                            cell.value = None
            continue
        for cell in ws[1][3:]:
            cell.value = cell.value.split("[", 1)[1][:-1] if "]" in cell.value else cell.value
            assert cell.value and "[" not in cell.value
    path = tmp_path / "old.xlsx"
    book.save(path)
    return path


def test_a_workbook_of_the_previous_layout_still_imports(collaborations: Wave, tmp_path: Path) -> None:
    path = old_layout(export(collaborations), tmp_path)
    old = openpyxl.load_workbook(path)
    assert [c.value for c in old["A7"][1]] == ["partnership", "group", "row", "partnership", "purpose"]
    target = empty_copy(collaborations, "escp-4i-copy")
    plan = workbook_read(wave=target, file=path)
    assert [str(p) for p in plan.problems] == []
    responses_import(wave=target, plan=plan)
    structure = structure_for(target.version)
    for acronym in ("GCA", "ELBE"):
        original = Response.objects.get(wave=collaborations, partnership__acronym=acronym)
        copy = Response.objects.get(wave=target, partnership__acronym=acronym)
        assert load_values(copy, structure) == load_values(original, structure)
    # Exported again, it is in today's layout and cells.
    assert read_cells(export(target)) == read_cells(export(collaborations))


def test_an_old_layout_sheet_with_a_third_partnership_column_is_refused(collaborations: Wave, tmp_path: Path) -> None:
    path = old_layout(export(collaborations), tmp_path)
    book = openpyxl.load_workbook(path)
    book["A7"].cell(row=1, column=6).value = "partnership"  # after partnership, group, row, partnership, purpose
    book.save(path)
    assert [str(p) for p in workbook_read(wave=collaborations, file=path).problems] == [
        "sheet A7, row 1, column partnership (F): the column partnership appears twice (also in A)."
    ]


def test_a_limesurvey_import_of_annex_a_exports_and_imports_back_unchanged(
    questionnaires: dict[str, Questionnaire], register_4i: dict[str, Contact]
) -> None:
    version = questionnaires["escp-4i-progress"].latest_version()
    assert version is not None
    first = wave_open(
        version=version,
        slug="escp-4i-2018",
        opens_at=dt.datetime(2018, 5, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2018, 6, 5, tzinfo=dt.UTC),
    )
    plan = read(first, csv_bytes([HEADER, GCA, ELBE]))
    assert [str(p) for p in plan.problems] == []
    responses_import(wave=first, plan=plan)
    gca = load_values(Response.objects.get(wave=first, partnership__acronym="GCA"), structure_for(version))
    assert gca["A7"] == [{"partnership": PartnershipValue(acronym="ELBE"), "purpose": "Joint call"}]
    before, after, _ = round_trip(first, "escp-4i-2018-copy")
    assert after == before
    # The LimeSurvey file itself, read again into a second empty wave, gives the same export.
    again = empty_copy(first, "escp-4i-2018-again")
    responses_import(
        wave=again,
        plan=limesurvey_read(
            wave=again,
            file=io.BytesIO(csv_bytes([HEADER, GCA, ELBE])),
            mapping_text=(Path(__file__).resolve().parents[2] / "docs" / "limesurvey-mapping-example.yaml").read_text(),
            file_name="results.csv",
        ),
    )
    assert without_outreach(read_cells(export(again))) == without_outreach(before)


def test_ticks_are_zero_where_the_question_was_seen_and_empty_where_not_asked(collaborations: Wave) -> None:
    cells = read_cells(export(collaborations))
    header = cells["responses"][0]
    a1 = [i for i, h in enumerate(header) if h.startswith("A1[") and h.count("[") == 1]
    assert a1

    def ticks(acronym: str) -> list[Any]:
        row = next(r for r in cells["responses"][1:] if r[0] == acronym)
        return [row[i] if i < len(row) else None for i in a1]

    # GCA submitted without ticking A1 (it saw the question): zeros. ELBE's draft did not
    # answer it and EC2i has not started: empty.
    assert ticks("GCA") == [0] * len(a1)
    assert ticks("ELBE") == [None] * len(a1)
    assert ticks("EC2i") == [None] * len(a1)


def test_the_labels_layout_has_the_same_bracketed_columns_with_their_texts(collaborations: Wave) -> None:
    cells = read_cells(export(collaborations, labels=True))
    assert cells["A7"][0] == [
        "partnership",
        "group",
        "row",
        "A7[_status]",
        "A7[_from_row]",
        "A7[partnership]",
        "A7[purpose]",
    ]
    assert cells["A7"][1][3:] == [
        "Status of the row: new, carried, confirmed, ended (new: added in this wave)",
        "Row it was carried from, in the partnership's table of the previous wave (empty for a new row)",
        "Other ESCP",
        "Purpose of the dialogue/ collaboration",
    ]
    # GCA's row of texts: its status's text, ELBE by acronym and name, the ticks of A1 (seen, not ticked) at 0.
    gca = next(r for r in cells["A7"][2:] if r[0] == "GCA")
    assert gca[3:6] == ["New since the previous wave", None, "ELBE (Partnership ELBE)"]
    header = cells["responses"][0]
    row = next(r for r in cells["responses"][2:] if r[0] == "GCA")
    assert {row[i] for i, h in enumerate(header) if h.startswith("A1[") and h.count("[") == 1} == {0}


A5_HEADER = [
    "partnership",
    "group",
    "row",
    "A5[_status]",
    "A5[_from_row]",
    "A5[counterpart_type]",
    "A5[organisation]",
    "A5[country]",
    "A5[description]",
    "A5[signed_on]",
    "A5[new_since_previous]",
]


def stored_rows(wave: Wave, acronym: str) -> list[tuple[str, int | None, str, str]]:
    """(status, previous row's number, organisation, new_since_previous) of each A5 row."""
    response = Response.objects.get(wave=wave, partnership__acronym=acronym)
    # The rows of other waves (the previous one), by id: their number in their table.
    numbers = dict(RepeatRow.objects.exclude(response__wave=wave).values_list("id", "position"))
    values = load_values(response, structure_for(wave.version))
    return [
        (status, numbers.get(origin) if origin else None, row["organisation"], row["new_since_previous"].option)
        for (status, origin), row in zip(
            RepeatRow.objects.filter(response=response, question__code="A5")
            .order_by("position")
            .values_list("status", "carried_from"),
            values["A5"],
            strict=True,
        )
    ]


def test_annex_a_prefilled_from_the_previous_wave_exports_each_rows_status_and_origin(carried_wave: Wave) -> None:
    cells = read_cells(export(carried_wave))
    assert cells["A5"] == [
        A5_HEADER,
        ["ELBE", "strand-1", 1, "new", None, "research", "Lyon Institute", "FR", None, None, "yes"],
        ["GCA", "strand-1", 1, "confirmed", 2, "university", "Tsinghua", "CN", None, None, "no"],
        ["GCA", "strand-1", 2, "ended", 3, "sme", "Kyoto Robotics", "JP", None, None, "no"],
        ["GCA", "strand-1", 3, "carried", 4, "public_authority", "Seoul City", "KR", None, None, "no"],
        ["GCA", "strand-1", 4, "new", None, "large_company", "Busan Shipyards", "KR", None, None, "yes"],
    ]
    codebook = cells["codebook"]
    assert ["A5", "A5[_status]", "A5", "ended", "value", "From the previous wave, ended"] in codebook
    assert ["A5", "A5[_from_row]", "A5", None, "fixed", FROM_ROW_TEXT] in codebook
    labels = read_cells(export(carried_wave, labels=True))["A5"]
    assert [row[3:5] for row in labels[2:]] == [
        ["New since the previous wave", None],
        ["From the previous wave, still current", 2],
        ["From the previous wave, ended", 3],
        ["From the previous wave, not yet confirmed", 4],
        ["New since the previous wave", None],
    ]
    # The export's direct path gives the same cells as the values do, in both modes.
    for with_labels in (False, True):
        assert by_answer_rows(carried_wave, with_labels) == written(by_values(carried_wave, with_labels))


def test_annex_a_prefilled_from_the_previous_wave_round_trips_with_its_rows_status(carried_wave: Wave) -> None:
    before, after, target = round_trip(carried_wave, "escp-4i-2019-copy")
    assert without_outreach(after) == without_outreach(before)
    # Each row carried from the same row of 2018 as the original's, with the same status.
    expected = [
        ("confirmed", 2, "Tsinghua", "no"),
        ("ended", 3, "Kyoto Robotics", "no"),
        ("carried", 4, "Seoul City", "no"),
        ("new", None, "Busan Shipyards", "yes"),
    ]
    assert stored_rows(carried_wave, "GCA") == expected
    assert stored_rows(target, "GCA") == expected
    assert stored_rows(target, "ELBE") == [("new", None, "Lyon Institute", "yes")]
    # The copy's responses were not prefilled: the origins come from the wave's previous one.
    assert Response.objects.get(wave=target, partnership__acronym="GCA").prefilled_from_id is None
