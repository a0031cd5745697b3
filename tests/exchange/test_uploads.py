"""Imported files are bounded (size, uncompressed size, rows) before they are parsed, a
damaged one gets a message (pages and commands), and the web's imports run as a task whose
progress has a page."""

from __future__ import annotations

import io
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from exchange import reader
from exchange.export import wave_export
from exchange.limesurvey import limesurvey_read
from exchange.models import ImportJob
from exchange.reader import workbook_read
from exchange.tasks import run_import_job
from surveys.models import Response, Wave
from tests.exchange.conftest import second_wave

MAPPING = "partnership: {column: token}\nquestions:\n  T1: NAME\n"


def workbook(wave: Wave) -> bytes:
    target = BytesIO()
    wave_export(wave=wave, target=target)
    return target.getvalue()


def bomb(*, megabytes: int) -> bytes:
    """A zip whose one sheet inflates from a few kB to `megabytes` MB (zeros)."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (megabytes * 1024 * 1024))
    return out.getvalue()


def problems(wave: Wave, data: bytes, name: str = "wave.xlsx") -> list[str]:
    return [str(p) for p in workbook_read(wave=wave, file=BytesIO(data), name=name).problems]


# Limits -------------------------------------------------------------------------------------


def test_an_oversize_file_is_refused_before_parsing(answered_wave: Wave, settings: Any) -> None:
    settings.EXCHANGE_UPLOAD_MAX_MB = 1
    data = workbook(answered_wave) + b"\0" * (1024 * 1024)
    assert problems(answered_wave, data) == [
        f"the file is {len(data) / 1024 / 1024:.1f} MB; at most 1 MB can be imported (EXCHANGE_UPLOAD_MAX_MB)."
    ]


def test_a_zip_bomb_is_refused_by_its_ratio(answered_wave: Wave) -> None:
    found = problems(answered_wave, bomb(megabytes=8))
    assert len(found) == 1
    assert "the workbook's part xl/worksheets/sheet1.xml inflates" in found[0]
    assert "(a zip bomb?)" in found[0]


def test_a_workbook_too_large_once_uncompressed_is_refused(answered_wave: Wave, settings: Any) -> None:
    settings.EXCHANGE_UNCOMPRESSED_MAX_MB = 4
    assert problems(answered_wave, bomb(megabytes=5)) == [
        "the workbook would take 5 MB once uncompressed; at most 4 MB can be imported (EXCHANGE_UNCOMPRESSED_MAX_MB)."
    ]


def test_too_many_rows_are_refused(answered_wave: Wave, settings: Any) -> None:
    settings.EXCHANGE_MAX_ROWS = 2  # the responses sheet has 3
    assert problems(answered_wave, workbook(answered_wave)) == [
        "sheet responses: the sheet has more than 2 rows, the most an import takes (EXCHANGE_MAX_ROWS)."
    ]


def test_a_limesurvey_csv_with_too_many_rows_or_not_utf8_is_refused(answered_wave: Wave, settings: Any) -> None:
    settings.EXCHANGE_MAX_ROWS = 1

    def read(data: bytes) -> list[str]:
        plan = limesurvey_read(wave=answered_wave, file=BytesIO(data), mapping_text=MAPPING, file_name="r.csv")
        return [str(p) for p in plan.problems]

    assert read(b"token,NAME\nGCA,Ada\nELBE,Cleo\n") == [
        "the file has more than 1 rows, the most an import takes (EXCHANGE_MAX_ROWS)."
    ]
    assert read("token,NAME\nGCA,Zoë\n".encode("latin-1")) == [
        "the CSV file is not UTF-8: save or export it again with UTF-8 encoding."
    ]


# Damaged files ------------------------------------------------------------------------------


def test_a_damaged_workbook_gets_a_message_not_a_traceback(answered_wave: Wave) -> None:
    data = workbook(answered_wave)
    truncated = data[: len(data) // 2]
    assert problems(answered_wave, truncated) == [
        "the file is not an Excel workbook (.xlsx), or it is damaged (truncated?): save it again as .xlsx."
    ]
    assert problems(answered_wave, b"not a zip at all") == [
        "the file is not an Excel workbook (.xlsx), or it is damaged (truncated?): save it again as .xlsx."
    ]
    # A sound zip whose sheet is no XML: found only while reading.
    book = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in book.infolist():
            content = book.read(info.filename)
            archive.writestr(info, b"<sheetData><row" if info.filename.startswith("xl/worksheets/") else content)
    found = problems(answered_wave, out.getvalue())
    assert len(found) == 1 and found[0].startswith("the workbook is damaged (")


def test_the_command_prints_a_clear_error_and_fails(answered_wave: Wave, tmp_path: Path, settings: Any) -> None:
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(workbook(answered_wave)[:2000])
    with pytest.raises(CommandError) as caught:
        call_command("import_responses", "--wave", answered_wave.slug, str(damaged))
    assert "nothing was imported" in str(caught.value)
    assert "it is damaged (truncated?)" in str(caught.value)
    settings.EXCHANGE_UPLOAD_MAX_MB = 0
    with pytest.raises(CommandError, match="at most 0 MB can be imported"):
        call_command(
            "import_limesurvey",
            "--wave",
            answered_wave.slug,
            "--mapping",
            str(_write(tmp_path / "m.yaml", MAPPING.encode())),
            str(_write(tmp_path / "r.csv", b"token,NAME\nGCA,Ada\n")),
        )


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("register.xlsx", b"PK\x03\x04 broken", "or it is damaged (truncated?)"),
        ("register.csv", "acronym,name\nGCA,Zoë\n".encode("latin-1"), "the CSV file is not UTF-8"),
        ("register.xlsx", None, "(a zip bomb?)"),
    ],
)
def test_the_register_command_refuses_damaged_and_bomb_files(
    db: None, tmp_path: Path, name: str, data: bytes | None, expected: str
) -> None:
    path = _write(tmp_path / name, data if data is not None else bomb(megabytes=8))
    with pytest.raises(CommandError) as caught:
        call_command("import_partnerships", str(path))
    assert expected in str(caught.value)


def test_the_register_command_refuses_too_many_rows(db: None, tmp_path: Path, settings: Any) -> None:
    settings.EXCHANGE_MAX_ROWS = 1
    rows = "acronym,name,programme,group,contact_name,contact_email\n" + "".join(
        f"P{i},Partnership {i},escp-4i,strand-1,Ann {i},ann{i}@example.org\n" for i in range(2)
    )
    with pytest.raises(CommandError, match=r"r.csv: the file has more than 1 rows, the most an import takes"):
        call_command("import_partnerships", str(_write(tmp_path / "r.csv", rows.encode())))


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("register.xlsx", None, "(a zip bomb?)"),
        ("register.xlsx", b"PK\x03\x04 broken", "or it is damaged (truncated?)"),
        ("register.csv", "acronym\nZoë\n".encode("latin-1"), "The CSV file is not UTF-8"),
    ],
)
def test_the_admins_register_import_answers_with_a_message(
    staff_client: Client, name: str, data: bytes | None, expected: str
) -> None:
    page = staff_client.post(
        reverse("admin:surveys_partnership_import"),
        {
            "resource": 0,
            "format": 0 if name.endswith(".csv") else 1,
            "import_file": SimpleUploadedFile(name, data if data is not None else bomb(megabytes=8)),
        },
    )
    assert page.status_code == 200
    assert expected in page.content.decode()


# The web: a task, with its page ---------------------------------------------------------------


def test_the_webs_import_is_a_task_whose_page_shows_its_progress(
    answered_wave: Wave,
    staff_client: Client,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = second_wave(answered_wave)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        posted = staff_client.post(
            reverse("exchange:import", args=[target.slug]),
            {"source": "workbook", "file": SimpleUploadedFile("wave.xlsx", workbook(answered_wave))},
        )
    # The web worker stored the file and a job, and read nothing.
    assert posted.status_code == 302
    job = ImportJob.objects.get()
    assert posted["Location"] == reverse("exchange:import_job", args=[target.slug, job.pk])
    assert (job.status, job.rows_read, job.outcomes) == ("queued", 0, [])
    assert len(queued) == 1
    page = staff_client.get(posted["Location"])
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert "Waiting for the worker" in html
    assert "<script>" not in html.split("</head>")[0].split("<head>")[-1].replace('<script src="', "")

    # The worker's part: it counts the rows it reads.
    monkeypatch.setattr(reader, "PROGRESS_EVERY", 1)
    assert run_import_job(job.pk) == "checked"
    job.refresh_from_db()
    assert job.rows_read > 0
    page = staff_client.get(posted["Location"])
    html = page.content.decode()
    assert 'http-equiv="refresh"' not in html
    assert f"{job.rows_read} rows read" in html
    assert "nothing has changed yet" in html
    assert Response.objects.get(wave=target, partnership__acronym="GCA").status == "not_started"

    with django_capture_on_commit_callbacks(execute=False) as queued:
        staff_client.post(reverse("exchange:import_confirm", args=[target.slug]), {"job": job.pk})
    job.refresh_from_db()
    assert job.status == "importing"
    assert 'http-equiv="refresh"' in staff_client.get(posted["Location"]).content.decode()
    assert run_import_job(job.pk) == "done"
    assert Response.objects.get(wave=target, partnership__acronym="GCA").status == "submitted"
    assert "Imported" in staff_client.get(posted["Location"]).content.decode()


def test_the_web_refuses_an_oversize_upload_at_the_form(
    answered_wave: Wave, staff_client: Client, settings: Any
) -> None:
    settings.EXCHANGE_UPLOAD_MAX_MB = 0
    page = staff_client.post(
        reverse("exchange:import", args=[answered_wave.slug]),
        {"source": "workbook", "file": SimpleUploadedFile("wave.xlsx", workbook(answered_wave))},
    )
    assert page.status_code == 400
    assert "at most 0 MB can be imported" in page.context["import_form"].errors["file"][0]
    assert not ImportJob.objects.exists()


def test_a_damaged_upload_is_refused_on_its_page(
    answered_wave: Wave, staff_client: Client, eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        posted = staff_client.post(
            reverse("exchange:import", args=[answered_wave.slug]),
            {"source": "workbook", "file": SimpleUploadedFile("wave.xlsx", io.BytesIO(b"PK\x03\x04junk").read())},
        )
    page = staff_client.get(posted["Location"])
    assert page.status_code == 400
    assert "it is damaged (truncated?)" in page.content.decode()
    job = ImportJob.objects.get()
    assert job.status == "refused"
    from exchange.jobs import job_file

    assert not job_file(job).exists()


def test_the_admins_register_import_needs_its_permission(db: None, client: Client) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:surveys_partnership_import")).status_code == 403


def test_a_checked_import_left_unconfirmed_expires(
    answered_wave: Wave, staff_client: Client, eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from exchange.jobs import import_jobs_expire, job_file

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("exchange:import", args=[answered_wave.slug]),
            {"source": "workbook", "file": SimpleUploadedFile("wave.xlsx", workbook(answered_wave))},
        )
    job = ImportJob.objects.get()
    assert job.status == "checked" and job_file(job).exists()
    assert import_jobs_expire(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert import_jobs_expire(now=timezone.now() + dt.timedelta(hours=25)) == 1
    job.refresh_from_db()
    assert job.status == "failed" and not job_file(job).exists()
    assert "not confirmed within a day" in job.problems[0]
