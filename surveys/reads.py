"""Reading ahead: large reads run on other database connections, in threads, while this
thread works on the reads that are done (the report of a wave).

A report of 100,000 responses spent about a third of its time waiting for PostgreSQL; on a
machine with two cores the database can execute queries on one core while Python works on
the other. Reads go to *lanes*: each lane is a thread with a connection of its own and runs
its reads in the order submitted; `Future.result()` waits only for what is not done yet.
It pays where the database's own work is large beside the rows it returns (sorts, joins,
aggregates into arrays); where the time goes into turning many rows into Python objects it
does not, as those hold the interpreter's lock in whichever thread they run (tried on the
export: no faster).

Only on PostgreSQL, and only outside a transaction: inside one (a test, a caller that wrote
something not yet committed) another connection would not see what the transaction wrote,
so every read then runs at once on this connection, in the order submitted. Outside a
transaction every query sees its own snapshot anyway, on one connection or three, so
reading ahead changes nothing about what can be seen. `READ_AHEAD = False` turns it off.

Create lanes after forking a process, never before: a fork copies only the thread that
forks.
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
    return bool(settings.READ_AHEAD) and connection.vendor == "postgresql" and not connection.in_atomic_block


class ReadAhead:
    """`with ReadAhead(lanes=2) as reads: future = reads.submit(selector, *args, lane=1)`."""

    def __init__(self, *, lanes: int = 1, parallel: bool | None = None) -> None:
        self.parallel = can_read_ahead() if parallel is None else parallel
        self._lanes = (
            [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"report-reads-{n}") for n in range(lanes)]
            if self.parallel
            else []
        )

    def submit(self, read: Callable[..., T], /, *args: Any, lane: int = 0, **kwargs: Any) -> Future[T]:
        if self._lanes:
            return self._lanes[lane].submit(read, *args, **kwargs)
        # Run now, on this connection; an error is raised here rather than by result().
        future: Future[T] = Future()
        future.set_result(read(*args, **kwargs))
        return future

    def close(self) -> None:
        # A lane's connection is its own (Django's connections are per thread): closed by the
        # lane, after its reads, so that no connection is left open per report.
        closing = [lane.submit(connections.close_all) for lane in self._lanes]
        for lane, closed in zip(self._lanes, closing, strict=True):
            closed.result()
            lane.shutdown()
        self._lanes = []

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
