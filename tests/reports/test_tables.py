"""Table 1, Table 2 and the derived indicators of the printed report, from plain values
worked out by hand."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from reports import tables
from reports.demo import demo_responses_fill
from reports.report import as_json, wave_report
from surveys.models import Questionnaire, Wave
from surveys.services.demo import demo_load
from surveys.services.waves import wave_open
from surveys.values import Choice, PartnershipValue
from tests.factories import days
from tests.reports.conftest import answers_4i, give

GROUPS = ["strand-1", "strand-2"]
GROUP_OF = {"GCA": "strand-1", "ELBE": "strand-1", "EC2i": "strand-2", "NF4": "strand-2"}
RATES: dict[str, dict[str, float]] = {
    "participation": {},
    "completion": {},
}  # printed_tables prints them first: not looked at here


def test_it_lists_table1_by_group_with_the_difference_and_totals() -> None:
    table = tables.table1(
        current={"GCA": 4, "ELBE": 0, "EC2i": 7},
        previous={"GCA": 1, "EC2i": 2, "NF4": 3},
        group_of=GROUP_OF,
        groups=GROUPS,
    )
    assert [(r["partnership"], r["group"], r["previous"], r["current"], r["new_since"]) for r in table["rows"]] == [
        ("ELBE", "strand-1", None, 0, None),
        ("GCA", "strand-1", 1, 4, 3),
        ("EC2i", "strand-2", 2, 7, 5),
        ("NF4", "strand-2", 3, None, None),
    ]
    # strand-1: previous 1, current 0 + 4 = 4, new since 3; with at least one: GCA (1), GCA (4).
    assert table["totals"]["strand-1"] == {
        "partnerships": 2,
        "previous": 1,
        "current": 4,
        "new_since": 3,
        "ended": None,  # no table lists the figure
        "at_least_one": {"previous": 1, "current": 1},
    }
    # all: previous 1 + 2 + 3 = 6, current 4 + 0 + 7 = 11, new since 3 + 5 = 8;
    # at least one before: GCA, EC2i, NF4; now: GCA, EC2i (ELBE has 0).
    assert table["totals"]["total"] == {
        "partnerships": 4,
        "previous": 6,
        "current": 11,
        "new_since": 8,
        "ended": None,
        "at_least_one": {"previous": 3, "current": 2},
    }
    assert (table["from_rows"], table["unbalanced"]) == (False, [])


def test_it_takes_new_since_from_the_rows_of_the_table_and_flags_what_does_not_add_up() -> None:
    table = tables.table1(
        current={"GCA": 4, "ELBE": 0, "EC2i": 7},
        previous={"GCA": 3, "ELBE": 1, "EC2i": 2, "NF4": 3},
        group_of=GROUP_OF,
        groups=GROUPS,
        # GCA: 2 new rows, 1 ended; ELBE: its one row ended; EC2i: 4 new (2 + 4 is not 7).
        changes=tables.RowChanges(new={"GCA": 2, "EC2i": 4}, ended={"GCA": 1, "ELBE": 1}),
    )
    assert [
        (r["partnership"], r["previous"], r["current"], r["new_since"], r["ended"], r["balanced"])
        for r in table["rows"]
    ] == [
        ("ELBE", 1, 0, 0, 1, True),  # 1 + 0 - 1 = 0
        ("GCA", 3, 4, 2, 1, True),  # 3 + 2 - 1 = 4
        ("EC2i", 2, 7, 4, 0, False),  # 2 + 4 - 0 = 6, not 7
        ("NF4", 3, None, None, None, None),  # did not answer this wave
    ]
    assert table["unbalanced"] == ["EC2i"]
    # strand-1: previous 1 + 3, current 0 + 4, new 0 + 2, ended 1 + 1.
    assert table["totals"]["strand-1"] == {
        "partnerships": 2,
        "previous": 4,
        "current": 4,
        "new_since": 2,
        "ended": 2,
        "at_least_one": {"previous": 2, "current": 1},
    }
    printed = {
        t.key: t
        for t in tables.printed_tables(
            {"rates": RATES, "table1": {**table, "title": "Agreements"}, "table2": {"rows": []}},
            groups=GROUPS,
            previous_wave="2018",
            wave="2019",
        )
    }["table1"]
    assert printed.headers == ["Partnership", "Group", "2018", "2019", "New since", "Ended"]
    assert printed.rows[2] == ["EC2i", "strand-2", 2, 7, 4, 0]
    assert printed.rows[-1] == ["With at least one", "partnerships", 4, 2, None, None]
    assert printed.note.endswith("Figures that do not add up (to check): EC2i.")


def test_it_leaves_the_first_wave_columns_empty_without_a_previous_wave() -> None:
    table = tables.table1(current={"GCA": 2}, previous=None, group_of=GROUP_OF, groups=GROUPS)
    assert table["rows"] == [
        {
            "partnership": "GCA",
            "group": "strand-1",
            "previous": None,
            "current": 2,
            "new_since": None,
            "ended": None,
            "balanced": None,
        }
    ]
    assert table["totals"]["strand-2"] == {
        "partnerships": 0,
        "previous": None,
        "current": 0,
        "new_since": None,
        "ended": None,
        "at_least_one": {"previous": None, "current": 0},
    }


def _pair(a: str, b: str, by: list[str], purposes: dict[str, list[str]], *, registered: list[bool] | None = None):
    return {
        "partnerships": [a, b],
        "reported_by": by,
        "purposes": purposes,
        "reciprocal": len(by) == 2,
        "registered": registered or [True, True],
    }


def test_it_lists_table2_by_reporter_with_the_change_against_the_previous_wave() -> None:
    current = {
        "pairs": [
            _pair("ELBE", "GCA", ["ELBE", "GCA"], {"ELBE": ["Mission"], "GCA": ["Fair"]}),
            # Typed as free text, but it is the registered NF4: named as registered.
            _pair("GCA", "nf4 ", ["GCA"], {"GCA": ["Webinar"]}, registered=[True, False]),
            _pair("EC2i", "Foo Cluster", ["EC2i"], {}, registered=[True, False]),
        ]
    }
    previous = {
        "pairs": [
            _pair("GCA", "NF4", ["NF4"], {"NF4": []}),
            _pair("EC2i", "ELBE", ["EC2i"], {"EC2i": ["Old purpose"]}),
            _pair("GCA", "NF4", ["GCA"], {}),
            # NF4 did not complete this wave: not called ended.
            _pair("ELBE", "NF4", ["NF4"], {}),
        ]
    }
    table = tables.table2(
        current=current, previous=previous, group_of=GROUP_OF, groups=GROUPS, completed={"GCA", "ELBE", "EC2i"}
    )
    got = [
        (r["partnership"], r["partner"], r["partner_registered"], r["purposes"], r["reciprocal"], r["change"])
        for r in table["rows"]
    ]
    assert got == [
        ("ELBE", "GCA", True, ["Mission"], True, "new"),
        ("GCA", "ELBE", True, ["Fair"], True, "new"),
        ("GCA", "NF4", True, ["Webinar"], False, "continued"),
        ("EC2i", "Foo Cluster", False, [], False, "new"),
        ("EC2i", "ELBE", True, ["Old purpose"], False, "ended"),
    ]
    assert table["changes"] == {"new": 3, "continued": 1, "ended": 1}
    assert table["rows"][2]["partner_group"] == "strand-2"
    assert table["rows"][3]["partner_group"] is None


def test_it_gives_no_change_without_a_previous_wave() -> None:
    current = {"pairs": [_pair("ELBE", "GCA", ["ELBE"], {"ELBE": ["Mission"]})]}
    table = tables.table2(current=current, previous=None, group_of=GROUP_OF, groups=GROUPS, completed={"ELBE"})
    assert [r["change"] for r in table["rows"]] == [None]
    assert table["changes"] == {"new": None, "continued": None, "ended": None}


def test_it_counts_partnerships_with_at_least_one_row() -> None:
    got = tables.with_at_least_one(
        {"GCA": 3, "ELBE": 0, "EC2i": 1},
        group_of=GROUP_OF,
        completed={"total": 4, "strand-1": 3, "strand-2": 1},
    )
    # GCA (strand-1) and EC2i (strand-2): 1 of 3 is 33.3%, 1 of 1 is 100%, 2 of 4 is 50%.
    assert got == {
        "count": {"total": 2, "strand-1": 1, "strand-2": 1},
        "percent": {"total": 50.0, "strand-1": 33.3, "strand-2": 100.0},
    }


def test_it_splits_countries_into_eu_and_non_eu() -> None:
    got = tables.eu_split(
        {
            "US": {"total": 3, "strand-1": 2, "strand-2": 1},
            "DE": {"total": 1, "strand-1": 0, "strand-2": 1},
            "FR": {"total": 2, "strand-1": 2, "strand-2": 0},
        },
        groups=GROUPS,
    )
    assert got["count"] == {
        "eu": {"total": 3, "strand-1": 2, "strand-2": 1},
        "non_eu": {"total": 3, "strand-1": 2, "strand-2": 1},
    }
    assert got["percent"]["eu"] == {"total": 50.0, "strand-1": 50.0, "strand-2": 50.0}


def test_it_gives_the_cumulative_share_of_an_ordered_scale() -> None:
    order = ["weekly_plus", "weekly", "monthly_2_3", "monthly", "less"]
    options = {
        "weekly_plus": {"total": 1, "cluster-organisation": 1},
        "weekly": {"total": 2, "cluster-organisation": 2},
        "monthly_2_3": {"total": 0, "cluster-organisation": 0},
        "monthly": {"total": 3, "cluster-organisation": 3},
        "less": {"total": 2, "cluster-organisation": 2},
    }
    got = tables.cumulative_share(
        options, order=order, through="monthly", respondents={"total": 8, "cluster-organisation": 8}
    )
    # 1 + 2 + 0 + 3 = 6 of 8 = 75%.
    assert got == {
        "levels": ["weekly_plus", "weekly", "monthly_2_3", "monthly"],
        "count": {"total": 6, "cluster-organisation": 6},
        "percent": {"total": 75.0, "cluster-organisation": 75.0},
    }


def test_it_gives_the_participation_rate_beside_the_completion_rate() -> None:
    population = {
        "invited": {"total": 8, "strand-1": 5, "strand-2": 3},
        "started": {"total": 6, "strand-1": 4, "strand-2": 2},
        "completed": {"total": 3, "strand-1": 2, "strand-2": 1},
    }
    assert tables.rates(population) == {
        "participation": {"total": 75.0, "strand-1": 80.0, "strand-2": 66.7},
        "completion": {"total": 37.5, "strand-1": 40.0, "strand-2": 33.3},
    }


# In the report of the bundled ESCP-4i questionnaire ------------------------------------------


@pytest.fixture
def two_waves(wave_4i: Wave) -> Wave:
    previous = wave_open(version=wave_4i.version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-380))
    Wave.objects.filter(pk=wave_4i.pk).update(previous=previous)
    give(previous, "GCA", {"A4": Decimal(2), "A6": Choice("yes"), "A7": [{"partnership": PartnershipValue("EC2i")}]})
    give(previous, "EC2i", {"A4": Decimal(1)})
    give(previous, "ELBE", {"A4": Decimal(9)}, status="draft")
    answers_4i(wave_4i)
    wave_4i.refresh_from_db()
    return wave_4i


def test_it_puts_table1_of_the_definition_in_the_report(two_waves: Wave) -> None:
    table = as_json(wave_report(two_waves))["tables"]["table1"]
    assert (table["question"], table["option"]) == ("A4", None)
    assert table["title"] == "Cooperation agreements or MoU signed per partnership"
    # GCA 2 -> 3, ELBE's first answer is a draft, EC2i's second one too. A4's rows are A5's:
    # GCA's three were not carried from last year and none is said to be older (no
    # "signed since the previous survey?" answered), so all three are new, which does not add
    # up with last year's 2: the table says so rather than print the difference (1).
    assert [(r["partnership"], r["previous"], r["current"], r["new_since"], r["ended"]) for r in table["rows"]] == [
        ("ELBE", None, 0, None, None),
        ("GCA", 2, 3, 3, 0),
        ("EC2i", 1, None, None, None),
    ]
    assert (table["from_rows"], table["unbalanced"]) == (True, ["GCA"])
    assert table["totals"]["total"] == {
        "partnerships": 3,
        "previous": 3,
        "current": 3,
        "new_since": 3,
        "ended": 0,
        "at_least_one": {"previous": 2, "current": 1},
    }


def test_it_puts_table2_and_the_rates_in_the_report(two_waves: Wave) -> None:
    report = as_json(wave_report(two_waves))
    t = report["tables"]
    assert [
        (r["partnership"], r["partner"], r["partner_registered"], r["reciprocal"], r["change"])
        for r in t["table2"]["rows"]
    ] == [
        ("ELBE", "Foo Cluster", False, False, "new"),
        ("ELBE", "GCA", True, True, "new"),
        ("GCA", "ELBE", True, True, "new"),
        # GCA named EC2i a year ago and completed this wave without naming it again.
        ("GCA", "EC2i", True, False, "ended"),
    ]
    assert t["table2"]["rows"][2]["purposes"] == ["Joint mission"]
    # 3 invited (GCA, ELBE in strand-1, EC2i in strand-2), all started, GCA and ELBE completed.
    assert t["rates"] == {
        "participation": {"total": 100.0, "strand-1": 100.0, "strand-2": 100.0},
        "completion": {"total": 66.7, "strand-1": 100.0, "strand-2": 0.0},
    }
    # A5: GCA has 3 rows, ELBE none: 1 of the 2 completed (strand-1).
    a5 = next(i for i in t["indicators"] if i["kind"] == "at_least_one_row")
    assert a5["current"]["count"] == {"total": 1, "strand-1": 1, "strand-2": 0}
    assert a5["current"]["percent"] == {"total": 50.0, "strand-1": 50.0, "strand-2": None}
    # A5.country: CN, CN, US: none in the EU.
    eu = next(i for i in t["indicators"] if i["kind"] == "eu_split")
    assert eu["current"]["count"]["non_eu"]["total"] == 3
    assert eu["current"]["count"]["eu"]["total"] == 0


def test_it_gives_the_same_tables_from_a_scan_of_the_answers(two_waves: Wave) -> None:
    assert as_json(wave_report(two_waves))["tables"] == as_json(wave_report(two_waves, scan=True))["tables"]


def test_it_computes_the_tables_of_every_demo_wave(questionnaires: dict[str, Questionnaire]) -> None:
    demo_load()
    demo_responses_fill()
    eccp = as_json(wave_report(Wave.objects.get(slug="eccp-demo")))
    share = next(i for i in eccp["tables"]["indicators"] if i["kind"] == "cumulative_share")
    c4 = eccp["questions"]["C4"]
    first_four = ["weekly_plus", "weekly", "monthly_2_3", "monthly"]
    assert share["current"]["levels"] == first_four
    assert share["current"]["count"]["total"] == sum(c4["options"][o]["total"] for o in first_four)
    s3 = as_json(wave_report(Wave.objects.get(slug="escp-s3-demo")))
    table = s3["tables"]["table1"]
    assert (table["question"], table["option"]) == ("B6", "cooperation_agreements")
    by_partnership = s3["questions"]["B6"]["option_numbers"]["cooperation_agreements"]["by_partnership"]
    assert {r["partnership"]: r["current"] for r in table["rows"]} == by_partnership
    assert table["totals"]["total"]["previous"] is None


# As printed: dashboard and Excel report -------------------------------------------------------


def test_it_prints_table1_on_the_dashboard(staff_client: Client, two_waves: Wave) -> None:
    page = re.sub(
        r">\s+<", "><", staff_client.get(reverse("reports:dashboard", args=[two_waves.slug])).content.decode()
    )
    assert "Table 1. Cooperation agreements or MoU signed per partnership" in page
    # GCA: 2 in the first wave, 3 now, 3 new since (rows not carried), none ended.
    assert '<th scope="row">GCA</th><td>strand-1</td><td>2</td><td>3</td><td>3</td><td>0</td>' in page
    assert "Figures that do not add up (to check): GCA." in page
    assert "Table 2. Collaborations between partnerships" in page
    assert "Against escp-4i-2018: 3 new, 0 continued, 1 ended." in page


def test_it_writes_the_tables_into_the_excel_report_as_numbers(staff_client: Client, two_waves: Wave) -> None:
    content = staff_client.get(reverse("reports:excel", args=[two_waves.slug])).content
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Tables"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    start = next(
        i for i, r in enumerate(rows) if r[0] == "Table 1. Cooperation agreements or MoU signed per partnership"
    )
    assert rows[start + 1][:6] == ["Partnership", "Group", "escp-4i-2018", "escp-4i-2019", "New since", "Ended"]
    assert rows[start + 3][:6] == ["GCA", "strand-1", 2, 3, 3, 0]
    total = next(r for r in rows[start:] if r[0] == "Total")
    assert total[:6] == ["Total", "3 partnerships", 3, 3, 3, 0]
    t2 = next(i for i, r in enumerate(rows) if r[0] == "Table 2. Collaborations between partnerships")
    assert rows[t2 + 2][:7] == ["ELBE", "strand-1", "Foo Cluster", "no (free text)", None, "no", "new"]


def test_it_prints_table_cells_pure(two_waves: Wave) -> None:
    report = as_json(wave_report(two_waves))
    printed = {
        t.key: t
        for t in tables.printed_tables(
            report["tables"], groups=report["groups"], previous_wave="escp-4i-2018", wave="escp-4i-2019"
        )
    }
    assert printed["rates"].rows[1] == ["Completion rate (completed / invited), %", 100.0, 0.0, 66.7]
    assert printed["indicators"].rows[0] == ["Partnerships with at least one cooperation agreement", 1, 0, 1]


# One rounding rule: half away from zero --------------------------------------------------------


def test_it_rounds_percentages_half_away_from_zero() -> None:
    from reports import indicators as ind
    from reports.figures import cell

    # 1 of 16 is 6.25%: 6.3, where Python's round gives 6.2; 5 of 8 is 62.5%: shown as 63%.
    assert ind.percent(1, 16) == 6.3
    assert ind.percent(5, 8) == 62.5
    assert ind.percent_text(62.5) == "63%"
    assert ind.percent_text(12.5) == "13%"
    assert ind.percent_text(None) == "–"
    assert cell(5, 62.5) == "5 (63%)"
    assert ind.percent(2, 3) == 66.7
