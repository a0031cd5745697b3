"""Running tallies of the completed responses of each wave, so that a report reads a few
thousand small rows instead of scanning every answer row (see docs/reports.md, "Tallies").

A response's answer rows are added to the tallies when it becomes `submitted` and taken out
when it stops being submitted (reopened, replaced by an import), by `reports.tallies`, in the
same transaction as the change. `TalliedResponse` records which responses are in the tallies
and under which group, so that taking one out subtracts exactly what was added even when
its partnership moved to another group meanwhile.

The key columns are never NULL (0 and "" mean "none"): a unique key with NULLs would not
match itself in `ON CONFLICT`, and every upsert must land on one row per key.
"""

from __future__ import annotations

from django.db import models

from surveys.models import Question, Response, Wave


class TalliedResponse(models.Model):
    """A submitted response whose answers are counted in its wave's tallies."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="tallied")
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    # The group its answers were counted under (the partnership's group at the time).
    group = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"response {self.response_id} tallied under {self.group or 'no group'}"


class Tally(models.Model):
    """Answer rows of the completed responses of a wave and group with the same key.

    One row per (question, option, matrix row, country, named partnership, year of a date):
    `n` answer rows (for a field of a repeat table: table rows), the sum and count of their
    numbers, how many carry a comment, how many a text.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=32, blank=True)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    # Plain ids, 0 for none (see the module docstring): these tallies follow the answer rows,
    # which already hold the foreign keys.
    option_id = models.BigIntegerField(default=0)
    matrix_row_id = models.BigIntegerField(default=0)
    country = models.CharField(max_length=2, blank=True)
    partnership_id = models.BigIntegerField(default=0)
    year = models.IntegerField(default=0)
    n = models.IntegerField(default=0)
    number_sum = models.DecimalField(max_digits=28, decimal_places=4, default=0)
    number_n = models.IntegerField(default=0)
    comments = models.IntegerField(default=0)
    texts = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The target of every upsert; its leading wave column also serves the report's read.
            models.UniqueConstraint(
                fields=[
                    "wave",
                    "group",
                    "question",
                    "option_id",
                    "matrix_row_id",
                    "country",
                    "partnership_id",
                    "year",
                ],
                name="tally_unique_key",
            ),
        ]

    def __str__(self) -> str:
        return f"tally of question {self.question_id} in {self.group or 'no group'}: {self.n}"


class RespondentTally(models.Model):
    """Completed responses of a wave and group with at least one answer row to a question
    (outside repeat tables), and those with one that is not an exclusive option ("None")."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=32, blank=True)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    respondents = models.IntegerField(default=0)
    non_exclusive = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wave", "group", "question"], name="respondenttally_unique_key"),
        ]

    def __str__(self) -> str:
        return f"respondents of question {self.question_id} in {self.group or 'no group'}: {self.respondents}"
