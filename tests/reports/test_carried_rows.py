"""The report of an Annex A wave prefilled from the previous one (issue 15): rows carried,
confirmed, ended or new. An ended row is kept but is no current agreement or collaboration;
Table 2 lists it as ended (reported so), Table 1 adds up.

The two waves, worked out by hand (ESCP-4i, GCA and ELBE strand-1, EC2i strand-2):

2018  GCA   A4 3, A5 Osaka, Tsinghua, Boston; A7 ELBE (Joint mission), EC2i (Shared
            training), BioXclusters (Study visit)
      ELBE  A4 1, A5 Kyoto; A7 GCA (Joint mission)
      EC2i  A4 2, A5 two rows; A6 no. EC2i confirmed GCA's claim.
2019  GCA   prefilled: A5 Osaka confirmed, Tsinghua carried (left as it came), Boston ended,
            Seoul and Toronto new: A4 4. A7 ELBE confirmed, EC2i ended, BioXclusters
            carried, "Baltic Hub" new (free text).
      ELBE  prefilled: A5 Kyoto confirmed, A4 1; A7 GCA ended.
      EC2i  not prefilled: A4 2, A5 two rows (one signed since the previous survey);
            A7 GCA (Webinars).
"""

from __future__ import annotations

import io
from decimal import Decimal
from functools import partial
from typing import Any

import docx
import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports.report import as_json, wave_report
from reports.tables import printed_tables
from surveys.definition.structure import structure_for
from surveys.models import CollaborationConfirmation, Response, Wave
from surveys.services.prefill import response_prefill
from surveys.services.responses import derive_row_origins
from surveys.services.waves import wave_open
from surveys.values import Choice, PartnershipValue, load_values
from tests.factories import days
from tests.reports.conftest import give

YES, NO = Choice("yes"), Choice("no")


def _agreement(organisation: str, country: str, kind: str = "cluster") -> dict[str, Any]:
    return {"counterpart_type": Choice(kind), "organisation": organisation, "country": [country]}


def _prefilled(current: Wave, acronym: str, statuses: dict[str, list[str]], added: dict[str, list[Any]], **more: Any):
    """The partnership's response prefilled from last year's, each carried row given its
    status (in order), rows added and other answers set, as the section save stores them
    (origins checked, "signed since the previous survey?" derived), then submitted."""
    response = Response.objects.select_related("wave__version").get(wave=current, partnership__acronym=acronym)
    source = Response.objects.get(wave=current.previous, partnership__acronym=acronym)
    response_prefill(response=response, source=source, contact=None)
    structure = structure_for(current.version)
    stored = load_values(response, structure)
    values = {**stored, **more}
    for code, wanted in statuses.items():
        rows = stored[code]
        assert [r["_status"] for r in rows] == ["carried"] * len(wanted)
        values[code] = [{**row, "_status": s} for row, s in zip(rows, wanted, strict=True)] + added.get(code, [])
    values = derive_row_origins(response=response, nodes=structure.questions(), values=values, stored=stored)
    return give(current, acronym, values)


