"""The welcome page's offer to start from the previous wave's answers, and its POST."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from surveys.exceptions import AlreadySubmitted, ResponseClosed
from surveys.models import Response
from surveys.services.prefill import (
    PrefillRefused,
    prefill_offered,
    prefill_source,
    response_prefill,
    section_keep_previous,
)


def prefill_offer(response: Response) -> Response | None:
    """For the welcome page: the previous response to offer (one query, none once chosen)."""
    return prefill_offered(response=response)


@never_cache
@require_POST
def prefill(request: HttpRequest, key: str) -> HttpResponse:
    # Imported here: views imports this module for the welcome page's offer.
    from journey.views import _access, _closed

    access = _access(request, key)
    if isinstance(access, HttpResponse):
        return access
    choice = request.POST.get("start", "")
    if choice not in ("previous", "empty"):
        messages.error(request, "Choose to start from last year's answers or to start empty.")
        return redirect(access.url("welcome"))
    source = prefill_source(response=access.response) if choice == "previous" else None
    if choice == "previous" and source is None:
        messages.info(request, "There are no answers of the previous survey to start from. Nothing was changed.")
        return redirect(access.url("welcome"))
    try:
        carried = response_prefill(response=access.response, source=source, contact=access.contact)
    except ResponseClosed:
        return _closed(request, access)
    except AlreadySubmitted:
        return redirect(access.url("done"))
    except PrefillRefused as refused:
        messages.info(request, f"{refused} Nothing was changed.")
        return redirect(access.url("welcome"))
    if choice == "previous":
        messages.success(
            request,
            f"Answers to {carried} question{'s' if carried != 1 else ''} were copied from the previous survey: "
            "check and update them in each section.",
        )
    return redirect(access.url("welcome"))


@never_cache
@require_POST
def section_unchanged(request: HttpRequest, key: str, section: str) -> HttpResponse:
    """ "No change since last year" on a section page: its previous answers, saved."""
    from journey.views import _access, _closed

    access = _access(request, key)
    if isinstance(access, HttpResponse):
        return access
    node = access.structure.section(section)
    if node is None:
        raise Http404("No such section")
    try:
        section_keep_previous(response=access.response, section_code=node.code, contact=access.contact)
    except ResponseClosed:
        return _closed(request, access)
    except AlreadySubmitted:
        return redirect(access.url("done"))
    except PrefillRefused as refused:
        messages.info(request, f"{refused} Nothing was changed.")
        return redirect(access.url("section", node.code))
    messages.success(request, f"“{node.title}” was saved with last year's answers.")
    later = access.structure.sections[node.index + 1 :]
    return redirect(access.url("section", later[0].code) if later else access.url("review"))
