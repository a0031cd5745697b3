"""Starting a response from the partnership's answers in the previous wave.

A wave that follows another (`Wave.previous`) offers the contacts of a partnership that
answered it to start from those answers. Only answers of questions, options, matrix rows and
repeat fields that are the same in both versions are carried (`services/lineage.py`); values
are read and written through `surveys/values.py` like every other save, so there is no second
mapping of values to rows. The choice is made once per response.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from surveys import signals
from surveys.definition.structure import QuestionNode, structure_for
from surveys.display import value_line
from surveys.exceptions import AlreadySubmitted, ResponseClosed
from surveys.models import Answer, AnswerChange, Contact, PrefillChoice, RepeatRow, Response, SectionState
from surveys.services.history import history_record
from surveys.services.lineage import Correspondence, QuestionPair, version_correspondence
from surveys.services.responses import (
    DERIVED_NEW_FIELD,
    replace_answers,
    response_save_section,
    section_flags_refresh,
)
from surveys.values import (
    ORIGIN,
    Choice,
    Ticked,
    Values,
    hidden_codes,
    is_empty,
    load_values,
    row_status,
    without_status,
)


class PrefillRefused(Exception):
    """The response cannot be prefilled: already chosen, already answered, or no source."""


def prefill_source(*, response: Response) -> Response | None:
    """The partnership's response in the previous wave, if it has answers (one query)."""
    previous_id = response.wave.previous_id
    if previous_id is None:
        return None
    return (
        Response.objects.filter(wave_id=previous_id, partnership_id=response.partnership_id, answers__isnull=False)
        .select_related("wave__version")
        .first()
    )


def prefill_offered(*, response: Response) -> Response | None:
    """The source to offer on the welcome page: none once chosen, once answered, once submitted."""
    if response.prefill_choice or response.is_submitted or response.status != Response.Status.NOT_STARTED:
        return None
    return prefill_source(response=response)


def carried_values(*, source_values: Values, correspondence: Correspondence) -> Values:
    """The source's values under the new version's codes, for corresponding items only."""
    carried: Values = {}
    for pair in correspondence.pairs:
        value = source_values.get(pair.old.code)
        if value is None:
            continue
        translated = _translate(pair, value)
        if translated is not None and not is_empty(pair.new, translated):
            carried[pair.new.code] = translated
    return carried


def _translate(pair: QuestionPair, value: Any) -> Any:
    qtype = pair.new.type
    options = pair.options.pairs
    if qtype == "multi_choice":
        return {options[code]: t for code, t in value.items() if code in options and isinstance(t, Ticked)}
    if qtype in ("single_choice", "yes_no"):
        return Choice(option=options[value.option], text=value.text) if value.option in options else None
    if qtype == "rating_matrix":
        rows = pair.rows.pairs
        return {rows[r]: options[level] for r, level in value.items() if r in rows and level in options}
    if qtype == "repeat":
        fields = pair.fields.pairs if pair.fields is not None else []
        result = []
        for row in value:
            new_row = {}
            for field in fields:
                if field.old.code in row:
                    translated = _translate(field, row[field.old.code])
                    if translated is not None and not is_empty(field.new, translated):
                        new_row[field.new.code] = translated
            if new_row:
                # The row's origin (see _source_values) travels with it.
                if row.get("_origin") is not None:
                    new_row.update({"_status": "carried", "_origin": row["_origin"]})
                result.append(new_row)
        return result
    # number, text, long_text, date, countries, partnership: the value itself.
    return value


