"""The engine's news, kept in the report's tallies (connected in `ReportsConfig.ready`).

Each receiver runs inside the engine's transaction (see `surveys.signals`), so the tallies
change with the status or the answers they count, or not at all.
"""

from __future__ import annotations

from typing import Any

from reports.tallies import tallies_add, tallies_remove


def count_submitted(*, response_id: int, **_: Any) -> None:
    tallies_add(response_id=response_id)


def uncount_reopened(*, response_id: int, **_: Any) -> None:
    tallies_remove(response_id=response_id)


def uncount_changing(*, response_ids: list[int], **_: Any) -> None:
    # Before the rows change: what a response added is subtracted from its answers as they were.
    for response_id in response_ids:
        tallies_remove(response_id=response_id)


def count_changed(*, response_ids: list[int], **_: Any) -> None:
    # Added again as they are now, if submitted (a draft is left out).
    for response_id in response_ids:
        tallies_add(response_id=response_id)
