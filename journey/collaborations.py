"""Confirmed collaborations: the page where B's contacts answer the partnerships that name B
(surveys/services/collaborations.py). Their answers are kept apart from B's own answers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from journey.views import _access, _closed, _not_open
from surveys.exceptions import ResponseClosed
from surveys.services.collaborations import COMMENT_MAX, Status, collaboration_answer, collaborations_for

CHOICES = [
    (Status.CONFIRMED, "Yes, we collaborate"),
    (Status.DECLINED, "No, we do not collaborate"),
    (Status.PENDING, "Not sure yet (a comment only)"),
]
SAVED = {
    Status.CONFIRMED: "confirmed",
    Status.DECLINED: "declined",
    Status.PENDING: "kept as not answered yet",
}


@never_cache
@require_http_methods(["GET", "POST"])
def collaborations(request: HttpRequest, key: str) -> HttpResponse:
    access = _access(request, key)
    if isinstance(access, HttpResponse):
        return access
    now = timezone.now()
    if now < access.wave.opens_at:
        return _not_open(request, access)
    is_open = access.response.accepts_answers(now)
    if request.method == "POST":
        if not is_open:
            return _closed(request, access)
        try:
            claimant = int(request.POST.get("claimant", ""))
        except ValueError:
            claimant = 0
        status = request.POST.get("status", "")
        try:
            collaboration_answer(
                response_id=access.response.pk,
                claimant_id=claimant,
                status=status,
                comment=request.POST.get("comment", "")[:COMMENT_MAX],
                by=access.contact,
            )
        except ResponseClosed:
            return _closed(request, access)
        except ValidationError:
            messages.error(
                request, "That answer could not be saved: choose an answer for a collaboration listed below."
            )
            return redirect(access.url("collaborations"))
        messages.success(request, f"Your answer is saved: {SAVED[Status(status)]}.")
        return redirect(access.url("collaborations") + f"#claim-{claimant}")
    return render(
        request,
        "journey/collaborations.html",
        {
            "access": access,
            "claims": collaborations_for(access.response),
            "choices": CHOICES,
            "is_open": is_open,
            "comment_max": COMMENT_MAX,
        },
    )
