"""The email template's preview (escaped, HTML rendered), one source for both bodies, the
bodies kept on the message rows, and the message log that cannot be deleted (issues 12, 13)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from outreach.models import KEY_PLACEHOLDER, EmailTemplate, Kind, Message
from outreach.services import invitations_send
from surveys.models import Contact, Wave

SCRIPT = "<script>alert('x')</script>"


def html_of(email: Any) -> str:
    """The HTML part of a sent email (EmailMultiAlternatives)."""
    return str(email.alternatives[0][0])


@pytest.fixture
def hostile_names(people: dict[str, Contact]) -> Contact:
    """An imported register whose names carry script: ELBE's contact is the preview's."""
    cleo = people["cleo"]
    cleo.name = "Cleo " + SCRIPT
    cleo.save()
    cleo.partnership.name = "Elbe " + SCRIPT.replace("x", "p")
    cleo.partnership.save()
    return cleo


def change_page(client: Client, template: EmailTemplate) -> str:
    response = client.get(reverse("admin:outreach_emailtemplate_change", args=[template.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_preview_escapes_names_from_the_register(wave: Wave, hostile_names: Contact, staff_client: Client) -> None:
    template = EmailTemplate.objects.create(
        wave=wave,
        kind=Kind.REMINDER,
        subject="For {{ contact_name }}",
        text_body="Hello {{ contact_name }} of {{ partnership_name }}!",
    )

    page = change_page(staff_client, template)

    # No script of the register's runs in the superuser's browser, in the text or the subject.
    assert "<script>alert" not in page
    assert "Hello Cleo &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; of Elbe &lt;script&gt;" in page
    assert "For Cleo &lt;script&gt;" in page


def test_the_html_preview_is_a_framed_page_that_runs_nothing(
    wave: Wave, hostile_names: Contact, staff_client: Client
) -> None:
    template = EmailTemplate.objects.create(wave=wave, kind=Kind.INVITATION)
    html_url = reverse("outreach:template_preview_html", args=[template.pk])

    page = change_page(staff_client, template)
    framed = staff_client.get(html_url)

    assert f'sandbox="" src="{html_url}"' in page
    assert framed.status_code == 200
    assert framed["Content-Type"] == "text/html; charset=utf-8"
    csp = framed["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'self'" in csp
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    body = framed.content.decode()
    # The default invitation, for ELBE's contact, with names escaped.
    assert "<p>Dear Cleo &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;,</p>" in body
    assert "<script>" not in body
    assert "/r/personal-key-of-the-contact/" in body


def test_the_html_preview_needs_the_permission_to_see_templates(wave: Wave, people: dict[str, Contact]) -> None:
    template = EmailTemplate.objects.create(wave=wave, kind=Kind.INVITATION)
    clerk = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    client = Client()
    client.force_login(clerk)
    html_url = reverse("outreach:template_preview_html", args=[template.pk])

    assert client.get(html_url).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_emailtemplate"))
    assert client.get(html_url).status_code == 200


def test_a_waves_plain_text_is_also_its_html_body(
    wave: Wave, people: dict[str, Contact], django_capture_on_commit_callbacks: Any
) -> None:
    EmailTemplate.objects.create(
        wave=wave,
        kind=Kind.INVITATION,
        text_body="Dear {{ contact_name }},\n\nTom & Jerry ask {{ partnership }}:\nplease open {{ link }}\n\nThanks",
    )

    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=wave)

    email = next(m for m in mail.outbox if "ada@" in m.to[0])
    html = html_of(email)
    link = re.search(r"http://\S+/r/\S+/", str(email.body)).group(0)  # type: ignore[union-attr]
    assert "<p>Dear Ada Lovelace,</p>" in html
    assert f'<p>Tom &amp; Jerry ask GCA:<br>\nplease open <a href="{link}">{link}</a></p>' in html
    assert "<p>Thanks</p>" in html
    # Not the default wording any more.
    assert "invites" not in html


def test_the_admin_warns_when_a_waves_html_body_says_something_else(
    wave: Wave, people: dict[str, Contact], staff_client: Client
) -> None:
    template = EmailTemplate.objects.create(
        wave=wave,
        kind=Kind.REMINDER,
        text_body="Please answer before Friday.",
        html_body="<p>Please answer before Monday.</p>",
    )

    page = change_page(staff_client, template)

    assert "do not say the same thing" in page
    assert "only in the plain text: friday" in page
    assert "only in the HTML: monday" in page
    template.html_body = "<p>Please <em>answer</em> before Friday.</p>"
    template.save()
    assert "do not say the same thing" not in change_page(staff_client, template)


def test_a_new_template_leaves_the_html_to_the_text_and_explains_the_placeholders(
    wave: Wave, staff_client: Client
) -> None:
    response = staff_client.get(reverse("admin:outreach_emailtemplate_add") + f"?wave={wave.pk}&kind=invitation")

    form = response.context["adminform"].form
    assert form.initial["text_body"].startswith("Dear {{ contact_name }},")
    assert "html_body" not in form.initial
    page = response.content.decode()
    # Help texts are text: no half tag of HTML the admin would draw as markup.
    assert "<a href>" not in page
    assert "Empty: made from the plain-text body" in page
    assert "<code>{{ partnership_name }}</code>" in page


def test_every_message_row_keeps_what_was_sent_without_the_key(
    wave: Wave, people: dict[str, Contact], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=wave)

    email = next(m for m in mail.outbox if "ada@" in m.to[0])
    key = re.search(r"/r/([^/\s]+)/", str(email.body)).group(1)  # type: ignore[union-attr]
    row = Message.objects.get(wave=wave, contact=people["ada"], kind=Kind.INVITATION)
    assert row.subject == email.subject
    assert row.text_body == email.body.replace(key, KEY_PLACEHOLDER)
    assert row.html_body == html_of(email).replace(key, KEY_PLACEHOLDER)
    assert key not in row.text_body + row.html_body
    assert f"/r/{KEY_PLACEHOLDER}/" in row.text_body


def test_the_message_log_cannot_be_deleted_or_edited_in_the_admin(
    wave: Wave, people: dict[str, Contact], staff_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitations_send(wave=wave)
    row = Message.objects.filter(wave=wave).first()
    assert row is not None

    changelist = staff_client.get(reverse("admin:outreach_message_changelist"))
    delete = staff_client.post(reverse("admin:outreach_message_delete", args=[row.pk]), {"post": "yes"})
    bulk = staff_client.post(
        reverse("admin:outreach_message_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    edit = staff_client.post(reverse("admin:outreach_message_change", args=[row.pk]), {"subject": "forged"})

    assert "delete_selected" not in changelist.content.decode()
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)
    assert edit.status_code == 403
    assert Message.objects.filter(pk=row.pk, subject=row.subject).exists()
    # The page of one message shows what went out.
    detail = staff_client.get(reverse("admin:outreach_message_change", args=[row.pk])).content.decode()
    assert "Plain-text body as sent" in detail
