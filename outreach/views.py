"""Staff pages of a wave's outreach: its messages (live counts), sending, deadlines."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outreach import services
from outreach.forms import DeadlineForm
from outreach.models import EmailTemplate, Kind, Message
from outreach.preview import template_preview
from outreach.selectors import STATUSES, wave_partnerships, wave_status
from surveys.models import DeadlineExtension, Response, Wave
from surveys.permissions import staff_permission_required
from surveys.services import waves as wave_life
from surveys.services.waves import format_moment, wave_close


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _wave(slug: str) -> Wave:
    return get_object_or_404(Wave.objects.select_related("version"), slug=slug)


def broker_mode() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "sent in-process as soon as they are queued (eager mode)"
    if settings.REDIS_URL:
        return "sent by the Celery workers (Redis broker)"
    return "sent by the Celery worker that `make run` starts (embedded filesystem broker, no Redis)"


def _page(request: HttpRequest, template: str, context: dict[str, object]) -> HttpResponse:
    return render(request, template, {**admin.site.each_context(request), **context})


@staff_permission_required("outreach.view_message", "surveys.view_contact")
@require_GET
def wave_messages(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    policy = services.policy_for(wave)
    templates = {t.kind: t for t in EmailTemplate.objects.filter(wave=wave)}
    status = wave_status(wave)
    count_rows = [
        {"kind": value, "label": label, "cells": [(s, status["counts"][value][s]) for s in STATUSES]}
        for value, label in Kind.choices
    ]
    return _page(
        request,
        "outreach/wave_messages.html",
        {
            "title": f"Messages of {wave.title}",
            "wave": wave,
            "status": status,
            "status_headers": [Message.Status(s).label for s in STATUSES],
            "count_rows": count_rows,
            "total_cells": [(s, status["totals"][s]) for s in STATUSES],
            "partnerships": wave_partnerships(wave),
            "policy": policy,
            "templates": [(value, label, templates.get(value)) for value, label in Kind.choices],
            "extensions": DeadlineExtension.objects.filter(wave=wave).select_related("response__partnership")[:20],
            "closes_at": format_moment(wave.closes_at),
            "closed_at": format_moment(wave.closed_at) if wave.closed_at else "",
            "mode": broker_mode(),
            "deadline_form": DeadlineForm(),
        },
    )


@staff_permission_required("outreach.view_message")
@require_GET
def wave_messages_status(request: HttpRequest, slug: str) -> JsonResponse:
    return JsonResponse(wave_status(_wave(slug)))


def _queue_and_report(request: HttpRequest, wave: Wave, what: str, result: services.QueueResult) -> None:
    if result.queued:
        messages.success(request, f"{result.queued} {what} queued for {wave.slug}.")
    else:
        messages.info(request, f"No {what} to send for {wave.slug}.")
    if result.skipped:
        reason = (
            "already invited"
            if what == "invitations"
            else "reminded or invited less than a day ago, or not invited yet"
        )
        messages.info(request, f"{result.skipped} contacts skipped ({reason}).")


@staff_permission_required("outreach.send_messages")
@require_POST
def wave_send_invitations(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    try:
        _queue_and_report(request, wave, "invitations", services.invitations_send(wave=wave))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("outreach:wave_messages", slug=wave.slug)


@staff_permission_required("outreach.send_messages")
@require_POST
def wave_send_reminders(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    try:
        _queue_and_report(request, wave, "reminders", services.reminders_send(wave=wave))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("outreach:wave_messages", slug=wave.slug)


@staff_permission_required("outreach.send_messages")
@require_POST
def wave_retry_failed(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    ids = list(Message.objects.filter(wave=wave, status=Message.Status.FAILED).values_list("pk", flat=True))
    count = services.messages_retry(message_ids=ids)
    messages.success(request, f"{count} failed messages queued again.")
    return redirect("outreach:wave_messages", slug=wave.slug)


@staff_permission_required("surveys.change_wave")
def wave_extend(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    form = DeadlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            extension = wave_life.wave_extend(wave=wave, closes_at=form.deadline(), by=_user(request))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                f"The deadline of {wave.slug} is now {format_moment(extension.new_deadline)}; "
                f"{extension.messages.count()} contacts are told.",
            )
            return redirect("outreach:wave_messages", slug=wave.slug)
    return _page(
        request,
        "outreach/extend.html",
        {
            "title": f"Extend the deadline of {wave.title}",
            "wave": wave,
            "form": form,
            "current": format_moment(wave.closes_at),
            "who": "every partnership that has not submitted (those with a later deadline of their own keep it)",
        },
    )


@staff_permission_required("surveys.change_wave")
def response_extend(request: HttpRequest, slug: str, acronym: str) -> HttpResponse:
    wave = _wave(slug)
    response = get_object_or_404(
        Response.objects.select_related("partnership", "wave"), wave=wave, partnership__acronym=acronym
    )
    form = DeadlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            extension = wave_life.response_extend(response=response, deadline=form.deadline(), by=_user(request))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                f"The deadline of {acronym} is now {format_moment(extension.new_deadline)}; "
                f"{extension.messages.count()} contacts are told.",
            )
            return redirect("outreach:wave_messages", slug=wave.slug)
    return _page(
        request,
        "outreach/extend.html",
        {
            "title": f"Extend the deadline of {acronym} in {wave.title}",
            "wave": wave,
            "response": response,
            "form": form,
            "current": format_moment(response.effective_deadline),
            "who": f"the contacts of {acronym}",
            "reopen_url": reverse("admin:surveys_response_changelist") + f"?wave__id__exact={wave.pk}",
        },
    )


@staff_permission_required("surveys.change_wave")
@require_http_methods(["GET", "POST"])
def wave_close_early(request: HttpRequest, slug: str) -> HttpResponse:
    """Close a wave before its deadline: a page that says what it does, then a POST."""
    wave = _wave(slug)
    error = ""
    if request.method == "POST":
        try:
            wave = wave_close(wave=wave)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            assert wave.closed_at is not None
            messages.success(request, f"{wave.slug} is closed since {format_moment(wave.closed_at)}.")
            return redirect("outreach:wave_messages", slug=wave.slug)
    responses = Response.objects.filter(wave=wave)
    return _page(
        request,
        "outreach/close.html",
        {
            "title": f"Close {wave.title} now",
            "wave": wave,
            "error": error,
            "closes_at": format_moment(wave.closes_at),
            "closed_at": format_moment(wave.closed_at) if wave.closed_at else "",
            "drafts": responses.filter(status=Response.Status.DRAFT).count(),
            "not_started": responses.filter(status=Response.Status.NOT_STARTED).count(),
            "extended": responses.filter(deadline__gt=timezone.now()).count(),
        },
    )


# The framed HTML body may style itself but never run anything or load from elsewhere; only
# the admin's own pages may frame it. The iframe is sandboxed too (templates/outreach/preview.html).
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"


@staff_permission_required("outreach.view_emailtemplate")
@xframe_options_sameorigin
@require_GET
def template_preview_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The HTML body of an email template as a contact would get it, for the admin's iframe."""
    template = get_object_or_404(EmailTemplate.objects.select_related("wave"), pk=pk)
    preview = template_preview(template=template)
    if preview.rendered is None:
        response = HttpResponse(preview.problem, content_type="text/plain; charset=utf-8")
    else:
        response = HttpResponse(preview.rendered.html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response
