from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from exchange.export import wave_export
from surveys.definition.structure import structure_for
from surveys.models import Response, Wave
from surveys.values import load_values
from tests.exchange.conftest import GCA_VALUES, read_cells, second_wave

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "limesurvey-mapping-example.yaml"


def workbook(wave: Wave) -> bytes:
    target = BytesIO()
    wave_export(wave=wave, target=target)
    return target.getvalue()


@pytest.fixture
def run_tasks(eager_tasks: None, django_capture_on_commit_callbacks: Any) -> Any:
    """Calls a view and runs the tasks it queued on commit (the worker's part)."""

    def call(view: Any, *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return view(*args, **kwargs)

    return call


@pytest.fixture
def upload(run_tasks: Any) -> Any:
    """Upload a workbook; the job's page once the worker has checked it."""

    def post(client: Client, wave: Wave, data: bytes, **extra: object) -> Any:
        response = run_tasks(
            client.post,
            reverse("exchange:import", args=[wave.slug]),
            {"source": "workbook", "file": SimpleUploadedFile("wave.xlsx", data), **extra},
        )
        if response.status_code != 302:
            return response
        return client.get(response["Location"])

    return post


def test_the_wave_changelist_action_exports_through_the_worker(
    answered_wave: Wave, staff_client: Client, run_tasks: Any
) -> None:
    posted = run_tasks(
        staff_client.post,
        reverse("admin:surveys_wave_changelist"),
        {"action": "export_responses", "_selected_action": [answered_wave.pk]},
    )
    assert posted.status_code == 302
    page = staff_client.get(posted["Location"])
    job = page.context["job"]
    assert (job.status, job.labels, job.responses) == ("done", False, "all")
    response = staff_client.get(reverse("exchange:export_file", args=[answered_wave.slug, job.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="every-2019-responses.xlsx"'
    cells = read_cells(BytesIO(response.getvalue()))
    assert [r[0] for r in cells["responses"][1:]] == ["EC2i", "ELBE", "GCA"]


def test_the_wave_page_links_to_the_excel_page(answered_wave: Wave, staff_client: Client) -> None:
    page = staff_client.get(reverse("admin:surveys_wave_change", args=[answered_wave.pk]))
    assert reverse("exchange:wave_excel", args=[answered_wave.slug]) in page.content.decode()


def test_the_export_form_writes_submitted_responses_with_texts(
    answered_wave: Wave, staff_client: Client, run_tasks: Any
) -> None:
    posted = run_tasks(
        staff_client.post,
        reverse("exchange:export", args=[answered_wave.slug]),
        {"status": "submitted", "labels": "on"},
    )
    job = staff_client.get(posted["Location"]).context["job"]
    response = staff_client.get(reverse("exchange:export_file", args=[answered_wave.slug, job.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="every-2019-responses-texts.xlsx"'
    cells = read_cells(BytesIO(response.getvalue()))
    assert [r[0] for r in cells["responses"][2:]] == ["GCA"]
    assert cells["responses"][2][2] == "Submitted"


def test_upload_shows_a_preview_and_changes_nothing_until_confirmed(
    answered_wave: Wave, staff_client: Client, upload: Any, run_tasks: Any
) -> None:
    target = second_wave(answered_wave)
    page = upload(staff_client, target, workbook(answered_wave))
    html = page.content.decode()
    assert page.status_code == 200
    assert "nothing has changed yet" in html
    assert "<td>GCA</td><td>replaced</td><td>submitted</td><td>13</td><td>3</td>" in html
    gca = Response.objects.get(wave=target, partnership__acronym="GCA")
    assert gca.status == Response.Status.NOT_STARTED
    job = page.context["job"]
    done = run_tasks(staff_client.post, reverse("exchange:import_confirm", args=[target.slug]), {"job": job.pk})
    assert done.status_code == 302
    gca.refresh_from_db()
    assert gca.status == Response.Status.SUBMITTED
    assert load_values(gca, structure_for(target.version)) == GCA_VALUES
    assert "Imported" in staff_client.get(done["Location"]).content.decode()
    # The upload is gone and the job done: confirming twice imports nothing more.
    job.refresh_from_db()
    assert job.status == "done"
    again = run_tasks(staff_client.post, reverse("exchange:import_confirm", args=[target.slug]), {"job": job.pk})
    assert "is not waiting for a confirmation" in staff_client.get(again["Location"]).content.decode()


def test_a_dry_run_offers_no_confirmation(answered_wave: Wave, staff_client: Client, upload: Any) -> None:
    target = second_wave(answered_wave)
    page = upload(staff_client, target, workbook(answered_wave), dry_run="on")
    html = page.content.decode()
    assert "Dry run of wave.xlsx: nothing was changed" in html
    assert "import_confirm" not in html and 'name="job"' not in html


def test_a_faulty_file_shows_every_problem_with_its_place(
    answered_wave: Wave, staff_client: Client, upload: Any
) -> None:
    book = openpyxl.load_workbook(BytesIO(workbook(answered_wave)))
    book["responses"]["T4"] = 900  # N2 of GCA
    data = BytesIO()
    book.save(data)
    page = upload(staff_client, answered_wave, data.getvalue())
    assert page.status_code == 400
    assert (
        "<li>sheet responses, row 4, column N2 (T): 900 is out of bounds: the question takes numbers from 0 to 500.</li>"
        in page.content.decode()
    )


def test_a_limesurvey_upload_needs_its_mapping(answered_wave: Wave, staff_client: Client) -> None:
    page = staff_client.post(
        reverse("exchange:import", args=[answered_wave.slug]),
        {"source": "limesurvey", "file": SimpleUploadedFile("results.csv", b"token\nGCA\n")},
    )
    assert page.status_code == 400
    assert page.context["import_form"].errors == {"mapping": ["A LimeSurvey export needs its mapping file."]}


def test_a_limesurvey_upload_is_previewed(answered_wave: Wave, staff_client: Client, run_tasks: Any) -> None:
    mapping = SimpleUploadedFile("map.yaml", b"partnership: {column: token}\nquestions:\n  T1: NAME\n")
    posted = run_tasks(
        staff_client.post,
        reverse("exchange:import", args=[answered_wave.slug]),
        {"source": "limesurvey", "file": SimpleUploadedFile("r.csv", b"token,NAME\nGCA,Ada\n"), "mapping": mapping},
    )
    page = staff_client.get(posted["Location"])
    assert "<td>GCA</td><td>replaced</td><td>draft</td><td>1</td><td>0</td>" in page.content.decode()


@pytest.mark.parametrize("name", ["exchange:wave_excel", "exchange:export"])
def test_only_staff_see_the_pages(answered_wave: Wave, client: Client, name: str) -> None:
    response = client.get(reverse(name, args=[answered_wave.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_permission_cannot_import(answered_wave: Wave, client: Client, upload: Any) -> None:
    user = get_user_model().objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(user)
    assert upload(client, answered_wave, workbook(answered_wave)).status_code == 403


def test_import_takes_no_get(answered_wave: Wave, staff_client: Client) -> None:
    assert staff_client.get(reverse("exchange:import", args=[answered_wave.slug])).status_code == 405


def test_a_job_of_another_wave_or_person_is_refused(answered_wave: Wave, staff_client: Client, upload: Any) -> None:
    target = second_wave(answered_wave)
    job = upload(staff_client, target, workbook(answered_wave)).context["job"]
    refused = staff_client.post(reverse("exchange:import_confirm", args=[answered_wave.slug]), {"job": job.pk})
    assert refused.status_code == 404
    other = Client()
    other.force_login(get_user_model().objects.create_superuser("other", password="x"))
    assert other.get(reverse("exchange:import_job", args=[target.slug, job.pk])).status_code == 404
