"""The answers, repeat rows and section states read inside the response's SELECT
(`surveys.prefetch`) are the ones their own queries read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from reports.demo import fake_values
from surveys.definition.structure import structure_for
from surveys.models import RepeatRow, Response, SectionState, Wave
from surveys.prefetch import rows_of, states_of, values_of, with_lists
from surveys.services.responses import replace_answers, response_save_section
from surveys.values import load_values


def _written(wave: Wave, acronym: str, others: list[str]) -> Response:
    structure = structure_for(wave.version)
    response = Response.objects.get(wave=wave, partnership__acronym=acronym)
    values = fake_values(structure, seed=acronym, acronym=acronym, others=others)
    replace_answers(response=response, structure=structure, nodes=structure.questions(), values=values)
    return response


@pytest.mark.parametrize("annex", ["wave_4i", "wave_s3"])
def test_the_answers_read_with_the_response_are_the_stored_ones(annex, request):
    wave = request.getfixturevalue(annex)
    acronyms = list(Response.objects.filter(wave=wave).values_list("partnership__acronym", flat=True))
    for acronym in acronyms:
        response = _written(wave, acronym, acronyms)
        structure = structure_for(wave.version)
        read = with_lists(Response.objects.all()).get(pk=response.pk)
        stored = load_values(response, structure)
        assert stored  # the demo's answers, tables included
        assert values_of(read, structure) == stored
        assert len(rows_of(read)) == RepeatRow.objects.filter(response=response).count()


def test_numbers_and_dates_keep_their_value(wave_4i):
    structure = structure_for(wave_4i.version)
    response = Response.objects.get(wave=wave_4i, partnership__acronym="GCA")
    values: dict[str, Any] = {
        "A4": Decimal("1234.5678"),
        "A5": [{"organisation": "Osaka", "signed_on": dt.date(2019, 3, 4)}],
    }
    response_save_section(
        response_id=response.pk, section_code="achievements", contact=None, values=values, lock_version=0
    )
    read = with_lists(Response.objects.all()).get(pk=response.pk)
    got = values_of(read, structure)
    assert got["A4"] == Decimal("1234.5678") and str(got["A4"]) == str(load_values(response, structure)["A4"])
    assert got["A5"][0]["signed_on"] == dt.date(2019, 3, 4)
    state = states_of(read)[structure.section("achievements").section.pk]
    stored = SectionState.objects.get(response=response, section__code="achievements")
    assert (state.pk, state.lock_version, state.complete, state.saved_at) == (
        stored.pk,
        1,
        stored.complete,
        stored.saved_at,
    )
