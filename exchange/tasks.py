"""Celery tasks of the exchange: imports and exports from the web (exchange.jobs)."""

from __future__ import annotations

from celery import shared_task

from exchange.jobs import export_job_run, import_job_run

# An export of 100,000 responses takes about a minute in one process; a limit of its own
# (the default, CELERY_TASK_SOFT_TIME_LIMIT, is set for the outreach's batches). At the soft
# limit the job is marked failed and its partial file deleted; the hard one kills the process.
EXPORT_SOFT_TIME_LIMIT = 600
EXPORT_TIME_LIMIT = 660


@shared_task(name="exchange.run_import_job", acks_late=True, ignore_result=True)
def run_import_job(job_id: int) -> str:
    return import_job_run(job_id=job_id)


@shared_task(
    name="exchange.run_export_job",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=EXPORT_SOFT_TIME_LIMIT,
    time_limit=EXPORT_TIME_LIMIT,
)
def run_export_job(job_id: int) -> str:
    return export_job_run(job_id=job_id)
