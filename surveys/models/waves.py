"""Waves (a questionnaire version opened for some partnerships), responses and access links."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .questionnaire import QuestionnaireVersion, Section
from .register import Contact, Partnership


class WaveQuerySet(models.QuerySet["Wave"]):
    def open(self, now: dt.datetime | None = None) -> WaveQuerySet:
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now, closed_at__isnull=True)


class Wave(models.Model):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="waves")
    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=255)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField(help_text="Deadline of the wave; single partnerships may get a later one")
    # The wave this one follows in its series: reports compare with it, answers may be prefilled.
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_waves")
    # Set by the periodic close (or an admin) once no response can be accepted any more.
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WaveQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "slug"]
        constraints = [
            models.CheckConstraint(condition=Q(opens_at__lt=F("closes_at")), name="wave_opens_before_closing"),
            models.CheckConstraint(condition=~Q(previous=F("id")), name="wave_not_its_own_previous"),
        ]

    def __str__(self) -> str:
        return self.title


class ResponseQuerySet(models.QuerySet["Response"]):
    def submitted(self) -> ResponseQuerySet:
        return self.filter(status=Response.Status.SUBMITTED)

    def unsubmitted(self) -> ResponseQuerySet:
        """Not started or draft: the partnerships that may still be reminded or extended."""
        return self.exclude(status=Response.Status.SUBMITTED)


class PrefillChoice(models.TextChoices):
    PREVIOUS = "previous", "Started from the previous wave's answers"
    EMPTY = "empty", "Started empty"


class Response(models.Model):
    """The one response of a partnership in a wave, shared by all its contacts.

    Created for every partnership when the wave opens (status not started), so the wave's
    population is simply its responses.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        DRAFT = "draft", "In progress"
        SUBMITTED = "submitted", "Submitted"

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    # A later deadline for this partnership only (an extension); null: the wave's.
    deadline = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    last_saved_at = models.DateTimeField(null=True, blank=True)
    last_saved_by = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reopened_at = models.DateTimeField(null=True, blank=True)
    # Prefill from the previous wave (surveys/services/prefill.py): what the contacts chose,
    # once, and the response the answers were copied from.
    prefill_choice = models.CharField(max_length=16, choices=PrefillChoice.choices, blank=True)
    prefilled_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["wave", "partnership__acronym"]
        # Named permissions of the roles (surveys/permissions.py, docs/roles.md).
        permissions = [
            ("reopen_response", "Can reopen a submitted response for correction"),
            ("export_responses", "Can export responses to Excel"),
            ("import_responses", "Can import responses from Excel or LimeSurvey"),
            ("review_response", "Can mark a submitted response checked"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["wave", "partnership"], name="response_one_per_partnership_and_wave"),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="response_submitted_has_time",
            ),
        ]
        indexes = [
            # Response counts per wave and status (dashboards, reports, reminders).
            models.Index(fields=["wave", "status"], name="response_wave_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partnership} in {self.wave.slug}"

    @property
    def effective_deadline(self) -> dt.datetime:
        if self.deadline and self.deadline > self.wave.closes_at:
            return self.deadline
        return self.wave.closes_at

    def accepts_answers(self, now: dt.datetime | None = None) -> bool:
        """Whether the server takes answers and a submission for this response right now."""
        now = now or timezone.now()
        # A wave closed by staff before its deadline (`wave_close`) takes nothing more.
        closed = self.wave.closed_at is not None and self.wave.closed_at <= now
        return self.wave.opens_at <= now < self.effective_deadline and not closed

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class SectionState(models.Model):
    """What is known of one section of one response: its lock version and completeness.

    Every save of a section increments `lock_version`; a form carries the version it was
    rendered with, so a save based on an older version is detected as a conflict.
    """

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="section_states")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    lock_version = models.PositiveIntegerField(default=0)
    complete = models.BooleanField(default=False)
    saved_at = models.DateTimeField(null=True, blank=True)
    saved_by = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "section"], name="sectionstate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.response} / {self.section.code} v{self.lock_version}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def reachable(self) -> InvitationQuerySet:
        """Invitations whose contact may get messages: not revoked, contact active."""
        return self.filter(revoked_at__isnull=True, contact__is_active=True)


class Invitation(models.Model):
    """A contact's invitation to a wave: the holder of their personal links."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="invitations")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["wave", "contact__partnership__acronym", "contact__name"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "contact"], name="invitation_one_per_contact_and_wave"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} to {self.wave.slug}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class AccessKey(models.Model):
    """One personal link of an invitation, stored only as the SHA-256 of its random key.

    A fresh key is minted for every email that carries a link (the key itself exists only in
    that email), so a database leak reveals no working link. All keys of an invitation stay
    valid until the invitation is revoked.
    """

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="keys")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"key of {self.invitation}"


class UnsavedEdit(models.Model):
    """What a contact typed on a section page that could not be saved into the answers.

    A page left open past the deadline, or posted after a colleague submitted, is refused
    (the deadline and the submission hold), but the typing is kept here as the page's raw
    inputs: staff see it in the admin, and if the deadline is extended the section page
    shows it again, ready to save.
    """

    class Reason(models.TextChoices):
        CLOSED = "closed", "Posted after the deadline"
        SUBMITTED = "submitted", "Posted after the response was submitted"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="unsaved_edits")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    # The page's inputs by name, as `journey.forms` reads and redraws them.
    inputs = models.JSONField()
    # Set once the contact saved the section from it (after an extension or a reopening).
    restored_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The section page looks for the response's edits not yet restored.
            models.Index(fields=["response", "section", "restored_at"], name="unsavededit_response_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.response} / {self.section.code} ({self.get_reason_display()}, {self.created_at:%Y-%m-%d %H:%M})"


class DeadlineExtension(models.Model):
    """An extension of the deadline of a whole wave (response null) or of one partnership
    (`surveys.services.waves.wave_extend`, `response_extend`)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="extensions")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, null=True, blank=True, related_name="extensions")
    previous_deadline = models.DateTimeField()
    new_deadline = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(new_deadline__gt=F("previous_deadline")), name="extension_is_later"),
        ]

    def __str__(self) -> str:
        who = self.response.partnership.acronym if self.response_id else "whole wave"  # type: ignore[union-attr]
        return f"{self.wave.slug} ({who}) to {self.new_deadline:%Y-%m-%d %H:%M}"
