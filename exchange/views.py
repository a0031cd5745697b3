"""Staff pages of a wave's Excel exchange: export, and import with a preview and a confirmation.

The uploaded file is kept in a private temporary folder between the preview and the
confirmation (under a random token, with the wave and the user it belongs to), read again
and checked again on confirmation, and deleted once imported.
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from exchange.admin import workbook_response
from exchange.forms import LIMESURVEY, ExportForm, ImportForm
from exchange.imports import ImportPlan, ImportRefused
from exchange.limesurvey import limesurvey_read
from exchange.reader import workbook_read
from exchange.services import responses_import
from surveys.models import Wave
from surveys.permissions import staff_permission_required

UPLOADS = Path(tempfile.gettempdir()) / "escp-exchange-uploads"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
KEEP_SECONDS = 24 * 3600


def _wave(request: HttpRequest, slug: str, permission: str) -> Wave:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    return get_object_or_404(Wave.objects.select_related("version__questionnaire"), slug=slug)


def _page(request: HttpRequest, wave: Wave, **context: Any) -> HttpResponse:
    context.setdefault("export_form", ExportForm())
    context.setdefault("import_form", ImportForm())
    return render(
        request,
        "exchange/wave_excel.html",
        {
            "wave": wave,
            "title": f"Excel exchange: {wave.title}",
            "wave_url": reverse("admin:surveys_wave_change", args=[wave.pk]),
            **context,
        },
        status=context.pop("status", 200),
    )


@staff_permission_required("surveys.export_responses")
@require_GET
def wave_excel(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, _wave(request, slug, "surveys.export_responses"))


@staff_permission_required("surveys.export_responses")
@require_GET
def wave_export_download(request: HttpRequest, slug: str) -> HttpResponseBase:
    wave = _wave(request, slug, "surveys.export_responses")
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _page(request, wave, export_form=form, status=400)
    return workbook_response(wave, labels=form.cleaned_data["labels"], status=form.cleaned_data["status"])


def _store(request: HttpRequest, wave: Wave, form: ImportForm) -> str:
    UPLOADS.mkdir(mode=0o700, exist_ok=True)
    now = time.time()
    for old in UPLOADS.iterdir():
        if now - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    with (UPLOADS / f"{token}.data").open("wb") as out:
        for chunk in form.cleaned_data["file"].chunks():
            out.write(chunk)
    mapping = form.cleaned_data.get("mapping")
    meta = {
        "wave": wave.slug,
        "user": request.user.pk,
        "source": form.cleaned_data["source"],
        "name": form.cleaned_data["file"].name,
        "mapping": mapping.read().decode("utf-8", errors="replace") if mapping else "",
    }
    (UPLOADS / f"{token}.json").write_text(json.dumps(meta))
    return token


def _load(request: HttpRequest, wave: Wave, token: str) -> tuple[dict[str, Any], Path]:
    if not TOKEN.match(token):
        raise Http404
    meta_path, data_path = UPLOADS / f"{token}.json", UPLOADS / f"{token}.data"
    if not meta_path.exists() or not data_path.exists():
        raise Http404("This upload has expired: upload the file again.")
    meta = json.loads(meta_path.read_text())
    if meta["wave"] != wave.slug or meta["user"] != request.user.pk:
        raise Http404
    return meta, data_path


def _read(wave: Wave, meta: dict[str, Any], path: Path) -> ImportPlan:
    with path.open("rb") as handle:
        if meta["source"] == LIMESURVEY:
            return limesurvey_read(wave=wave, file=handle, mapping_text=meta["mapping"], file_name=meta["name"])
        return workbook_read(wave=wave, file=handle)


def _forget(token: str) -> None:
    for suffix in (".json", ".data"):
        (UPLOADS / f"{token}{suffix}").unlink(missing_ok=True)


@staff_permission_required("surveys.import_responses")
@require_POST
def wave_import(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(request, slug, "surveys.import_responses")
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, wave, import_form=form, status=400)
    token = _store(request, wave, form)
    meta, path = _load(request, wave, token)
    plan = _read(wave, meta, path)
    if plan.problems:
        _forget(token)
        return _page(request, wave, import_form=form, problems=plan.problems, file_name=meta["name"], status=400)
    report = responses_import(wave=wave, plan=plan, dry_run=True)
    dry_run = form.cleaned_data["dry_run"]
    if dry_run:
        _forget(token)
    return _page(request, wave, report=report, token=None if dry_run else token, file_name=meta["name"])


@staff_permission_required("surveys.import_responses")
@require_POST
def wave_import_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(request, slug, "surveys.import_responses")
    token = request.POST.get("token", "")
    meta, path = _load(request, wave, token)
    try:
        report = responses_import(wave=wave, plan=_read(wave, meta, path))
    except ImportRefused as exc:
        _forget(token)
        return _page(request, wave, problems=exc.problems, file_name=meta["name"], status=400)
    _forget(token)
    messages.success(request, f"Imported {meta['name']}: {report}")
    return redirect("admin:surveys_wave_change", wave.pk)