@transaction.atomic
def response_prefill(
    *, response: Response, source: Response | None, contact: Contact | None, now: dt.datetime | None = None
) -> int:
    """Record the contacts' choice, once: with a source, copy its carried answers into
    `response` (which must have none yet); without (`source=None`), start empty. Returns the
    number of questions carried."""
    now = now or timezone.now()
    locked = Response.objects.select_for_update(of=("self",)).select_related("wave__version").get(pk=response.pk)
    if not locked.accepts_answers(now):
        raise ResponseClosed()
    if locked.is_submitted:
        raise AlreadySubmitted()
    if locked.prefill_choice:
        raise PrefillRefused("The choice of how to start was already made.")
    carried: Values = {}
    if source is not None:
        if source.wave_id != locked.wave.previous_id or source.partnership_id != locked.partnership_id:
            raise PrefillRefused("Answers are carried only from the same partnership in the previous wave.")
        if Answer.objects.filter(response=locked).exists() or RepeatRow.objects.filter(response=locked).exists():
            raise PrefillRefused("This response already has answers.")
        structure = structure_for(locked.wave.version)
        correspondence = version_correspondence(old=source.wave.version, new=locked.wave.version)
        carried = _derived(
            structure, carried_values(source_values=_source_values(source), correspondence=correspondence)
        )
        # Answers a carried answer would hide are not carried (hidden answers are never kept).
        hidden = hidden_codes(structure, carried)
        carried = {code: v for code, v in carried.items() if code not in hidden}
        # As every writer outside the section save does (the exchange's import): the apps above
        # (the reports' tallies, a history) see the copy as a change of answers.
        signals.answers_changing.send(sender=Response, response_ids=[locked.pk])
        replace_answers(response=locked, structure=structure, nodes=structure.questions(), values=carried)
        # A section saved empty before the copy is judged again with the carried answers.
        section_flags_refresh(response=locked, structure=structure, values=carried)
        history_record(
            response=locked,
            structure=structure,
            codes=[n.code for n in structure.questions() if n.code in carried],
            before={},
            after=carried,
            source=AnswerChange.Source.PREFILL,
            at=now,
            contact=contact,
        )
        locked.prefilled_from = source
    locked.prefill_choice = PrefillChoice.PREVIOUS if source is not None else PrefillChoice.EMPTY
    fields = ["prefill_choice", "prefilled_from", "updated_at"]
    if source is not None and carried:
        locked.status = Response.Status.DRAFT
        locked.started_at = now
        locked.last_saved_at = now
        locked.last_saved_by = contact
        fields += ["status", "started_at", "last_saved_at", "last_saved_by"]
    locked.save(update_fields=fields)
    if source is not None:
        signals.answers_changed.send(sender=Response, response_ids=[locked.pk])
    response.refresh_from_db()
    return len(carried)


@dataclass(frozen=True)
class PreviousValue:
    """Last year's answer to a question of a section, where it differs from the current one."""

    code: str
    text: str  # the question's text
    # Last year's value as the review shows it ("" when the question differs only in the
    # fields of its carried rows); escaped where shown.
    previous: str
    # A table's carried rows: the row's origin (as its hidden input holds it), then each field
    # whose value differs from last year's, with last year's value.
    rows: dict[str, dict[str, str]] = field(default_factory=dict)


def previous_values(
    *,
    response: Response,
    section_code: str,
    current: Values,
    partnership_names: Callable[[], dict[str, str]] = dict,
) -> list[PreviousValue] | None:
    """For a prefilled response: the section's carried previous answers that differ from
    `current` ([] when none differ), in the section's order; None when the response was not
    prefilled (no query). `partnership_names` is asked once, only if a value needs it."""
    if response.prefilled_from_id is None:
        return None
    carried = _carried_from(response, response.prefilled_from_id)
    section = structure_for(response.wave.version).section(section_code)
    if section is None:
        return None
    names = cache(partnership_names)
    result = []
    for node in section.questions:
        if node.code not in carried or without_status(carried[node.code]) == without_status(current.get(node.code)):
            continue
        if node.type == "repeat":
            now = current.get(node.code) or []
            rows = _rows_differing(node, carried[node.code], now, names)
            # The table as a whole only where rows came or went; a field that changed on a
            # carried row is shown beside that field.
            same_rows = [r.get(ORIGIN) for r in carried[node.code]] == [r.get(ORIGIN) for r in now]
            previous = "" if rows and same_rows else _line(node, carried[node.code], names)
        else:
            rows, previous = {}, _line(node, carried[node.code], names)
        result.append(PreviousValue(code=node.code, text=node.question.text, previous=previous, rows=rows))
    return result


def _line(node: QuestionNode, value: Any, names: Callable[[], dict[str, str]]) -> str:
    # Only a partnership's value is worded with the register's names (one query, once); a
    # table is worded by its number of entries.
    return value_line(node, value, names() if node.type == "partnership" else {})


