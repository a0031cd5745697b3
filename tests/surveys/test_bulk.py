"""`any_of`, `any_of_ids`, `fetch_tuples`, `iter_tuples` and `fetch_columns`: the same rows as
`__in` and a plain `values_list`, in one counted query (on PostgreSQL: one array parameter,
binary results)."""

from __future__ import annotations

import datetime as dt

import pytest

from surveys.bulk import IdList, fetch_columns, fetch_tuples, iter_tuples
from surveys.models import Contact, Partnership


@pytest.fixture
def partnerships(db: None) -> list[Partnership]:
    return [
        Partnership.objects.create(acronym=f"P{i}", name=f"Partnership {i}", programme="escp-4i", group="strand-1")
        for i in range(5)
    ]


def test_any_of_selects_the_rows_whose_value_is_listed(partnerships: list[Partnership]) -> None:
    wanted = [partnerships[1].pk, partnerships[3].pk, 10**9]
    rows = Partnership.objects.filter(pk__any_of=wanted).order_by("acronym").values_list("acronym", flat=True)
    assert list(rows) == ["P1", "P3"]


def test_any_of_an_empty_list_selects_nothing_without_a_query(
    partnerships: list[Partnership], django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert list(Partnership.objects.filter(pk__any_of=[])) == []


def test_any_of_on_a_foreign_key(partnerships: list[Partnership]) -> None:
    Contact.objects.create(partnership=partnerships[2], name="Ann", email="ann@example.org")
    Contact.objects.create(partnership=partnerships[4], name="Bob", email="bob@example.org")
    names = Contact.objects.filter(partnership_id__any_of=[partnerships[2].pk]).values_list("name", flat=True)
    assert list(names) == ["Ann"]


def test_fetch_tuples_gives_the_rows_of_values_list_in_one_counted_query(
    partnerships: list[Partnership], django_assert_num_queries: object
) -> None:
    Partnership.objects.filter(acronym="P0").update(created_at=dt.datetime(2019, 5, 1, tzinfo=dt.UTC))
    query = Partnership.objects.filter(pk__any_of=[p.pk for p in partnerships[:2]]).order_by("acronym")
    with django_assert_num_queries(1):  # type: ignore[operator]
        rows = fetch_tuples(query.values_list("id", "acronym", "created_at"))
    assert rows == list(query.values_list("id", "acronym", "created_at"))
    assert rows[0][2] == dt.datetime(2019, 5, 1, tzinfo=dt.UTC)
    assert [type(v) for v in rows[0]] == [int, str, dt.datetime]


def test_fetch_tuples_of_nothing(partnerships: list[Partnership]) -> None:
    assert fetch_tuples(Partnership.objects.filter(pk__any_of=[]).values_list("id")) == []
    assert fetch_tuples(Partnership.objects.filter(acronym="none").values_list("id")) == []


def test_fetch_columns_gives_the_columns_of_values_list_aligned_in_one_counted_query(
    partnerships: list[Partnership], django_assert_num_queries: object
) -> None:
    Partnership.objects.filter(acronym="P3").update(group="strand-2")
    query = Partnership.objects.filter(acronym__in=["P1", "P3", "P4"]).values_list("id", "acronym", "group")
    with django_assert_num_queries(1):  # type: ignore[operator]
        ids, acronyms, groups = fetch_columns(query)
    by_id = {p.pk: p.acronym for p in partnerships}
    assert sorted(zip(acronyms, groups, strict=True)) == [("P1", "strand-1"), ("P3", "strand-2"), ("P4", "strand-1")]
    assert [by_id[i] for i in ids] == acronyms


def test_fetch_columns_of_no_rows_gives_empty_columns(partnerships: list[Partnership]) -> None:
    assert fetch_columns(Partnership.objects.filter(acronym="none").values_list("id", "acronym")) == [[], []]
    assert fetch_columns(Partnership.objects.filter(pk__any_of=[]).values_list("id", "acronym")) == [[], []]


def test_any_of_ids_selects_the_rows_whose_value_is_listed(partnerships: list[Partnership]) -> None:
    wanted = IdList([partnerships[1].pk, partnerships[3].pk, 10**9])
    rows = Partnership.objects.filter(pk__any_of_ids=wanted).order_by("acronym").values_list("acronym", flat=True)
    assert list(rows) == ["P1", "P3"]
    # A plain list is taken too.
    assert Partnership.objects.filter(pk__any_of_ids=[partnerships[0].pk]).get() == partnerships[0]


def test_any_of_ids_of_none_selects_nothing_without_a_query(
    partnerships: list[Partnership], django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert list(Partnership.objects.filter(pk__any_of_ids=IdList([]))) == []


def test_any_of_ids_on_a_foreign_key(partnerships: list[Partnership]) -> None:
    Contact.objects.create(partnership=partnerships[2], name="Ann", email="ann@example.org")
    Contact.objects.create(partnership=partnerships[4], name="Bob", email="bob@example.org")
    names = Contact.objects.filter(partnership_id__any_of_ids=IdList([partnerships[2].pk])).values_list(
        "name", flat=True
    )
    assert list(names) == ["Ann"]


def test_an_id_list_is_an_array_literal() -> None:
    assert IdList(n for n in (3, 1, 2)).array_literal() == "{3,1,2}"


@pytest.mark.parametrize("size", [1, 2, 5, 10])
def test_iter_tuples_gives_the_rows_of_values_list_in_chunks(partnerships: list[Partnership], size: int) -> None:
    Partnership.objects.filter(acronym="P0").update(created_at=dt.datetime(2019, 5, 1, tzinfo=dt.UTC))
    query = Partnership.objects.order_by("acronym").values_list("id", "acronym", "created_at")
    chunks = list(iter_tuples(query, size))
    assert [len(c) for c in chunks] == [min(size, 5 - n) for n in range(0, 5, size)]
    rows = [row for chunk in chunks for row in chunk]
    assert rows == [tuple(r) for r in query]
    assert rows[0][2] == dt.datetime(2019, 5, 1, tzinfo=dt.UTC)


def test_iter_tuples_of_nothing(partnerships: list[Partnership]) -> None:
    assert list(iter_tuples(Partnership.objects.filter(acronym="none").values_list("id"), 10)) == []
    assert list(iter_tuples(Partnership.objects.filter(pk__any_of_ids=IdList([])).values_list("id"), 10)) == []
