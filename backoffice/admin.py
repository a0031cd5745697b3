"""The back office: the admin actions and links that outreach and exchange add to the
engine's admin (`surveys/admin.py`), installed by `BackofficeConfig.ready()`.

The engine's admin imports neither app; outreach and exchange do not touch its admin: this
app, above all three, wires them together.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from exchange.export import Status
from exchange.jobs import export_job_create
from outreach import services
from surveys.models import Response, Wave
from surveys.services.responses import response_reopen
from surveys.services.waves import format_moment

# ------------------------------------------------------------------- outreach: waves


def _after(request: HttpRequest, queryset: QuerySet[Wave]) -> HttpResponseRedirect | None:
    # One wave: show its messages page, where the counts follow the batch.
    if queryset.count() == 1:
        wave = queryset.get()
        return redirect("outreach:wave_messages", slug=wave.slug)
    return None


@admin.action(description="Send invitations (to contacts not yet invited)", permissions=["send_messages"])
def send_invitations(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Wave]
) -> HttpResponseRedirect | None:
    for wave in queryset:
        try:
            result = services.invitations_send(wave=wave)
        except ValidationError as exc:
            modeladmin.message_user(request, " ".join(exc.messages), messages.ERROR)
            continue
        modeladmin.message_user(
            request, f"{wave.slug}: {result.queued} invitations queued, {result.skipped} contacts already invited."
        )
    return _after(request, queryset)


@admin.action(description="Send reminders now (partnerships that have not submitted)", permissions=["send_messages"])
def send_reminders(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Wave]
) -> HttpResponseRedirect | None:
    for wave in queryset:
        try:
            result = services.reminders_send(wave=wave)
        except ValidationError as exc:
            modeladmin.message_user(request, " ".join(exc.messages), messages.ERROR)
            continue
        modeladmin.message_user(
            request,
            f"{wave.slug}: {result.queued} reminders queued, {result.skipped} contacts skipped "
            "(contacted less than a day ago).",
        )
    return _after(request, queryset)


@admin.action(description="Close now, before the deadline (asks first)", permissions=["change"])
def close_now(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Wave]
) -> HttpResponseRedirect | None:
    # One wave at a time, through its confirmation page (outreach.views.wave_close_early).
    if queryset.count() != 1:
        modeladmin.message_user(request, "Choose one wave to close.", messages.WARNING)
        return None
    return redirect("outreach:wave_close", slug=queryset.get().slug)


@admin.action(description="Reopen for correction (submitted responses)", permissions=["reopen_response"])
def reopen_responses(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Response]) -> None:
    for response in queryset.select_related("partnership", "wave"):
        if not response.is_submitted:
            modeladmin.message_user(
                request, f"{response.partnership.acronym} is not submitted: nothing to reopen.", messages.WARNING
            )
            continue
        response = response_reopen(response_id=response.pk)
        if response.accepts_answers():
            modeladmin.message_user(
                request, f"{response.partnership.acronym} reopened: its contacts can correct and submit again."
            )
        else:
            url = reverse("outreach:response_extend", args=[response.wave.slug, response.partnership.acronym])
            modeladmin.message_user(
                request,
                format_html(
                    '{} reopened, but its deadline ({}) has passed: <a href="{}">extend it</a> so that it can be corrected.',
                    response.partnership.acronym,
                    format_moment(response.effective_deadline),
                    url,
                ),
                messages.WARNING,
            )


# ----------------------------------------------------------------- exchange: waves


def _single(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Wave]) -> Wave | None:
    if queryset.count() != 1:
        modeladmin.message_user(request, "Select one wave to export.", messages.WARNING)
        return None
    return queryset.select_related("version__questionnaire").get()


def _export(request: HttpRequest, wave: Wave, *, labels: bool) -> HttpResponseBase:
    # Written by the worker (an ExportJob): the action goes to the job's page.
    job = export_job_create(wave=wave, user=request.user, labels=labels, status=Status.ALL)
    return redirect("exchange:export_job", wave.slug, job.pk)


@admin.action(description="Export responses to Excel", permissions=["export_responses"])
def export_responses(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Wave]
) -> HttpResponseBase | None:
    wave = _single(modeladmin, request, queryset)
    return _export(request, wave, labels=False) if wave else None


@admin.action(description="Export responses to Excel, with texts (for reading)", permissions=["export_responses"])
def export_responses_with_texts(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Wave]
) -> HttpResponseBase | None:
    wave = _single(modeladmin, request, queryset)
    return _export(request, wave, labels=True) if wave else None


# An action's `permissions=["x"]` asks the model admin's `has_x_permission(request)`; the
# admins that list these actions (surveys/admin.py) name the permission behind each.

# ------------------------------------------------------------------------------ links


def wave_messages_link(wave: Wave) -> SafeString:
    return format_html(
        '<a href="{}">Messages, reminders and deadline of this wave</a>',
        reverse("outreach:wave_messages", args=[wave.slug]),
    )


def response_extend_link(response: Response) -> SafeString | str:
    if response.pk is None or response.is_submitted:
        return "–"
    return format_html(
        '<a href="{}">Extend the deadline of {}</a>',
        reverse("outreach:response_extend", args=[response.wave.slug, response.partnership.acronym]),
        response.partnership.acronym,
    )


def wave_excel_link(wave: Wave) -> SafeString:
    url = reverse("exchange:wave_excel", args=[wave.slug])
    return format_html('<a href="{}">Export responses to Excel, or import them</a>', url)


def install() -> None:
    """Add the actions and links to the engine's admins (once, from `BackofficeConfig.ready`)."""
    from surveys import admin as surveys_admin

    waves = admin.site.get_model_admin(Wave)
    waves.actions = [
        send_invitations,
        send_reminders,
        close_now,
        *(waves.actions or []),
        export_responses,
        export_responses_with_texts,
    ]
    responses = admin.site.get_model_admin(Response)
    responses.actions = [reopen_responses, *(responses.actions or [])]
    surveys_admin.LINKS["wave_messages"] = wave_messages_link
    surveys_admin.LINKS["response_extend"] = response_extend_link
    surveys_admin.LINKS["wave_excel"] = wave_excel_link
