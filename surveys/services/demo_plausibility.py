"""The demo's implausible answer (issue 15): an ESCP-4i draft whose cumulative A4 falls below
the first wave's, so that the review page and the staff list have a warning to show.

The draft is one that started from last year's answers: the agreement it drops is marked
ended rather than left out, so its table still adds up (last year's, less the ended one, is
the A4 it gives) and only the count "so far" that falls is flagged."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from surveys.definition.structure import Structure, structure_for
from surveys.models import Response, SectionState
from surveys.services.demo_admin import DemoLink, response_link
from surveys.services.plausibility import previous_values, response_warnings
from surveys.services.responses import response_save_section
from surveys.values import ORIGIN, load_values

DEMO_WAVE = "escp-4i-demo"


def _candidates(*, prefilled: bool = False) -> list[Response]:
    responses = Response.objects.filter(
        wave__slug=DEMO_WAVE, status__in=[Response.Status.DRAFT, Response.Status.NOT_STARTED]
    )
    if prefilled:
        # Not a response that has not started: the demo keeps one that is offered last
        # year's answers on its welcome page (demo_admin's links).
        responses = responses.filter(status=Response.Status.DRAFT, prefilled_from__isnull=False)
    return list(responses.select_related("wave__version", "partnership").order_by("partnership__acronym"))


@transaction.atomic
def demo_implausible_ensure() -> Response | None:
    """A draft of the demo wave with a plausibility warning: an existing one, else one made of
    a prefilled draft by answering A4 one below the previous wave's: its A5 rows are the ones
    carried from last year, confirmed but the last, marked ended (new ones are dropped), so
    that previous − ended = current. Idempotent."""
    for response in _candidates():
        if response_warnings(response):
            return response
    for response in _candidates(prefilled=True):
        before = previous_values(response)
        if not before or not isinstance(before.get("A4"), Decimal) or before["A4"] < 1:
            continue
        current = load_values(response, _structure(response))
        carried = [row for row in current.get("A5") or [] if row.get(ORIGIN) is not None]
        if len(carried) != int(before["A4"]):
            continue
        count = before["A4"] - 1
        rows = [{**row, "_status": "confirmed"} for row in carried[:-1]] + [{**carried[-1], "_status": "ended"}]
        values = {"A4": count, "A5": rows, "A6": current.get("A6", before.get("A6"))}
        if "A7" in current:
            values["A7"] = current["A7"]
        state = SectionState.objects.filter(response=response, section__code="achievements").first()
        response_save_section(
            response_id=response.pk,
            section_code="achievements",
            contact=None,
            values={k: v for k, v in values.items() if v is not None},
            lock_version=state.lock_version if state else 0,
        )
        return response
    return None


def _structure(response: Response) -> Structure:
    return structure_for(response.wave.version)


def demo_implausible_links() -> list[DemoLink]:
    """A fresh personal link to the review page of the demo's implausible draft (none or one)."""
    response = next((r for r in _candidates() if response_warnings(r)), None)
    if response is None:
        return []
    link = response_link(response, "journey:review", label="implausible answer")
    return [link] if link else []
