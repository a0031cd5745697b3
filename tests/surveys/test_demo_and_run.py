"""`make run`: the demo admin's password kept between runs, the links printed in a box (also
by `demo_links`), the address from RUN_ADDRESS or PORT with SITE_URL following (issue 12)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from escp_survey.run_address import run_address, site_url_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def password_file(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "var" / "demo-admin-password"
    settings.DEMO_ADMIN_PASSWORD_FILE = path
    return path


def run(command: str, *args: str, capsys: pytest.CaptureFixture[str]) -> str:
    call_command(command, *args)
    return capsys.readouterr().out


def password_in(out: str) -> str:
    line = next(line for line in out.splitlines() if "user admin, password" in line)
    return line.split("password", 1)[1].strip(" │")


def test_the_admin_password_is_kept_between_runs_unless_asked(
    questionnaires: Any, password_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = password_in(run("setup_demo", capsys=capsys))
    second = password_in(run("setup_demo", capsys=capsys))
    third = password_in(run("setup_demo", "--new-password", capsys=capsys))

    assert first == second != third
    assert password_file.read_text().strip() == third
    # Only its owner may read it.
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert get_user_model().objects.get(username="admin").check_password(third)


def test_demo_links_prints_the_admin_and_fresh_working_links_in_a_box(
    questionnaires: Any, password_file: Path, client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    run("setup_demo", "--no-links", capsys=capsys)
    password = password_file.read_text().strip()

    out = run("demo_links", capsys=capsys).rstrip("\n")

    lines = out.splitlines()
    assert lines[0].startswith("┌") and lines[-1].startswith("└")
    assert all(line.startswith("│ ") and line.endswith(" │") for line in lines[1:-1])
    assert len({len(line) for line in lines}) == 1
    assert password_in(out) == password
    inner = [line.strip(" │") for line in lines]
    assert "Admin:     http://127.0.0.1:8000/admin/" in inner
    codes = {line.split()[0]: line.split()[1] for line in inner if line.startswith(("escp-4i", "escp-s3", "eccp-"))}
    assert set(codes) == {"eccp-user-satisfaction", "escp-4i-progress", "escp-s3-progress"}
    for link in codes.values():
        assert client.get(link.removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_setup_demo_no_links_prints_no_link(
    questionnaires: Any, password_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run("setup_demo", "--no-links", capsys=capsys)

    assert "/r/" not in out and "password" in out  # where it is kept, not the password itself


def test_a_password_changed_in_the_admin_is_left_alone(
    questionnaires: Any, password_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run("setup_demo", "--no-links", capsys=capsys)
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("chosen-by-the-admin")
    admin.save()

    out = run("setup_demo", capsys=capsys)

    assert "changed in the admin since" in out
    admin.refresh_from_db()
    assert admin.check_password("chosen-by-the-admin")


@pytest.mark.parametrize(
    ("environ", "address", "site"),
    [
        ({}, "127.0.0.1:8000", "http://127.0.0.1:8000"),
        ({"PORT": "8123"}, "127.0.0.1:8123", "http://127.0.0.1:8123"),
        ({"RUN_ADDRESS": "0.0.0.0:9000", "PORT": "8123"}, "0.0.0.0:9000", "http://127.0.0.1:9000"),
        ({"RUN_ADDRESS": "localhost:8001"}, "localhost:8001", "http://localhost:8001"),
        ({"RUN_ADDRESS": "8002"}, "127.0.0.1:8002", "http://127.0.0.1:8002"),
    ],
)
def test_the_address_comes_from_run_address_or_port(environ: dict[str, str], address: str, site: str) -> None:
    assert run_address(environ) == address
    assert site_url_for(run_address(environ)) == site


def settings_site_url(**environ: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "RUN_ADDRESS", "PORT"}} | environ
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "escp_survey.settings", "DEBUG": "true"},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_site_url_follows_the_port_unless_set() -> None:
    assert settings_site_url(PORT="8123") == "http://127.0.0.1:8123"
    assert settings_site_url(PORT="8123", SITE_URL="https://survey.example.org/") == "https://survey.example.org"


def test_make_run_installs_the_runtime_requirements_only() -> None:
    makefile = (ROOT / "Makefile").read_text()
    run_rule = next(line for line in makefile.splitlines() if line.startswith("run:"))
    run_stamp = makefile.split("$(VENV)/.installed-run: requirements.txt", 1)[1].split("\n\n", 1)[0]
    test_rule = next(line for line in makefile.splitlines() if line.startswith("test:"))

    assert run_rule == "run: install-run"
    assert "-r requirements.txt" in run_stamp and "requirements-dev.txt" not in run_stamp
    assert test_rule == "test: install"
    assert "install: $(VENV)/.installed-dev" in makefile
    runtime = (ROOT / "requirements.txt").read_text().lower()
    assert not any(tool in runtime for tool in ("pytest", "ruff", "mypy", "playwright", "factory-boy"))


def test_env_example_and_readme_agree_on_background_tasks() -> None:
    example = " ".join((ROOT / ".env.example").read_text().replace("#", " ").split())
    readme = (ROOT / "README.md").read_text()

    # make run starts a worker and beat on a filesystem broker; CELERY_EAGER runs them in-process.
    assert "runs background tasks in-process" not in example
    assert "var/celery-broker" in example and "var/celery-broker" in readme
    for variable in ("RUN_ADDRESS", "PORT", "CELERY_EAGER"):
        assert f"`{variable}`" in readme and variable in example


def test_the_demo_has_an_escp_4i_partnership_whose_last_year_answers_prefill(
    questionnaires: Any, password_file: Path, client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from surveys.models import Response, Wave

    run("setup_demo", "--no-links", capsys=capsys)
    current = Wave.objects.get(slug="escp-4i-demo")
    assert current.previous is not None

    inner = [line.strip(" │") for line in run("demo_links", capsys=capsys).splitlines()]
    line = next(line for line in inner if "starts from last year's answers" in line)
    path = next(word for word in line.split() if word.startswith("http://")).removeprefix("http://127.0.0.1:8000")
    assert 'id="prefill-offer"' in client.get(path).content.decode()
    # The demo's other responses of this wave started from last year's answers already.
    demo_prefilled = set(Response.objects.filter(wave=current, prefill_choice="previous").values_list("pk", flat=True))
    client.post(path + "prefill/", {"start": "previous"})
    response = Response.objects.exclude(pk__in=demo_prefilled).get(wave=current, prefill_choice="previous")
    last_year = Response.objects.get(wave=current.previous, partnership=response.partnership)
    assert response.prefilled_from_id == last_year.pk
    # Same version: every answer of last year is carried (A4 among them).
    a4 = last_year.answers.get(question__code="A4").number
    assert response.answers.get(question__code="A4").number == a4
    assert response.answers.count() == last_year.answers.count()
