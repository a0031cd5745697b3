"""The demo's implausible answer (issue 15): an ESCP-4i draft whose cumulative A4 falls below
the first wave's, so that the review page and the staff list have a warning to show."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from surveys.definition.structure import Structure, structure_for
from surveys.models import Response, SectionState
from surveys.services.demo_admin import DemoLink, response_link
from surveys.services.plausibility import previous_values, response_warnings
from surveys.services.responses import response_save_section
from surveys.values import load_values

DEMO_WAVE = "escp-4i-demo"


def _candidates() -> list[Response]:
    return list(
        Response.objects.filter(wave__slug=DEMO_WAVE, status__in=[Response.Status.DRAFT, Response.Status.NOT_STARTED])
        .select_related("wave__version", "partnership")
        .order_by("partnership__acronym")
    )


@transaction.atomic
def demo_implausible_ensure() -> Response | None:
    """A draft of the demo wave with a plausibility warning: an existing one, else one made by
    answering A4 one below the previous wave's (and dropping its last A5 row). Idempotent."""
    candidates = _candidates()
    for response in candidates:
        if response_warnings(response):
            return response
    for response in candidates:
        before = previous_values(response)
        if not before or not isinstance(before.get("A4"), Decimal) or before["A4"] < 1:
            continue
        count = before["A4"] - 1
        rows = list(before.get("A5") or [])[: int(count)]
        current = load_values(response, _structure(response))
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
