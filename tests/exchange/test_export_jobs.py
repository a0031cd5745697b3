"""Exports from the web run as a Celery task (issue 14): the request only stores a job, the
worker writes the workbook to a file and counts the responses written, the job's page
refreshes itself until it offers the file, which only its owner may download, for a day."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exchange import jobs
from exchange.models import ExportJob
from exchange.tasks import EXPORT_SOFT_TIME_LIMIT, EXPORT_TIME_LIMIT, run_export_job
from surveys.models import Wave
from tests.exchange.conftest import read_cells


def post_export(client: Client, wave: Wave, **data: str) -> Any:
    return client.post(reverse("exchange:export", args=[wave.slug]), {"status": "all", **data})


def test_the_request_queues_a_job_and_the_worker_writes_the_file(
    answered_wave: Wave, staff_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as queued:
        posted = post_export(staff_client, answered_wave)
    job = ExportJob.objects.get()
    assert posted.status_code == 302
    assert posted["Location"] == reverse("exchange:export_job", args=[answered_wave.slug, job.pk])
    assert len(queued) == 1  # the task, sent once the job is committed
    assert (job.status, job.responses_total, job.responses_written) == ("queued", 3, 0)
    # Waiting for the worker: the page refreshes itself (no script) and offers no file yet.
    page = staff_client.get(posted["Location"])
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert "Waiting for the worker" in html and 'id="job-file"' not in html
    assert staff_client.get(reverse("exchange:export_file", args=[answered_wave.slug, job.pk])).status_code == 404

    assert run_export_job(job.pk) == "done"  # the worker's part
    job.refresh_from_db()
    assert (job.responses_written, job.file_size > 0) == (3, True)
    page = staff_client.get(posted["Location"])
    html = page.content.decode()
    assert "http-equiv" not in html
    assert "3 of 3 responses written" in html
    file_url = reverse("exchange:export_file", args=[answered_wave.slug, job.pk])
    assert f'href="{file_url}"' in html
    response = staff_client.get(file_url)
    assert response["Content-Disposition"] == 'attachment; filename="every-2019-responses.xlsx"'
    cells = read_cells(BytesIO(response.getvalue()))
    assert [r[0] for r in cells["responses"][1:]] == ["EC2i", "ELBE", "GCA"]
    # Run again (a message delivered twice): the job is over, nothing is written again.
    assert run_export_job(job.pk) == "done"


def test_the_worker_counts_the_responses_written_as_it_goes(
    answered_wave: Wave, staff_client: Client, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        post_export(staff_client, answered_wave, status="submitted")
    job = ExportJob.objects.get()
    assert job.responses_total == 1
    seen: list[tuple[str, int]] = []
    export = jobs.wave_export

    def chunked(**kwargs: Any) -> Any:
        progress = kwargs["progress"]

        def spy(written: int) -> None:
            progress(written)
            row = ExportJob.objects.get(pk=job.pk)
            seen.append((row.status, row.responses_written))

        return export(**{**kwargs, "progress": spy})

    monkeypatch.setattr(jobs, "wave_export", chunked)
    assert run_export_job(job.pk) == "done"
    assert seen == [("writing", 1)]


def test_a_failed_export_says_so_and_leaves_no_file(
    answered_wave: Wave,
    staff_client: Client,
    eager_tasks: None,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    def broken(**kwargs: Any) -> Any:
        kwargs["target"].write_bytes(b"half a workbook")
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "wave_export", broken)
    with django_capture_on_commit_callbacks(execute=True):
        posted = post_export(staff_client, answered_wave)
    job = ExportJob.objects.get()
    assert job.status == "failed"
    assert not jobs.export_file(job).exists() and not jobs.export_file(job).with_suffix(".part").exists()
    page = staff_client.get(posted["Location"])
    assert page.status_code == 400
    assert "the export failed on the server" in page.content.decode()
    assert staff_client.get(reverse("exchange:export_file", args=[answered_wave.slug, job.pk])).status_code == 404


def test_the_time_limit_stops_an_export_as_failed(
    answered_wave: Wave, staff_client: Client, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    assert run_export_job.soft_time_limit == EXPORT_SOFT_TIME_LIMIT < run_export_job.time_limit == EXPORT_TIME_LIMIT

    def slow(**kwargs: Any) -> Any:
        kwargs["target"].write_bytes(b"part")
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(jobs, "wave_export", slow)
    with django_capture_on_commit_callbacks(execute=False):
        post_export(staff_client, answered_wave)
    job = ExportJob.objects.get()
    assert run_export_job(job.pk) == "failed"
    job.refresh_from_db()
    assert "took longer than the worker allows" in job.problem
    assert not jobs.export_file(job).with_suffix(".part").exists()


def test_the_file_expires_after_a_day_and_a_silent_worker_fails_its_job(
    answered_wave: Wave, staff_client: Client, eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post_export(staff_client, answered_wave)
    job = ExportJob.objects.get()
    assert job.status == "done" and jobs.export_file(job).exists()
    assert jobs.export_jobs_expire(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert jobs.export_jobs_expire(now=timezone.now() + dt.timedelta(hours=25)) == 1
    job.refresh_from_db()
    assert job.status == "expired" and not jobs.export_file(job).exists()
    assert staff_client.get(reverse("exchange:export_file", args=[answered_wave.slug, job.pk])).status_code == 404
    assert (
        "Expired: the file was deleted"
        in staff_client.get(reverse("exchange:export_job", args=[answered_wave.slug, job.pk])).content.decode()
    )

    stuck = ExportJob.objects.create(wave=answered_wave, responses="all", status="writing")
    assert jobs.export_jobs_expire(now=timezone.now() + dt.timedelta(minutes=10)) == 0
    assert jobs.export_jobs_expire(now=timezone.now() + dt.timedelta(minutes=16)) == 1
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "the worker stopped" in stuck.problem


def test_only_the_owner_sees_the_job_and_its_file(
    answered_wave: Wave, staff_client: Client, eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post_export(staff_client, answered_wave)
    job = ExportJob.objects.get()
    other = Client()
    other.force_login(get_user_model().objects.create_superuser("other", password="x"))
    for name in ("exchange:export_job", "exchange:export_file"):
        assert other.get(reverse(name, args=[answered_wave.slug, job.pk])).status_code == 404
    # Under another wave's address: not found either.
    from tests.exchange.conftest import second_wave

    elsewhere = second_wave(answered_wave)
    assert staff_client.get(reverse("exchange:export_job", args=[elsewhere.slug, job.pk])).status_code == 404


@pytest.mark.parametrize("data", [{"status": "nope"}])
def test_an_invalid_form_queues_nothing(answered_wave: Wave, staff_client: Client, data: dict[str, str]) -> None:
    response = post_export(staff_client, answered_wave, **data)
    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_the_export_takes_no_get(answered_wave: Wave, staff_client: Client) -> None:
    assert staff_client.get(reverse("exchange:export", args=[answered_wave.slug])).status_code == 405
