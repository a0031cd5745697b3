"""A section save's UPDATE of the response (`surveys.services.responses._locked_for_save`,
written as SQL in issue 17's fourth round): who saved last and when, the status and the
start of a first save, and nothing of another response."""

from __future__ import annotations

from surveys.models import Response
from tests.conftest import Persona
from tests.journey.test_journey_annex_a import RESPONDENT, post


def _response(persona: Persona) -> Response:
    return Response.objects.get(wave=persona.invitation.wave, partnership=persona.contact.partnership)


def test_a_first_save_starts_the_response_and_a_later_one_keeps_its_start(client, coordinator, colleague, outsider):
    assert _response(coordinator).status == Response.Status.NOT_STARTED
    post(client, coordinator, "respondent", RESPONDENT)
    first = _response(coordinator)
    assert first.status == Response.Status.DRAFT
    assert first.started_at is not None and first.started_at == first.last_saved_at == first.updated_at
    assert first.last_saved_by_id == coordinator.contact.pk

    post(client, colleague, "respondent", {**RESPONDENT, "R2": "Another role"})
    second = _response(colleague)
    assert second.pk == first.pk and second.status == Response.Status.DRAFT
    assert second.started_at == first.started_at
    assert second.last_saved_at is not None and second.last_saved_at > first.last_saved_at
    assert second.updated_at == second.last_saved_at
    assert second.last_saved_by_id == colleague.contact.pk

    other = _response(outsider)
    assert other.status == Response.Status.NOT_STARTED
    assert other.started_at is None and other.last_saved_at is None and other.last_saved_by_id is None
