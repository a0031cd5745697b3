"""Pages for the Observatory's staff outside the admin."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from surveys.definition.structure import structure_for
from surveys.models import QuestionnaireVersion, Wave
from surveys.permissions import staff_permission_required
from surveys.services.plausibility import wave_warnings as wave_warnings_of


@staff_permission_required("surveys.view_questionnaireversion")
def blank_questionnaire(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = get_object_or_404(
        QuestionnaireVersion.objects.select_related("questionnaire"), questionnaire__code=code, number=number
    )
    return render(
        request,
        "surveys/staff/blank_questionnaire.html",
        # ?notes=1: with room for notes under every question, as the coordinators' copy has.
        {"version": version, "structure": structure_for(version), "with_notes": request.GET.get("notes") == "1"},
    )


@staff_permission_required("surveys.view_response")
def wave_warnings(request: HttpRequest, slug: str) -> HttpResponse:
    """Every plausibility warning of a wave, with the coordinator's comment: a list to work through."""
    wave = get_object_or_404(Wave.objects.select_related("version__questionnaire"), slug=slug)
    rows = wave_warnings_of(wave)
    return render(
        request,
        "surveys/staff/wave_warnings.html",
        {
            "wave": wave,
            "rows": rows,
            "uncommented": sum(1 for r in rows if not r.comment),
            "responses": len({r.response.pk for r in rows}),
        },
    )
