"""`manage.py rebuild_tallies [--wave SLUG] [--check]`: recompute the report tallies of a wave
(every wave without --wave) from its answer rows: after a bulk load that bypassed the
services, or to repair. `--check` only compares the report from the tallies with one
computed from the answer rows, and fails when they differ."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.report import as_json, wave_report
from reports.tallies import tallies_rebuild
from surveys.models import Wave


class Command(BaseCommand):
    help = "Recompute the report tallies of a wave (or of every wave) from its answer rows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wave", help="Slug of the wave (default: every wave)")
        parser.add_argument(
            "--check", action="store_true", help="Change nothing: compare the tallies with a scan of the answers"
        )

    def handle(self, *args: Any, **o: Any) -> None:
        waves = Wave.objects.order_by("opens_at", "slug")
        if o["wave"]:
            waves = waves.filter(slug=o["wave"])
            if not waves.exists():
                known = ", ".join(Wave.objects.order_by("slug").values_list("slug", flat=True)) or "none"
                raise CommandError(f"No wave '{o['wave']}'. Known waves: {known}")
        differing = []
        for wave in waves:
            start = time.perf_counter()
            if o["check"]:
                same = as_json(wave_report(wave)) == as_json(wave_report(wave, scan=True))
                if not same:
                    differing.append(wave.slug)
                outcome = "tallies match the answers" if same else "tallies DIFFER from the answers"
            else:
                outcome = f"{tallies_rebuild(wave=wave)} submitted responses counted"
            self.stdout.write(f"{wave.slug}: {outcome} ({time.perf_counter() - start:.1f} s)")
        if differing:
            raise CommandError(
                f"Stale tallies in {', '.join(differing)}: run `manage.py rebuild_tallies --wave SLUG` for each"
            )
