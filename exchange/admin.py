"""Admin actions of the wave changelist: the wave's responses as a workbook."""

from __future__ import annotations

import tempfile

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from exchange.export import Status, wave_export
from surveys.models import Wave


def workbook_response(
    wave: Wave, *, labels: bool = False, status: str = Status.ALL, history: bool = False
) -> FileResponse:
    """The wave's workbook as a download, written to a temporary file (streamed, not in memory)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    wave_export(wave=wave, target=handle, labels=labels, status=status, history=history)
    handle.seek(0)
    suffix = "-texts" if labels else ""
    return FileResponse(handle, as_attachment=True, filename=f"{wave.slug}-responses{suffix}.xlsx")


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
    return workbook_response(wave) if wave else None


@admin.action(description="Export responses to Excel, with texts (for reading)", permissions=["export_responses"])
def export_responses_with_texts(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Wave]
) -> HttpResponseBase | None:
    wave = _single(modeladmin, request, queryset)
    return workbook_response(wave, labels=True) if wave else None


def wave_excel_link(wave: Wave) -> SafeString:
    url = reverse("exchange:wave_excel", args=[wave.slug])
    return format_html('<a href="{}">Export responses to Excel, or import them</a>', url)