@pytest.fixture
def carried(wave_4i: Wave) -> Wave:
    previous = wave_open(version=wave_4i.version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-300))
    Wave.objects.filter(pk=wave_4i.pk).update(previous=previous)
    wave_4i.refresh_from_db()
    gca = give(
        previous,
        "GCA",
        {
            "A4": Decimal(3),
            "A5": [_agreement("Osaka", "JP"), _agreement("Tsinghua", "CN", "university"), _agreement("Boston", "US")],
            "A6": YES,
            "A7": [
                {"partnership": PartnershipValue("ELBE"), "purpose": "Joint mission"},
                {"partnership": PartnershipValue("EC2i"), "purpose": "Shared training"},
                {"partnership": PartnershipValue("BioXclusters"), "purpose": "Study visit"},
            ],
        },
    )
    give(
        previous,
        "ELBE",
        {
            "A4": Decimal(1),
            "A5": [_agreement("Kyoto", "JP")],
            "A6": YES,
            "A7": [{"partnership": PartnershipValue("GCA"), "purpose": "Joint mission"}],
        },
    )
    ec2i = give(
        previous,
        "EC2i",
        {"A4": Decimal(2), "A5": [_agreement("Lyon", "FR"), _agreement("Rabat", "MA")], "A6": NO},
    )
    CollaborationConfirmation.objects.create(
        response=ec2i, claimant=gca, status=CollaborationConfirmation.Status.CONFIRMED, answered_at=timezone.now()
    )
    _prefilled(
        wave_4i,
        "GCA",
        {"A5": ["confirmed", "carried", "ended"], "A7": ["confirmed", "ended", "carried"]},
        {
            "A5": [_agreement("Seoul", "KR", "sme"), _agreement("Toronto", "CA")],
            "A7": [{"partnership": PartnershipValue(text="Baltic Hub"), "purpose": "Matchmaking"}],
        },
        A4=Decimal(4),
    )
    _prefilled(wave_4i, "ELBE", {"A5": ["confirmed"], "A7": ["ended"]}, {})
    give(
        wave_4i,
        "EC2i",
        {
            "A4": Decimal(2),
            "A5": [
                {**_agreement("Lyon", "FR"), "new_since_previous": NO},
                {**_agreement("Oslo", "NO"), "new_since_previous": YES},
            ],
            "A6": YES,
            "A7": [{"partnership": PartnershipValue("GCA"), "purpose": "Webinars"}],
        },
    )
    return wave_4i


def _report(wave: Wave) -> dict[str, Any]:
    report = as_json(wave_report(wave))
    # The scan of the answers and the tallies agree on every figure, ended rows included.
    assert report == as_json(wave_report(wave, scan=True))
    return report


def test_ended_rows_are_not_counted_as_current(carried: Wave) -> None:
    questions = _report(carried)["questions"]
    # A5: GCA 4 current rows (Osaka, Tsinghua, Seoul, Toronto), ELBE 1, EC2i 2.
    assert questions["A5"]["rows_by_partnership"] == {"EC2i": 2, "ELBE": 1, "GCA": 4}
    assert questions["A5"]["rows"] == {"total": 7, "strand-1": 5, "strand-2": 2}
    # Boston (ended) is not a current counterpart in the US.
    assert "US" not in questions["A5"]["fields"]["country"]["countries"]
    # A7: GCA's ELBE, BioXclusters and Baltic Hub rows; EC2i's GCA row; ELBE's only row ended.
    a7 = questions["A7"]
    assert a7["rows_by_partnership"] == {"EC2i": 1, "GCA": 3}
    named = a7["fields"]["partnership"]
    assert named["partnerships"] == {
        "BioXclusters": {"total": 1, "strand-1": 1, "strand-2": 0},
        "ELBE": {"total": 1, "strand-1": 1, "strand-2": 0},
        "GCA": {"total": 1, "strand-1": 0, "strand-2": 1},
    }
    assert named["unregistered"] == {"total": 1, "strand-1": 1, "strand-2": 0}


def test_collaborations_leave_ended_rows_out_and_list_them_apart(carried: Wave) -> None:
    collab = _report(carried)["collaborations"]
    pairs = {tuple(p["partnerships"]): (tuple(p["reported_by"]), p["reciprocal"]) for p in collab["pairs"]}
    # GCA–ELBE was reciprocal last year: ELBE ended its row, GCA still reports it.
    assert pairs == {
        ("Baltic Hub", "GCA"): (("GCA",), False),
        ("BioXclusters", "GCA"): (("GCA",), False),
        ("EC2i", "GCA"): (("EC2i",), False),
        ("ELBE", "GCA"): (("GCA",), False),
    }
    assert (collab["reciprocal"], collab["one_sided"]) == (0, 4)
    assert collab["ended"] == [
        {"partnership": "ELBE", "partner": "GCA", "registered": True, "purposes": ("Joint mission",)},
        {"partnership": "GCA", "partner": "EC2i", "registered": True, "purposes": ("Shared training",)},
    ]
    # ELBE and EC2i have not answered this year's claims; BioXclusters and the free text cannot.
    assert collab["confirmations"] == {
        "confirmed_by_both": 0,
        "confirmed": 0,
        "declined": 0,
        "not_answered": 2,
        "not_asked": 2,
    }


