"""What happened to a response: its review events (submitted, checked, sent back, reopened)
and the audit trail of every change to its answers (surveys/services/history.py writes both)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .register import Contact, Partnership
from .waves import Response, Wave


class ResponseEvent(models.Model):
    """One step of a response's review: every submission is kept, with who checked or sent it back."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        CHECKED = "checked", "Checked by staff"
        SENT_BACK = "sent_back", "Sent back by staff"
        REOPENED = "reopened", "Reopened by staff"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    by_contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The staff's message to the contacts (a send-back), as typed: escaped wherever shown.
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["response", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="sent_back") | ~Q(message=""), name="responseevent_sent_back_has_message"
            ),
        ]
        indexes = [models.Index(fields=["response", "at"], name="responseevent_response_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class AnswerChange(models.Model):
    """One question's answer before and after one write, as text (what a person reads).

    Kept by wave and partnership as well: a response deleted in the admin leaves its
    entries (`response` becomes null), the last of them its deletion."""

    class Source(models.TextChoices):
        JOURNEY = "journey", "Journey"
        IMPORT = "import", "Import"
        REOPEN = "reopen", "Reopen"
        SEND_BACK = "send_back", "Send-back"
        PREFILL = "prefill", "Prefill"
        ADMIN_DELETE = "admin_delete", "Deleted in the admin"

    response = models.ForeignKey(
        Response, on_delete=models.SET_NULL, null=True, blank=True, related_name="answer_changes"
    )
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    by_contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who, when neither a contact nor a staff user: the command or file an import came from.
    by_name = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    question_code = models.CharField(max_length=64)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)

    class Meta:
        ordering = ["response", "at", "pk"]
        indexes = [
            models.Index(fields=["response", "at"], name="answerchange_response_at_idx"),
            models.Index(fields=["wave", "partnership", "at"], name="answerchange_wave_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.question_code}: {self.old_value!r} → {self.new_value!r}"

    @property
    def author(self) -> str:
        """Who made the change, as the response page and the export's history sheet say it."""
        user, contact = self.by_user, self.by_contact
        return self.author_text(
            user.get_username() if user else None,
            contact.name if contact else None,
            contact.email if contact else None,
            self.by_name,
        )

    @staticmethod
    def author_text(username: str | None, contact_name: str | None, contact_email: str | None, by_name: str) -> str:
        """The staff user ("alice (staff)"), else the contact ("Name <email>"), else `by_name`."""
        if username:
            return f"{username} (staff)"
        if contact_email:
            return f"{contact_name} <{contact_email}>"
        return by_name
