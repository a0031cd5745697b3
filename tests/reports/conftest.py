"""Helpers for the report tests: answers written through the engine's own writer."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from reports.tallies import tallies_add, tallies_remove
from surveys.definition.structure import structure_for
from surveys.models import Response, Wave
from surveys.services.responses import replace_answers


def give(wave: Wave, acronym: str, values: dict[str, Any], *, status: str = Response.Status.SUBMITTED) -> Response:
    """Store these answers for a partnership's response in a wave and set its status (and
    keep the report's tallies in step, as the services that change a status do)."""
    response = Response.objects.select_related("wave__version").get(wave=wave, partnership__acronym=acronym)
    structure = structure_for(response.wave.version)
    tallies_remove(response_id=response.pk)
    replace_answers(response=response, structure=structure, nodes=structure.questions(), values=values)
    now = timezone.now()
    Response.objects.filter(pk=response.pk).update(
        status=status,
        started_at=now,
        submitted_at=now if status == Response.Status.SUBMITTED else None,
    )
    tallies_add(response_id=response.pk)
    response.refresh_from_db()
    return response


@pytest.fixture
def give_answers() -> Any:
    return give


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Reports and figures are cached; ids repeat across tests (rolled-back transactions).
    from django.core.cache import cache

    cache.clear()


def answers_4i(wave: Wave) -> None:
    """A small, irregular data set for the ESCP-4i wave of the fixtures.

    GCA (strand-1) and ELBE (strand-1) completed; EC2i (strand-2) has a draft that must never
    count. Expected figures are written out by hand in the tests.
    """
    from decimal import Decimal

    from surveys.values import Choice, PartnershipValue, Ticked

    give(
        wave,
        "GCA",
        {
            "A1": {"events_missions": Ticked(comment="Trade fair in Toronto"), "intelligence": Ticked()},
            "A2": ["CN", "US", "IN"],
            "A4": Decimal(3),
            "A5": [
                {"counterpart_type": Choice("cluster"), "country": ["CN"], "organisation": "Shenzhen Cluster"},
                {"counterpart_type": Choice("sme"), "country": ["CN"]},
                {"counterpart_type": Choice("cluster"), "country": ["US"]},
            ],
            "A6": Choice("yes"),
            "A7": [{"partnership": PartnershipValue("ELBE"), "purpose": "Joint mission"}],
            "A8": {"partnership_agreements": Ticked(number=Decimal(4))},
        },
    )
    give(
        wave,
        "ELBE",
        {
            "A1": {"events_missions": Ticked()},
            "A2": ["CN"],
            "A4": Decimal(0),
            "A6": Choice("yes"),
            "A7": [
                {"partnership": PartnershipValue("GCA"), "purpose": "Mission to Canada"},
                {"partnership": PartnershipValue(text="Foo Cluster")},
            ],
            "A8": {"knowledge_sharing": Ticked()},
        },
    )
    give(
        wave,
        "EC2i",
        {"A1": {"events_missions": Ticked(), "sme_mentoring": Ticked()}, "A2": ["BR"], "A4": Decimal(5)},
        status=Response.Status.DRAFT,
    )
