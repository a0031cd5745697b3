"""Pages for the Observatory's staff outside the admin."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from surveys.definition.structure import structure_for
from surveys.models import QuestionnaireVersion, Wave
from surveys.permissions import staff_permission_required
from surveys.services.lineage import version_correspondence
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


@staff_permission_required("surveys.view_questionnaireversion")
def version_changes(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """What changed from an earlier version (`?from=N`, by default the one before) to this one."""
    versions = QuestionnaireVersion.objects.select_related("questionnaire").filter(questionnaire__code=code)
    version = get_object_or_404(versions, number=number)
    earlier = versions.filter(number__lt=number).order_by("-number")
    from_number = request.GET.get("from", "")
    problem = ""
    if from_number:
        old = versions.filter(number=int(from_number)).first() if from_number.isdigit() else None
        if old is None or old.pk == version.pk:
            problem = f"There is no other version {from_number} of this questionnaire."
    else:
        old = earlier.first()
    changes = version_correspondence(old=old, new=version) if old is not None and not problem else None
    return render(
        request,
        "surveys/staff/version_changes.html",
        {
            "version": version,
            "old": old if not problem else None,
            "others": versions.exclude(pk=version.pk),
            "problem": problem,
            "changes": changes,
            "option_changes": [
                p
                for p in (changes.pairs if changes else [])
                if p.options.added
                or p.options.removed
                or p.options.relabelled
                or p.rows.added
                or p.rows.removed
                or p.rows.relabelled
                or (p.fields is not None and not p.fields.is_identity())
            ],
        },
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
