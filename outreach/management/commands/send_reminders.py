from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from outreach.services import reminders_send

from ._common import mode_line, wave_from


class Command(BaseCommand):
    help = (
        "Queue a reminder now to the invited contacts of a wave's partnerships that have not submitted "
        "(skipping those contacted in the last 24 hours); --due applies the wave's reminder policy instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wave", required=True, metavar="SLUG", help="Slug of the wave")
        parser.add_argument(
            "--due", action="store_true", help="Only the reminders the wave's policy says are due (what beat does)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wave = wave_from(options["wave"])
        try:
            result = reminders_send(wave=wave, due_only=options["due"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        skipped = "not due yet" if options["due"] else "contacted less than a day ago"
        self.stdout.write(
            f"{wave.slug}: {result.queued} reminders queued; {result.skipped} contacts skipped ({skipped})."
        )
        self.stdout.write(mode_line())
