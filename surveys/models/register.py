"""The register of partnerships and their contacts."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower


class PartnershipQuerySet(models.QuerySet["Partnership"]):
    def in_groups(self, groups: list[str]) -> PartnershipQuerySet:
        return self.filter(group__in=groups)


class Partnership(models.Model):
    acronym = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255, blank=True)
    # escp-4i, escp-s3, eccp, escp-other…
    programme = models.SlugField(max_length=32)
    # strand-1, strand-2, s3, cluster-organisation…: the breakdown of every indicator.
    group = models.SlugField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["acronym"]
        # Named permissions of the roles (surveys/permissions.py, docs/roles.md).
        permissions = [("import_register", "Can import the register of partnerships and contacts")]
        indexes = [
            # open_wave selects the partnerships of a questionnaire's groups.
            models.Index(fields=["group"], name="partnership_group_idx"),
        ]

    def __str__(self) -> str:
        return self.acronym

    @property
    def display_name(self) -> str:
        return f"{self.acronym} ({self.name})" if self.name and self.name != self.acronym else self.acronym


class Contact(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=255)
    email = models.EmailField()
    is_active = models.BooleanField(default=True, help_text="Inactive contacts get no messages")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partnership__acronym", "name"]
        constraints = [
            models.UniqueConstraint("partnership", Lower("email"), name="contact_unique_email_per_partnership"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
