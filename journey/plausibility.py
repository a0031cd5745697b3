"""The coordinator's comments on the review page's plausibility warnings."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from journey.views import _answering
from surveys.services.plausibility import plausibility_notes_save

# Inputs are named "note:<warning key>"; a comment is free text, bounded like a long answer.
NOTE_PREFIX = "note:"
MAX_NOTE_LENGTH = 5000


@never_cache
@require_POST
def plausibility_notes(request: HttpRequest, key: str) -> HttpResponse:
    access = _answering(request, key)
    if isinstance(access, HttpResponse):
        return access
    if access.response.is_submitted:
        return redirect(access.url("copy"))
    comments = {
        name[len(NOTE_PREFIX) :]: request.POST.get(name, "")[:MAX_NOTE_LENGTH]
        for name in request.POST
        if name.startswith(NOTE_PREFIX)
    }
    stored = plausibility_notes_save(response_id=access.response.pk, comments=comments, contact=access.contact)
    messages.success(request, f"Your comments are saved ({stored}).")
    return redirect(access.url("review") + "#review-warnings")