def _rows_differing(
    node: QuestionNode,
    carried: list[dict[str, Any]],
    current: list[dict[str, Any]],
    names: Callable[[], dict[str, str]],
) -> dict[str, dict[str, str]]:
    """For each current row carried from last year: its fields that differ from last year's."""
    last_year = {row[ORIGIN]: row for row in carried if row.get(ORIGIN) is not None}
    result = {}
    for row in current:
        before = last_year.get(row.get(ORIGIN))
        if before is None:
            continue
        fields = {
            f.code: _line(f, before.get(f.code), names) or "no answer"
            for f in node.fields
            # Derived from the row's origin, not asked on a table with carried rows.
            if f.code != DERIVED_NEW_FIELD
            and not (is_empty(f, before.get(f.code)) and is_empty(f, row.get(f.code)))
            and before.get(f.code) != row.get(f.code)
        }
        if fields:
            result[str(row[ORIGIN])] = fields
    return result


def _carried_from(response: Response, source_id: int) -> Values:
    source = Response.objects.select_related("wave__version").get(pk=source_id)
    correspondence = version_correspondence(old=source.wave.version, new=response.wave.version)
    return _derived(
        structure_for(response.wave.version),
        carried_values(source_values=_source_values(source), correspondence=correspondence),
    )


def _source_values(source: Response) -> Values:
    """The source's values, each table row marked with its RepeatRow id as origin ("_origin");
    rows the source itself marked ended are not carried again (one query more)."""
    values = load_values(source, structure_for(source.wave.version))
    ids: dict[int, list[tuple[int, str]]] = {}
    for row_id, question_id, status in (
        RepeatRow.objects.filter(response=source)
        .order_by("question_id", "position")
        .values_list("id", "question_id", "status")
    ):
        ids.setdefault(question_id, []).append((row_id, status))
    structure = structure_for(source.wave.version)
    for node in structure.questions():
        rows = values.get(node.code)
        if node.type != "repeat" or not rows:
            continue
        marked = [
            {**{k: v for k, v in row.items() if not k.startswith("_")}, "_origin": row_id}
            for row, (row_id, status) in zip(rows, ids.get(node.id, []), strict=True)
            if status != RepeatRow.Status.ENDED
        ]
        if marked:
            values[node.code] = marked
        else:
            del values[node.code]
    return values


def _confirmed(value: Any) -> Any:
    if isinstance(value, list):
        return [{**row, "_status": "confirmed"} if row.get("_origin") is not None else row for row in value]
    return value


def _derived(structure: Any, values: Values) -> Values:
    """Carried rows are not new since the previous wave (DERIVED_NEW_FIELD)."""
    for node in structure.questions():
        if node.type != "repeat" or not values.get(node.code):
            continue
        if any(f.code == DERIVED_NEW_FIELD and f.type == "yes_no" for f in node.fields):
            values[node.code] = [
                {**row, DERIVED_NEW_FIELD: Choice(option="yes" if row_status(row) == "new" else "no")}
                for row in values[node.code]
            ]
    return values


@transaction.atomic
def section_keep_previous(
    *, response: Response, section_code: str, contact: Contact | None, now: dt.datetime | None = None
) -> SectionState:
    """ "No change since last year": the section's answers become the carried previous ones,
    and the section is saved (through the ordinary section save)."""
    if response.prefilled_from_id is None:
        raise PrefillRefused("This response did not start from the previous survey's answers.")
    structure = structure_for(response.wave.version)
    section = structure.section(section_code)
    if section is None:
        raise KeyError(section_code)
    carried = _carried_from(response, response.prefilled_from_id)
    codes = {n.code for n in section.questions}
    state = SectionState.objects.filter(response=response, section=section.section).first()
    return response_save_section(
        response_id=response.pk,
        section_code=section_code,
        contact=contact,
        # "No change": each carried row is still current.
        values={code: _confirmed(v) for code, v in carried.items() if code in codes},
        lock_version=state.lock_version if state else 0,
        # The person asked for last year's answers in this section, whatever was saved since.
        force=True,
        confirm_removal=None,
        now=now,
        source=AnswerChange.Source.PREFILL,
    )
