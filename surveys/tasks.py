"""Celery tasks of the engine: the wave's life (closing at the deadline), in `CELERY_BEAT_SCHEDULE`.

Safe to repeat. Time limits: the settings' `CELERY_TASK_SOFT_TIME_LIMIT` and `CELERY_TASK_TIME_LIMIT`.
"""

from __future__ import annotations

from celery import shared_task

from surveys.services.waves import waves_close_due


@shared_task(name="surveys.close_due_waves", ignore_result=True)
def close_due_waves() -> int:
    return waves_close_due()
