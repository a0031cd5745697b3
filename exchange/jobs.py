"""Imports and exports from the web, run by a Celery worker.

Imports: upload → check (preview) → confirm → import. `import_job_create` stores the
uploaded file and an `ImportJob` and queues the check; the worker reads the file
(`exchange.reader` or `exchange.limesurvey`, which check the limits of `surveys.uploads`
first), counts the rows it has read into the job, and keeps the problems or the preview. On
confirmation the worker reads the file again (it may have been days), and imports. The file
is deleted once the job is over (refused, dry run, done or failed).

Exports: `export_job_create` stores an `ExportJob` and queues it; the worker writes the
workbook (`exchange.export`) to a file beside the uploads, counting the responses written
into the job, and the job's page offers the file for KEEP_EXPORT, after which it is deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from exchange.export import responses_count, wave_export
from exchange.forms import LIMESURVEY
from exchange.imports import ImportPlan, ImportRefused
from exchange.limesurvey import limesurvey_read
from exchange.models import ExportJob, ImportJob
from exchange.reader import workbook_read
from exchange.services import ImportReport, responses_import
from surveys.models import Wave
from surveys.uploads import size_check

logger = logging.getLogger(__name__)
S = ImportJob.Status


def job_file(job: ImportJob) -> Path:
    folder = Path(settings.EXCHANGE_UPLOAD_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / f"import-{job.pk}.data"


def _queue(job: ImportJob) -> None:
    from exchange.tasks import run_import_job  # the task module imports this one

    transaction.on_commit(lambda: run_import_job.delay(job.pk))


# A checked import waits this long for its confirmation; then its file is deleted.
KEEP_CHECKED = dt.timedelta(days=1)


def import_jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of checked imports nobody confirmed within KEEP_CHECKED; returns how many."""
    now = now or timezone.now()
    expired = list(ImportJob.objects.filter(status=S.CHECKED, dry_run=False, updated_at__lt=now - KEEP_CHECKED))
    for job in expired:
        _finish(job, S.FAILED, problems=["not confirmed within a day: the file was deleted; upload it again."])
    return len(expired)


def import_job_create(
    *, wave: Wave, user: Any, source: str, upload: UploadedFile, mapping_text: str = "", dry_run: bool = False
) -> ImportJob:
    """Store the upload and queue its check; raises UploadRefused for a file over the size limit."""
    size_check(upload.size or 0)
    import_jobs_expire()
    job = ImportJob.objects.create(
        wave=wave,
        user=user,
        source=source,
        file_name=(upload.name or "upload")[-255:],
        mapping=mapping_text,
        dry_run=dry_run,
    )
    with job_file(job).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    _queue(job)
    return job


def import_job_confirm(*, job: ImportJob) -> bool:
    """Queue the import of a checked job; False if it is not waiting for a confirmation."""
    updated = ImportJob.objects.filter(pk=job.pk, status=S.CHECKED, dry_run=False).update(status=S.IMPORTING)
    if updated:
        _queue(job)
    return bool(updated)


def _read(job: ImportJob) -> ImportPlan:
    def progress(rows: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_read=F("rows_read") + rows)

    path = job_file(job)
    with path.open("rb") as handle:
        if job.source == LIMESURVEY:
            return limesurvey_read(wave=job.wave, file=handle, mapping_text=job.mapping, file_name=job.file_name)
        return workbook_read(wave=job.wave, file=handle, progress=progress, name=job.file_name)


def _outcomes(report: ImportReport) -> list[dict[str, Any]]:
    return [o.__dict__ for o in report.outcomes]


