from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.definition.loader import DefinitionError, bundled_paths, questionnaire_load, read_file


class Command(BaseCommand):
    help = "Load questionnaire definitions (YAML); without a path, the bundled ones. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="Definition files (default: the bundled ones)")

    def handle(self, *args: Any, paths: list[Path], **options: Any) -> None:
        paths = paths or bundled_paths()
        # Validate every file before writing any, so a typo in one leaves the others untouched.
        definitions = []
        problems: list[str] = []
        for path in paths:
            try:
                definitions.append((path, read_file(path)))
            except DefinitionError as exc:
                problems += [f"{exc.source}: {p}" for p in exc.problems]
        if problems:
            raise CommandError("The definitions have problems, nothing was loaded:\n  " + "\n  ".join(problems))
        for path, definition in definitions:
            result = questionnaire_load(definition=definition, source=str(path))
            self.stdout.write(f"{result.version.questionnaire.code} version {result.version.number}: {result.outcome}")
