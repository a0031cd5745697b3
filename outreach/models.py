"""Messages to contacts (invitations, reminders, confirmations, extensions) and their policy.

A `Message` row is the truth about an email: the broker only carries the ids of rows to
send, and a worker claims a row with a conditional UPDATE before it talks to the SMTP
server, so a retried task or a second worker never sends it twice. See docs/outreach.md.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from surveys.models import Contact, DeadlineExtension, Wave


class Kind(models.TextChoices):
    INVITATION = "invitation", "Invitation"
    REMINDER = "reminder", "Reminder"
    CONFIRMATION = "confirmation", "Confirmation of submission"
    EXTENSION = "extension", "Deadline extended"
    SENT_BACK = "sent_back", "Sent back for correction"


class OutreachPolicy(models.Model):
    """How a wave reminds the contacts of partnerships that have not submitted."""

    wave = models.OneToOneField(Wave, on_delete=models.CASCADE, related_name="outreach_policy")
    reminders_enabled = models.BooleanField(
        default=True, help_text="Send the reminders below automatically (the 'send reminders now' action works anyway)"
    )
    first_reminder_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days after a contact's invitation went out before the first reminder"
    )
    reminder_interval_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days between one reminder and the next"
    )
    max_reminders = models.PositiveSmallIntegerField(default=3, help_text="At most this many reminders per contact")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "reminder policy"
        verbose_name_plural = "reminder policies"
        constraints = [
            models.CheckConstraint(condition=Q(first_reminder_days__gte=1), name="policy_first_reminder_positive"),
            models.CheckConstraint(condition=Q(reminder_interval_days__gte=1), name="policy_interval_positive"),
        ]

    def __str__(self) -> str:
        return f"Reminders of {self.wave.slug}"


class EmailTemplate(models.Model):
    """A wave's own wording of one kind of email; an empty part falls back to the default."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="email_templates")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    subject = models.CharField(max_length=255, blank=True)
    text_body = models.TextField("plain-text body", blank=True)
    html_body = models.TextField("HTML body", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["wave", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "kind"], name="emailtemplate_one_per_wave_and_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.wave.slug}"


# What stands for the personal key in a stored body.
KEY_PLACEHOLDER = "[personal-key]"


class MessageQuerySet(models.QuerySet["Message"]):
    def pending(self) -> MessageQuerySet:
        return self.filter(status__in=[Message.Status.QUEUED, Message.Status.SENDING])


class Message(models.Model):
    """One email to one contact. Bodies are rendered at send time and kept as sent, with the
    personal link's key blanked out (`KEY_PLACEHOLDER`): the key must exist only in the
    email itself (the database keeps only its hash)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"  # claimed by a worker
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Not sent"  # no longer relevant at send time (submitted, closed…)

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="messages")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # 0 for the invitation, 1, 2… for the reminders, confirmations and extensions of a contact.
    sequence = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    extension = models.ForeignKey(
        DeadlineExtension, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    # A send-back's message (surveys.ResponseEvent): the email quotes what staff wrote.
    review = models.ForeignKey(
        "surveys.ResponseEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    # Not before this moment: retry backoff and the sending rate push it into the future.
    send_after = models.DateTimeField()
    # When a task was last handed to the broker for it; the recovery task hands it again
    # when it is still queued long after (a lost task, a worker that died).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    # What went out: filled at send time (the key blanked out, see the class docstring).
    to_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=255, blank=True)
    text_body = models.TextField("plain-text body as sent", blank=True)
    html_body = models.TextField("HTML body as sent", blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # Named permission of the roles (surveys/permissions.py, docs/roles.md).
        permissions = [("send_messages", "Can send invitations and reminders")]
        constraints = [
            # Sending invitations twice queues nothing new: the second insert conflicts.
            models.UniqueConstraint(
                fields=["wave", "contact", "kind", "sequence"], name="message_unique_per_contact_kind_sequence"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="message_sent_has_time"
            ),
        ]
        indexes = [
            # The messages page: counts per wave, kind and status.
            models.Index(fields=["wave", "kind", "status"], name="message_wave_kind_status_idx"),
            # The recovery task: queued rows due, claimed rows gone stale.
            models.Index(fields=["status", "send_after"], name="message_status_send_after_idx"),
            models.Index(fields=["status", "claimed_at"], name="message_status_claimed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.sequence} to {self.contact.email} ({self.status})"
