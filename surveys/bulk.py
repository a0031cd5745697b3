"""Reading many rows fast: what the exports and reports need beyond the plain ORM.

- The `any_of` lookup (`Answer.objects.filter(response_id__any_of=ids)`): on PostgreSQL the
  ids go as one array parameter (`= ANY(%s)`) instead of one placeholder each. psycopg
  splits and quotes a query placeholder by placeholder, in Python: an `__in` of 1,000 ids
  costs it more than the database spends answering. Elsewhere it is a plain `IN (…)`.
- `fetch_tuples(queryset)`: the rows of a `values_list` queryset of plain columns. On
  PostgreSQL the query runs on a server-side-bound cursor with binary results, on the same
  connection (same transaction) as the ORM: psycopg then parses numbers, dates and texts
  from their binary form, about a third faster than the text rows of Django's cursor, and
  nothing is converted per row in Python.
- The `any_of_ids` lookup with an `IdList` (`Answer.objects.filter(response_id__any_of_ids=IdList(ids))`):
  `any_of` for lists of thousands of ids, read many times over. Django walks a list value
  item by item (an item could be an expression) and psycopg dumps a list of ints item by
  item in Python; an `IdList` is one value, passed on PostgreSQL as one array literal in
  text (`= ANY(%s::bigint[])`), which psycopg sends as it is.
- `iter_tuples(queryset, size)`: the rows of such a queryset `size` at a time, through one
  server-side cursor with binary results on PostgreSQL (Django's `iterator()` elsewhere).
- `fetch_columns(queryset)`: such a queryset as columns; on PostgreSQL one row of arrays,
  which psycopg reads in C without a tuple per row. `fetch_sql` runs a query the ORM
  cannot write (the report's figures as arrays) the same way.
- `collector_paused()`: the cyclic garbage collector off while a report or an export builds
  millions of objects that hold no cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import ForeignKey, IntegerField, Lookup, QuerySet
from django.db.models.sql.compiler import SQLCompiler


class AnyOf(Lookup):
    """`field__any_of=[ids]`: the row's value is one of these integers."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return [int(v) for v in self.rhs]

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        ids = self.rhs
        if not ids:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*params, ids]
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*params, *ids]


class IdList:
    """Integer ids for the `any_of_ids` lookup, as one value."""

    __slots__ = ("ids",)

    def __init__(self, ids: Iterable[int]) -> None:
        self.ids = [int(v) for v in ids]

    def array_literal(self) -> str:
        """The ids as PostgreSQL writes an array of them: `{1,2,3}`."""
        return "{" + ",".join(map(str, self.ids)) + "}"


class AnyOfIds(Lookup):
    """`field__any_of_ids=IdList(ids)`: the row's value is one of these integers (as `any_of`)."""

    lookup_name = "any_of_ids"
    prepare_rhs = False

    def get_prep_lookup(self) -> IdList:
        return self.rhs if isinstance(self.rhs, IdList) else IdList(self.rhs)

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        ids: IdList = self.rhs
        if not ids.ids:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*params, ids.array_literal()]
        return f"{lhs} IN ({', '.join(['%s'] * len(ids.ids))})", [*params, *ids.ids]


def register_lookups() -> None:
    IntegerField.register_lookup(AnyOf)
    ForeignKey.register_lookup(AnyOf)
    IntegerField.register_lookup(AnyOfIds)
    ForeignKey.register_lookup(AnyOfIds)


def fetch_tuples(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """All rows of a `values_list()` queryset whose columns are plain fields (no value
    converted in Python after reading: ints, texts, decimals, dates)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return list(queryset)
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return []
    return fetch_sql(queryset.db, sql, params)


def fetch_columns(queryset: QuerySet[Any, Any]) -> list[list[Any]]:
    """The columns of a `values_list()` queryset of plain fields, a list each, aligned (the
    n-th item of every list from the same row), the rows in no particular order.

    On PostgreSQL the database builds each column as one array and psycopg reads it in C: no
    tuple per row to build and take apart again, for reads of a whole register or wave.
    """
    queryset = queryset.order_by()
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return [[] for _ in compiler.select]
    width = len(compiler.select)
    if connections[queryset.db].vendor != "postgresql":
        rows = list(queryset)
        return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
    names = [f"c{n}" for n in range(width)]
    # Every aggregate of a group sees its rows in the same order: the arrays stay aligned.
    arrays = ", ".join(f"COALESCE(array_agg({name}), '{{}}')" for name in names)
    # The ORM's own SQL inside, its values as parameters.
    (row,) = fetch_sql(queryset.db, f"SELECT {arrays} FROM ({sql}) AS t({', '.join(names)})", params)  # noqa: S608
    return list(row)


def _wrapped(connection: Any, raw: Any) -> Any:
    """A cursor of our own wrapped as Django wraps its own (the query logged and counted like
    any other), with the connection's public `make_debug_cursor` / `make_cursor`."""
    connection.validate_thread_sharing()
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def fetch_sql(alias: str, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """All rows of a query on PostgreSQL, read as `fetch_tuples` reads them (binary results,
    arrays as lists), for a query the ORM cannot write."""
    import psycopg  # only on PostgreSQL

    connection = connections[alias]
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    raw.format = psycopg.pq.Format.BINARY
    with _wrapped(connection, raw) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()  # type: ignore[no-any-return]


def iter_tuples(queryset: QuerySet[Any, Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a `values_list()` queryset of plain columns (as `fetch_tuples`), in lists
    of up to `size`, read through one server-side cursor: memory stays flat however many."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        chunk: list[tuple[Any, ...]] = []
        for row in queryset.iterator(chunk_size=size):
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        return
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return
    connection.ensure_connection()
    # As Django declares its own server-side cursors: held past the commit in autocommit
    # mode, where each statement is a transaction of its own.
    raw = connection.connection.cursor(
        f"bulk_iter_tuples_{id(queryset)}", binary=True, withhold=connection.get_autocommit()
    )
    with _wrapped(connection, raw) as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield rows


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a bulk job (a report, an export), back as it
    was after.

    Such a job allocates millions of tuples, dicts and lists that hold no reference cycles,
    yet the collector, triggered every 700 allocations, traverses them again and again as
    they age: that doubled a report's time at 100,000 responses and was half the time of an
    export turning answer rows into cells. Without cycles, reference counting frees
    everything as before, so memory stays flat. (The switch is per process: other threads of
    a web worker go without collections meanwhile too.)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
