"""The demo's reviewed responses (issue 15 item 7): in the ESCP-4i demo wave, one submission
checked by the demo admin and one sent back with a message, so that the admin's review
columns, the wave overview and the respondent's page of a sent-back response have something to
show; `demo_links` prints their links (the sent-back one's personal link, both admin pages)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from surveys.models import Response, ResponseEvent
from surveys.services.demo_admin import ADMIN_USERNAME, DemoLink, response_link
from surveys.services.review import response_check, response_send_back

DEMO_WAVE = "escp-4i-demo"
SEND_BACK_MESSAGE = (
    "Thank you for your answers. Please check the agreements (A4 and A5) against last year's: "
    "agreements are counted since the start of the partnership. Correct them, or say why in the "
    "comment, and submit again."
)


def _checked() -> Response | None:
    return (
        Response.objects.filter(wave__slug=DEMO_WAVE, status=Response.Status.SUBMITTED)
        .annotate(latest=_latest())
        .filter(latest=ResponseEvent.Kind.CHECKED)
        .select_related("partnership")
        .order_by("partnership__acronym")
        .first()
    )


def _sent_back() -> Response | None:
    return (
        Response.objects.filter(wave__slug=DEMO_WAVE)
        .exclude(status=Response.Status.SUBMITTED)
        .annotate(latest=_latest())
        .filter(latest=ResponseEvent.Kind.SENT_BACK)
        .select_related("partnership", "wave")
        .order_by("partnership__acronym")
        .first()
    )


def _latest() -> Subquery:
    return Subquery(ResponseEvent.objects.filter(response=OuterRef("pk")).order_by("-at", "-pk").values("kind")[:1])


@transaction.atomic
def demo_review_ensure() -> tuple[Response | None, Response | None]:
    """(checked, sent back): the existing ones, else the first submissions of the demo wave
    without any review, checked and sent back by the demo admin. Idempotent."""
    admin = get_user_model().objects.filter(username=ADMIN_USERNAME).first()
    unreviewed = (
        Response.objects.filter(wave__slug=DEMO_WAVE, status=Response.Status.SUBMITTED)
        .exclude(events__kind__in=[ResponseEvent.Kind.CHECKED, ResponseEvent.Kind.SENT_BACK])
        .order_by("partnership__acronym")
        .values_list("pk", flat=True)
    )
    checked, sent_back = _checked(), _sent_back()
    free = list(unreviewed)
    if checked is None and free:
        response_check(response_id=free.pop(0), by=admin)
        checked = _checked()
    if sent_back is None and free:
        response_send_back(response_id=free.pop(0), by=admin, message=SEND_BACK_MESSAGE)
        sent_back = _sent_back()
    return checked, sent_back


def demo_review_links() -> list[DemoLink]:
    """A fresh personal link of the sent-back response, and the admin pages of both."""
    site = settings.SITE_URL
    links = []
    sent_back, checked = _sent_back(), _checked()
    if sent_back is not None:
        link = response_link(sent_back, "journey:welcome", label="sent back (respondent)")
        if link is not None:
            links.append(link)
        links.append(
            DemoLink(
                questionnaire="sent back (admin)",
                url=f"{site}{reverse('admin:surveys_response_change', args=[sent_back.pk])}",
                contact=sent_back.partnership.acronym,
            )
        )
    if checked is not None:
        links.append(
            DemoLink(
                questionnaire="checked (admin)",
                url=f"{site}{reverse('admin:surveys_response_change', args=[checked.pk])}",
                contact=checked.partnership.acronym,
            )
        )
    return links