def test_table1_adds_up_by_construction(carried: Wave) -> None:
    report = _report(carried)
    a5 = report["questions"]["A5"]
    # New rows: GCA's Seoul and Toronto (added to the carried ones), EC2i's Oslo (answered
    # "signed since the previous survey": yes; Lyon: no). Ended: GCA's Boston.
    assert a5["new_rows_by_partnership"] == {"EC2i": 1, "GCA": 2}
    assert a5["ended_rows_by_partnership"] == {"GCA": 1}
    # The derived field agrees: of the 7 current rows, 3 new since the previous survey.
    derived = a5["fields"]["new_since_previous"]["options"]
    assert (derived["yes"]["total"], derived["no"]["total"]) == (3, 4)
    # A7: GCA's Baltic Hub and EC2i's row naming GCA are new; ELBE's and GCA's ended.
    assert report["questions"]["A7"]["new_rows_by_partnership"] == {"EC2i": 1, "GCA": 1}
    assert report["questions"]["A7"]["ended_rows_by_partnership"] == {"ELBE": 1, "GCA": 1}

    t1 = report["tables"]["table1"]
    rows = [
        (r["partnership"], r["previous"], r["current"], r["new_since"], r["ended"], r["balanced"]) for r in t1["rows"]
    ]
    assert rows == [
        ("ELBE", 1, 1, 0, 0, True),  # Kyoto confirmed: 1 + 0 - 0 = 1
        ("GCA", 3, 4, 2, 1, True),  # 3 carried, 1 of them ended, 2 new: 3 + 2 - 1 = 4
        # EC2i started empty: Rabat is not listed any more, yet not marked ended (2 + 1 - 0 = 3).
        ("EC2i", 2, 2, 1, 0, False),
    ]
    assert len({r[0] for r in rows}) == len(rows)  # each partnership once
    assert (t1["from_rows"], t1["unbalanced"]) == (True, ["EC2i"])
    assert t1["totals"] == {
        "total": {
            "partnerships": 3,
            "previous": 6,
            "current": 7,
            "new_since": 3,
            "ended": 1,
            "at_least_one": {"previous": 3, "current": 3},
        },
        "strand-1": {
            "partnerships": 2,
            "previous": 4,
            "current": 5,
            "new_since": 2,
            "ended": 1,
            "at_least_one": {"previous": 2, "current": 2},
        },
        "strand-2": {
            "partnerships": 1,
            "previous": 2,
            "current": 2,
            "new_since": 1,
            "ended": 0,
            "at_least_one": {"previous": 1, "current": 1},
        },
    }


TABLE2 = [
    # (reporter, partner, reciprocal, confirmation, change, reported ended)
    ("ELBE", "GCA", True, "confirmed_by_both", "ended", True),
    ("GCA", "Baltic Hub", False, "not_asked", "new", False),
    ("GCA", "BioXclusters", False, "not_asked", "continued", False),
    ("GCA", "ELBE", False, "not_answered", "continued", False),
    # Last year's pair, confirmed by EC2i then: the status comes with it.
    ("GCA", "EC2i", False, "confirmed", "ended", True),
    ("EC2i", "GCA", False, "not_answered", "continued", False),
]


