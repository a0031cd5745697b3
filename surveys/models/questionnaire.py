"""A questionnaire as data.

A `QuestionnaireVersion` is the unit a wave opens with; once a wave uses it, it is never
changed in place (the loader makes a new version instead). Codes of questions and options
are stable across versions: exports, reports and wave-to-wave comparisons join on them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Questionnaire(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title

    def latest_version(self) -> QuestionnaireVersion | None:
        return self.versions.order_by("-number").first()


class QuestionnaireVersion(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    # Respondent groups every indicator is broken down by, in the questionnaire's order.
    groups = models.JSONField(default=list)
    # Minutes a respondent needs, shown on the welcome page and in emails.
    minutes_needed = models.PositiveIntegerField(default=30)
    # What one respondent is, in the journey, the emails, the admin and the reports: a
    # "partnership" (ESCP) or a "cluster organisation" (ECCP); the definition's `population`.
    population_singular = models.CharField(max_length=64, default="partnership")
    population_plural = models.CharField(max_length=64, default="partnerships")
    # The definition as loaded (normalised), and its SHA-256: the loader compares checksums
    # to know whether a file changed, and the journey keys its structure cache on it.
    definition = models.JSONField()
    checksum = models.CharField(max_length=64)
    source = models.CharField(max_length=255, blank=True, help_text="File the version was loaded from")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["questionnaire__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.code} v{self.number}"

    @property
    def code(self) -> str:
        return self.questionnaire.code

    def is_frozen(self) -> bool:
        """A version some wave has opened with: its content must never change."""
        return self.waves.exists()


class Section(models.Model):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="sections")
    code = models.SlugField(max_length=64)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="section_unique_code"),
            models.UniqueConstraint(fields=["version", "position"], name="section_unique_position"),
        ]

    def __str__(self) -> str:
        return self.title


def question_type_choices() -> list[tuple[str, str]]:
    """The question types the registry knows (surveys.types), as the field's choices: a type
    added there needs no migration (a callable is stored by reference, not as its list)."""
    from surveys.types import TYPES  # the types' modules import these models

    built_in = dict(Question.Type.choices)
    return [(code, t.label or built_in.get(code, code)) for code, t in TYPES.items()]


class Question(models.Model):
    class Type(models.TextChoices):
        MULTI_CHOICE = "multi_choice", "Multiple choice"
        SINGLE_CHOICE = "single_choice", "Single choice"
        RATING_MATRIX = "rating_matrix", "Rating matrix"
        YES_NO = "yes_no", "Yes / no"
        NUMBER = "number", "Number"
        TEXT = "text", "Text"
        LONG_TEXT = "long_text", "Long text"
        DATE = "date", "Date"
        COUNTRIES = "countries", "Countries"
        REPEAT = "repeat", "Repeated entries"
        PARTNERSHIP = "partnership", "Partnership"

    CHOICE_TYPES = (Type.MULTI_CHOICE, Type.SINGLE_CHOICE, Type.YES_NO)

    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    # A field of a repeat table is a question whose parent is the repeat question.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="fields")
    code = models.CharField(max_length=64)
    type = models.CharField(max_length=20, choices=question_type_choices)
    text = models.TextField()
    help = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    position = models.PositiveIntegerField()
    # single_choice with scale: the options are an ordered scale (reports give means).
    scale = models.BooleanField(default=False)
    # "Other (please specify)": an option with code `other` and a text box.
    other = models.BooleanField(default=False)
    min_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    # number: decimals allowed (0: whole numbers only).
    decimals = models.PositiveSmallIntegerField(default=0)
    # countries: offer only countries outside the EU; at most this many countries.
    exclude_eu = models.BooleanField(default=False)
    max_items = models.PositiveIntegerField(null=True, blank=True)
    # repeat: the number of rows must equal the number answered to this question.
    rows_from = models.CharField(max_length=64, blank=True)
    max_rows = models.PositiveIntegerField(null=True, blank=True)
    # Relevance: {"question": "A6", "equals": "yes"}; empty when always shown.
    shown_if = models.JSONField(default=dict, blank=True)
    # partnership: the registered partnerships it offers, {"programmes": [...], "groups": [...],
    # "acronyms": [...]} (any that matches); empty: the partnerships of the wave.
    partnerships = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["version", "section__position", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], condition=Q(parent__isnull=True), name="question_unique_code"
            ),
            models.UniqueConstraint(
                fields=["parent", "code"], condition=Q(parent__isnull=False), name="question_unique_field_code"
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="question_min_not_above_max",
            ),
        ]

    def __str__(self) -> str:
        if self.parent_id:
            return f"{self.parent.code}.{self.code}"  # type: ignore[union-attr]
        return self.code

    @property
    def is_choice(self) -> bool:
        return self.type in self.CHOICE_TYPES

    @property
    def label(self) -> str:
        return self.text


class Option(models.Model):
    """An answer option of a choice question, or a level of a rating matrix's scale."""

    OTHER_CODE = "other"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(max_length=64)
    label = models.CharField(max_length=500)
    position = models.PositiveIntegerField()
    # multi_choice: a comment box belongs to the option; a number box with this label.
    comment = models.BooleanField(default=False)
    number_label = models.CharField(max_length=255, blank=True)
    # Selecting it clears and forbids the others ("None").
    exclusive = models.BooleanField(default=False)
    is_other = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="option_unique_code"),
        ]

    def __str__(self) -> str:
        return self.label


class MatrixRow(models.Model):
    """An item of a rating matrix, rated on the question's options (its scale)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="rows")
    code = models.CharField(max_length=64)
    label = models.CharField(max_length=500)
    position = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="matrixrow_unique_code"),
        ]

    def __str__(self) -> str:
        return self.label
