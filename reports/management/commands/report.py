"""`manage.py report --wave SLUG --format json|xlsx|docx [-o FILE]`: the report of a wave
(docx: the Word draft of the progress report).

The JSON printed is a stable contract for other tools (docs/reports.md lists its keys).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.choices import figure_choices, population_plural
from reports.document import document_docx, report_document
from reports.excel import report_workbook
from reports.report import as_json, wave_report
from surveys.definition.structure import structure_for
from surveys.models import Wave


class Command(BaseCommand):
    help = (
        "Print the indicators of a wave as JSON, or write the Excel report (--format xlsx -o FILE) "
        "or the Word draft of the progress report (--format docx -o FILE)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wave", required=True, help="Slug of the wave, e.g. escp-4i-2019")
        parser.add_argument("--format", choices=["json", "xlsx", "docx"], default="json")
        parser.add_argument("-o", "--output", help="File to write (required for xlsx; JSON goes to stdout without it)")

    def handle(self, *args: Any, **o: Any) -> None:
        wave = Wave.objects.filter(slug=o["wave"]).first()
        if wave is None:
            known = ", ".join(Wave.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"No wave '{o['wave']}'. Known waves: {known}")
        output = Path(o["output"]) if o["output"] else None
        if o["format"] in ("xlsx", "docx") and output is None:
            raise CommandError(
                f"--format {o['format']} writes a file: give its name with -o FILE (e.g. -o report.{o['format']})"
            )
        if output is not None and not output.parent.exists():
            raise CommandError(f"Cannot write {output}: the folder {output.parent} does not exist")
        report = wave_report(wave)
        if o["format"] == "docx":
            assert output is not None
            wave = Wave.objects.select_related("version").get(pk=wave.pk)
            structure = structure_for(wave.version)
            document = report_document(as_json(report), wave=wave, structure=structure, choices=figure_choices(wave))
            output.write_bytes(document_docx(document))
            self.stdout.write(f"Wrote {output}")
            return
        if o["format"] == "xlsx":
            assert output is not None
            output.write_bytes(
                report_workbook(
                    as_json(report),
                    structure=structure_for(wave.version),
                    choices=figure_choices(wave),
                    unit=population_plural(wave.version.definition),
                )
            )
            self.stdout.write(f"Wrote {output}")
            return
        text = json.dumps(as_json(report), ensure_ascii=False, indent=2)
        if output is not None:
            output.write_text(text + "\n", encoding="utf-8")
            self.stdout.write(f"Wrote {output}")
        else:
            self.stdout.write(text)
