"""`manage.py demo_responses`: fictional answers for the demo waves (after `setup_demo`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reports.demo import demo_responses_fill


class Command(BaseCommand):
    help = (
        "Answer the demo waves with deterministic fictional data: a closed first ESCP-4i wave that the "
        "open demo wave follows, and part of the open demo waves. Running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        filled = demo_responses_fill()
        for slug, n in filled.items():
            self.stdout.write(f"  {slug:<24} {n} responses answered" if n else f"  {slug:<24} already answered")
