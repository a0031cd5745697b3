"""Saving sections of a response, submitting it, reopening it."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from surveys import signals
from surveys.definition.structure import QuestionNode, SectionNode, Structure, structure_for
from surveys.exceptions import AlreadySubmitted, EditConflict, Incomplete, ResponseClosed, WouldRemove
from surveys.models import Answer, AnswerChange, Contact, Question, RepeatRow, Response, ResponseEvent, SectionState
from surveys.prefetch import states_of, values_of, with_lists
from surveys.prepared import PreparedQuery
from surveys.services.history import event_record, history_record
from surveys.values import (
    Choice,
    Values,
    answers_removed,
    build_answer_rows,
    completeness_problems,
    hidden_codes,
    load_values,
    partnership_ids_for,
    removal_token,
    row_status,
)

# A yes/no field of a repeat table with this code is derived, on a prefilled response, from
# the row's origin (docs/questionnaire-format.md): "no" for a row carried from the previous
# wave, "yes" for a row added since. The respondent's answer to it is not kept.
DERIVED_NEW_FIELD = "new_since_previous"


def derive_row_origins(*, response: Response, nodes: list[QuestionNode], values: Values, stored: Values) -> Values:
    """The values with each table row's origin checked and derived fields set.

    A row keeps its origin ("_origin") only if it is a row of the response's previous-wave
    source, i.e. one the response was prefilled with: a crafted origin makes the row "new".
    Origins already stored for the same table need no query; any other one costs one.
    """
    tables = [n for n in nodes if n.type == Question.Type.REPEAT and values.get(n.code)]
    if not tables:
        return values
    known = {row["_origin"] for n in tables for row in stored.get(n.code) or [] if row_status(row) != "new"}
    claimed = {row["_origin"] for n in tables for row in values[n.code] if row.get("_origin") is not None}
    unknown = claimed - known
    if unknown and response.prefilled_from_id is not None:
        known |= set(
            RepeatRow.objects.filter(response_id=response.prefilled_from_id, id__in=unknown).values_list(
                "id", flat=True
            )
        )
    result = dict(values)
    for node in tables:
        derived = next((f for f in node.fields if f.code == DERIVED_NEW_FIELD and f.type == Question.Type.YES_NO), None)
        rows = []
        for row in values[node.code]:
            row = dict(row)
            if row.get("_origin") not in known or row_status(row) == "new":
                row.pop("_origin", None)
                row.pop("_status", None)
            if derived is not None and response.prefilled_from_id is not None:
                row[derived.code] = Choice(option="yes" if row_status(row) == "new" else "no", text="")
            rows.append(row)
        result[node.code] = rows
    return result


def _locked_response(response_id: int) -> Response:
    # Saves of one response are serialised on its row, so the lock-version check below and
    # the writes that follow cannot interleave with a colleague's save.
    # `of=("self",)`: only the response's row, not the wave's and the version's it joins
    # (those would serialise the saves of every partnership of the wave).
    return Response.objects.select_for_update(of=("self",)).select_related("wave__version").get(pk=response_id)


def _check_open(response: Response, now: dt.datetime) -> None:
    if not response.accepts_answers(now):
        raise ResponseClosed()
    if response.is_submitted:
        raise AlreadySubmitted()


def replace_answers(
    *, response: Response, structure: Structure, nodes: list[QuestionNode], values: Values, stored: Values | None = None
) -> None:
    """Replace the stored answers of these questions by the given values (fixed query count).

    `stored`: the response's values as read in this transaction, if the caller has them.
    """
    question_ids = [n.id for n in nodes] + [f.id for n in nodes for f in n.fields]
    if stored is None or any(n.code in stored for n in nodes):
        # Every stored answer row gives its question a value: none, nothing to delete.
        Answer.objects.filter(response=response, question_id__in=question_ids).delete()
    if stored is None or any(stored.get(n.code) for n in nodes if n.type == Question.Type.REPEAT):
        # Only tables hold rows: a page without stored rows spares the delete (a SELECT, as
        # Django collects the rows' dependents, and a DELETE).
        RepeatRow.objects.filter(response=response, question_id__in=question_ids).delete()
    answers, repeats = build_answer_rows(
        response=response, nodes=nodes, values=values, partnership_ids=partnership_ids_for(values, nodes)
    )
    if repeats:
        created = RepeatRow.objects.bulk_create([row for row, _ in repeats])
        for row, (_, row_answers) in zip(created, repeats, strict=True):
            for answer in row_answers:
                answer.repeat_row = row
            answers.extend(row_answers)
    Answer.objects.bulk_create(answers)


@transaction.atomic
def response_save_section(
    *,
    response_id: int,
    section_code: str,
    contact: Contact | None,
    values: Values,
    lock_version: int,
    force: bool = False,
    confirm_removal: str | None = None,
    now: dt.datetime | None = None,
    source: str = AnswerChange.Source.JOURNEY,
) -> SectionState:
    """Save the answers given on one section page (`source`: what the audit trail says it
    came from, "prefill" for "no change since last year").

    `values` holds the section's questions (a missing key: no answer). Answers of questions
    that these values hide (here or in later sections) are deleted, so hidden answers are
    never kept. Raises EditConflict when the section was saved since `lock_version`, unless
    `force` (the person saw the conflict and chose to keep their version).

    With `confirm_removal` given (the journey always gives it), a save that would delete saved
    answers the person did not clear (relevance, fewer rows) raises WouldRemove unless it is
    the token of exactly those removals, which the person saw and confirmed. None: no check
    (imports and the demo, which replace answers knowingly).
    """
    now = now or timezone.now()
    response = _locked_for_save(response_id, contact=contact, now=now)
    _check_open(response, now)
    structure = structure_for(response.wave.version)
    section = structure.section(section_code)
    if section is None:
        raise KeyError(section_code)
    states = states_of(response)
    state = states.get(section.section.pk) or SectionState(response=response, section=section.section)
    if state.lock_version != lock_version and not force:
        raise EditConflict(state)

    section_codes = {n.code for n in section.questions}
    stored = values_of(response, structure)
    merged = {code: v for code, v in stored.items() if code not in section_codes}
    merged.update(
        derive_row_origins(
            response=response,
            nodes=list(section.questions),
            values={code: v for code, v in values.items() if code in section_codes},
            stored=stored,
        )
    )
    hidden = hidden_codes(structure, merged)
    if confirm_removal is not None:
        removals = answers_removed(structure, section_codes, stored, merged, hidden)
        if removals and removal_token(removals) != confirm_removal:
            raise WouldRemove(removals, removal_token(removals))
    nodes = list(section.questions)
    # A hidden question elsewhere that still holds answers is cleared as well.
    nodes += [structure.by_code[c] for c in hidden if c not in section_codes and c in stored]
    kept = {code: v for code, v in merged.items() if code not in hidden}
    # Written as a difference: only the questions whose value changed lose their rows and get
    # new ones (a page saved unchanged writes no answer).
    changed = [n for n in nodes if kept.get(n.code) != stored.get(n.code)]
    replace_answers(response=response, structure=structure, nodes=changed, values=kept, stored=stored)
    # The audit trail: computed from the values already in hand, one INSERT (or none).
    history_record(
        response=response,
        structure=structure,
        codes=[n.code for n in changed],
        before=stored,
        after=kept,
        source=source,
        at=now,
        contact=contact,
    )

    state.lock_version += 1
    state.complete = not completeness_problems(section.questions, kept, hidden)
    state.saved_at = now
    state.saved_by = contact
    if state.pk is None:
        state.save()
    else:
        state.save(update_fields=["lock_version", "complete", "saved_at", "saved_by", "updated_at"])
    _flag_other_sections(structure, states, kept, hidden, saved=section)
    return state


def _locked_for_save(response_id: int, *, contact: Contact | None, now: dt.datetime) -> Response:
    """The response locked, as it is once the lock is held, with its section states, repeat
    rows and answers (`surveys.prefetch`), for a section save.

    The UPDATE a save owes the response anyway (who saved last, when; a first save starts
    it) takes the row lock that serialises the saves of the response's sections; the SELECT
    after it, a statement of its own, sees what was committed before the lock was granted (a
    SELECT … FOR UPDATE that waited would read its subqueries from before the wait). A
    refused save (closed, submitted, a conflict) rolls the UPDATE back with the rest.
    """
    stamp = connection.ops.adapt_datetimefield_value(now)
    not_started, draft = Response.Status.NOT_STARTED.value, Response.Status.DRAFT.value
    with connection.cursor() as cursor:
        cursor.execute(
            _LOCK_SQL,
            [stamp, contact.pk if contact else None, stamp, not_started, draft, not_started, stamp, response_id],
        )
    found = _SAVE_QUERY.rows(response=response_id)
    if not found:
        raise Response.DoesNotExist(f"no response {response_id}")
    return found[0]


# The save's UPDATE as SQL: the ORM compiled its two CASEs anew on every save. Both read the
# status from before the UPDATE (SQL's rule for SET), as the ORM's `Case(When(…))` did.
_LOCK_SQL = (
    f"UPDATE {Response._meta.db_table} SET last_saved_at = %s, last_saved_by_id = %s, updated_at = %s, "  # noqa: S608
    "status = CASE WHEN status = %s THEN %s ELSE status END, "
    "started_at = CASE WHEN status = %s THEN %s ELSE started_at END "
    "WHERE id = %s"
)

# The save's SELECT compiled once per process (surveys.prepared): compiling it with its
# subqueries cost about 0.5 ms of CPU a save (docs/journey-speed.md, fourth round).
_SAVE_QUERY = PreparedQuery(
    lambda response: with_lists(Response.objects.select_related("wave__version")).filter(pk=response),
    {"response": int},
)


def _flag_other_sections(
    structure: Structure,
    states: dict[int, SectionState],
    values: Values,
    hidden: set[str],
    *,
    saved: SectionNode | None,
) -> None:
    """Correct the completeness of the other saved sections: a save changes theirs when it
    clears answers that it hides there, or shows a question there (one UPDATE, and only when
    a flag changed; `response_submit` trusts the flags)."""
    stale = []
    for node in structure.sections:
        state = states.get(node.section.pk)
        if node is saved or state is None:
            continue
        complete = not completeness_problems(node.questions, values, hidden)
        if state.complete != complete:
            state.complete = complete
            stale.append(state)
    if stale:
        SectionState.objects.bulk_update(stale, ["complete"])


def section_flags_refresh(*, response: Response, structure: Structure, values: Values) -> None:
    """Bring the completeness of the response's saved sections in line with `values`, its
    answers as now written: every writer of answers other than the section save (which does
    it itself) calls this, or writes the flags itself (the exchange's import)."""
    states = {s.section_id: s for s in SectionState.objects.filter(response=response).only("section_id", "complete")}
    _flag_other_sections(structure, states, values, hidden_codes(structure, values), saved=None)


def response_problems(response: Response, structure: Structure, values: Values) -> dict[str, dict[str, str]]:
    """Completeness problems of the whole response, by section code (empty when complete)."""
    hidden = hidden_codes(structure, values)
    problems: dict[str, dict[str, str]] = {}
    for section in structure.sections:
        section_problems = completeness_problems(section.questions, values, hidden)
        if section_problems:
            problems[section.code] = section_problems
    return problems


@transaction.atomic
def response_submit(*, response_id: int, contact: Contact | None, now: dt.datetime | None = None) -> Response:
    """Submit a complete response before its deadline (checked here, whatever a page said).

    Complete: every section's state says so (each save of a section, and every other writer
    of answers, keeps the flags of all the saved sections true to the answers: see
    `_flag_other_sections`); only a section never saved, or one that says incomplete, makes
    the check read the answers and apply the rule itself (and give the problems)."""
    now = now or timezone.now()
    # As for a save (`_locked_for_save`): the UPDATE takes the row lock, the SELECT after it
    # reads the response as it now is. A response submitted already is not updated.
    updated = (
        Response.objects.filter(pk=response_id)
        .exclude(status=Response.Status.SUBMITTED)
        .update(
            status=Response.Status.SUBMITTED,
            submitted_at=now,
            submitted_by=contact,
            started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
            updated_at=now,
        )
    )
    response = with_lists(Response.objects.select_related("wave__version"), answers=False).get(pk=response_id)
    if not updated:
        _check_open(response, now)  # submitted, or closed as well: it says which
        raise AlreadySubmitted()  # reopened since the UPDATE found it submitted
    if not response.accepts_answers(now):
        raise ResponseClosed()
    structure = structure_for(response.wave.version)
    states = states_of(response)
    if not all(states.get(s.section.pk) and states[s.section.pk].complete for s in structure.sections):
        problems = response_problems(response, structure, load_values(response, structure))
        if problems:
            raise Incomplete(problems)
    # Every submission is kept (a response sent back and submitted again has two).
    event_record(response=response, kind=ResponseEvent.Kind.SUBMITTED, at=now, contact=contact)
    # Inside the transaction: the report's counts change with the status (surveys/signals.py).
    signals.response_submitted.send(sender=Response, response_id=response.pk)
    return response


@transaction.atomic
def response_reopen(
    *,
    response_id: int,
    now: dt.datetime | None = None,
    by: User | None = None,
    message: str = "",
) -> Response:
    """Let a submitted response be corrected: it becomes a draft again, answers kept.

    With a `message`, it is a send-back (surveys/services/review.py): the event keeps it and
    the contacts get it by email."""
    now = now or timezone.now()
    response = _locked_response(response_id)
    if not response.is_submitted:
        return response
    response.status = Response.Status.DRAFT
    response.submitted_at = None
    response.reopened_at = now
    response.save(update_fields=["status", "submitted_at", "reopened_at", "updated_at"])
    kind = ResponseEvent.Kind.SENT_BACK if message else ResponseEvent.Kind.REOPENED
    event = event_record(response=response, kind=kind, at=now, user=by, message=message)
    if message:
        signals.response_sent_back.send(sender=Response, response_id=response.pk, event_id=event.pk)
    signals.response_reopened.send(sender=Response, response_id=response.pk)
    return response
