from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exchange.imports import ImportRefused
from exchange.limesurvey import limesurvey_read
from exchange.services import import_author, responses_import
from surveys.models import Wave


class Command(BaseCommand):
    help = (
        "Import LimeSurvey's response export (Excel or CSV, with answer codes) into a wave, through a mapping "
        "file from LimeSurvey's codes to ours (docs/exchange.md), e.g. to load a first wave as the previous "
        "wave of a new one. Each partnership's response is created or replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wave", required=True, help="Slug of the wave to load into")
        parser.add_argument("--mapping", required=True, type=Path, help="The mapping file (YAML)")
        parser.add_argument("file", type=Path, help="LimeSurvey's export (.xlsx or .csv)")
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
        for path in (o["mapping"], o["file"]):
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        plan = limesurvey_read(
            wave=wave, file=o["file"], mapping_text=o["mapping"].read_text(encoding="utf-8"), file_name=o["file"].name
        )
        by, by_name = import_author(o["by"], command="import_limesurvey", file_name=o["file"].name)
        try:
            report = responses_import(wave=wave, plan=plan, dry_run=o["dry_run"], by=by, by_name=by_name)
        except ImportRefused as exc:
            raise CommandError(
                f"{o['file']}: nothing was imported, {exc}:\n  " + "\n  ".join(str(p) for p in exc.problems)
            ) from exc
        self.stdout.write(str(report))
