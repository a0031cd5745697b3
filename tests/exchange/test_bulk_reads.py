"""What the export adds to `surveys.bulk`: `any_of_ids` with an `IdList` selects what `any_of`
selects, and `iter_tuples` gives the rows of a plain `values_list`, a chunk at a time."""

from __future__ import annotations

import datetime as dt

import pytest

from surveys.bulk import IdList, iter_tuples
from surveys.models import Contact, Partnership


@pytest.fixture
def partnerships(db: None) -> list[Partnership]:
    return [
        Partnership.objects.create(acronym=f"P{i}", name=f"Partnership {i}", programme="escp-4i", group="strand-1")
        for i in range(5)
    ]


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
