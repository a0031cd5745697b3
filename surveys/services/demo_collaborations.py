"""The demo's collaboration waiting for confirmation (issue 15): a partnership of the ESCP-4i
demo wave named in another one's submitted answers, that has not answered yet, and a fresh
link to the page where its contacts confirm or decline (journey/collaborations.py)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from surveys.models import Answer, Invitation, Question, Response
from surveys.services.collaborations import collaborations_for
from surveys.services.demo_admin import DemoLink
from surveys.services.waves import access_key_mint

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
    invitation = (
        Invitation.objects.filter(
            wave=response.wave, contact__partnership=response.partnership, revoked_at__isnull=True
        )
        .select_related("contact")
        .order_by("contact__email")
        .first()
    )
    if invitation is None:
        return []
    key = access_key_mint(invitation=invitation)
    return [
        DemoLink(
            questionnaire="collaboration to confirm",
            url=f"{settings.SITE_URL}{reverse('journey:collaborations', args=[key])}",
            contact=f"{invitation.contact.name}, {response.partnership.acronym}: named by {claimant}",
        )
    ]