def test_table2_says_ended_when_the_coordinator_marked_the_row_ended(carried: Wave) -> None:
    report = _report(carried)
    t2 = report["tables"]["table2"]
    assert [
        (r["partnership"], r["partner"], r["reciprocal"], r["confirmation"], r["change"], r["reported_ended"])
        for r in t2["rows"]
    ] == TABLE2
    assert t2["changes"] == {"new": 1, "continued": 3, "ended": 2}
    # Ended rows keep last year's purposes.
    assert [r["purposes"] for r in t2["rows"] if r["change"] == "ended"] == [["Joint mission"], ["Shared training"]]
    printed = {
        t.key: t for t in printed_tables(report["tables"], groups=report["groups"], previous_wave="2018", wave="2019")
    }["table2"]
    assert [row[5:] for row in printed.rows] == [
        ["yes", "ended (reported)"],
        ["no", "new"],
        ["no", "continued"],
        ["no", "continued"],
        ["no, confirmed by the partner", "ended (reported)"],
        ["no", "continued"],
    ]
    assert printed.note == (
        "Against 2018: 1 new, 3 continued, 2 ended. Of the ended, 2 marked ended by the reporting "
        "partnership this wave (ended (reported)); the others are no longer listed."
    )


def test_the_comparison_counts_the_previous_waves_confirmations(carried: Wave) -> None:
    # 2018: GCA–ELBE reciprocal, GCA–EC2i confirmed by EC2i, GCA–BioXclusters cannot be asked.
    assert _report(carried)["comparison"]["collaborations"] == {
        "pairs": 3,
        "reciprocal": 1,
        "one_sided": 2,
        "confirmations": {
            "confirmed_by_both": 1,
            "confirmed": 1,
            "declined": 0,
            "not_answered": 0,
            "not_asked": 1,
        },
    }


def test_a_previous_wave_never_asked_has_no_confirmation_to_show(carried: Wave) -> None:
    CollaborationConfirmation.objects.all().delete()
    rows = _report(carried)["tables"]["table2"]["rows"]
    # Without a single answer in 2018, GCA's claim on EC2i was never asked (not "not answered").
    assert [
        (r["partner"], r["confirmation"]) for r in rows if r["partnership"] == "GCA" and r["change"] == "ended"
    ] == [("EC2i", "not_asked")]


def test_every_output_says_the_same(staff_client: Client, carried: Wave) -> None:
    """The JSON, the dashboard, the Excel report, the Word draft and the printable page."""
    url = partial(lambda name: reverse(f"reports:{name}", args=[carried.slug]))
    data = staff_client.get(url("json")).json()
    assert data["collaborations"]["one_sided"] == 4
    assert [r["reported_ended"] for r in data["tables"]["table2"]["rows"]].count(True) == 2
    ended = ["GCA", "strand-1", "EC2i", "yes", "Shared training", "no, confirmed by the partner", "ended (reported)"]
    book = openpyxl.load_workbook(io.BytesIO(staff_client.get(url("excel")).content))
    assert ended in [[c.value for c in row] for row in book["Tables"].iter_rows()]
    doc = docx.Document(io.BytesIO(staff_client.get(url("docx")).content))
    assert ended in [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    for page in (url("dashboard"), url("printable")):
        html = staff_client.get(page).content.decode()
        assert html.count("ended (reported)") == 2 + 1  # two rows and the note
    dashboard = staff_client.get(url("dashboard")).content.decode()
    assert (
        "2 collaborations from the previous wave marked ended by the partnership that reported them: not counted"
        in dashboard
    )
    assert "In escp-4i-2018: 3 pairs, 1 reciprocal, 2 reported by one side only; 1 confirmed by both" in dashboard
    # The purposes of ended rows are still quoted, said to be of an ended row.
    quoted = [c.text for t in doc.tables for row in t.rows for c in row.cells if "previous wave, marked" in c.text]
    assert [q.split("\n")[0] for q in quoted] == ["“Joint mission”", "“Shared training”"]
    comments = staff_client.get(reverse("reports:comments", args=[carried.slug]) + "?question=A7").content.decode()
    assert comments.count("(a row from the previous wave, marked ended)") == 2
