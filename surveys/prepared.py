"""A queryset compiled once per process, then run with each request's values.

For instance: every journey request reads the response behind its link with one SELECT
(`journey.views._cached_access`): the response with its wave, version, questionnaire and
partnership joined, the link's fresh checks and the per-response lists as subqueries. Django
compiles a queryset anew on each request: for that one, resolving the joins, the
annotations' subqueries and the select list cost about 4.5 ms of CPU a section GET, half of
it (issue 17, fourth round in docs/journey-speed.md); a section save's SELECT of the
response with its lists (`surveys.services.responses._locked_for_save`) about 0.5 ms more.
The SQL text depends only on the code, never on the request; only its parameters do. So
`PreparedQuery` compiles the queryset once (per database alias), with marker values where
the request's values go, remembers where in the parameters each marker landed, and then runs
the same SQL with the request's values in those places, building the model instances as
Django's own `ModelIterable` does (`Model.from_db`, the select_related populators, the
annotations as attributes).

What is kept is SQL text and the compiler's description of its columns: no row, no value of
any request, so nothing of one partnership can reach another's page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet

# Django's own helper for select_related rows (what ModelIterable uses); not in the stubs.
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

M = TypeVar("M", bound=Model)


class PreparedQuery(Generic[M]):
    """`build(**values)` (a queryset whose SQL depends on nothing but `values`: `names` maps
    each to its type, int or str) compiled once per database alias; `rows(**values)` runs it
    with these values.

    Only querysets whose parameters are the given values and constants may be prepared: the
    compilation checks that every value appears in the parameters (a value used in a way
    that hides it, e.g. in raw SQL text, would fail loudly here, never run with a stale one).
    """

    def __init__(self, build: Callable[..., QuerySet[M]], names: dict[str, type[int] | type[str]]) -> None:
        self.build = build
        self.names = names
        self._compiled: dict[tuple[str, str], tuple[str, list[Any], Any, Any]] = {}

    def _compile(self, alias: str) -> tuple[str, list[Any], Any, Any]:
        # Markers: ids no row has, texts no key has; one per value, told apart by value.
        markers: dict[str, int | str] = {
            name: (-987_654_000 - i if kind is int else f"\x00prepared-{name}\x00")
            for i, (name, kind) in enumerate(self.names.items())
        }
        queryset = self.build(**markers)
        # Rows are built as ModelIterable builds them, without what only a QuerySet's own
        # iteration adds (private attributes, absent from the stubs).
        internals: Any = queryset
        if internals._prefetch_related_lookups or internals._known_related_objects:
            raise ValueError("a prepared query takes no prefetch_related nor known related objects")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        by_marker = {m: name for name, m in markers.items()}
        # Each parameter: the name of the value to put there, or the constant to keep.
        slots = [
            (by_marker[p], None)
            if isinstance(p, int | str) and not isinstance(p, bool) and p in by_marker
            else (None, p)
            for p in params
        ]
        missing = set(self.names) - {name for name, _ in slots if name}
        if missing:
            raise ValueError(f"values not found in the compiled parameters: {sorted(missing)}")
        klass_info, select = compiler.klass_info, compiler.select
        populators = get_related_populators(klass_info, select, alias)
        return sql, slots, compiler, populators

    def rows(self, using: str = "default", **values: int | str) -> list[M]:
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(using)
        sql, slots, compiler, populators = compiled
        params = [values[name] if name else constant for name, constant in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        # As Django's ModelIterable builds them (django.db.models.query), from the same
        # compiler's description of the columns.
        klass_info, select, annotations = compiler.klass_info, compiler.select, compiler.annotation_col_map
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [f[0].target.attname for f in select[start:end]]
        result = []
        for row in compiler.results_iter([fetched]):
            obj = klass_info["model"].from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in (annotations or {}).items():
                setattr(obj, name, row[position])
            result.append(obj)
        return result
