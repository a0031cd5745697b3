"""Confirmed collaborations in the report (issue 15 item 3): one status per pair, pairs both
reported counted once; expected values worked out by hand from the answers below."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from reports.report import as_json, wave_report
from reports.tables import printed_tables
from surveys.models import Response, Wave
from surveys.services.collaborations import collaboration_answer
from surveys.values import Choice, PartnershipValue
from tests.reports.conftest import give


def a7(*rows: tuple[str, str]) -> dict:
    return {
        "A6": Choice("yes"),
        "A7": [{"partnership": PartnershipValue(p), "purpose": purpose} for p, purpose in rows],
    }


@pytest.fixture
def claimed(wave_4i: Wave) -> dict[str, Response]:
    """GCA names ELBE, EC2i and BioXclusters (registered, but no ESCP-4i: outside the wave);
    ELBE names GCA and EC2i; EC2i (submitted) names nobody.

    Pairs, by hand: BioXclusters–GCA (GCA only, cannot be asked), EC2i–ELBE (ELBE only),
    EC2i–GCA (GCA only), ELBE–GCA (both: counted once)."""
    gca = give(wave_4i, "GCA", a7(("ELBE", "Joint mission"), ("EC2i", "Shared training"), ("BioXclusters", "Visit")))
    elbe = give(wave_4i, "ELBE", a7(("GCA", "Joint mission"), ("EC2i", "Fair")))
    ec2i = give(wave_4i, "EC2i", {"A6": Choice("no")})
    return {"GCA": gca, "ELBE": elbe, "EC2i": ec2i}


def statuses(report: dict[str, Any]) -> dict[tuple[str, ...], str]:
    return {tuple(p["partnerships"]): p["confirmation"] for p in report["collaborations"]["pairs"]}


def test_before_any_answer_pairs_are_both_reported_not_answered_or_not_asked(wave_4i, claimed):
    report = as_json(wave_report(wave_4i))
    assert statuses(report) == {
        ("BioXclusters", "GCA"): "not_asked",
        ("EC2i", "ELBE"): "not_answered",
        ("EC2i", "GCA"): "not_answered",
        ("ELBE", "GCA"): "confirmed_by_both",
    }
    assert report["collaborations"]["confirmations"] == {
        "confirmed_by_both": 1,
        "confirmed": 0,
        "declined": 0,
        "not_answered": 2,
        "not_asked": 1,
    }
    # The keys of before are kept (the contract only grows).
    assert (report["collaborations"]["reciprocal"], report["collaborations"]["one_sided"]) == (1, 3)


def test_confirm_and_decline_change_their_pair_only(wave_4i, claimed):
    ec2i = claimed["EC2i"]
    collaboration_answer(
        response_id=ec2i.pk, claimant_id=claimed["GCA"].pk, status="confirmed", comment="Since 2018", by=None
    )
    collaboration_answer(response_id=ec2i.pk, claimant_id=claimed["ELBE"].pk, status="declined", by=None)
    report = as_json(wave_report(wave_4i))
    assert statuses(report) == {
        ("BioXclusters", "GCA"): "not_asked",
        ("EC2i", "ELBE"): "declined",
        ("EC2i", "GCA"): "confirmed",
        ("ELBE", "GCA"): "confirmed_by_both",
    }
    assert report["collaborations"]["confirmations"] == {
        "confirmed_by_both": 1,
        "confirmed": 1,
        "declined": 1,
        "not_answered": 0,
        "not_asked": 1,
    }
    pairs = {tuple(p["partnerships"]): p for p in report["collaborations"]["pairs"]}
    assert pairs[("EC2i", "GCA")]["confirmation_comments"] == {"EC2i": "Since 2018"}
    assert "confirmation_comments" not in pairs[("EC2i", "ELBE")]
    # The scan (the reference) says the same as the tallies.
    assert statuses(as_json(wave_report(wave_4i, scan=True))) == statuses(report)
    # Table 2: one row per reporter and partner, with what the partner answered.
    rows = {(r["partnership"], r["partner"]): r["confirmation"] for r in report["tables"]["table2"]["rows"]}
    assert rows == {
        ("GCA", "BioXclusters"): "not_asked",
        ("GCA", "EC2i"): "confirmed",
        ("GCA", "ELBE"): "confirmed_by_both",
        ("ELBE", "GCA"): "confirmed_by_both",
        ("ELBE", "EC2i"): "declined",
    }
    (table2,) = [
        t
        for t in printed_tables(report["tables"], groups=report["groups"], previous_wave=None, wave="w")
        if t.key == "table2"
    ]
    reciprocal = table2.headers.index("Reciprocal")
    cells = {(row[0], row[2]): row[reciprocal] for row in table2.rows}
    assert cells == {
        ("GCA", "BioXclusters"): "no",
        ("GCA", "EC2i"): "no, confirmed by the partner",
        ("GCA", "ELBE"): "yes",
        ("ELBE", "GCA"): "yes",
        ("ELBE", "EC2i"): "no, declined by the partner",
    }


def test_a_pair_both_reported_and_declined_by_one_side_is_declined(wave_4i, claimed):
    collaboration_answer(response_id=claimed["GCA"].pk, claimant_id=claimed["ELBE"].pk, status="declined", by=None)
    report = as_json(wave_report(wave_4i))
    assert statuses(report)[("ELBE", "GCA")] == "declined"
    assert report["collaborations"]["confirmations"]["confirmed_by_both"] == 0


def test_the_dashboard_says_the_counts(staff_client: Client, wave_4i, claimed):
    url = reverse("reports:dashboard", args=[wave_4i.slug])
    assert "0 reported by one and confirmed by the other" in staff_client.get(url).content.decode()
    # The answer changes the cached report's fingerprint: the next page shows it.
    collaboration_answer(response_id=claimed["EC2i"].pk, claimant_id=claimed["GCA"].pk, status="confirmed", by=None)
    html = staff_client.get(url).content.decode()
    assert (
        "1 confirmed by both (both reported it), 1 reported by one and confirmed by the other, 0 declined, "
        "1 not yet answered, 1 that cannot be asked"
    ) in html
