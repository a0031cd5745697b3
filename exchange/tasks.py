"""Celery tasks of the exchange: imports from the web (exchange.jobs)."""

from __future__ import annotations

from celery import shared_task

from exchange.jobs import import_job_run


@shared_task(name="exchange.run_import_job", acks_late=True, ignore_result=True)
def run_import_job(job_id: int) -> str:
    return import_job_run(job_id=job_id)
