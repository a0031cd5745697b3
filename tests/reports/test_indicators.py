"""The indicator maths, on plain values computed by hand."""

from __future__ import annotations

from decimal import Decimal

from reports import indicators as ind

GROUPS = ["strand-1", "strand-2"]


def test_it_sums_a_breakdown_with_every_group_and_the_total() -> None:
    pairs = [("strand-1", 3), ("strand-1", 2), ("strand-2", 1)]
    assert ind.breakdown(pairs, GROUPS) == {"total": 6, "strand-1": 5, "strand-2": 1}


def test_it_gives_zero_to_a_group_nobody_answered_in() -> None:
    assert ind.breakdown([("strand-1", 4)], GROUPS) == {"total": 4, "strand-1": 4, "strand-2": 0}


def test_it_puts_groups_missing_from_the_questionnaire_after_its_own() -> None:
    assert ind.groups_in_order(GROUPS, {"strand-2", "s3", ""}) == ["strand-1", "strand-2", "s3", "ungrouped"]


def test_it_gives_no_percentage_without_a_base() -> None:
    assert ind.percent(0, 0) is None
    assert ind.percent(2, 3) == 66.7
    assert ind.percents({"total": 1, "strand-1": 1, "strand-2": 0}, {"total": 4, "strand-1": 3, "strand-2": 0}) == {
        "total": 25.0,
        "strand-1": 33.3,
        "strand-2": None,
    }


def test_it_takes_the_median_of_odd_and_even_counts() -> None:
    assert ind.median([Decimal(5), Decimal(1), Decimal(3)]) == Decimal(3)
    assert ind.median([Decimal(4), Decimal(1), Decimal(2), Decimal(10)]) == Decimal(3)
    assert ind.median([]) is None


def test_it_summarises_numbers_per_group() -> None:
    values = [("strand-1", Decimal(2)), ("strand-1", Decimal(7)), ("strand-1", Decimal(3)), ("strand-2", Decimal(5))]
    stats = ind.number_stats(values, GROUPS)
    assert stats["sum"] == {"total": Decimal(17), "strand-1": Decimal(12), "strand-2": Decimal(5)}
    assert stats["count"] == {"total": 4, "strand-1": 3, "strand-2": 1}
    assert stats["mean"]["total"] == Decimal("4.25")
    assert stats["mean"]["strand-1"] == Decimal(4)
    assert stats["median"] == {"total": Decimal("4"), "strand-1": Decimal(3), "strand-2": Decimal(5)}
    assert stats["min"]["total"] == Decimal(2)
    assert stats["max"]["total"] == Decimal(7)


def test_it_gives_no_mean_to_an_empty_group() -> None:
    stats = ind.number_stats([("strand-1", Decimal(1))], GROUPS)
    assert stats["mean"]["strand-2"] is None
    assert stats["median"]["strand-2"] is None
    assert stats["sum"]["strand-2"] == Decimal(0)


def test_it_scores_only_scales_whose_levels_are_numbers() -> None:
    assert ind.scale_scores(["1", "2", "3"]) == {"1": Decimal(1), "2": Decimal(2), "3": Decimal(3)}
    assert ind.scale_scores(["weekly", "monthly"]) is None


def test_it_computes_the_mean_and_the_share_in_the_top_two_levels() -> None:
    # 1 poor, 2 good (3), 3 very good (4), 1 excellent (5): mean (1 + 6 + 12 + 5) / 7, top two 4/7.
    distribution = {
        "1": {"total": 1},
        "2": {"total": 0},
        "3": {"total": 2},
        "4": {"total": 3},
        "5": {"total": 1},
    }
    scores = ind.scale_scores(["1", "2", "3", "4", "5"])
    assert scores is not None
    stats = ind.scale_stats(distribution, scores, ["total"])
    assert stats["rated"]["total"] == 7
    assert stats["mean"]["total"] == Decimal(24) / 7
    assert stats["top_two"]["total"] == 57.1
    assert ind.top_levels(scores) == ["5", "4"]


def test_it_ranks_by_total_then_by_code() -> None:
    ranked = ind.ranked({"US": {"total": 1}, "CN": {"total": 3}, "IN": {"total": 1}})
    assert list(ranked) == ["CN", "IN", "US"]


def test_it_marks_pairs_named_by_both_sides_as_reciprocal() -> None:
    pairs = ind.collaboration_pairs(
        [
            ("GCA", "ELBE", "Joint mission"),
            ("ELBE", "GCA", "Mission to Canada"),
            ("ELBE", "GCA", "Mission to Canada"),
            ("ELBE", "Foo Cluster", ""),
            ("EC2i", "EC2i", "itself"),
        ],
        registered={"GCA", "ELBE", "EC2i"},
    )
    assert pairs == [
        {
            "partnerships": ("ELBE", "Foo Cluster"),
            "reported_by": ("ELBE",),
            "purposes": {"ELBE": ()},
            "reciprocal": False,
            "registered": (True, False),
        },
        {
            "partnerships": ("ELBE", "GCA"),
            "reported_by": ("ELBE", "GCA"),
            "purposes": {"GCA": ("Joint mission",), "ELBE": ("Mission to Canada",)},
            "reciprocal": True,
            "registered": (True, True),
        },
    ]


def test_it_pairs_partnerships_whose_names_differ_only_in_case() -> None:
    pairs = ind.collaboration_pairs(
        [("abc", "ABC", ""), ("b", "ABC", "x"), ("ABC", "abc", "")], registered={"abc", "ABC", "b"}
    )
    assert [(p["partnerships"], p["reported_by"], p["reciprocal"]) for p in pairs] == [
        (("ABC", "abc"), ("ABC", "abc"), True),
        (("ABC", "b"), ("b",), False),
    ]


def test_it_sorts_names_case_insensitively_then_as_written() -> None:
    names = ["b", "abc", "ABC", "a-z", "Abc", "Éco", "eco"]
    ind.sort_names(names)
    assert names == ["a-z", "ABC", "Abc", "abc", "b", "eco", "Éco"]


def test_it_puts_the_same_partnerships_side_by_side_in_name_order() -> None:
    assert list(ind.side_by_side({"b": 1, "A": 2}, {"b": 3, "A": 4}).items()) == [
        ("A", {"previous": 2, "current": 4}),
        ("b", {"previous": 1, "current": 3}),
    ]
    in_order = ind.side_by_side(ind.PlainDict(A=2, b=1), ind.PlainDict(A=None, b=3))
    assert isinstance(in_order, ind.PlainDict)
    assert in_order == {"A": {"previous": 2, "current": None}, "b": {"previous": 1, "current": 3}}


def test_it_puts_per_partnership_figures_side_by_side() -> None:
    assert ind.side_by_side({"GCA": 2, "EC2i": 1}, {"GCA": 3, "ELBE": 0}) == {
        "EC2i": {"previous": 1, "current": None},
        "ELBE": {"previous": None, "current": 0},
        "GCA": {"previous": 2, "current": 3},
    }


def test_it_turns_decimals_into_json_numbers() -> None:
    assert ind.plain({"a": [Decimal("3.0"), Decimal("1.23456")], "b": None}) == {"a": [3, 1.2346], "b": None}
