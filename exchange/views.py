"""Staff pages of a wave's Excel exchange: export, and import with a preview and a confirmation.

Neither is done in the web process (`exchange.jobs`). An upload is stored with an
`ImportJob` and read by a Celery worker: the job's page shows where it stands and refreshes
itself while the worker reads (a `<meta http-equiv="refresh">`, no script), then shows the
problems or the preview with a button to confirm; the import itself runs in the worker too.
An export is an `ExportJob`: the worker writes the workbook to a file, the job's page
refreshes itself with the responses written so far, then links to the file.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from exchange.forms import ExportForm, ImportForm
from exchange.jobs import export_file, export_file_name, export_job_create, import_job_confirm, import_job_create
from exchange.models import ExportJob, ImportJob
from surveys.models import Wave
from surveys.permissions import staff_permission_required
from surveys.uploads import UploadRefused

EXPORT = "surveys.export_responses"
IMPORT = "surveys.import_responses"
# Seconds between two refreshes of a job's page while the worker reads or imports.
REFRESH_SECONDS = 2


def _wave(slug: str) -> Wave:
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


@staff_permission_required(EXPORT)
@require_GET
def wave_excel(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, _wave(slug))


@staff_permission_required(EXPORT)
@require_POST
def wave_export(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _page(request, wave, export_form=form, status=400)
    job = export_job_create(
        wave=wave,
        user=request.user,
        labels=form.cleaned_data["labels"],
        status=form.cleaned_data["status"],
        history=form.cleaned_data["history"],
        confirmations=form.cleaned_data["confirmations"],
    )
    return redirect("exchange:export_job", wave.slug, job.pk)


_Job = TypeVar("_Job", ImportJob, ExportJob)


def _own(jobs: QuerySet[_Job], request: HttpRequest, wave: Wave, pk: int | str, what: str) -> _Job:
    """The wave's job of that pk, if it is the requester's: another person's upload may hold
    what they have not imported yet, and their export what they chose to download."""
    job = jobs.filter(pk=pk, wave=wave).first()
    if job is None or job.user_id != request.user.pk:
        raise Http404(f"No such {what}.")
    return job


def _export_job(request: HttpRequest, wave: Wave, pk: int) -> ExportJob:
    return _own(ExportJob.objects.select_related("wave"), request, wave, pk, "export")


@staff_permission_required(EXPORT)
@require_GET
def export_job(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    wave = _wave(slug)
    job = _export_job(request, wave, pk)
    return render(
        request,
        "exchange/export_job.html",
        {
            "wave": wave,
            "job": job,
            "file_name": export_file_name(job),
            "title": f"Export of {wave.title}",
            "wave_url": reverse("admin:surveys_wave_change", args=[wave.pk]),
            "refresh": REFRESH_SECONDS if job.running else None,
        },
        status=400 if job.status == ExportJob.Status.FAILED else 200,
    )


@staff_permission_required(EXPORT)
@require_GET
def export_job_file(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    wave = _wave(slug)
    job = _export_job(request, wave, pk)
    path = export_file(job)
    if job.status != ExportJob.Status.DONE or not path.exists():
        raise Http404("This export has no file (not written yet, failed or expired).")
    return FileResponse(path.open("rb"), as_attachment=True, filename=export_file_name(job))


@staff_permission_required(IMPORT)
@require_POST
def wave_import(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, wave, import_form=form, status=400)
    mapping = form.cleaned_data.get("mapping")
    try:
        if mapping is not None and mapping.size > 1024 * 1024:
            raise UploadRefused("the mapping file is larger than 1 MB: it is a short YAML file.")
        job = import_job_create(
            wave=wave,
            user=request.user,
            source=form.cleaned_data["source"],
            upload=form.cleaned_data["file"],
            mapping_text=mapping.read().decode("utf-8", errors="replace") if mapping else "",
            dry_run=form.cleaned_data["dry_run"],
        )
    except UploadRefused as exc:
        message = str(exc)
        form.add_error("file", message[:1].upper() + message[1:])
        return _page(request, wave, import_form=form, status=400)
    return redirect("exchange:import_job", wave.slug, job.pk)


def _job(request: HttpRequest, wave: Wave, pk: int | str) -> ImportJob:
    return _own(ImportJob.objects.all(), request, wave, pk, "import")


@staff_permission_required(IMPORT)
@require_GET
def import_job(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    wave = _wave(slug)
    job = _job(request, wave, pk)
    return render(
        request,
        "exchange/import_job.html",
        {
            "wave": wave,
            "job": job,
            "title": f"Import of {job.file_name} into {wave.title}",
            "wave_url": reverse("admin:surveys_wave_change", args=[wave.pk]),
            "refresh": REFRESH_SECONDS if job.running else None,
        },
        status=400 if job.status in (ImportJob.Status.REFUSED, ImportJob.Status.FAILED) else 200,
    )


@staff_permission_required(IMPORT)
@require_POST
def wave_import_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    job = _job(request, wave, request.POST.get("job", "") or "0")
    if not import_job_confirm(job=job):
        messages.warning(request, f"The import of {job.file_name} is not waiting for a confirmation.")
    return redirect("exchange:import_job", wave.slug, job.pk)
