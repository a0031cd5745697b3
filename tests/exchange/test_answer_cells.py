"""The export's direct path from answer rows to cells against the definition: values, then cells.

`exchange.answer_cells` must give, for every question type and in both modes, exactly the
cells that `surveys.values.load_values` followed by `CellWriter.cells` give.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from exchange.answer_cells import AnswerCells
from exchange.export import _partnerships, origin_rows
from exchange.layout import CellWriter, workbook_layout
from surveys.definition.structure import structure_for
from surveys.models import Answer, Partnership, RepeatRow, Response, Wave
from surveys.values import Choice, PartnershipValue, Ticked, load_values
from tests.exchange.conftest import answer

# A third response with what GCA and ELBE leave out: a choice without "other", a matrix row
# left empty, a ticked option with a number but no comment, a decimal, countries and a free
# text partnership in a repeat row.
EC2I_VALUES = {
    "M1": {"agreements": Ticked(number=Decimal(0)), "events": Ticked()},
    "S1": Choice(option="cluster"),
    "Y1": Choice(option="no"),
    "R1": {"events": "2"},
    "N1": Decimal("0.25"),
    "T1": " leading and trailing ",
    "D1": dt.date(2020, 2, 29),
    "C1": ["US"],
    "P1": PartnershipValue(acronym="GCA"),
    "RP": [
        {"land": ["CN"], "partner": PartnershipValue(text="Not registered"), "qty": Decimal("1.5")},
        {"kind": Choice(option="sme"), "new": Choice(option="no"), "day": dt.date(2019, 12, 31)},
    ],
}


def by_values(wave: Wave, labels: bool) -> dict[str, tuple[list[Any], list[list[list[Any]]]]]:
    """Per acronym: the `responses` cells and each repeat sheet's rows, through the values."""
    structure = structure_for(wave.version)
    layout = workbook_layout(structure)
    names = dict(Partnership.objects.values_list("acronym", "name"))
    # The rows carried from: by id, their number in their own table.
    origins = dict(RepeatRow.objects.values_list("id", "position"))
    writer = CellWriter(labels=labels, partnership_names=names, origin_rows=origins)
    writer.prepare(layout.responses)
    for _, sheet in layout.repeats:
        writer.prepare(sheet)
    result = {}
    for response in Response.objects.filter(wave=wave).select_related("partnership"):
        values = load_values(response, structure)
        top: list[tuple[Any, Any]] = []
        writer.cells(layout.responses, values, top)
        repeats = []
        for node, sheet in layout.repeats:
            rows = []
            for row in values.get(node.code) or []:
                cells: list[tuple[Any, Any]] = []
                writer.cells(sheet, row, cells)
                rows.append(cells)
            repeats.append(rows)
        result[response.partnership.acronym] = (top, repeats)
    return result


def by_answer_rows(wave: Wave, labels: bool) -> dict[str, tuple[list[Any], list[list[list[Any]]]]]:
    """The same through `AnswerCells`, with the export's partnership lookup."""
    layout = workbook_layout(structure_for(wave.version))
    answer_cells = AnswerCells(layout, CellWriter(labels=labels))
    responses = dict(Response.objects.filter(wave=wave).values_list("id", "partnership__acronym"))
    collected = answer_cells.collect(
        RepeatRow.objects.filter(response__wave=wave)
        .order_by("response_id", "question_id", "position")
        .values_list("response_id", "id", "question_id", "status", "carried_from"),
        # In reverse: `collect` takes answers in any order (the export reads them unsorted).
        Answer.objects.filter(response__wave=wave).order_by("-id").values_list(*answer_cells.fields),
        _partnerships,
        origin_rows,
    )
    result = {}
    for response_id, acronym in responses.items():
        top, repeats = collected.get(response_id, ({}, [[] for _ in layout.repeats]))
        # Cells that the sheet writer skips (None and "") are not cells.
        result[acronym] = (
            [(c, v) for c, v in sorted(top.items()) if v not in (None, "")],
            [[[(c, v) for c, v in sorted(row.items()) if v not in (None, "")] for row in rows] for rows in repeats],
        )
    return result


def written(cells: dict[str, tuple[list[Any], list[Any]]]) -> dict[str, tuple[list[Any], list[Any]]]:
    return {
        acronym: (
            [(c, v) for c, v in top if v not in (None, "")],
            [[[(c, v) for c, v in row if v not in (None, "")] for row in rows] for rows in repeats],
        )
        for acronym, (top, repeats) in cells.items()
    }


@pytest.mark.parametrize("labels", [False, True])
def test_it_gives_the_cells_of_the_values_for_every_question_type(answered_wave: Wave, labels: bool) -> None:
    answer(answered_wave, "EC2i", EC2I_VALUES, status=Response.Status.DRAFT)
    direct = by_answer_rows(answered_wave, labels)
    assert direct == written(by_values(answered_wave, labels))
    # Every column of the responses sheet that a type fills is filled for someone.
    layout = workbook_layout(structure_for(answered_wave.version))
    filled = {c for top, _ in direct.values() for c, _ in top}
    assert filled == set(range(4, len(layout.responses.columns))) - {
        layout.responses.headers.index("M1[agreements][comment]")
    }


def test_it_joins_countries_in_their_order_and_names_them_with_labels(answered_wave: Wave) -> None:
    answer(answered_wave, "EC2i", EC2I_VALUES, status=Response.Status.DRAFT)
    layout = workbook_layout(structure_for(answered_wave.version))
    c1, p1 = layout.responses.headers.index("C1"), layout.responses.headers.index("P1")
    codes = dict(by_answer_rows(answered_wave, labels=False)["GCA"][0])
    texts = dict(by_answer_rows(answered_wave, labels=True)["GCA"][0])
    assert (codes[c1], codes[p1]) == ("JP,CA", "ELBE")
    assert (texts[c1], texts[p1]) == ("Japan; Canada", "ELBE (Partnership ELBE)")
    # A free-text partnership stays its text, with labels too.
    partner = layout.repeats[0][1].headers.index("RP[partner]")
    assert dict(by_answer_rows(answered_wave, labels=True)["EC2i"][1][0][0])[partner] == "Not registered"