def _finish(job: ImportJob, status: str, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.status = status
    job.save()
    if status != S.CHECKED or job.dry_run:
        job_file(job).unlink(missing_ok=True)


def import_job_run(*, job_id: int) -> str:
    """The worker's part: check a queued job, or import a confirmed one; returns its status."""
    job = ImportJob.objects.select_related("wave__version__questionnaire").filter(pk=job_id).first()
    if job is None or job.status not in (S.QUEUED, S.IMPORTING):
        return job.status if job else "missing"
    importing = job.status == S.IMPORTING
    if not job_file(job).exists():
        _finish(job, S.FAILED, problems=["the uploaded file is gone (expired or removed): upload it again."])
        return job.status
    if not importing:
        job.status = S.READING
        job.save(update_fields=["status", "updated_at"])
    ImportJob.objects.filter(pk=job.pk).update(rows_read=0)
    try:
        plan = _read(job)
        job.refresh_from_db(fields=["rows_read"])
        if plan.problems:
            _finish(job, S.REFUSED, problems=[str(p) for p in plan.problems])
            return job.status
        report = responses_import(wave=job.wave, plan=plan, dry_run=not importing, by=job.user)
    except ImportRefused as exc:
        _finish(job, S.REFUSED, problems=[str(p) for p in exc.problems])
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _finish(job, S.FAILED, problems=["the import failed on the server; nothing was imported. Try again later."])
    else:
        done = importing or job.dry_run
        _finish(job, S.DONE if done else S.CHECKED, outcomes=_outcomes(report), summary=str(report))
    return job.status


# Exports -----------------------------------------------------------------------------------

E = ExportJob.Status
# A written export waits this long for its download; then its file is deleted.
KEEP_EXPORT = dt.timedelta(days=1)
# A job the worker has said nothing of for this long died with it (killed at the task's hard
# time limit, or the worker stopped): failed. The worker updates the job after each chunk of
# 1,000 responses, a few seconds apart.
EXPORT_SILENT = dt.timedelta(minutes=15)


def export_file(job: ExportJob) -> Path:
    folder = Path(settings.EXCHANGE_UPLOAD_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / f"export-{job.pk}.xlsx"


def export_file_name(job: ExportJob) -> str:
    return f"{job.wave.slug}-responses{'-texts' if job.labels else ''}.xlsx"


def export_jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports written more than KEEP_EXPORT ago, and mark failed the jobs
    whose worker went silent; returns how many jobs changed."""
    now = now or timezone.now()
    changed = 0
    for job in ExportJob.objects.filter(status=E.DONE, updated_at__lt=now - KEEP_EXPORT):
        export_file(job).unlink(missing_ok=True)
        job.status = E.EXPIRED
        job.save(update_fields=["status", "updated_at"])
        changed += 1
    for job in ExportJob.objects.filter(status=E.WRITING, updated_at__lt=now - EXPORT_SILENT):
        _export_failed(job, "the worker stopped before the workbook was written. Export again.")
        changed += 1
    return changed


def export_job_create(
    *, wave: Wave, user: Any, labels: bool, status: str, history: bool = False, confirmations: bool = False
) -> ExportJob:
    """Store an export of the wave and queue it for the worker."""
    from exchange.tasks import run_export_job  # the task module imports this one

    export_jobs_expire()
    job = ExportJob.objects.create(
        wave=wave,
        user=user,
        labels=labels,
        history=history,
        confirmations=confirmations,
        responses=status,
        responses_total=responses_count(wave, status),
    )
    transaction.on_commit(lambda: run_export_job.delay(job.pk))
    return job


def _export_failed(job: ExportJob, problem: str) -> None:
    for path in (export_file(job), export_file(job).with_suffix(".part")):
        path.unlink(missing_ok=True)
    job.status = E.FAILED
    job.problem = problem
    job.save(update_fields=["status", "problem", "updated_at"])


def export_job_run(*, job_id: int) -> str:
    """The worker's part: write a queued export's workbook; returns the job's status."""
    from celery.exceptions import SoftTimeLimitExceeded

    job = ExportJob.objects.select_related("wave__version__questionnaire").filter(pk=job_id).first()
    if job is None or job.status != E.QUEUED:
        return job.status if job else "missing"
    job.status = E.WRITING
    job.save(update_fields=["status", "updated_at"])

    def progress(written: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(responses_written=written, updated_at=timezone.now())

    target = export_file(job)
    partial = target.with_suffix(".part")  # renamed once whole: a download never gets half a file
    try:
        summary = wave_export(
            wave=job.wave,
            target=partial,
            labels=job.labels,
            status=job.responses,
            history=job.history,
            confirmations=job.confirmations,
            progress=progress,
        )
        partial.rename(target)
    except SoftTimeLimitExceeded:
        logger.warning("export job %s stopped at its time limit", job.pk)
        _export_failed(job, "the export took longer than the worker allows; try again when the server is quieter.")
    except Exception:
        logger.exception("export job %s failed", job.pk)
        _export_failed(job, "the export failed on the server. Try again later.")
    else:
        job.status = E.DONE
        job.responses_written = summary.responses
        job.file_size = target.stat().st_size
        job.save(update_fields=["status", "responses_written", "file_size", "updated_at"])
    return job.status
