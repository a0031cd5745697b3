"""An email template as a contact of its wave would get it (the admin's preview)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from outreach import services
from outreach.emails import Rendered, bodies_differ, render, trio_for
from outreach.models import EmailTemplate, Message
from surveys.models import Contact, Invitation, Response

# A GET must not mint a working key: the preview shows where the personal link goes.
PREVIEW_KEY = "personal-key-of-the-contact"


@dataclass(frozen=True)
class Preview:
    contact: Contact | None = None
    rendered: Rendered | None = None
    # Why there is nothing to show (no contact, a template error), for the admin.
    problem: str = ""
    # Where the plain text and a wave's own HTML body say different things.
    differences: tuple[str, ...] = ()


def template_preview(*, template: EmailTemplate) -> Preview:
    invitation = (
        Invitation.objects.filter(wave=template.wave)
        .reachable()
        .select_related("contact__partnership", "wave__version")
        .order_by("contact__partnership__acronym", "contact__name")
        .first()
    )
    if invitation is None:
        return Preview(problem="The wave has no invited contact to show it for.")
    contact = invitation.contact
    response = Response.objects.select_related("wave", "submitted_by").get(
        wave=template.wave, partnership=contact.partnership
    )
    message = Message(wave=invitation.wave, contact=contact, kind=template.kind)
    link = settings.SITE_URL + reverse("journey:welcome", args=[PREVIEW_KEY])
    try:
        rendered = render(trio_for(template.kind, template), services.message_context(message, response, link))
    except ValidationError as exc:
        return Preview(contact=contact, problem="The template cannot be rendered: " + "; ".join(exc.messages))
    except Exception as exc:  # shown to the admin instead of a server error
        return Preview(contact=contact, problem=f"The template cannot be rendered: {exc}")
    differences = tuple(bodies_differ(rendered)) if template.html_body.strip() else ()
    return Preview(contact=contact, rendered=rendered, differences=differences)
