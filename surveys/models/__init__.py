"""The survey engine's data: questionnaires, the register, waves and responses, answers."""

from .answers import Answer, RepeatRow
from .history import AnswerChange, ResponseEvent
from .questionnaire import MatrixRow, Option, Question, Questionnaire, QuestionnaireVersion, Section
from .register import Contact, Partnership
from .waves import AccessKey, Invitation, Response, SectionState, UnsavedEdit, Wave

__all__ = [
    "AccessKey",
    "Answer",
    "AnswerChange",
    "Contact",
    "Invitation",
    "MatrixRow",
    "Option",
    "Partnership",
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
