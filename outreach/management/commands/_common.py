"""What the outreach commands share: finding the wave, saying how messages leave."""

from __future__ import annotations

from django.core.management.base import CommandError

from outreach.views import broker_mode
from surveys.models import Wave


def wave_from(slug: str) -> Wave:
    wave = Wave.objects.filter(slug=slug).first()
    if wave is None:
        known = (
            ", ".join(Wave.objects.order_by("slug").values_list("slug", flat=True)) or "none (open one with open_wave)"
        )
        raise CommandError(f"No wave '{slug}'. Known waves: {known}")
    return wave


def mode_line() -> str:
    return f"Messages are {broker_mode()}."
