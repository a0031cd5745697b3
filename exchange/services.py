"""Writing imported responses into a wave."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from exchange.imports import ImportedResponse, ImportPlan, ImportRefused
from surveys import signals
from surveys.definition.structure import QuestionNode, Structure, structure_for
from surveys.models import AnswerChange, Partnership, Question, RepeatRow, Response, SectionState, Wave
from surveys.services.history import history_record
from surveys.services.responses import DERIVED_NEW_FIELD, replace_answers
from surveys.values import Choice, Values, completeness_problems, hidden_codes, load_values, row_status


@dataclass(frozen=True)
class ImportOutcome:
    acronym: str
    action: str  # "created" or "replaced"
    status: str
    questions: int  # questions answered
    repeat_rows: int


@dataclass
class ImportReport:
    wave: Wave
    dry_run: bool
    outcomes: list[ImportOutcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    def __str__(self) -> str:
        prefix = "Dry run, nothing written: " if self.dry_run else ""
        would = "would be " if self.dry_run else ""
        return (
            f"{prefix}{len(self.outcomes)} responses in {self.wave.slug}: {self.count('created')} {would}created, "
            f"{self.count('replaced')} {would}replaced."
        )


def import_author(username: str | None, *, command: str, file_name: str) -> tuple[User | None, str]:
    """Who a command's import is by: the staff user named (CommandError if unknown or not
    staff), or else the command and the file, e.g. "manage.py import_responses wave.xlsx"."""
    if username:
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_staff:
            raise CommandError(f"--by {username}: no staff user of that name.")
        return user, ""
    return None, f"manage.py {command} {file_name}"


@transaction.atomic
def responses_import(
    *,
    wave: Wave,
    plan: ImportPlan,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    by: User | None = None,
    by_name: str = "",
) -> ImportReport:
    """Create or replace each partnership's response in the wave with the plan's answers and status.

    Refuses (ImportRefused) a plan with any problem, so a faulty file changes nothing.
    Deadlines are not checked: an import loads history into closed waves as well. Answers are
    stored as given (relevance and completeness are the respondents' rules, not the file's).
    Each section's lock version is increased, so a respondent with a page open when the
    import ran gets the edit-conflict page instead of overwriting the imported answers.
    The audit trail says who: the staff user `by`, or else `by_name` (the command and file).
    """
    if plan.problems:
        raise ImportRefused(plan.problems)
    now = now or timezone.now()
    report = ImportReport(wave=wave, dry_run=dry_run)
    acronyms = [r.acronym for r in plan.responses]
    partnerships = {p.acronym: p for p in Partnership.objects.filter(acronym__in=acronyms)}
    # Serialised with the journey's saves, which lock the response row too.
    existing = {
        r.partnership_id: r
        for r in Response.objects.select_for_update(of=("self",)).filter(
            wave=wave, partnership__in=partnerships.values()
        )
    }
    structure = structure_for(wave.version)
    nodes = structure.questions()
    for imported in plan.responses:
        partnership = partnerships[imported.acronym]
        response = existing.get(partnership.pk)
        report.outcomes.append(
            ImportOutcome(
                acronym=imported.acronym,
                action="replaced" if response else "created",
                status=imported.status,
                questions=len(imported.values),
                repeat_rows=sum(len(v) for n in nodes if n.fields and (v := imported.values.get(n.code))),
            )
        )
        if dry_run:
            continue
        if response is None:
            response = Response(wave=wave, partnership=partnership)
            before: Values = {}
        else:
            # Out of the report's counts before its answers are replaced (surveys/signals.py).
            signals.answers_changing.send(sender=Response, response_ids=[response.pk])
            before = load_values(response, structure)
        _set_status(response, imported, now)
        response.save()
        values = _derived(response, nodes, imported.values)
        replace_answers(response=response, structure=structure, nodes=nodes, values=values)
        history_record(
            response=response,
            structure=structure,
            codes=[n.code for n in nodes],
            before=before,
            after=values,
            source=AnswerChange.Source.IMPORT,
            at=now,
            user=by,
            name=by_name,
        )
        signals.answers_changed.send(sender=Response, response_ids=[response.pk])
        _bump_sections(response, structure, values)
    return report


def _derived(response: Response, nodes: list[QuestionNode], values: Values) -> Values:
    """The values with each table's derived `new_since_previous` field set as the journey's
    save sets it (surveys.services.responses.derive_row_origins), from the rows' statuses:
    "no" on a row carried from the previous wave, "yes" on a new one, where the response
    continues the previous wave (prefilled from it, or holding rows the file carries from it).
    Elsewhere the field is answered as the file says."""
    result = dict(values)
    for node in nodes:
        rows = values.get(node.code)
        derived = next((f for f in node.fields if f.code == DERIVED_NEW_FIELD and f.type == Question.Type.YES_NO), None)
        if derived is None or not rows:
            continue
        carried = [row_status(row) != RepeatRow.Status.NEW for row in rows]
        if response.prefilled_from_id is None and not any(carried):
            continue
        result[node.code] = [
            {**row, derived.code: Choice(option="no" if was_carried else "yes")}
            for row, was_carried in zip(rows, carried, strict=True)
        ]
    return result


def _set_status(response: Response, imported: ImportedResponse, now: dt.datetime) -> None:
    response.status = imported.status
    if imported.status == Response.Status.SUBMITTED:
        response.submitted_at = imported.submitted_at
        response.started_at = response.started_at or imported.submitted_at
    else:
        response.submitted_at = None
        response.submitted_by = None
    if imported.status == Response.Status.NOT_STARTED:
        response.started_at = None
    elif response.started_at is None:
        response.started_at = now
    response.last_saved_at = now
    response.last_saved_by = None


def _bump_sections(response: Response, structure: Structure, values: Values) -> None:
    hidden = hidden_codes(structure, values)
    states = dict(SectionState.objects.filter(response=response).values_list("section_id", "pk"))
    by_completeness: dict[bool, list[int]] = {True: [], False: []}
    created = []
    for section in structure.sections:
        complete = not completeness_problems(section.questions, values, hidden)
        pk = states.get(section.section.pk)
        if pk is None:
            # Version 1, not 0: a page shown before any save carries 0 and must conflict.
            created.append(SectionState(response=response, section=section.section, lock_version=1, complete=complete))
        else:
            by_completeness[complete].append(pk)
    for complete, pks in by_completeness.items():
        if pks:
            SectionState.objects.filter(pk__in=pks).update(lock_version=F("lock_version") + 1, complete=complete)
    if created:
        SectionState.objects.bulk_create(created)
