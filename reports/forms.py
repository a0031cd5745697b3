"""The form of a figure's choices (reports.choices), on the dashboard under each option chart."""

from __future__ import annotations

from typing import Any

from django import forms

from surveys.definition.structure import Structure

from .choices import Choices
from .filters import GROUP, ReportScope, ScopeErrors, can_break_down, can_filter, scope_from
from .indicators import TOTAL
from .models import FigureChoice


class FigureChoiceForm(forms.Form):
    order = forms.ChoiceField(choices=FigureChoice.Order.choices)
    order_by = forms.ChoiceField(label="by frequency in")
    labels = forms.ChoiceField(label="Bars labelled with", choices=FigureChoice.Labels.choices)
    groups = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, help_text="None: every group"
    )

    def __init__(self, *args: Any, groups: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        order_by = self.fields["order_by"]
        shown = self.fields["groups"]
        assert isinstance(order_by, forms.ChoiceField) and isinstance(shown, forms.ChoiceField)
        order_by.choices = [(TOTAL, "Total"), *[(g, g) for g in groups]]
        shown.choices = [(g, g) for g in groups]

    def choices(self) -> Choices:
        d = self.cleaned_data
        return Choices(order=d["order"], order_by=d["order_by"], labels=d["labels"], groups=list(d["groups"]))


class _Unchecked(forms.MultipleChoiceField):
    """Choices offered by the widget; what is wrong with a value is said by `reports.filters`
    (unknown question, option not in the question, question of another type)."""

    def validate(self, value: Any) -> None:
        pass


class _UncheckedChoice(forms.ChoiceField):
    def validate(self, value: Any) -> None:
        pass


def _short(text: str, length: int = 70) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


class ReportScopeForm(forms.Form):
    """The dashboard's filter and breakdown (a GET form: the report's address says its scope)."""

    filter = _Unchecked(
        required=False,
        label="Only the respondents who answered",
        help_text="None chosen: every respondent. Several: the respondents who gave all of them.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    by = _UncheckedChoice(required=False, label="Columns", initial="group")
    include_incomplete = forms.BooleanField(
        required=False, label="Count incomplete responses (drafts) beside the completed ones"
    )

    def __init__(self, *args: Any, structure: Structure, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.structure = structure
        questions = structure.questions()
        conditions = self.fields["filter"]
        by = self.fields["by"]
        assert isinstance(conditions, forms.ChoiceField) and isinstance(by, forms.ChoiceField)
        conditions.choices = [
            (
                f"{n.code}. {_short(n.question.text)}",
                [(f"{n.code}={o.code}", f"{n.code} = {o.label}") for o in n.options],
            )
            for n in questions
            if can_filter(n)
        ]
        by.choices = [
            (GROUP, "Groups"),
            *[(n.code, f"Answers to {n.code}. {_short(n.question.text)}") for n in questions if can_break_down(n)],
        ]
        self.scope = ReportScope()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            self.scope = scope_from(self.data, self.structure)
        except ScopeErrors as e:
            for name, problems in e.errors.items():
                for problem in problems:
                    self.add_error(name, problem)
        return cleaned
