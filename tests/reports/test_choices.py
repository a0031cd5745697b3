"""Figures as the report prints them: the choices set per figure and remembered for the wave."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from reports.charts import FigureSpec, _bar_label
from reports.choices import Choices, apply_choices, population_plural
from reports.models import FigureChoice
from surveys.models import Wave
from tests.reports.conftest import answers_4i


def _spec() -> FigureSpec:
    return FigureSpec(
        id="Q",
        title="Q. Which?",
        kind="bars",
        data={
            "labels": ["A", "B", "C"],
            "series": [
                {"name": "strand-1", "key": "strand-1", "values": [10.0, 50.0, 50.0], "counts": [1, 5, 5]},
                {"name": "strand-2", "key": "strand-2", "values": [40.0, 20.0, 0.0], "counts": [2, 1, 0]},
            ],
            "unit": "%",
            "xlabel": "% of respondents",
            "choosable": True,
            "sort_values": {
                "strand-1": [10.0, 50.0, 50.0],
                "strand-2": [40.0, 20.0, 0.0],
                "total": [20.0, 40.0, 30.0],
            },
        },
        table_headers=["Option", "strand-1", "strand-2", "Total"],
        table_rows=[["A"], ["B"], ["C"]],
    )


def test_it_orders_by_frequency_in_the_total() -> None:
    spec = _spec()
    out = apply_choices(spec, Choices(order="frequency"))
    # Total: B 40, C 30, A 20.
    assert out.data["labels"] == ["B", "C", "A"]
    assert out.data["series"][0]["values"] == [50.0, 50.0, 10.0]
    assert out.data["series"][1]["counts"] == [1, 0, 2]
    # With each option's rank in the table.
    assert out.table_headers[:2] == ["Option", "Rank"]
    assert out.table_rows == [["B", 1], ["C", 2], ["A", 3]]
    assert spec.data["labels"] == ["A", "B", "C"]  # the spec given is unchanged


def test_it_orders_by_frequency_in_one_group_keeping_ties_in_questionnaire_order() -> None:
    # strand-1: B 50 and C 50 tie (B asked first, both ranked first), then A 10, third.
    out = apply_choices(_spec(), Choices(order="frequency", order_by="strand-1"))
    assert out.data["labels"] == ["B", "C", "A"]
    assert [row[1] for row in out.table_rows] == [1, 1, 3]
    assert apply_choices(_spec(), Choices(order="frequency", order_by="strand-2")).data["labels"] == ["A", "B", "C"]


def test_it_keeps_the_questionnaire_order_and_shows_the_chosen_groups() -> None:
    out = apply_choices(_spec(), Choices(groups=["strand-2"], labels="both"))
    assert out.data["labels"] == ["A", "B", "C"]
    assert [s["name"] for s in out.data["series"]] == ["strand-2"]
    assert out.data["show"] == "both"


def test_it_labels_bars_with_counts_percentages_or_both() -> None:
    assert _bar_label(62.5, 5, unit="%", show="percent") == "63%"
    assert _bar_label(62.5, 5, unit="%", show="counts") == "5"
    assert _bar_label(62.5, 5, unit="%", show="both") == "5 (63%)"
    assert _bar_label(3.0, None, unit="", show="both") == "3"


def test_it_names_the_unit_after_the_population() -> None:
    out = apply_choices(_spec(), Choices(), unit="cluster organisations")
    assert out.data["xlabel"] == "% of responding cluster organisations"
    assert population_plural(
        {"population": {"singular": "cluster organisation", "plural": "cluster organisations"}}
    ) == ("cluster organisations")
    assert population_plural({}) is None
    assert population_plural({"population": 3}) is None


@pytest.fixture
def answered(wave_4i: Wave) -> Wave:
    answers_4i(wave_4i)
    return wave_4i


def _a1_rows(page: str) -> list[str]:
    figure = page.split('id="figure-a1"')[1].split("</figure>")[0]
    return re.findall(r'<tr><th scope="row">([^<]+)</th>', re.sub(r">\s+<", "><", figure))


def test_it_remembers_the_choices_of_a_figure_for_the_wave(staff_client: Client, answered: Wave) -> None:
    url = reverse("reports:figure_choice", args=[answered.slug, "A1"])
    response = staff_client.post(url, {"order": "frequency", "order_by": "total", "labels": "both", "groups": []})
    assert response.status_code == 302
    assert response["Location"].endswith("#figure-a1")
    choice = FigureChoice.objects.get(wave=answered, figure="A1")
    assert (choice.order, choice.order_by, choice.labels, choice.groups) == ("frequency", "total", "both", [])
    page = staff_client.get(reverse("reports:dashboard", args=[answered.slug])).content.decode()
    # A1: events_missions ticked by GCA and ELBE (2), intelligence by GCA (1), the rest by none.
    rows = _a1_rows(page)
    assert rows[:2] == ["Organisation of events/ missions", "Intelligence gathering"]
    # The Excel report's A1 sheet lists the options in the same order.
    book = openpyxl.load_workbook(io.BytesIO(staff_client.get(reverse("reports:excel", args=[answered.slug])).content))
    column = [c.value for c in book["A1"]["A"]]
    start = column.index("Organisation of events/ missions")
    assert column[start + 1] == "Intelligence gathering"


def test_it_keeps_nothing_from_an_invalid_choice(staff_client: Client, answered: Wave) -> None:
    url = reverse("reports:figure_choice", args=[answered.slug, "A1"])
    response = staff_client.post(url, {"order": "random", "order_by": "strand-9", "labels": "both"}, follow=True)
    assert not FigureChoice.objects.exists()
    assert "Figure A1: the choices were not saved" in response.content.decode()


def test_it_answers_404_for_an_unknown_figure(staff_client: Client, answered: Wave) -> None:
    url = reverse("reports:figure_choice", args=[answered.slug, "Z9"])
    assert staff_client.post(url, {"order": "frequency", "order_by": "total", "labels": "both"}).status_code == 404


def test_it_refuses_a_get_and_staff_without_the_permission(answered: Wave, staff_client: Client) -> None:
    url = reverse("reports:figure_choice", args=[answered.slug, "A1"])
    assert staff_client.get(url).status_code == 405
    clerk = get_user_model().objects.create_user(username="clerk", password="x", is_staff=True)
    client = Client()
    client.force_login(clerk)
    assert client.post(url, {"order": "frequency", "order_by": "total", "labels": "both"}).status_code == 403
    assert not FigureChoice.objects.exists()


def _drawn(spec: FigureSpec) -> tuple[object, object]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from reports.charts import draw

    fig = draw(spec)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return fig, canvas.get_renderer()


@pytest.mark.parametrize(
    "spec",
    [
        FigureSpec(
            id="Y",
            title="Y. " + "A question text long enough to run past the right edge of the chart " * 3,
            kind="bars",
            data={
                "labels": ["Yes", "No"],
                "series": [{"name": "strand-1", "values": [88.0, 13.0]}, {"name": "strand-2", "values": [100.0, 0.0]}],
                "unit": "%",
                "xlabel": "% of respondents",
            },
        ),
        FigureSpec(
            id="S",
            title="S. Scale",
            kind="stacked",
            data={"labels": ["Only row"], "levels": ["Poor", "Good", "Excellent"], "counts": [[1, 2, 3]]},
        ),
    ],
)
def test_legends_and_titles_never_overlap_the_chart_nor_leave_the_figure(spec: FigureSpec) -> None:
    fig, renderer = _drawn(spec)
    ax = fig.axes[0]  # type: ignore[attr-defined]
    chart = ax.get_tightbbox(renderer)  # the axes with their tick labels and axis title
    legend = fig.legends[0].get_window_extent(renderer)  # type: ignore[attr-defined]
    assert legend.y1 <= chart.y0  # under the axis title, not over it
    width = fig.bbox.width  # type: ignore[attr-defined]
    title = fig._suptitle.get_window_extent(renderer)  # type: ignore[attr-defined]
    assert title.x0 >= 0 and title.x1 <= width
    assert title.y0 >= chart.y1 - 1


# Charts of counts: countries, partnerships named, years, numbers per partnership ------------


def test_a_countries_chart_is_ordered_in_one_group_and_shows_the_chosen_groups() -> None:
    from reports.figures import _countries_figures

    breakdowns = {
        "CN": {"total": 3, "s1": 1, "s2": 2},
        "US": {"total": 2, "s1": 2, "s2": 0},
        "BR": {"total": 1, "s1": 0, "s2": 1},
    }
    bars, _ = _countries_figures("A2", "A2. Countries", breakdowns, ["s1", "s2"], "partnerships")
    assert bars.data["choosable"] == "counts"
    out = apply_choices(bars, Choices(order="frequency", order_by="s1", groups=["s2"]))
    # strand s1: US 2, CN 1, BR 0.
    assert out.data["labels"] == ["United States of America", "China", "Brazil"]
    assert out.data["series"] == [{"name": "s2", "key": "s2", "values": [0, 2, 1]}]
    assert [row[:2] for row in out.table_rows] == [
        ["United States of America (US)", 1],
        ["China (CN)", 2],
        ["Brazil (BR)", 3],
    ]
    # As listed (most named in the total first), every group.
    kept = apply_choices(bars, Choices())
    assert kept.data["labels"] == ["China", "United States of America", "Brazil"]
    assert [s["name"] for s in kept.data["series"]] == ["s1", "s2"]


def test_a_years_chart_keeps_the_years_in_order_unless_asked() -> None:
    from reports.figures import _years_figure

    years = {"2018": {"total": 1, "s1": 1}, "2019": {"total": 4, "s1": 4}, "2020": {"total": 2, "s1": 2}}
    spec = _years_figure("A5.signed_on", "A5: dates", years, ["s1"], "rows")
    assert spec.data["labels"] == ["2018", "2019", "2020"]
    out = apply_choices(spec, Choices(order="frequency"))
    assert out.data["labels"] == ["2019", "2020", "2018"]
    assert out.table_rows == [["2019", 1, "4"], ["2020", 2, "2"], ["2018", 3, "1"]]


def test_the_bars_of_a_number_per_partnership_go_largest_first_and_the_statistics_stay() -> None:
    from reports.figures import _number_figure

    stats = {name: {"total": 1, "s1": 1} for name in ("count", "sum", "mean", "median", "min", "max")}
    figures = {"A": 1, "B": 9, "C": 4, "D": 0, "E": 7, "F": 2}  # six partnerships, six statistics
    spec = _number_figure("A4", "A4. Agreements", {**stats, "by_partnership": figures}, ["s1"], None)
    out = apply_choices(spec, Choices(order="frequency"))
    assert out.data["labels"] == ["B", "E", "C", "F", "A", "D"]
    assert out.data["series"][0]["values"] == [9, 7, 4, 2, 1, 0]
    assert [row[0] for row in out.table_rows] == ["Count", "Sum", "Mean", "Median", "Min", "Max"]
    assert out.table_headers == spec.table_headers


def test_the_choices_of_a_countries_chart_are_saved_and_drawn(staff_client: Client, answered: Wave) -> None:
    page = staff_client.get(reverse("reports:dashboard", args=[answered.slug])).content.decode()
    countries = page.split('id="figure-a2"')[1].split("</figure>")[0]
    assert "Print this figure as…" in countries
    assert 'name="labels" value="percent"' in countries  # counts whatever the labels: not asked
    url = reverse("reports:figure_choice", args=[answered.slug, "A2"])
    response = staff_client.post(url, {"order": "frequency", "order_by": "strand-1", "labels": "percent"})
    assert response.status_code == 302
    assert FigureChoice.objects.get(wave=answered, figure="A2").order_by == "strand-1"
    svg = staff_client.get(reverse("reports:figure", args=[answered.slug, "A2", "svg"]))
    assert svg.status_code == 200


def test_an_option_chart_of_one_group_is_ordered_by_its_total() -> None:
    from reports.figures import _choice_figure

    q = {
        "options": {"a": {"total": 1, "eccp": 1}, "b": {"total": 3, "eccp": 3}},
        "percent": {"a": {"total": 25.0, "eccp": 25.0}, "b": {"total": 75.0, "eccp": 75.0}},
    }
    spec = _choice_figure("C1", "C1. Which?", [("a", "A"), ("b", "B")], q, ["eccp"], "% of respondents", None)
    assert apply_choices(spec, Choices(order="frequency")).data["labels"] == ["B", "A"]
