from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.services.register import RegisterImportError, register_import


class Command(BaseCommand):
    help = (
        "Import partnerships and contacts from an .xlsx or .csv file with the columns "
        "acronym, name, programme, group, contact_name, contact_email (one row per contact)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report, change nothing")

    def handle(self, *args: Any, file: Path, dry_run: bool, **options: Any) -> None:
        try:
            summary = register_import(path=file, dry_run=dry_run)
        except RegisterImportError as exc:
            raise CommandError(f"{file}: nothing was imported:\n  " + "\n  ".join(exc.problems)) from exc
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(
            f"{prefix}{summary['new']} contacts added, {summary['update']} updated, {summary['skip']} unchanged; "
            f"{summary['partnerships']} partnerships in the file."
        )
