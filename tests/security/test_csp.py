"""The Content-Security-Policy on every page, and pages that live within it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from surveys.models import Wave
from tests.conftest import Persona
from tests.reports.conftest import answers_4i


def _policy(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_every_kind_of_page_carries_the_policy(staff_client: Client, wave_4i: Wave, coordinator: Persona) -> None:
    anonymous = Client()
    pages = [
        anonymous.get(reverse("journey:home")),
        anonymous.get(coordinator.url()),
        anonymous.get(reverse("journey:welcome", args=["no-such-key-" + "x" * 30])),  # 404 page
        anonymous.get(reverse("admin:login")),
        staff_client.get(reverse("admin:index")),
        staff_client.get(reverse("admin:surveys_wave_changelist")),
        staff_client.get(reverse("reports:dashboard", args=[wave_4i.slug])),
        staff_client.get(reverse("outreach:wave_messages", args=[wave_4i.slug])),
    ]
    for response in pages:
        policy = _policy(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert "'unsafe-inline'" not in policy["style-src-elem"]


@pytest.mark.django_db
def test_style_elements_carry_the_pages_nonce(staff_client: Client, wave_4i: Wave) -> None:
    answers_4i(wave_4i)
    for url in (
        reverse("reports:dashboard", args=[wave_4i.slug]),
        reverse("outreach:wave_messages", args=[wave_4i.slug]),
    ):
        response = staff_client.get(url)
        html = response.content.decode()
        nonces = [n.strip("'").removeprefix("nonce-") for n in _policy(response)["style-src-elem"] if "nonce-" in n]
        for tag in re.findall(r"<style[^>]*>", html):
            assert any(f'nonce="{n}"' in tag for n in nonces), f"{url}: {tag} without the page's nonce"
    # The dashboard's inline charts have lost matplotlib's <style> element.
    dashboard = staff_client.get(reverse("reports:dashboard", args=[wave_4i.slug])).content.decode()
    assert 'class="report-figure"' in dashboard
    assert "<style" not in dashboard


def test_no_template_has_inline_script_or_handler_attributes() -> None:
    found = []
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                found.append(f"{path}: {tag}")
        for handler in re.findall(r"<[^>]*\son[a-z]+\s*=", text):
            found.append(f"{path}: {handler}")
        if "javascript:" in text:
            found.append(f"{path}: javascript: URL")
    assert not found, "Inline script (refused by the Content-Security-Policy):\n" + "\n".join(found)
