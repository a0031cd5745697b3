"""Saves and submissions of different partnerships of one wave never wait for each other.

Each writer locks the rows it changes and nothing else: a save holds its response's row
until it commits, but not the wave's or the questionnaire version's rows that its query
joins. PostgreSQL only (SQLite locks the whole database for each write). A save that would
wait gives up after `lock_timeout` and the test fails with "could not obtain lock".
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, transaction

from reports.demo import fake_values
from surveys.definition.structure import structure_for
from surveys.exceptions import EditConflict
from surveys.models import Response, Wave
from surveys.services.responses import replace_answers, response_problems, response_save_section, response_submit
from surveys.values import load_values

# Two connections at once, each with its own transaction, on a database with row locks.
concurrent = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: SQLite locks the whole database"),
    pytest.mark.django_db(transaction=True),
]


def _concurrently(test: Callable[..., None]) -> Callable[..., None]:
    for mark in reversed(concurrent):
        test = mark(test)
    return test


@contextmanager
def _holding(work: Callable[[], object]) -> Iterator[None]:
    """Run `work` in a transaction of another connection and keep it open (its locks held)
    until the block ends."""
    held, release, failed = threading.Event(), threading.Event(), []

    def run() -> None:
        try:
            with transaction.atomic():
                work()
                held.set()
                release.wait(timeout=30)
        except Exception as exc:  # the main thread reports it
            failed.append(exc)
            held.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(timeout=30)
    try:
        assert not failed, failed
        yield
    finally:
        release.set()
        thread.join(timeout=30)


def _without_waiting(work: Callable[[], object]) -> object:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        return work()


def _response(wave: Wave, acronym: str) -> Response:
    return Response.objects.get(wave=wave, partnership__acronym=acronym)


@_concurrently
def test_it_saves_a_partnership_while_another_partnerships_save_holds_its_lock(wave_4i: Wave) -> None:
    gca, elbe = _response(wave_4i, "GCA"), _response(wave_4i, "ELBE")

    def save(response: Response, number: int) -> object:
        return response_save_section(
            response_id=response.pk,
            section_code="achievements",
            contact=None,
            values={"A4": Decimal(number)},
            lock_version=0,
        )

    with _holding(lambda: save(gca, 3)):
        state = _without_waiting(lambda: save(elbe, 5))
    assert state.lock_version == 1  # type: ignore[attr-defined]
    structure = structure_for(wave_4i.version)
    assert load_values(elbe, structure)["A4"] == Decimal(5)
    assert load_values(gca, structure)["A4"] == Decimal(3)


@_concurrently
def test_it_saves_a_partnership_while_another_partnerships_submission_is_under_way(wave_4i: Wave) -> None:
    # A submission holds its response's row and the report's tally rows it adds to (which a
    # second submission of the wave does wait for, until the first commits: the tallies'
    # price), and only shares the wave's row (see reports/tallies.py): a save goes on.
    structure = structure_for(wave_4i.version)
    gca, elbe = _response(wave_4i, "GCA"), _response(wave_4i, "ELBE")
    values = fake_values(structure, seed="GCA", acronym="GCA", others=["ELBE", "EC2i"])
    replace_answers(response=gca, structure=structure, nodes=structure.questions(), values=values)
    assert response_problems(gca, structure, load_values(gca, structure)) == {}

    with _holding(lambda: response_submit(response_id=gca.pk, contact=None)):
        _without_waiting(
            lambda: response_save_section(
                response_id=elbe.pk,
                section_code="achievements",
                contact=None,
                values={"A4": Decimal(5)},
                lock_version=0,
            )
        )
    statuses = dict(Response.objects.filter(wave=wave_4i).values_list("partnership__acronym", "status"))
    assert (statuses["GCA"], statuses["ELBE"]) == ("submitted", "draft")


@_concurrently
def test_a_save_that_waited_for_a_colleagues_save_of_the_same_section_is_a_conflict(wave_4i: Wave) -> None:
    # The save's UPDATE waits for the colleague's lock; the SELECT after it reads the section's
    # state as the colleague committed it (a SELECT … FOR UPDATE that waited would read its
    # subqueries from before the wait, and this second save would overwrite the first).
    gca = _response(wave_4i, "GCA")

    def save(number: int) -> object:
        return response_save_section(
            response_id=gca.pk,
            section_code="achievements",
            contact=None,
            values={"A4": Decimal(number)},
            lock_version=0,
        )

    outcome: list[str] = []

    def second() -> None:
        try:
            save(5)
            outcome.append("saved")
        except EditConflict:
            outcome.append("conflict")
        finally:
            connection.close()

    with _holding(lambda: save(3)):
        waiter = threading.Thread(target=second)
        waiter.start()
        waiter.join(timeout=1)
        assert waiter.is_alive()  # waiting for the lock
    waiter.join(timeout=30)
    assert outcome == ["conflict"]
    assert load_values(gca, structure_for(wave_4i.version))["A4"] == Decimal(3)


def test_every_lock_of_the_project_names_the_rows_it_locks() -> None:
    # Without `of=`, a locking query locks the rows of every table it joins as well (the bug
    # above): each `select_for_update(...)` under the apps says `of=("self",)` or the tables.
    root = Path(__file__).resolve().parents[2]
    missing = []
    for app in ("surveys", "reports", "outreach", "exchange", "escp_survey"):
        for path in sorted((root / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "select_for_update"
                    and not any(k.arg == "of" for k in node.keywords)
                ):
                    missing.append(f"{path.relative_to(root)}:{node.lineno}")
    assert missing == []
