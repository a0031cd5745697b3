"""Pages for the Observatory's staff outside the admin."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from surveys.definition.structure import structure_for
from surveys.models import QuestionnaireVersion
from surveys.permissions import staff_permission_required


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
