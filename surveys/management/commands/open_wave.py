from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.models import Questionnaire, Wave
from surveys.services.waves import wave_open


def parse_moment(value: str, *, end_of_day: bool) -> dt.datetime:
    """A date (2019-05-13) or date and time (2019-05-13T09:00), in the Observatory's zone.

    A bare closing date means the end of that day: a deadline of 5 June accepts answers
    all of 5 June.
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    try:
        if "T" in value or " " in value:
            moment = dt.datetime.fromisoformat(value)
            return moment if moment.tzinfo else moment.replace(tzinfo=zone)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"'{value}' is not a date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM)") from None
    if end_of_day:
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone)


class Command(BaseCommand):
    help = "Open a wave of a questionnaire for the partnerships of its groups (or of --group)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--questionnaire", required=True, help="Questionnaire code, e.g. escp-4i-progress")
        parser.add_argument("--slug", required=True)
        parser.add_argument("--opens", required=True, help="YYYY-MM-DD or YYYY-MM-DDTHH:MM (Europe/Brussels)")
        parser.add_argument("--closes", required=True, help="YYYY-MM-DD (end of that day) or YYYY-MM-DDTHH:MM")
        parser.add_argument("--previous", help="Slug of the wave this one follows")
        parser.add_argument("--group", action="append", dest="groups", help="Only these groups (repeatable)")
        parser.add_argument("--title", default="")

    def handle(self, *args: Any, **o: Any) -> None:
        questionnaire = Questionnaire.objects.filter(code=o["questionnaire"]).first()
        if questionnaire is None:
            known = ", ".join(Questionnaire.objects.values_list("code", flat=True)) or "none (run load_questionnaires)"
            raise CommandError(f"No questionnaire '{o['questionnaire']}'. Known: {known}")
        version = questionnaire.latest_version()
        assert version is not None
        previous = None
        if o["previous"]:
            previous = Wave.objects.filter(slug=o["previous"]).select_related("version").first()
            if previous is None:
                raise CommandError(f"No wave '{o['previous']}' to follow")
        try:
            wave = wave_open(
                version=version,
                slug=o["slug"],
                opens_at=parse_moment(o["opens"], end_of_day=False),
                closes_at=parse_moment(o["closes"], end_of_day=True),
                previous=previous,
                groups=o["groups"],
                title=o["title"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        self.stdout.write(
            f"Opened {wave.slug}: {questionnaire.code} v{version.number} for {wave.responses.count()} partnerships, "
            f"{wave.invitations.count()} contacts, until {wave.closes_at.astimezone(ZoneInfo(settings.TIME_ZONE)):%Y-%m-%d %H:%M %Z}."
        )
