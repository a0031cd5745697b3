"""Email wording: defaults, a wave's own templates, their checks, and the admin preview."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from outreach.emails import compile_template, render, trio_for
from outreach.models import EmailTemplate, Kind
from outreach.services import invitations_send
from surveys.models import AccessKey, Contact, Wave


def test_it_uses_a_waves_own_subject_and_the_default_bodies(
    wave: Wave, django_capture_on_commit_callbacks: Any
) -> None:
    EmailTemplate.objects.create(
        wave=wave, kind=Kind.INVITATION, subject="{{ partnership }}: please answer by {{ deadline }}"
    )

    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=wave)

    email = next(m for m in mail.outbox if "cleo@" in m.to[0])
    assert email.subject == "ELBE: please answer by 5 June 2019, end of the day (Brussels time)"
    assert email.body.startswith("Dear Cleo Outsider,")


def test_it_escapes_placeholders_in_the_html_body_only(wave: Wave) -> None:
    trio = trio_for(
        Kind.INVITATION,
        EmailTemplate(
            wave=wave, kind=Kind.INVITATION, text_body="{{ contact_name }}", html_body="<p>{{ contact_name }}</p>"
        ),
    )

    rendered = render(trio, {"contact_name": "Tom & <Jerry>", "partnership": "X", "questionnaire": "Q"})

    assert rendered.text == "Tom & <Jerry>"
    assert rendered.html == "<p>Tom &amp; &lt;Jerry&gt;</p>"


def test_it_makes_the_subject_one_line(wave: Wave) -> None:
    trio = trio_for(
        Kind.REMINDER, EmailTemplate(wave=wave, kind=Kind.REMINDER, subject="Reminder\n  {{ partnership }}\n")
    )

    assert render(trio, {"partnership": "GCA"}).subject == "Reminder GCA"


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("Hello {{ name }} and {{ contact_name }}", "Unknown placeholder {{ name }}; use contact_name, partnership,"),
        ("{% if secret %}x{% endif %}", "Unknown placeholder {{ secret }}"),
        ("{% load static %}", "Template error: 'static' is not a registered tag library."),
        ('{% include "base.html" %}', "Email templates may not include, extend or define blocks."),
        ("{% if contact_name %}unclosed", "Template error: Unclosed tag"),
    ],
)
def test_it_refuses_a_template_with_a_clear_message(source: str, error: str) -> None:
    with pytest.raises(ValidationError) as caught:
        compile_template(source)

    assert caught.value.messages[0].startswith(error)


def test_it_accepts_filters_and_conditions_on_known_placeholders() -> None:
    template = compile_template("{% if submitted_by %}by {{ submitted_by|upper }}{% endif %}")

    assert trio_render(template, {"submitted_by": "ben"}) == "by BEN"


def trio_render(template: Any, context: dict[str, str]) -> str:
    from django.template import Context

    return template.render(Context(context))


def test_it_shows_the_admin_an_error_next_to_the_field(wave: Wave, staff_client: Client) -> None:
    response = staff_client.post(
        reverse("admin:outreach_emailtemplate_add"),
        {"wave": wave.pk, "kind": "reminder", "subject": "Hi {{ firstname }}", "text_body": "", "html_body": ""},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["subject"][0].startswith("Unknown placeholder {{ firstname }}")
    assert not EmailTemplate.objects.exists()


def test_it_starts_a_new_template_from_the_default_wording(wave: Wave, staff_client: Client) -> None:
    response = staff_client.get(reverse("admin:outreach_emailtemplate_add") + f"?wave={wave.pk}&kind=reminder")

    form = response.context["adminform"].form
    assert form.initial["subject"] == "Reminder: {{ questionnaire }} for {{ partnership }}, deadline {{ deadline }}"
    assert form.initial["text_body"].startswith("Dear {{ contact_name }},")


def test_it_previews_a_template_for_a_real_contact_without_minting_a_key(
    wave: Wave, people: dict[str, Contact], staff_client: Client
) -> None:
    template = EmailTemplate.objects.create(
        wave=wave, kind=Kind.REMINDER, text_body="Hello {{ contact_name }} of {{ partnership_name }}!"
    )
    keys = AccessKey.objects.count()

    response = staff_client.get(reverse("admin:outreach_emailtemplate_change", args=[template.pk]))

    page = response.content.decode()
    # The first invited contact in partnership order: ELBE before GCA.
    assert "Hello Cleo Outsider of ELBE!" in page
    assert "Reminder: Tiny Progress Survey for ELBE, deadline 5 June 2019, end of the day (Brussels time)" in page
    # The HTML body is its own framed page now (test_template_preview.py); the link is in it.
    html = staff_client.get(reverse("outreach:template_preview_html", args=[template.pk])).content.decode()
    assert "Hello Cleo Outsider of ELBE!" in html
    template.text_body += " {{ link }}"
    template.save()
    page = staff_client.get(reverse("admin:outreach_emailtemplate_change", args=[template.pk])).content.decode()
    assert "/r/personal-key-of-the-contact/" in page
    assert AccessKey.objects.count() == keys
