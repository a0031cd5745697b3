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

from surveys.models import Partnership, Question, Response, Wave


class TalliedResponse(models.Model):
    """A submitted response whose answers are counted in its wave's tallies."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="tallied")
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    # The group its answers were counted under (the partnership's group at the time).
    group = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The reports have no model of their own: their permission hangs on this one
        # (surveys/permissions.py, docs/roles.md).
        permissions = [("view_report", "Can view reports: dashboards, figures, JSON and the Excel report")]

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


class ResponseFigure(models.Model):
    """A figure of one tallied response that the report shows per partnership: the number
    answered to a number question (`option_id` 0) or beside an option (A8's "number of
    agreements"), or the rows of a repeat table (`rows`, `number` NULL): its current rows
    (`option_id` 0), of them those new since the previous wave (`selectors.NEW_ROWS`, -1) and
    the rows carried from it and marked ended (`selectors.ENDED_ROWS`, -2; a table has no
    options of its own, so these ids are free).

    Kept with the tallies (added and taken out with the response), under the group it was
    counted in, so that the report reads one wave's few hundred thousand figures by the wave
    index instead of walking the answer rows of a few questions across every wave.
    """

    # No index of its own: the read index below starts with it.
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+", db_index=False)
    # No index of its own: the unique key below starts with it.
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The response's partnership, whose acronym the report reads from the register (a renamed
    # partnership shows under its new name). A copy of the response's own foreign key: no
    # constraint or index of its own to maintain on every insert.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    group = models.CharField(max_length=32, blank=True)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    option_id = models.BigIntegerField(default=0)
    number = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    rows = models.IntegerField(default=0)
    # The figure shown (`rows`, or `number`) when it is a whole number, else NULL: most figures
    # are, and the report then reads a plain integer instead of working out, per row and per
    # read, whether a numeric is whole (which cost the read half its time at 100,000).
    whole = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One figure per response, question and option; its leading response column serves
            # `tallies_remove` (delete by response).
            models.UniqueConstraint(fields=["response", "question", "option_id"], name="responsefigure_unique_key"),
        ]
        indexes = [
            # The report's read: a wave's figures in the order it groups them, without a sort.
            models.Index(fields=["wave", "question", "option_id", "partnership"], name="responsefigure_read_idx"),
        ]

    def __str__(self) -> str:
        return f"figure of response {self.response_id} to question {self.question_id}"


class NamedPartnership(models.Model):
    """A tallied response naming another partnership (a partnership question, or a
    partnership field of a repeat table such as A7), with the purpose written in the same
    table row: the edges of the report's collaborations, read by the wave index.

    `purpose` is the row's text fields, each stripped, joined with " · " in the fields' order
    (computed when the response is tallied: its answers cannot change while it is counted).
    """

    # No index of its own: the read index below starts with it.
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+", db_index=False)
    # No index of its own: the unique key below starts with it.
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The response's partnership and the one named (NULL: named in free text, in `text`):
    # copies of foreign keys the response and the answer hold, without constraints or indexes.
    reporter = models.ForeignKey(
        Partnership, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    group = models.CharField(max_length=32, blank=True)  # the reporter's group when counted
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    repeat_row_id = models.BigIntegerField(default=0)  # 0: a question outside repeat tables
    partnership = models.ForeignKey(
        Partnership, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False, null=True
    )
    text = models.TextField(blank=True)
    purpose = models.TextField(blank=True)
    # The table row was carried from the previous wave and the coordinator marked it ended:
    # not a current collaboration, kept for Table 2's "ended" (reported so by the reporter).
    ended = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One answer per response, question and table row; serves `tallies_remove` too.
            models.UniqueConstraint(
                fields=["response", "question", "repeat_row_id"], name="namedpartnership_unique_key"
            ),
        ]
        indexes = [
            # The report's read: a wave's answers by reporter, question and row, without a sort.
            models.Index(fields=["wave", "reporter", "question", "repeat_row_id"], name="namedpartnership_read_idx"),
        ]

    def __str__(self) -> str:
        return f"response {self.response_id} names {self.partnership_id or repr(self.text)}"


class GroupTally(models.Model):
    """How many responses of a wave and group the tallies hold, changed with them.

    Every way of taking a response out of the tallies goes through `tallies_remove`, which
    subtracts its answers. A response deleted behind the services' back (a queryset delete
    from the shell, SQL) takes its `TalliedResponse` row with it, but not what it added to
    the counts: this number then disagrees with the `TalliedResponse` rows of its group,
    which `tallies.tallies_check` sees in one cheap query, and the wave is rebuilt.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=32, blank=True)
    responses = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The target of the upserts of `tallies_add` and `tallies_remove`.
            models.UniqueConstraint(fields=["wave", "group"], name="grouptally_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.responses} responses tallied in {self.group or 'no group'}"


class FigureChoice(models.Model):
    """How a staff member wants one figure of a wave printed, remembered for the wave: the
    order of its options, what the bars are labelled with, which groups it shows."""

    class Order(models.TextChoices):
        QUESTIONNAIRE = "questionnaire", "Questionnaire order"
        FREQUENCY = "frequency", "Most frequent first"

    class Labels(models.TextChoices):
        PERCENT = "percent", "Percentages"
        COUNTS = "counts", "Counts"
        BOTH = "both", "Counts and percentages"

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="figure_choices")
    # The figure's id in the report (`FigureSpec.id`: the question code, "A5.country"...).
    figure = models.CharField(max_length=100)
    order = models.CharField(max_length=16, choices=Order.choices, default=Order.QUESTIONNAIRE)
    # By frequency in which column: "total" or a group.
    order_by = models.CharField(max_length=32, default="total")
    labels = models.CharField(max_length=16, choices=Labels.choices, default=Labels.PERCENT)
    # The groups shown (empty: every group).
    groups = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One set of choices per figure of a wave; the dashboard reads them all by wave.
            models.UniqueConstraint(fields=["wave", "figure"], name="figurechoice_unique_figure"),
            models.CheckConstraint(
                condition=models.Q(order__in=["questionnaire", "frequency"]), name="figurechoice_order_known"
            ),
            models.CheckConstraint(
                condition=models.Q(labels__in=["percent", "counts", "both"]), name="figurechoice_labels_known"
            ),
        ]

    def __str__(self) -> str:
        return f"choices for figure {self.figure} of wave {self.wave_id}"
