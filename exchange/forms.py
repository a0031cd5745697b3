from __future__ import annotations

from typing import Any

from django import forms

from exchange.export import Status

WORKBOOK = "workbook"
LIMESURVEY = "limesurvey"


class ExportForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(Status.ALL, "All responses"), (Status.SUBMITTED, "Submitted responses only")], initial=Status.ALL
    )
    labels = forms.BooleanField(required=False, label="Texts instead of codes (for reading; the import reads codes)")
    history = forms.BooleanField(
        required=False, label="With a sheet of the history: every change to an answer, who and when (not imported)"
    )
    confirmations = forms.BooleanField(
        required=False,
        label="With a sheet of the confirmations: each collaboration a partnership reported and what the "
        "partnership named answered, who and when (not imported)",
    )


class ImportForm(forms.Form):
    source = forms.ChoiceField(
        choices=[
            (WORKBOOK, "A workbook in this site's export format (codes)"),
            (LIMESURVEY, "LimeSurvey's response export (Excel or CSV, answer codes), with a mapping file"),
        ],
        initial=WORKBOOK,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(label="File (.xlsx, or .csv for LimeSurvey)")
    mapping = forms.FileField(required=False, label="Mapping file (YAML), for LimeSurvey only")
    dry_run = forms.BooleanField(required=False, label="Check only (dry run): report what the import would do")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("source") == LIMESURVEY and not cleaned.get("mapping"):
            self.add_error("mapping", "A LimeSurvey export needs its mapping file.")
        return cleaned
