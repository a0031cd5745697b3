"""Reading ahead on other connections (surveys.reads): only where it cannot change what can
be seen (PostgreSQL, outside a transaction), each lane on a connection of its own, closed
after."""

from __future__ import annotations

import pytest
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import override_settings

from surveys.reads import ReadAhead

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="reads ahead on PostgreSQL only")


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def _own_connection() -> BaseDatabaseWrapper:
    return connections["default"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_reads_on_a_connection_per_lane_outside_a_transaction_and_closes_them() -> None:
    with ReadAhead(lanes=2) as reads:
        assert reads.parallel
        pids = {_backend_pid(), reads.submit(_backend_pid).result(), reads.submit(_backend_pid, lane=1).result()}
        assert len(pids) == 3
        lanes = [reads.submit(_own_connection, lane=n).result() for n in (0, 1)]
        assert all(lane.connection is not None and lane is not connections["default"] for lane in lanes)
    assert [lane.connection for lane in lanes] == [None, None]


@pytest.mark.django_db(transaction=True)
def test_it_reads_on_this_connection_inside_a_transaction() -> None:
    with transaction.atomic(), ReadAhead() as reads:
        assert not reads.parallel
        assert reads.submit(_own_connection).result() is connections["default"]


@pytest.mark.django_db
def test_it_reads_on_this_connection_on_sqlite_or_when_turned_off() -> None:
    with override_settings(READ_AHEAD=False), ReadAhead() as reads:
        assert not reads.parallel
    with ReadAhead() as reads:
        assert not reads.parallel  # a test runs in a transaction (and maybe on SQLite)
