"""Admin actions of the wave changelist: the wave's responses as a workbook, written by the
worker (an `ExportJob`, `exchange.jobs`); the action goes to the job's page."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from exchange.export import Status
from exchange.jobs import export_job_create
from surveys.models import Wave


def _export(request: HttpRequest, wave: Wave, *, labels: bool) -> HttpResponseBase:
    job = export_job_create(wave=wave, user=request.user, labels=labels, status=Status.ALL)
    return redirect("exchange:export_job", wave.slug, job.pk)


def _single(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Wave]) -> Wave | None:
    if queryset.count() != 1:
        modeladmin.message_user(request, "Select one wave to export.", messages.WARNING)
        return None
    return queryset.select_related("version__questionnaire").get()


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


def wave_excel_link(wave: Wave) -> SafeString:
    url = reverse("exchange:wave_excel", args=[wave.slug])
    return format_html('<a href="{}">Export responses to Excel, or import them</a>', url)
