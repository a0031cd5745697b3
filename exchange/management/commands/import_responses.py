from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exchange.imports import ImportRefused
from exchange.reader import workbook_read
from exchange.services import import_author, responses_import
from surveys.models import Wave


class Command(BaseCommand):
    help = (
        "Import responses into a wave from a workbook in the export's default format (codes): each "
        "partnership's response is created or replaced, with the status given. Works on closed waves."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wave", required=True, help="Slug of the wave")
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report, change nothing")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="The staff user the answers' history names (default: this command and the file's name)",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        wave = Wave.objects.select_related("version__questionnaire").filter(slug=o["wave"]).first()
        if wave is None:
            raise CommandError(
                f"No wave '{o['wave']}'. Known: {', '.join(Wave.objects.values_list('slug', flat=True))}"
            )
        path: Path = o["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        plan = workbook_read(wave=wave, file=path)
        by, by_name = import_author(o["by"], command="import_responses", file_name=path.name)
        try:
            report = responses_import(wave=wave, plan=plan, dry_run=o["dry_run"], by=by, by_name=by_name)
        except ImportRefused as exc:
            raise CommandError(
                f"{path}: nothing was imported, {exc}:\n  " + "\n  ".join(str(p) for p in exc.problems)
            ) from exc
        self.stdout.write(str(report))
