"""Reading the plausibility warnings of responses and storing the coordinators' comments."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from surveys.definition.structure import structure_for
from surveys.models import Contact, PlausibilityNote, Response, Wave
from surveys.plausibility import PlausibilityWarning, plausibility_rules, plausibility_warnings
from surveys.values import Values, load_values


def previous_response(response: Response) -> Response | None:
    """The same partnership's response in the wave this one follows, if it was submitted."""
    previous_wave_id = response.wave.previous_id
    if previous_wave_id is None:
        return None
    return (
        Response.objects.submitted()
        .select_related("wave__version")
        .filter(wave_id=previous_wave_id, partnership_id=response.partnership_id)
        .first()
    )


def previous_values(response: Response) -> Values | None:
    """The previous wave's values of this response's partnership (None: nothing to compare)."""
    before = previous_response(response)
    if before is None:
        return None
    return load_values(before, structure_for(before.wave.version))


def response_warnings(response: Response, values: Values | None = None) -> list[PlausibilityWarning]:
    """The warnings of one response; no query beyond the previous wave's when nothing is declared."""
    rules = plausibility_rules(response.wave.version.definition or {})
    if not rules:
        return []
    if values is None:
        values = load_values(response, structure_for(response.wave.version))
    return plausibility_warnings(rules=rules, values=values, previous=previous_values(response))


@dataclass(frozen=True)
class WarningRow:
    response: Response
    warning: PlausibilityWarning
    comment: str


def wave_warnings(wave: Wave) -> list[WarningRow]:
    """Every warning of a wave's started responses, by partnership, with its comment."""
    if not plausibility_rules(wave.version.definition or {}):
        return []
    responses = list(
        Response.objects.filter(wave=wave)
        .exclude(status=Response.Status.NOT_STARTED)
        .select_related("wave__version", "partnership")
        .order_by("partnership__acronym")
    )
    notes = {(n.response_id, n.key): n.comment for n in PlausibilityNote.objects.filter(response__wave=wave)}
    return [
        WarningRow(response=r, warning=w, comment=notes.get((r.pk, w.key), ""))
        for r in responses
        for w in response_warnings(r)
    ]


def notes_by_key(response: Response) -> dict[str, str]:
    return dict(PlausibilityNote.objects.filter(response=response).values_list("key", "comment"))


@transaction.atomic
def plausibility_notes_save(*, response_id: int, comments: dict[str, str], contact: Contact | None) -> int:
    """Store the comments given to the warnings the response has now (others are ignored: a
    page left open may name a warning that went away). An empty comment deletes the note.
    Returns the number of notes stored."""
    response = Response.objects.select_for_update(of=("self",)).select_related("wave__version").get(pk=response_id)
    current = {w.key for w in response_warnings(response)}
    stored = 0
    for key, comment in comments.items():
        if key not in current:
            continue
        comment = comment.strip()
        if not comment:
            PlausibilityNote.objects.filter(response=response, key=key).delete()
            continue
        PlausibilityNote.objects.update_or_create(
            response=response, key=key, defaults={"comment": comment, "contact": contact}
        )
        stored += 1
    return stored
