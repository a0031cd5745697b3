"""import_partnerships, open_wave and setup_demo, as an admin runs them."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.models import Contact, Invitation, Partnership, Response, Wave

HEADER = ["acronym", "name", "programme", "group", "contact_name", "contact_email"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_it_imports_a_csv_with_one_row_per_contact(db, tmp_path, capsys):
    path = write_csv(
        tmp_path / "register.csv",
        [
            ["GCA", "Global Cluster Alliance", "escp-4i", "strand-1", "Ada", "ada@gca.example.org"],
            ["GCA", "Global Cluster Alliance", "escp-4i", "strand-1", "Ben", "BEN@gca.example.org"],
            ["S3martMed", "", "escp-s3", "s3", "Eva", "eva@med.example.org"],
        ],
    )
    call_command("import_partnerships", str(path))
    assert "3 contacts added" in capsys.readouterr().out
    gca = Partnership.objects.get(acronym="GCA")
    assert (gca.name, gca.programme, gca.group) == ("Global Cluster Alliance", "escp-4i", "strand-1")
    assert sorted(gca.contacts.values_list("email", flat=True)) == ["ada@gca.example.org", "ben@gca.example.org"]
    # Running it again adds nobody.
    call_command("import_partnerships", str(path))
    assert Contact.objects.count() == 3
    assert "0 contacts added" in capsys.readouterr().out


def test_it_imports_an_xlsx(db, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["ELBE", "", "escp-4i", "strand-1", "Cleo", "cleo@elbe.example.org"])
    book.save(tmp_path / "register.xlsx")
    call_command("import_partnerships", str(tmp_path / "register.xlsx"))
    assert Contact.objects.get().partnership.acronym == "ELBE"


def test_it_names_the_row_and_column_of_each_problem_and_imports_nothing(db, tmp_path):
    path = write_csv(
        tmp_path / "register.csv",
        [
            ["GCA", "", "escp-4i", "strand-1", "Ada", "ada@gca.example.org"],
            ["ELBE", "", "escp-4i", "strand-1", "Cleo", "not-an-email"],
            ["", "", "escp-4i", "Strand 1", "Dan", "dan@example.org"],
        ],
    )
    with pytest.raises(CommandError) as info:
        call_command("import_partnerships", str(path))
    message = str(info.value)
    assert "row 3, column contact_email: 'not-an-email' is not an email address." in message
    assert "row 4, column acronym: The column 'acronym' is empty." in message
    assert "row 4, column group: 'strand 1' must be a slug" in message
    assert not Partnership.objects.exists()


def test_it_refuses_a_file_without_the_columns(db, tmp_path):
    path = write_csv(tmp_path / "register.csv", [["GCA", "x"]], header=["acronym", "nom"])
    with pytest.raises(CommandError) as info:
        call_command("import_partnerships", str(path))
    assert "no column programme, contact_name, contact_email" in str(info.value)


def test_open_wave_opens_for_every_partnership_of_the_groups(questionnaires, register_4i, capsys):
    call_command(
        "open_wave",
        "--questionnaire",
        "escp-4i-progress",
        "--slug",
        "escp-4i-2019",
        "--opens",
        "2019-05-13",
        "--closes",
        "2019-06-05",
    )
    wave = Wave.objects.get(slug="escp-4i-2019")
    brussels = ZoneInfo("Europe/Brussels")
    assert wave.opens_at == dt.datetime(2019, 5, 13, tzinfo=brussels)
    # A bare closing date accepts answers for the whole of that day.
    assert wave.closes_at == dt.datetime(2019, 6, 6, tzinfo=brussels)
    assert sorted(Response.objects.filter(wave=wave).values_list("partnership__acronym", flat=True)) == [
        "EC2i",
        "ELBE",
        "GCA",
    ]
    assert Invitation.objects.filter(wave=wave).count() == 4
    assert "for 3 partnerships, 4 contacts" in capsys.readouterr().out


def test_open_wave_follows_a_previous_wave_and_limits_groups(questionnaires, register_4i):
    common = ["--questionnaire", "escp-4i-progress", "--opens", "2018-05-01", "--closes", "2018-06-01"]
    call_command("open_wave", *common, "--slug", "first")
    call_command(
        "open_wave",
        "--questionnaire",
        "escp-4i-progress",
        "--slug",
        "second",
        "--opens",
        "2019-05-13",
        "--closes",
        "2019-06-05",
        "--previous",
        "first",
        "--group",
        "strand-2",
    )
    second = Wave.objects.get(slug="second")
    assert second.previous.slug == "first"
    assert list(second.responses.values_list("partnership__acronym", flat=True)) == ["EC2i"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--questionnaire", "nope"], "No questionnaire 'nope'"),
        (["--questionnaire", "escp-4i-progress", "--closes", "2019-05-01"], "The wave must close after it opens."),
        (["--questionnaire", "escp-4i-progress", "--previous", "nope"], "No wave 'nope' to follow"),
        (["--questionnaire", "escp-4i-progress", "--opens", "13/05/2019"], "'13/05/2019' is not a date"),
    ],
)
def test_open_wave_explains_what_is_wrong(questionnaires, register_4i, args, message):
    defaults = {"--slug": "w", "--opens": "2019-05-13", "--closes": "2019-06-05"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    merged = defaults | given
    flat = [item for pair in merged.items() for item in pair]
    with pytest.raises(CommandError) as info:
        call_command("open_wave", *flat)
    assert message in str(info.value)


def test_setup_demo_prints_working_links_and_is_safe_to_repeat(questionnaires, client, capsys, settings, tmp_path):
    settings.DEMO_ADMIN_PASSWORD_FILE = tmp_path / "demo-admin-password"
    call_command("setup_demo")
    out = capsys.readouterr().out
    assert "user admin, password" in out
    # The links are printed in a box (│ … │) since issue 12.
    lines = [line.strip(" │") for line in out.splitlines()]
    link = next(line.split()[1] for line in lines if line.startswith("escp-4i-progress"))
    assert client.get(link.replace("http://127.0.0.1:8000", "")).status_code == 200
    assert Partnership.objects.filter(programme="escp-4i").count() == 23
    assert Partnership.objects.filter(group="strand-1").count() == 12
    call_command("setup_demo")
    # The three open demo waves and the closed first ESCP-4i wave they are compared with.
    assert Wave.objects.count() == 4
