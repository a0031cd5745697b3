"""Reading ahead: the large reads of a report run on a second database connection, in a
thread, while this thread builds indicators from the reads that are done.

A report of 100,000 responses spends about a third of its time waiting for PostgreSQL (the
per-partnership figures of both waves, the partnerships named, the responses and the
register) and the rest in Python. On a machine with two cores the database can execute the
next query on one core while Python works on the other: reads submitted here run in order
on the second connection, and `Future.result()` waits only for what is not done yet.

Only on PostgreSQL, and only outside a transaction: inside one (a test, a caller that wrote
something not yet committed) a second connection would not see what the transaction wrote,
so every read then runs at once on this connection, in the order submitted. Outside a
transaction every query sees its own snapshot anyway, on one connection or two, so reading
ahead changes nothing about what a report can see. `REPORT_READ_AHEAD = False` turns it off.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

T = TypeVar("T")


def can_read_ahead(alias: str = DEFAULT_DB_ALIAS) -> bool:
    connection = connections[alias]
    return settings.REPORT_READ_AHEAD and connection.vendor == "postgresql" and not connection.in_atomic_block


class ReadAhead:
    """`with ReadAhead() as reads: future = reads.submit(selector, *args)`."""

    def __init__(self, *, parallel: bool | None = None) -> None:
        self.parallel = can_read_ahead() if parallel is None else parallel
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-reads") if self.parallel else None

    def submit(self, read: Callable[..., T], /, *args: Any) -> Future[T]:
        if self._pool is not None:
            return self._pool.submit(read, *args)
        # Run now, on this connection; an error is raised here rather than by result().
        future: Future[T] = Future()
        future.set_result(read(*args))
        return future

    def close(self) -> None:
        if self._pool is None:
            return
        # The thread's connection is its own (Django's connections are per thread): closed
        # there, after the reads, so that no connection is left open per report.
        self._pool.submit(connections.close_all).result()
        self._pool.shutdown()
        self._pool = None

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
