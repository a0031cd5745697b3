"""The demo's collaboration waiting for confirmation (issue 15): a partnership of the ESCP-4i
demo wave named in another one's submitted answers, that has not answered yet, and a fresh
link to the page where its contacts confirm or decline (journey/collaborations.py)."""

from __future__ import annotations

from surveys.models import Answer, Question, Response
from surveys.services.collaborations import collaborations_for
from surveys.services.demo_admin import DemoLink, response_link

DEMO_WAVE = "escp-4i-demo"


def demo_pending_claim() -> tuple[Response, str] | None:
    """The first response of the demo wave (by acronym) with a claim not answered yet, and
    the claimant's acronym; None when every claim is answered (or nobody names anybody)."""
    named = (
        Answer.objects.filter(
            response__wave__slug=DEMO_WAVE,
            response__status=Response.Status.SUBMITTED,
            question__type=Question.Type.PARTNERSHIP,
            partnership__isnull=False,
        )
        .values("partnership_id")
        .distinct()
    )
    responses = (
        Response.objects.filter(wave__slug=DEMO_WAVE, partnership_id__in=named)
        .select_related("wave", "partnership")
        .order_by("partnership__acronym")
    )
    for response in responses:
        pending = next((c for c in collaborations_for(response) if c.pending and not c.comment), None)
        if pending is not None:
            return response, pending.partnership.acronym
    return None


def demo_collaboration_links() -> list[DemoLink]:
    """A fresh personal link to the collaborations page of the demo's pending claim (none or one)."""
    found = demo_pending_claim()
    if found is None:
        return []
    response, claimant = found
    link = response_link(
        response, "journey:collaborations", label="collaboration to confirm", note=f": named by {claimant}"
    )
    return [link] if link else []
