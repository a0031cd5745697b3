"""The form of a figure's choices (reports.choices), on the dashboard under each option chart."""

from __future__ import annotations

from typing import Any

from django import forms

from .choices import Choices
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
