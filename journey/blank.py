"""The blank questionnaire a coordinator prints to prepare the answers with colleagues.

Reached with the personal link like every page of the journey; it shows the questions only
(no answers), so it works before, during and after the wave, and a GET changes nothing. The
questions are drawn by the staff's printable (templates/surveys/staff/_blank_sections.html).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from journey.views import _access


@never_cache
@require_GET
def blank_copy(request: HttpRequest, key: str) -> HttpResponse:
    access = _access(request, key)
    if isinstance(access, HttpResponse):
        return access
    return render(
        request,
        "journey/blank.html",
        {"access": access, "version": access.wave.version, "structure": access.structure},
    )
