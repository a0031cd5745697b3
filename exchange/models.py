"""Imports and exports of responses run by a Celery worker: their file, where they stand.

For an import the web worker only stores the uploaded file and an `ImportJob`, and a page
shows the row (refreshing itself while the worker reads): a large workbook is never parsed
in the web process (issue 13: a 4 MB xlsx once drove a web worker to 7 GB). For an export
it only stores an `ExportJob`; the worker writes the workbook to a file and counts the
responses written, and the job's page offers the file once it is done: no web worker holds
a request while a large wave is written (issue 14).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        READING = "reading", "Reading and checking the file"
        CHECKED = "checked", "Checked: waiting for your confirmation"
        REFUSED = "refused", "Refused: the file has problems, nothing was imported"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed: nothing was imported"

    RUNNING = (Status.QUEUED, Status.READING, Status.IMPORTING)

    wave = models.ForeignKey("surveys.Wave", on_delete=models.CASCADE, related_name="import_jobs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    source = models.CharField(max_length=20)  # exchange.forms.WORKBOOK or LIMESURVEY
    file_name = models.CharField(max_length=255)
    mapping = models.TextField(blank=True)  # the LimeSurvey mapping file's text
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    rows_read = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)  # messages, each naming sheet, row and column
    outcomes = models.JSONField(default=list, blank=True)  # ImportOutcome fields, per response
    summary = models.TextField(blank=True)  # str(ImportReport)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import of {self.file_name} into {self.wave_id} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in self.RUNNING


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        WRITING = "writing", "Writing the workbook"
        DONE = "done", "Done: ready to download"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired: the file was deleted"

    RUNNING = (Status.QUEUED, Status.WRITING)

    wave = models.ForeignKey("surveys.Wave", on_delete=models.CASCADE, related_name="export_jobs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    labels = models.BooleanField(default=False)  # texts instead of codes
    history = models.BooleanField(default=False)  # with the sheet of every change to the answers
    confirmations = models.BooleanField(default=False)  # with the sheet of the claims of collaboration
    responses = models.CharField(max_length=12)  # exchange.export.Status: all, or submitted only
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    responses_total = models.PositiveIntegerField(default=0)
    responses_written = models.PositiveIntegerField(default=0)
    file_size = models.PositiveBigIntegerField(default=0)
    problem = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"export of {self.wave_id} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def percent(self) -> int:
        return min(100, self.responses_written * 100 // self.responses_total) if self.responses_total else 0
