"""Importing the register of partnerships and contacts from a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction

from surveys.resources import COLUMNS, RegisterResource
from surveys.spreadsheet import csv_dataset_text
from surveys.uploads import UploadRefused, csv_check, upload_check


class RegisterImportError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def read_dataset(path: Path) -> tablib.Dataset:
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise RegisterImportError([f"Expected an .xlsx or .csv file, not '{suffix or path.name}'."])
    try:
        # Limits first (surveys/uploads.py): size, an xlsx's zip directory, a CSV's encoding.
        upload_check(path)
        if suffix == ".xlsx":
            return tablib.Dataset().load(path.read_bytes(), format="xlsx")
        # The `'` the admin's CSV export puts before a formula-like text is removed.
        return csv_dataset_text(tablib.Dataset().load(csv_check(path.read_bytes()), format="csv"))
    except UploadRefused as exc:
        raise RegisterImportError([f"{path.name}: {exc}"]) from exc
    except OSError as exc:
        raise RegisterImportError([f"The file cannot be read: {exc.strerror}."]) from exc
    except Exception as exc:  # tablib raises many kinds for a broken file
        raise RegisterImportError([f"The file cannot be read as {suffix[1:]}: {exc}."]) from exc


def describe_errors(result: Any) -> list[str]:
    """Every problem of an import result, naming the spreadsheet row and the column."""
    problems: list[str] = [str(e.error) for e in result.base_errors]
    for invalid in result.invalid_rows:
        # +1 for the header row, +1 because spreadsheet rows count from 1.
        row_number = invalid.number + 1
        for column, messages in invalid.error_dict.items():
            for message in messages:
                where = f"row {row_number}, column {column}" if column in COLUMNS else f"row {row_number}"
                problems.append(f"{where}: {message}")
    for number, errors in result.row_errors():
        for error in errors:
            problems.append(f"row {number + 1}: {error.error}")
    return problems


def register_import(*, path: Path, dry_run: bool = False) -> dict[str, int]:
    """Import a register file: every row valid, or nothing written."""
    dataset = read_dataset(path)
    resource = RegisterResource()
    with transaction.atomic():
        try:
            result = resource.import_data(dataset, dry_run=True, raise_errors=False, collect_failed_rows=True)
        except ValidationError as exc:
            raise RegisterImportError(exc.messages) from exc
        problems = describe_errors(result)
        if problems:
            raise RegisterImportError(problems)
        if not dry_run:
            result = resource.import_data(dataset, dry_run=False, raise_errors=True)
    totals = dict(result.totals)
    return {
        "new": totals.get("new", 0),
        "update": totals.get("update", 0),
        "skip": totals.get("skip", 0),
        "partnerships": len({str(r).strip() for r in dataset["acronym"]}) if dataset.height else 0,
    }
