"""What the survey services refuse, for views and commands to turn into clear pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from surveys.models import SectionState
    from surveys.values import Removal


class SurveyError(Exception):
    """Base of the refusals below."""


class ResponseClosed(SurveyError):
    """The deadline has passed (or the wave is not open yet): nothing is accepted."""


class AlreadySubmitted(SurveyError):
    """The response was submitted; only staff can reopen it."""


class EditConflict(SurveyError):
    """Someone saved the section since the form was shown."""

    def __init__(self, state: SectionState) -> None:
        self.state = state
        super().__init__(f"section {state.section_id} was saved at version {state.lock_version}")


class Incomplete(SurveyError):
    """Required answers are missing; `problems` maps section codes to {input name: message}."""

    def __init__(self, problems: dict[str, dict[str, str]]) -> None:
        self.problems = problems
        super().__init__(f"{sum(len(p) for p in problems.values())} answers missing")


class WouldRemove(SurveyError):
    """The save would delete saved answers (hidden by relevance, fewer rows) not confirmed.

    `removals` says what would go; `token` is what a confirmation of exactly these must carry.
    """

    def __init__(self, removals: list[Removal], token: str) -> None:
        self.removals = removals
        self.token = token
        super().__init__(f"{len(removals)} answers would be removed")
