"""The survey engine's data: questionnaires, the register, waves and responses, answers."""

from .answers import Answer, RepeatRow
from .collaborations import CollaborationConfirmation
from .history import AnswerChange, ResponseEvent
from .plausibility import PlausibilityNote
from .questionnaire import MatrixRow, Option, Question, Questionnaire, QuestionnaireVersion, Section
from .register import Contact, Partnership
from .waves import AccessKey, DeadlineExtension, Invitation, PrefillChoice, Response, SectionState, UnsavedEdit, Wave

__all__ = [
    "AccessKey",
    "Answer",
    "AnswerChange",
    "CollaborationConfirmation",
    "Contact",
    "DeadlineExtension",
    "Invitation",
    "MatrixRow",
    "Option",
    "Partnership",
    "PlausibilityNote",
    "PrefillChoice",
    "Question",
    "Questionnaire",
    "QuestionnaireVersion",
    "RepeatRow",
    "Response",
    "ResponseEvent",
    "Section",
    "SectionState",
    "UnsavedEdit",
    "Wave",
]
