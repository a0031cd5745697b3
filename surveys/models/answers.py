"""Answers as rows that SQL can count and join to the partnership's group and the wave.

One `Answer` row per ticked option (with its comment and number), per matrix cell, per
country, per scalar value; repeat tables have one `RepeatRow` per row and one `Answer` per
field value, pointing to the row. Which columns are filled depends on the question type:

| type                       | columns                                       |
| multi_choice               | option, comment, number; text for "other"     |
| single_choice, yes_no      | option; text for "other"                      |
| rating_matrix              | matrix_row, option (the scale level)          |
| number                     | number                                        |
| text, long_text            | text                                          |
| date                       | date                                          |
| countries                  | country (one row per country)                 |
| partnership                | partnership, or text for one not registered   |
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .questionnaire import MatrixRow, Option, Question
from .register import Partnership
from .waves import Response


class RepeatRow(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="repeat_rows")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="repeat_rows")
    position = models.PositiveIntegerField()

    class Status(models.TextChoices):
        NEW = "new", "New since the previous wave"
        CARRIED = "carried", "From the previous wave, not yet confirmed"
        CONFIRMED = "confirmed", "From the previous wave, still current"
        ENDED = "ended", "From the previous wave, ended"

    # Where the row comes from: rows carried by prefill keep the previous wave's RepeatRow id
    # (a plain number, not a key: that response's rows are replaced when it is edited) and
    # a status the respondent sets; rows added since are "new". Ended rows are kept, not counted.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    carried_from = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["response", "question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question", "position"], name="repeatrow_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.question.code} row {self.position}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, null=True, blank=True, related_name="answers")
    matrix_row = models.ForeignKey(MatrixRow, on_delete=models.CASCADE, null=True, blank=True, related_name="answers")
    repeat_row = models.ForeignKey(RepeatRow, on_delete=models.CASCADE, null=True, blank=True, related_name="answers")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    country = models.CharField(max_length=2, blank=True)
    text = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    number = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["response", "question", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "option"],
                condition=Q(option__isnull=False, matrix_row__isnull=True, repeat_row__isnull=True),
                name="answer_option_once",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "matrix_row"],
                condition=Q(matrix_row__isnull=False),
                name="answer_matrix_cell_once",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "country"],
                condition=Q(repeat_row__isnull=True) & ~Q(country=""),
                name="answer_country_once",
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(option__isnull=True, matrix_row__isnull=True, repeat_row__isnull=True, country=""),
                name="answer_value_once",
            ),
            models.UniqueConstraint(
                fields=["repeat_row", "question"],
                condition=Q(repeat_row__isnull=False, country=""),
                name="answer_field_value_once",
            ),
            models.UniqueConstraint(
                fields=["repeat_row", "question", "country"],
                condition=Q(repeat_row__isnull=False) & ~Q(country=""),
                name="answer_field_country_once",
            ),
            models.CheckConstraint(
                condition=Q(matrix_row__isnull=True) | Q(option__isnull=False),
                name="answer_matrix_cell_has_level",
            ),
        ]
        indexes = [
            # Reports count ticked options per question (joined to responses for status/group).
            models.Index(fields=["question", "option"], name="answer_question_option_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}: {self.option or self.country or self.text or self.number or self.date}"
