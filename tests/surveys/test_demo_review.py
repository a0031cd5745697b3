"""The demo has a checked submission and a sent-back one (issue 15 item 7); `demo_links`
prints the sent-back response's personal link and both responses' admin pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from surveys.models import Response, ResponseEvent
from surveys.services.demo_review import SEND_BACK_MESSAGE, demo_review_ensure
from surveys.services.review import review_counts
from tests.surveys.test_demo_and_run import run


@pytest.fixture
def password_file(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "var" / "demo-admin-password"
    settings.DEMO_ADMIN_PASSWORD_FILE = path
    return path


def test_the_demo_has_a_checked_and_a_sent_back_response_with_their_links(
    questionnaires: Any, password_file: Path, client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    run("setup_demo", "--no-links", capsys=capsys)
    admin = get_user_model().objects.get(username="admin")
    checked = ResponseEvent.objects.get(kind=ResponseEvent.Kind.CHECKED)
    sent_back = ResponseEvent.objects.get(kind=ResponseEvent.Kind.SENT_BACK)
    assert checked.by_user == sent_back.by_user == admin
    assert sent_back.message == SEND_BACK_MESSAGE
    assert checked.response.status == Response.Status.SUBMITTED
    assert sent_back.response.status == Response.Status.DRAFT
    wave = checked.response.wave
    assert wave.slug == "escp-4i-demo" and sent_back.response.wave == wave
    counts = review_counts(wave_ids=[wave.pk])[wave.pk]
    assert (counts.checked, counts.sent_back) == (1, 1)

    # Again: the same two, nothing more.
    assert [r.pk if r else None for r in demo_review_ensure()] == [checked.response_id, sent_back.response_id]
    assert ResponseEvent.objects.filter(kind__in=["checked", "sent_back"]).count() == 2

    inner = [line.strip(" │") for line in run("demo_links", capsys=capsys).splitlines()]
    found = {line.split("  ")[0]: line.split() for line in inner if line.startswith(("sent back", "checked"))}
    assert set(found) == {"sent back (respondent)", "sent back (admin)", "checked (admin)"}

    def url(label: str) -> str:
        return next(w for w in found[label] if w.startswith("http://")).removeprefix("http://127.0.0.1:8000")

    acronym = sent_back.response.partnership.acronym
    assert found["sent back (admin)"][-1] == f"({acronym})"
    assert found["checked (admin)"][-1] == f"({checked.response.partnership.acronym})"
    welcome = client.get(url("sent back (respondent)"))
    assert welcome.status_code == 200
    client.force_login(admin)
    page = client.get(url("sent back (admin)")).content.decode()
    assert "Sent back by staff" in page and "Please check the agreements (A4 and A5)" in page
    assert "Checked by staff" in client.get(url("checked (admin)")).content.decode()
