"""The coordinator's comments on the plausibility warnings of a response (surveys/plausibility.py)."""

from __future__ import annotations

from django.db import models

from .register import Contact
from .waves import Response


class PlausibilityNote(models.Model):
    """A comment explaining one warning, kept apart from the answers: a warning is not an
    answer, and its comment stays when the answers change (the warning may come back)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="plausibility_notes")
    # PlausibilityWarning.key, e.g. "A4.cumulative".
    key = models.CharField(max_length=200)
    comment = models.TextField(blank=True)
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["response", "key"]
        constraints = [models.UniqueConstraint(fields=["response", "key"], name="plausibilitynote_unique_key")]

    def __str__(self) -> str:
        return f"{self.response} / {self.key}"
