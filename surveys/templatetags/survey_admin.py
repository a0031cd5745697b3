"""The wave overview on the admin's front page."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from surveys.models import Response, Wave
from surveys.services.review import review_counts

register = template.Library()


@register.inclusion_tag("admin/wave_overview.html", takes_context=True)
def wave_overview(context: dict[str, Any]) -> dict[str, Any]:
    # The admin's front page is every staff account's: the waves only for those who may see them.
    if not context["request"].user.has_perm("surveys.view_wave"):
        return {"shown": False, "rows": []}
    now = timezone.now()
    waves = (
        Wave.objects.select_related("version__questionnaire")
        .annotate(
            invited=Count("responses"),
            started=Count("responses", filter=~Q(responses__status=Response.Status.NOT_STARTED)),
            completed=Count("responses", filter=Q(responses__status=Response.Status.SUBMITTED)),
        )
        .order_by("-opens_at")[:20]
    )
    # Staff review (issue 15): of the submitted, how many are checked; how many were sent back.
    reviews = review_counts(wave_ids=[w.pk for w in waves])
    rows = []
    for wave in waves:
        if wave.closed_at or wave.closes_at <= now:
            state = "closed"
        elif wave.opens_at > now:
            state = "scheduled"
        else:
            state = "open"
        rate = round(100 * wave.completed / wave.invited) if wave.invited else 0  # type: ignore[attr-defined]
        rows.append({"wave": wave, "state": state, "rate": rate, "review": reviews[wave.pk]})
    return {"shown": True, "rows": rows}
