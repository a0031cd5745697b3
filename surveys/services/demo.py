"""Demo data: the partnerships of the 2019 register with fictional contacts, and open waves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from surveys.models import Contact, Partnership, Questionnaire, Wave
from surveys.services.waves import wave_open

REGISTER = Path(__file__).resolve().parent.parent / "data" / "partnerships-2019.yaml"

# The register leaves the strand of nine ESCP-4i partnerships unstated; the demo spreads them
# so that the groups have the sizes of the 2019 run (12 strand-1, 11 strand-2 of 23).
DEMO_STRANDS = ["strand-1"] * 6 + ["strand-2"] * 3
# The report names one ESCP-S3 partnership of nine; the others are fictional.
FICTIONAL_S3 = [
    "S3-AGRIFOOD",
    "S3-BIOECO",
    "S3-CIRCULAR",
    "S3-DIGIHEALTH",
    "S3-ENERGY",
    "S3-MARITIME",
    "S3-MOBILITY",
    "S3-TEXTILE",
]
FICTIONAL_CLUSTERS = 12


def _slug(acronym: str) -> str:
    return "".join(ch for ch in acronym.lower() if ch.isalnum()) or "partnership"


def demo_register() -> list[dict[str, str]]:
    data: dict[str, Any] = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))
    rows: list[dict[str, str]] = []
    unstated = iter(DEMO_STRANDS)
    for item in data["escp_4i"]:
        strand = item.get("strand") or next(unstated)
        rows.append({"acronym": item["acronym"], "name": item.get("name", ""), "programme": "escp-4i", "group": strand})
    for item in data["escp_s3"]:
        rows.append({"acronym": item["acronym"], "name": "", "programme": "escp-s3", "group": "s3"})
    for acronym in FICTIONAL_S3:
        rows.append({"acronym": acronym, "name": "Fictional demo partnership", "programme": "escp-s3", "group": "s3"})
    for item in data["other_escp"]:
        rows.append({"acronym": item["acronym"], "name": "", "programme": "escp-other", "group": ""})
    for n in range(1, FICTIONAL_CLUSTERS + 1):
        rows.append(
            {
                "acronym": f"CLUSTER-{n:02d}",
                "name": f"Demo cluster organisation {n}",
                "programme": "eccp",
                "group": "cluster-organisation",
            }
        )
    return rows


@transaction.atomic
def demo_load(*, now: dt.datetime | None = None) -> list[Wave]:
    """Create the demo register and open waves; running it again changes nothing."""
    now = now or timezone.now()
    for row in demo_register():
        partnership, _ = Partnership.objects.update_or_create(
            acronym=row["acronym"], defaults={"name": row["name"], "programme": row["programme"], "group": row["group"]}
        )
        if row["group"]:
            slug = _slug(row["acronym"])
            for who in ("coordinator", "deputy"):
                Contact.objects.get_or_create(
                    partnership=partnership,
                    email=f"{who}@{slug}.example.org",
                    defaults={"name": f"{who.title()} of {row['acronym']}"},
                )
    waves = []
    for code, slug in (
        ("escp-4i-progress", "escp-4i-demo"),
        ("escp-s3-progress", "escp-s3-demo"),
        ("eccp-user-satisfaction", "eccp-demo"),
    ):
        existing = Wave.objects.filter(slug=slug).first()
        if existing is not None:
            waves.append(existing)
            continue
        version = Questionnaire.objects.get(code=code).latest_version()
        assert version is not None
        waves.append(
            wave_open(
                version=version,
                slug=slug,
                opens_at=now - dt.timedelta(days=1),
                closes_at=now + dt.timedelta(days=30),
            )
        )
    return waves
