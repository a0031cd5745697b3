"""The cached access's query compiled once per process (`surveys.prepared`, issue 17).

The prepared query must give what the ORM gives for the same ids, request after request
with other ids (the compiled SQL is shared, the values never), and refuse a queryset whose
values it cannot find in the compiled parameters.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Model

from journey.views import _ACCESS_IDS, _ACCESS_QUERIES, _access_query
from surveys.models import Response
from surveys.models.waves import hash_key
from surveys.prepared import PreparedQuery
from tests.conftest import Persona
from tests.journey.test_journey_annex_a import RESPONDENT, post


def _ids(persona: Persona) -> dict[str, Any]:
    response = Response.objects.get(wave=persona.invitation.wave, partnership=persona.contact.partnership)
    return {
        "key_hash": hash_key(persona.key),
        "response": response.pk,
        "wave": persona.invitation.wave_id,
        "partnership": persona.contact.partnership_id,
        "invitation": persona.invitation.pk,
        "contact": persona.contact.pk,
    }


def _fields(obj: Model) -> dict[str, Any]:
    return {k: v for k, v in vars(obj).items() if k != "_state"}


def _same(prepared: Response, orm: Response) -> None:
    assert _fields(prepared) == _fields(orm)
    for chain in ("wave", "wave.version", "wave.version.questionnaire", "partnership"):
        a, b = prepared, orm
        for name in chain.split("."):
            a, b = getattr(a, name), getattr(b, name)
        assert _fields(a) == _fields(b), chain
    assert prepared.wave.version.get_deferred_fields() == {"definition"}
    assert prepared._state.db == "default" and not prepared._state.adding


@pytest.mark.parametrize(("lists", "answers"), [(True, True), (True, False), (False, False)])
def test_the_prepared_query_reads_what_the_orm_reads_for_each_link(client, coordinator, outsider, lists, answers):
    # Answers for one partnership only: the other's lists must stay empty.
    post(client, coordinator, "respondent", RESPONDENT)
    for persona in (coordinator, outsider, coordinator):
        ids = _ids(persona)
        prepared: Any
        (prepared,) = _ACCESS_QUERIES[lists, answers].rows(**ids)
        orm = _access_query(lists=lists, answers=answers, **ids).get()
        _same(prepared, orm)
        assert prepared.partnership_id == persona.contact.partnership_id
        assert prepared.key_valid is True and prepared.contact_name == persona.contact.name
    if answers:
        mine: Any
        theirs: Any
        (mine,) = _ACCESS_QUERIES[lists, answers].rows(**_ids(coordinator))
        (theirs,) = _ACCESS_QUERIES[lists, answers].rows(**_ids(outsider))
        assert "Ada Coordinator" in mine.answers_json
        assert "Ada Coordinator" not in (theirs.answers_json or "")  # SQLite "[]", PostgreSQL NULL


def test_the_prepared_query_finds_no_row_for_ids_that_do_not_match(coordinator, outsider):
    ids = {**_ids(coordinator), "partnership": outsider.contact.partnership_id}
    assert _ACCESS_QUERIES[True, False].rows(**ids) == []
    # A key of another link: the row, but not valid.
    row: Any
    (row,) = _ACCESS_QUERIES[True, False].rows(**{**_ids(coordinator), "key_hash": hash_key(outsider.key)})
    assert row.key_valid is False


def test_a_queryset_that_hides_a_value_is_refused(db):
    def build(response: int, wave: int) -> Any:
        return Response.objects.filter(pk=response)  # `wave` not used: not in the parameters

    with pytest.raises(ValueError, match="wave"):
        PreparedQuery(build, {"response": int, "wave": int}).rows(response=1, wave=2)
    assert set(_ACCESS_IDS) == {"key_hash", "response", "wave", "partnership", "invitation", "contact"}
