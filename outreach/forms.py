"""Forms of the staff pages: new deadlines, and the email templates edited in the admin."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from outreach.emails import compile_template
from outreach.models import EmailTemplate


def moment_from(day: dt.date, time: dt.time | None) -> dt.datetime:
    """A day alone means the end of that day (like `open_wave --closes`), in Brussels time."""
    zone = ZoneInfo(settings.TIME_ZONE)
    if time is None:
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)
    return dt.datetime.combine(day, time, tzinfo=zone)


class DeadlineForm(forms.Form):
    """A new deadline: a date (the end of that day) and optionally a time, Brussels time."""

    date = forms.DateField(
        label="New deadline", widget=forms.DateInput(attrs={"type": "date"}), help_text="Brussels time"
    )
    time = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Optional; without a time the deadline is the end of that day",
    )

    def deadline(self) -> dt.datetime:
        return moment_from(self.cleaned_data["date"], self.cleaned_data.get("time"))

    def add_service_errors(self, exc: ValidationError) -> None:
        # Services key their errors by model field (closes_at, deadline): show them on the date.
        for messages in exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]:
            for message in messages:
                self.add_error("date", message)


def _template_field(name: str) -> Any:
    def clean(self: EmailTemplateForm) -> str:
        value: str = self.cleaned_data.get(name, "")
        if value.strip():
            compile_template(value)
        return value

    return clean


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["wave", "kind", "subject", "text_body", "html_body"]
        # Plain text: the admin shows help texts as HTML, so no markup here (the list of
        # placeholders is the "Placeholders" block beside the form).
        help_texts = {
            "subject": "Empty: the default subject. One line; placeholders as listed below.",
            "text_body": (
                "Empty: the default plain-text body. Blank lines separate paragraphs. "
                "Write {{ link }} on a line of its own for the personal link."
            ),
            "html_body": (
                "Empty: made from the plain-text body (paragraphs, links, every name escaped), "
                "so that both say the same. Fill it only for a layout of your own, and keep the "
                "wording of both bodies alike: the preview warns where they differ."
            ),
        }

    clean_subject = _template_field("subject")
    clean_text_body = _template_field("text_body")
    clean_html_body = _template_field("html_body")
