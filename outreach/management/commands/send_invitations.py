from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from outreach.services import invitations_send

from ._common import mode_line, wave_from


class Command(BaseCommand):
    help = "Queue an invitation to every contact of a wave not invited yet (running it again sends nothing new)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wave", required=True, metavar="SLUG", help="Slug of the wave")

    def handle(self, *args: Any, **options: Any) -> None:
        wave = wave_from(options["wave"])
        try:
            result = invitations_send(wave=wave)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"{wave.slug}: {result.queued} invitations queued; {result.skipped} contacts were invited already."
        )
        self.stdout.write(mode_line())
