"""Confirmed collaborations in the report (issue 15): what the partnership named answered.

Partnership A naming B is a claim that B's contacts confirm or decline (journey/collaborations.py,
surveys/services/collaborations.py). Each pair of the report's collaborations gets one status,
so that a pair both sides reported counts once:

- ``confirmed_by_both``: both reported each other (each side's report confirms the other's),
  unless one of them declined the other's claim;
- ``confirmed``: reported by one side and confirmed by the other;
- ``declined``: the partnership named said they do not collaborate;
- ``not_answered``: reported by one side, the other (in the wave) has not answered yet
  (or left a comment only);
- ``not_asked``: reported by one side, the other cannot be asked: named in free text, or not
  part of the wave.

Only new keys are added to the contract: ``confirmation`` (and ``confirmation_comments``,
{answering partnership: comment}, when there are comments) per pair, and ``confirmations``
(the count of pairs per status) beside the pairs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

STATUSES = ("confirmed_by_both", "confirmed", "declined", "not_answered", "not_asked")
LABELS = {
    "confirmed_by_both": "confirmed by both (both reported it)",
    "confirmed": "reported by one, confirmed by the other",
    "declined": "declined",
    "not_answered": "not yet answered",
    "not_asked": "cannot be asked (free text or outside the wave)",
}
# An answer as read by `selectors.collaboration_answers`: (claimant's acronym, acronym of the
# partnership named and answering, status, comment).
AnswerRow = tuple[str, str, str, str]


def with_confirmations(
    collaborations: dict[str, Any], answers: Iterable[AnswerRow], *, asked: Collection[str]
) -> dict[str, Any]:
    """The report's collaborations (`report.collaborations`) with each pair's status;
    `asked` holds the acronyms of the partnerships of the wave (those that can answer)."""
    given = {(claimant, named): (status, comment) for claimant, named, status, comment in answers}
    counts = dict.fromkeys(STATUSES, 0)
    for pair in collaborations["pairs"]:
        a, b = pair["partnerships"]
        sides = ((a, b), (b, a))
        if pair["reciprocal"]:
            declined = any(given.get(side, ("", ""))[0] == "declined" for side in sides)
            status = "declined" if declined else "confirmed_by_both"
        else:
            (reporter,) = pair["reported_by"]
            named, registered = (b, pair["registered"][1]) if reporter == a else (a, pair["registered"][0])
            answer = given.get((reporter, named), ("", ""))[0]
            if answer in ("confirmed", "declined"):
                status = answer
            elif registered and named in asked:
                status = "not_answered"
            else:
                status = "not_asked"
        pair["confirmation"] = status
        comments = {
            named: given[(claimant, named)][1] for claimant, named in sides if given.get((claimant, named), ("", ""))[1]
        }
        if comments:
            pair["confirmation_comments"] = comments
        counts[status] += 1
    collaborations["confirmations"] = counts
    return collaborations
