"""Confirmed collaborations: a partnership's answer to another one naming it (issue 15).

When partnership A names partnership B in a question or repeat field of type partnership, B's
contacts are asked whether they agree. Their answer is kept here, apart from B's own answers
(it is not an answer to B's questionnaire: it survives B's reopening and is not exported with
B's answers), one row per pair (A's response, B's response) of a wave. The claim itself is not
stored: it is read from A's submitted answers (surveys/services/collaborations.py), so a claim
with no row here is waiting for B's answer.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from .register import Contact
from .waves import Response


class CollaborationConfirmation(models.Model):
    """B's answer to A's claim that they collaborate: confirmed, declined, or only a comment."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not answered yet (a comment only)"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"

    # B's response: the partnership named, whose contacts answer.
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="collaboration_confirmations")
    # A's response (same wave): the partnership whose answers name B.
    claimant = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="collaboration_claims_answered")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # As typed by B's contact: escaped wherever shown.
    comment = models.TextField(blank=True)
    answered_by = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["response", "claimant__partnership__acronym"]
        constraints = [
            models.UniqueConstraint(fields=["response", "claimant"], name="collaborationconfirmation_once_per_pair"),
            models.CheckConstraint(
                condition=~Q(response=F("claimant")), name="collaborationconfirmation_not_own_response"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "declined"]),
                name="collaborationconfirmation_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response} on {self.claimant}: {self.get_status_display()}"
