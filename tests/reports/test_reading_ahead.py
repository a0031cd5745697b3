"""A report read ahead on other connections (surveys.reads) is the report read on one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from reports.report import as_json, wave_report
from reports.tallies import stale_responses
from surveys.models import Wave
from tests.reports.test_tallies import _irregular_waves


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads ahead on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_it_gives_the_same_report_when_reading_ahead(wave_4i: Wave) -> None:
    # Waves with a previous one, and responses changed behind the services' back, which the
    # report recounts (on this connection) before the tallies are read (on the other).
    wave = _irregular_waves(wave_4i, 3)
    assert not connection.in_atomic_block
    assert wave.previous_id is not None
    wave_ids = [wave.pk, wave.previous_id]
    assert stale_responses(wave_ids=wave_ids)
    ahead = as_json(wave_report(wave))
    assert stale_responses(wave_ids=wave_ids) == []
    with override_settings(READ_AHEAD=False):
        assert as_json(wave_report(wave)) == ahead
    assert as_json(wave_report(wave, scan=True)) == ahead
    assert ahead["comparison"]["panel"]["size"]["total"] == 4
