from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exchange.export import Status, wave_export
from surveys.models import Wave


class Command(BaseCommand):
    help = (
        "Export a wave's responses as one workbook: responses, one sheet per repeat question, codebook, "
        "partnerships (see docs/exchange.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wave", required=True, help="Slug of the wave")
        parser.add_argument("-o", "--output", required=True, type=Path, help="The .xlsx file to write")
        parser.add_argument(
            "--labels", action="store_true", help="Texts instead of codes, for reading (import reads codes)"
        )
        parser.add_argument(
            "--status", choices=Status.CHOICES, default=Status.ALL, help="Only submitted responses, or all (default)"
        )
        parser.add_argument(
            "--history", action="store_true", help="Add a sheet 'history': every change to an answer (not imported)"
        )
        parser.add_argument(
            "--confirmations",
            action="store_true",
            help="Add a sheet 'confirmations': each claim of collaboration and the named partnership's answer "
            "(not imported)",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        wave = Wave.objects.select_related("version__questionnaire").filter(slug=o["wave"]).first()
        if wave is None:
            raise CommandError(
                f"No wave '{o['wave']}'. Known: {', '.join(Wave.objects.values_list('slug', flat=True))}"
            )
        output: Path = o["output"]
        if output.suffix.lower() != ".xlsx":
            raise CommandError(f"{output}: the file name must end in .xlsx")
        try:
            summary = wave_export(
                wave=wave,
                target=output,
                labels=o["labels"],
                status=o["status"],
                history=o["history"],
                confirmations=o["confirmations"],
            )
        except OSError as exc:
            raise CommandError(f"{output}: {exc.strerror or exc}") from exc
        self.stdout.write(
            f"Wrote {output}: {summary.responses} responses, {summary.repeat_rows} repeat rows "
            f"({'texts' if o['labels'] else 'codes'}, {o['status']})"
            + (f", {summary.changes} changes in the history sheet" if summary.changes is not None else "")
            + (f", {summary.claims} claims in the confirmations sheet" if summary.claims is not None else "")
            + "."
        )
