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


def upload(client: Client, wave: Wave, data: bytes, **extra: object) -> Any:
    return client.post(
        reverse("exchange:import", args=[wave.slug]),
        {"source": "workbook", "file": SimpleUploadedFile("wave.xlsx", data), **extra},
    )


def test_the_wave_changelist_action_downloads_the_workbook(answered_wave: Wave, staff_client: Client) -> None:
    response = staff_client.post(
        reverse("admin:surveys_wave_changelist"),
        {"action": "export_responses", "_selected_action": [answered_wave.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="every-2019-responses.xlsx"'
    cells = read_cells(BytesIO(response.getvalue()))
    assert [r[0] for r in cells["responses"][1:]] == ["EC2i", "ELBE", "GCA"]


def test_the_wave_page_links_to_the_excel_page(answered_wave: Wave, staff_client: Client) -> None:
    page = staff_client.get(reverse("admin:surveys_wave_change", args=[answered_wave.pk]))
    assert reverse("exchange:wave_excel", args=[answered_wave.slug]) in page.content.decode()


def test_the_export_form_downloads_submitted_responses_with_texts(answered_wave: Wave, staff_client: Client) -> None:
    response = staff_client.get(
        reverse("exchange:export", args=[answered_wave.slug]), {"status": "submitted", "labels": "on"}
    )
    cells = read_cells(BytesIO(response.getvalue()))
    assert [r[0] for r in cells["responses"][2:]] == ["GCA"]
    assert cells["responses"][2][2] == "Submitted"


def test_upload_shows_a_preview_and_changes_nothing_until_confirmed(answered_wave: Wave, staff_client: Client) -> None:
    target = second_wave(answered_wave)
    page = upload(staff_client, target, workbook(answered_wave))
    html = page.content.decode()
    assert page.status_code == 200
    assert "nothing has changed yet" in html
    assert "<td>GCA</td><td>replaced</td><td>submitted</td><td>13</td><td>3</td>" in html
    gca = Response.objects.get(wave=target, partnership__acronym="GCA")
    assert gca.status == Response.Status.NOT_STARTED
    token = page.context["token"]
    done = staff_client.post(reverse("exchange:import_confirm", args=[target.slug]), {"token": token})
    assert done.status_code == 302
    gca.refresh_from_db()
    assert gca.status == Response.Status.SUBMITTED
    assert load_values(gca, structure_for(target.version)) == GCA_VALUES
    # The upload is gone: confirming twice imports nothing more.
    assert (
        staff_client.post(reverse("exchange:import_confirm", args=[target.slug]), {"token": token}).status_code == 404
    )


def test_a_dry_run_offers_no_confirmation(answered_wave: Wave, staff_client: Client) -> None:
    target = second_wave(answered_wave)
    page = upload(staff_client, target, workbook(answered_wave), dry_run="on")
    assert "Dry run of wave.xlsx: nothing was changed" in page.content.decode()
    assert page.context["token"] is None


def test_a_faulty_file_shows_every_problem_with_its_place(answered_wave: Wave, staff_client: Client) -> None:
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


def test_a_limesurvey_upload_is_previewed(answered_wave: Wave, staff_client: Client) -> None:
    mapping = SimpleUploadedFile("map.yaml", b"partnership: {column: token}\nquestions:\n  T1: NAME\n")
    page = staff_client.post(
        reverse("exchange:import", args=[answered_wave.slug]),
        {"source": "limesurvey", "file": SimpleUploadedFile("r.csv", b"token,NAME\nGCA,Ada\n"), "mapping": mapping},
    )
    assert "<td>GCA</td><td>replaced</td><td>draft</td><td>1</td><td>0</td>" in page.content.decode()


@pytest.mark.parametrize("name", ["exchange:wave_excel", "exchange:export"])
def test_only_staff_see_the_pages(answered_wave: Wave, client: Client, name: str) -> None:
    response = client.get(reverse(name, args=[answered_wave.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_permission_cannot_import(answered_wave: Wave, client: Client) -> None:
    user = get_user_model().objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(user)
    assert upload(client, answered_wave, workbook(answered_wave)).status_code == 403


def test_import_takes_no_get(answered_wave: Wave, staff_client: Client) -> None:
    assert staff_client.get(reverse("exchange:import", args=[answered_wave.slug])).status_code == 405


def test_a_token_of_another_wave_is_refused(answered_wave: Wave, staff_client: Client) -> None:
    target = second_wave(answered_wave)
    token = upload(staff_client, target, workbook(answered_wave)).context["token"]
    refused = staff_client.post(reverse("exchange:import_confirm", args=[answered_wave.slug]), {"token": token})
    assert refused.status_code == 404
