"""Every Celery task has a soft and a hard time limit, below the messages' claim timeout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from escp_survey.celery import app
from exchange.tasks import EXPORT_SOFT_TIME_LIMIT, EXPORT_TIME_LIMIT

ROOT = Path(__file__).resolve().parents[2]


def test_it_gives_every_task_a_soft_and_a_hard_limit_below_the_claim_timeout() -> None:
    app.loader.import_default_modules()  # the tasks, as a worker registers them
    assert (app.conf.task_soft_time_limit, app.conf.task_time_limit) == (240, 270)
    assert settings.OUTREACH_CLAIM_TIMEOUT == 300
    tasks = [t for name, t in app.tasks.items() if name.split(".")[0] in {"surveys", "outreach", "exchange"}]
    assert sorted(t.name for t in tasks) == [
        "exchange.run_export_job",
        "exchange.run_import_job",
        "outreach.queue_confirmations",
        "outreach.queue_due_reminders",
        "outreach.recover_messages",
        "outreach.send_batch",
        "surveys.close_due_waves",
    ]
    # No task overrides them with no limit; the export's own, longer limits are the one exception
    # (a workbook of 100,000 responses takes about a minute on a quiet machine; docs/speed-mechanisms.md).
    own = {"exchange.run_export_job": (EXPORT_SOFT_TIME_LIMIT, EXPORT_TIME_LIMIT)}
    for task in tasks:
        soft, hard = own.get(task.name, (240, 270))
        assert task.soft_time_limit in (None, soft) and task.time_limit in (None, hard), task.name


def _settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "escp_survey.settings", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_a_hard_limit_that_outlives_the_claim_timeout() -> None:
    refused = _settings_with(CELERY_TASK_TIME_LIMIT="400")
    assert refused.returncode != 0
    assert "CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < OUTREACH_CLAIM_TIMEOUT, not 240 < 400 < 300" in (
        refused.stderr
    )
    assert _settings_with(CELERY_TASK_TIME_LIMIT="280", OUTREACH_CLAIM_TIMEOUT="600").returncode == 0
