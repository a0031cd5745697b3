"""Indicators of a wave, computed in the database, against figures computed by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.report import as_json, wave_report
from surveys.models import Partnership, Questionnaire, Wave
from surveys.services.waves import wave_open
from surveys.values import Choice, Ticked
from tests.factories import PartnershipFactory, days
from tests.reports.conftest import answers_4i, give


@pytest.fixture
def report_4i(wave_4i: Wave) -> dict[str, Any]:
    answers_4i(wave_4i)
    return as_json(wave_report(wave_4i))


def test_it_counts_invited_started_and_completed_per_group(report_4i: dict[str, Any]) -> None:
    assert report_4i["population"] == {
        "invited": {"total": 3, "strand-1": 2, "strand-2": 1},
        "started": {"total": 3, "strand-1": 2, "strand-2": 1},
        "completed": {"total": 2, "strand-1": 2, "strand-2": 0},
    }
    assert report_4i["response_rate"] == {"total": 66.7, "strand-1": 100.0, "strand-2": 0.0}


def test_it_counts_ticked_options_of_completed_responses_only(report_4i: dict[str, Any]) -> None:
    a1 = report_4i["questions"]["A1"]
    assert a1["respondents"] == {"total": 2, "strand-1": 2, "strand-2": 0}
    assert a1["options"]["events_missions"] == {"total": 2, "strand-1": 2, "strand-2": 0}
    assert a1["options"]["intelligence"] == {"total": 1, "strand-1": 1, "strand-2": 0}
    # EC2i ticked SME mentoring in a draft: it never counts.
    assert a1["options"]["sme_mentoring"] == {"total": 0, "strand-1": 0, "strand-2": 0}
    assert a1["percent"]["intelligence"] == {"total": 50.0, "strand-1": 50.0, "strand-2": None}
    assert a1["at_least_one"] == {"total": 2, "strand-1": 2, "strand-2": 0}
    assert a1["comments"] == {"events_missions": 1}


def test_it_ranks_countries(report_4i: dict[str, Any]) -> None:
    countries = report_4i["questions"]["A2"]["countries"]
    assert list(countries) == ["CN", "IN", "US"]
    assert countries["CN"] == {"total": 2, "strand-1": 2, "strand-2": 0}
    assert "BR" not in countries


def test_it_sums_numbers_with_mean_median_and_per_partnership(report_4i: dict[str, Any]) -> None:
    a4 = report_4i["questions"]["A4"]
    assert a4["sum"] == {"total": 3, "strand-1": 3, "strand-2": 0}
    assert a4["mean"] == {"total": 1.5, "strand-1": 1.5, "strand-2": None}
    assert a4["median"]["total"] == 1.5
    assert a4["by_partnership"] == {"ELBE": 0, "GCA": 3}


def test_it_counts_repeat_rows_per_group_partnership_and_field(report_4i: dict[str, Any]) -> None:
    a5 = report_4i["questions"]["A5"]
    assert a5["rows"] == {"total": 3, "strand-1": 3, "strand-2": 0}
    assert a5["rows_by_partnership"] == {"GCA": 3}
    assert a5["respondents"]["total"] == 1
    assert a5["fields"]["counterpart_type"]["options"]["cluster"]["total"] == 2
    assert a5["fields"]["counterpart_type"]["options"]["sme"]["total"] == 1
    assert a5["fields"]["counterpart_type"]["percent"]["cluster"]["total"] == 66.7
    assert a5["fields"]["country"]["countries"] == {
        "CN": {"total": 2, "strand-1": 2, "strand-2": 0},
        "US": {"total": 1, "strand-1": 1, "strand-2": 0},
    }
    assert a5["fields"]["organisation"]["answered"]["total"] == 1


def test_it_counts_yes_and_no(report_4i: dict[str, Any]) -> None:
    assert report_4i["questions"]["A6"]["options"] == {
        "yes": {"total": 2, "strand-1": 2, "strand-2": 0},
        "no": {"total": 0, "strand-1": 0, "strand-2": 0},
    }


def test_it_sums_the_numbers_of_an_option(report_4i: dict[str, Any]) -> None:
    numbers = report_4i["questions"]["A8"]["option_numbers"]["partnership_agreements"]
    assert numbers["sum"] == {"total": 4, "strand-1": 4, "strand-2": 0}
    assert numbers["by_partnership"] == {"GCA": 4}


def test_it_lists_collaborations_reciprocal_or_one_sided(report_4i: dict[str, Any]) -> None:
    collaborations = json.loads(json.dumps(report_4i["collaborations"]))  # as the JSON contract gives it
    assert [(p["partnerships"], p["reciprocal"]) for p in collaborations["pairs"]] == [
        (["ELBE", "Foo Cluster"], False),
        (["ELBE", "GCA"], True),
    ]
    assert collaborations["pairs"][1]["purposes"] == {"ELBE": ["Mission to Canada"], "GCA": ["Joint mission"]}
    assert collaborations["pairs"][0]["registered"] == [True, False]
    assert collaborations["reciprocal"] == 1
    assert collaborations["one_sided"] == 1


def test_it_reports_an_empty_wave_with_zeros(wave_4i: Wave) -> None:
    report = as_json(wave_report(wave_4i))
    assert report["population"]["completed"] == {"total": 0, "strand-1": 0, "strand-2": 0}
    assert report["response_rate"]["total"] == 0.0
    a1 = report["questions"]["A1"]
    assert a1["respondents"] == {"total": 0, "strand-1": 0, "strand-2": 0}
    assert a1["percent"]["events_missions"] == {"total": None, "strand-1": None, "strand-2": None}
    assert report["questions"]["A4"]["mean"]["total"] is None
    assert report["questions"]["A5"]["rows_by_partnership"] == {}
    assert report["collaborations"]["pairs"] == []


def _count_queries(wave: Wave) -> int:
    with CaptureQueriesContext(connection) as ctx:
        wave_report(wave)
    return len(ctx.captured_queries)


def test_it_runs_the_same_number_of_queries_whatever_the_number_of_responses(wave_4i: Wave) -> None:
    give(wave_4i, "GCA", {"A1": {"events_missions": Ticked()}, "A4": Decimal(1)})
    few = _count_queries(wave_4i)
    answers_4i(wave_4i)
    for n in range(6):
        acronym = f"EXTRA{n}"
        partnership = Partnership.objects.create(acronym=acronym, programme="escp-4i", group="strand-2")
        wave_4i.responses.create(partnership=partnership)
        give(wave_4i, acronym, {"A1": {"intelligence": Ticked()}, "A2": ["JP", "KR"], "A4": Decimal(n)})
    many = _count_queries(wave_4i)
    assert few == many
    assert many <= 12


# Scales and rating matrices ------------------------------------------------------------


@pytest.fixture
def wave_eccp(questionnaires: dict[str, Questionnaire]) -> Wave:
    for acronym in ("CL-A", "CL-B", "CL-C"):
        PartnershipFactory(acronym=acronym, programme="eccp", group="cluster-organisation")
    version = questionnaires["eccp-user-satisfaction"].latest_version()
    assert version is not None
    return wave_open(version=version, slug="eccp-2019", opens_at=days(-1), closes_at=days(30))


def test_it_gives_distribution_mean_and_top_two_of_a_rating_matrix(wave_eccp: Wave) -> None:
    give(wave_eccp, "CL-A", {"C5": {"news": "5", "events": "3"}, "C6": Choice("4"), "C4": Choice("weekly")})
    give(wave_eccp, "CL-B", {"C5": {"news": "4"}, "C6": Choice("2")})
    give(wave_eccp, "CL-C", {"C5": {"news": "1"}, "C6": Choice("1")}, status="draft")
    report = as_json(wave_report(wave_eccp))
    c5 = report["questions"]["C5"]
    assert c5["respondents"]["total"] == 2
    assert c5["matrix"]["news"]["5"] == {"total": 1, "cluster-organisation": 1}
    assert c5["matrix"]["news"]["1"] == {"total": 0, "cluster-organisation": 0}
    assert c5["row_summary"]["news"]["mean"]["total"] == 4.5
    assert c5["row_summary"]["news"]["top_two"]["total"] == 100.0
    assert c5["row_summary"]["events"]["mean"]["total"] == 3
    assert c5["row_summary"]["events"]["top_two"]["total"] == 0.0
    assert c5["row_summary"]["digest"]["mean"]["total"] is None
    assert c5["top_two_levels"] == ["5", "4"]
    c6 = report["questions"]["C6"]
    assert c6["mean"]["total"] == 3
    assert c6["top_two"]["total"] == 50.0


def test_it_makes_up_no_mean_for_a_scale_of_words(wave_eccp: Wave) -> None:
    give(wave_eccp, "CL-A", {"C4": Choice("weekly")})
    c4 = as_json(wave_report(wave_eccp))["questions"]["C4"]
    assert c4["options"]["weekly"]["total"] == 1
    assert "mean" not in c4


# Across waves -----------------------------------------------------------------------------


@pytest.fixture
def two_waves(wave_4i: Wave) -> Wave:
    previous = wave_open(version=wave_4i.version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-380))
    Wave.objects.filter(pk=wave_4i.pk).update(previous=previous)
    give(previous, "GCA", {"A1": {"events_missions": Ticked()}, "A4": Decimal(2)})
    give(previous, "EC2i", {"A1": {"intelligence": Ticked()}, "A4": Decimal(1)})
    give(previous, "ELBE", {"A4": Decimal(9)}, status="draft")
    answers_4i(wave_4i)
    wave_4i.refresh_from_db()
    return wave_4i


def test_it_puts_the_previous_wave_beside_matched_by_code(two_waves: Wave) -> None:
    report = as_json(wave_report(two_waves))
    assert report["previous_wave"] == "escp-4i-2018"
    before = report["comparison"]["previous"]
    assert before["population"]["completed"] == {"total": 2, "strand-1": 1, "strand-2": 1}
    assert before["questions"]["A4"]["sum"]["total"] == 3
    assert before["questions"]["A1"]["options"]["intelligence"] == {"total": 1, "strand-1": 0, "strand-2": 1}


def test_it_restricts_the_comparison_to_partnerships_that_completed_both(two_waves: Wave) -> None:
    panel = as_json(wave_report(two_waves))["comparison"]["panel"]
    # Only GCA completed both waves (ELBE's first answer is a draft, EC2i's second one too).
    assert panel["size"] == {"total": 1, "strand-1": 1, "strand-2": 0}
    assert panel["current"]["questions"]["A4"]["sum"]["total"] == 3
    assert panel["previous"]["questions"]["A4"]["sum"]["total"] == 2
    assert panel["current"]["questions"]["A1"]["options"]["intelligence"]["total"] == 1


def test_it_puts_per_partnership_numbers_side_by_side(two_waves: Wave) -> None:
    by_partnership = as_json(wave_report(two_waves))["comparison"]["by_partnership"]
    assert by_partnership["A4"] == {
        "EC2i": {"previous": 1, "current": None},
        "ELBE": {"previous": None, "current": 0},
        "GCA": {"previous": 2, "current": 3},
    }
    assert by_partnership["A5"] == {"GCA": {"previous": None, "current": 3}}


def test_it_compares_with_a_fixed_number_of_queries(two_waves: Wave) -> None:
    before = _count_queries(two_waves)
    give(two_waves.previous, "ELBE", {"A4": Decimal(4), "A2": ["CN", "JP"]})  # type: ignore[arg-type]
    assert _count_queries(two_waves) == before
