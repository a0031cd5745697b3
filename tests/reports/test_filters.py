"""Filters and breakdowns of a report (reports.filters): expected values worked out by hand.

The small wave (ESCP-4i, four partnerships):

| partnership | group | status | A1 | A4 | A6 |
| --- | --- | --- | --- | --- | --- |
| GCA | strand-1 | submitted | events_missions, intelligence | 3 | yes |
| ELBE | strand-1 | submitted | intelligence | 0 | no |
| NOVA | strand-2 | submitted | events_missions | 7 | (none) |
| EC2i | strand-2 | draft | events_missions, sme_mentoring | 5 | yes |
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from reports.filters import NO_ANSWER, Condition, ReportScope, ScopeErrors, scope_from, scoped_report
from reports.report import as_json, cached_report, wave_report
from surveys.definition.structure import structure_for
from surveys.models import Questionnaire, Wave
from surveys.services.waves import wave_open
from surveys.values import Choice, PartnershipValue, Ticked
from tests.factories import PartnershipFactory, days
from tests.reports.conftest import give

S1, S2 = "strand-1", "strand-2"


@pytest.fixture
def small(questionnaires: dict[str, Questionnaire], register_4i: Any) -> Wave:
    PartnershipFactory.create(acronym="NOVA", group=S2)
    version = questionnaires["escp-4i-progress"].latest_version()
    assert version is not None
    wave = wave_open(version=version, slug="escp-4i-small", opens_at=days(-1), closes_at=days(20))
    give(
        wave,
        "GCA",
        {
            "A1": {"events_missions": Ticked(), "intelligence": Ticked()},
            "A4": Decimal(3),
            "A6": Choice("yes"),
            "A7": [{"partnership": PartnershipValue(text="<script>alert(1)</script> Cluster")}],
        },
    )
    give(wave, "ELBE", {"A1": {"intelligence": Ticked()}, "A4": Decimal(0), "A6": Choice("no")})
    give(wave, "NOVA", {"A1": {"events_missions": Ticked()}, "A4": Decimal(7)})
    give(
        wave,
        "EC2i",
        {"A1": {"events_missions": Ticked(), "sme_mentoring": Ticked()}, "A4": Decimal(5), "A6": Choice("yes")},
        status="draft",
    )
    return wave


def _report(wave: Wave, **params: Any) -> dict[str, Any]:
    scope = scope_from(params, structure_for(wave.version))
    return as_json(scoped_report(wave, scope))


def test_a_filter_keeps_the_respondents_who_gave_the_answer(small: Wave) -> None:
    r = _report(small, filter="A1=events_missions")
    assert r["groups"] == [S1, S2]
    # GCA and NOVA completed with events_missions; EC2i's draft has it too: started, not counted.
    assert r["population"]["invited"] == {"total": 3, S1: 1, S2: 2}
    assert r["population"]["completed"] == {"total": 2, S1: 1, S2: 1}
    assert r["population"]["counted"] == {"total": 2, S1: 1, S2: 1}
    a1 = r["questions"]["A1"]
    assert a1["respondents"] == {"total": 2, S1: 1, S2: 1}
    assert a1["options"]["intelligence"] == {"total": 1, S1: 1, S2: 0}
    assert a1["percent"]["intelligence"] == {"total": 50.0, S1: 100.0, S2: 0.0}
    assert a1["options"]["sme_mentoring"]["total"] == 0
    a4 = r["questions"]["A4"]
    assert a4["sum"] == {"total": 10, S1: 3, S2: 7}
    assert a4["by_partnership"] == {"GCA": 3, "NOVA": 7}
    assert r["questions"]["A6"]["options"]["yes"] == {"total": 1, S1: 1, S2: 0}
    assert r["scope"]["filter"] == [{"question": "A1", "option": "events_missions"}]
    assert r["scope"]["breakdown"] == "group"
    assert r["scope"]["include_incomplete"] is False
    assert r["scope"]["counted"] == {"submitted": 2, "draft": 0}
    assert "comparison" not in r
    # Table 1 (A4 per partnership) lists the filtered partnerships only.
    assert [row["partnership"] for row in r["tables"]["table1"]["rows"]] == ["GCA", "NOVA"]


def test_conditions_are_anded(small: Wave) -> None:
    params = {"filter": "A1=events_missions"}
    scope = scope_from(params, structure_for(small.version))
    both = ReportScope(conditions=(*scope.conditions, Condition("A1", "intelligence")))
    r = as_json(scoped_report(small, both))
    assert r["population"]["completed"] == {"total": 1, S1: 1, S2: 0}
    assert r["questions"]["A4"]["by_partnership"] == {"GCA": 3}


def test_a_breakdown_by_a_question_makes_its_answers_the_columns(small: Wave) -> None:
    r = _report(small, by="A6")
    assert r["groups"] == ["yes", "no", NO_ANSWER]
    assert r["scope"]["columns"] == [
        {"key": "yes", "label": "Yes"},
        {"key": "no", "label": "No"},
        {"key": NO_ANSWER, "label": "No answer"},
    ]
    # Every response of the wave: EC2i's draft says yes (population), NOVA gave no answer.
    assert r["population"]["invited"] == {"total": 4, "yes": 2, "no": 1, NO_ANSWER: 1}
    assert r["population"]["completed"] == {"total": 3, "yes": 1, "no": 1, NO_ANSWER: 1}
    a1 = r["questions"]["A1"]
    assert a1["options"]["events_missions"] == {"total": 2, "yes": 1, "no": 0, NO_ANSWER: 1}
    assert a1["options"]["intelligence"] == {"total": 2, "yes": 1, "no": 1, NO_ANSWER: 0}
    assert a1["percent"]["intelligence"] == {"total": 66.7, "yes": 100.0, "no": 100.0, NO_ANSWER: 0.0}
    a4 = r["questions"]["A4"]
    assert a4["sum"] == {"total": 10, "yes": 3, "no": 0, NO_ANSWER: 7}
    assert a4["mean"] == {"total": pytest.approx(3.3333), "yes": 3, "no": 0, NO_ANSWER: 7}
    assert r["questions"]["A6"]["options"]["yes"] == {"total": 1, "yes": 1, "no": 0, NO_ANSWER: 0}
    # Table 1's totals are per column too.
    totals = r["tables"]["table1"]["totals"]
    assert totals[NO_ANSWER]["current"] == 7
    assert totals["yes"]["current"] == 3


def test_incomplete_responses_are_counted_when_asked_and_labelled(small: Wave) -> None:
    r = _report(small, by="A6", include_incomplete="1")
    assert r["scope"]["include_incomplete"] is True
    assert r["scope"]["counted"] == {"submitted": 3, "draft": 1}
    assert "drafts" in r["scope"]["description"]
    assert r["population"]["completed"] == {"total": 3, "yes": 1, "no": 1, NO_ANSWER: 1}
    assert r["population"]["counted"] == {"total": 4, "yes": 2, "no": 1, NO_ANSWER: 1}
    a1 = r["questions"]["A1"]
    assert a1["respondents"] == {"total": 4, "yes": 2, "no": 1, NO_ANSWER: 1}
    assert a1["options"]["events_missions"] == {"total": 3, "yes": 2, "no": 0, NO_ANSWER: 1}
    assert a1["options"]["sme_mentoring"] == {"total": 1, "yes": 1, "no": 0, NO_ANSWER: 0}
    assert a1["percent"]["sme_mentoring"]["yes"] == 50.0
    a4 = r["questions"]["A4"]
    assert a4["sum"] == {"total": 15, "yes": 8, "no": 0, NO_ANSWER: 7}
    assert a4["by_partnership"] == {"EC2i": 5, "ELBE": 0, "GCA": 3, "NOVA": 7}
    assert a4["median"]["yes"] == 4


def test_filter_breakdown_and_drafts_together(small: Wave) -> None:
    r = _report(small, filter="A6=yes", include_incomplete="on")
    assert r["population"]["counted"] == {"total": 2, S1: 1, S2: 1}
    assert r["questions"]["A4"]["sum"] == {"total": 8, S1: 3, S2: 5}
    assert r["questions"]["A1"]["options"]["events_missions"] == {"total": 2, S1: 1, S2: 1}


def test_the_default_scope_is_the_tallied_report(small: Wave) -> None:
    default = cached_report(small, scope=ReportScope())
    assert "scope" not in default
    assert default["questions"] == cached_report(small)["questions"]
    # The scoped path by group of the completed responses agrees with the tallied report.
    scanned = as_json(scoped_report(small, ReportScope()))
    tallied = as_json(wave_report(small))
    assert scanned["questions"] == tallied["questions"]
    assert scanned["population"] | {"counted": None} == tallied["population"] | {"counted": None}
    assert scanned["collaborations"] == tallied["collaborations"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"filter": "Z9=yes"}, "filter", "No question Z9 in this questionnaire."),
        ({"filter": "A6=maybe"}, "filter", "A6 has no option “maybe” (its options: yes, no)."),
        ({"filter": "A4=3"}, "filter", "A4 is not a single-choice, yes/no or multiple-choice question."),
        ({"filter": "A6"}, "filter", "“A6” is not QUESTION=OPTION (e.g. A6=yes)."),
        ({"by": "A1"}, "by", "A1 is not a single-choice or yes/no question: its answers cannot be columns."),
        ({"by": "Q0"}, "by", "No question Q0 in this questionnaire."),
    ],
)
def test_a_bad_parameter_says_what_is_wrong(small: Wave, params: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(ScopeErrors) as caught:
        scope_from(params, structure_for(small.version))
    assert caught.value.errors == {field: [message]}


def test_the_json_takes_the_same_parameters(staff_client: Client, small: Wave) -> None:
    url = reverse("reports:json", args=[small.slug])
    r = staff_client.get(url, {"filter": "A1=events_missions", "by": "A6", "include_incomplete": "1"}).json()
    # GCA (yes), NOVA (no answer), EC2i's draft (yes).
    assert r["population"]["counted"] == {"total": 3, "yes": 2, "no": 0, NO_ANSWER: 1}
    assert r["scope"]["breakdown"] == "A6"
    bad = staff_client.get(url, {"filter": "A6=maybe", "by": "A4"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"filter", "by"}
    assert "scope" not in staff_client.get(url).json()


def test_the_dashboard_has_the_form_and_says_the_scope(staff_client: Client, small: Wave) -> None:
    url = reverse("reports:dashboard", args=[small.slug])
    page = staff_client.get(url, {"filter": "A6=yes", "by": "group", "include_incomplete": "1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'method="get"' in html
    assert "respondents with A6 = Yes" in html
    assert "incomplete responses (drafts) included" in html
    assert "1 draft" in html
    # The free text of GCA's A7 is escaped wherever it shows.
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html
    # The downloads carry the scope.
    assert "report.xlsx?filter=A6%3Dyes&amp;include_incomplete=1" in html
    bad = staff_client.get(url, {"filter": "Z9=yes", "by": "A1"}).content.decode()
    assert "No question Z9 in this questionnaire." in bad
    assert "A1 is not a single-choice or yes/no question" in bad
    assert "not applied" in bad


def test_the_dashboard_by_a_question_labels_its_columns(staff_client: Client, small: Wave) -> None:
    html = staff_client.get(reverse("reports:dashboard", args=[small.slug]), {"by": "A6"}).content.decode()
    assert "Columns: the answers to A6" in html
    assert "no answer: No answer" in html


def test_the_scoped_report_needs_the_dashboard_permission(small: Wave) -> None:
    client = Client()
    client.force_login(get_user_model().objects.create_user("nobody", is_staff=True))
    for name in ("dashboard", "json"):
        response = client.get(reverse(f"reports:{name}", args=[small.slug]), {"filter": "A6=yes"})
        assert response.status_code == 403


def test_the_excel_report_and_the_word_draft_follow_the_scope(staff_client: Client, small: Wave) -> None:
    import io

    import docx
    import openpyxl

    params = {"by": "A6", "include_incomplete": "1"}
    content = staff_client.get(reverse("reports:excel", args=[small.slug]), params).content
    book = openpyxl.load_workbook(io.BytesIO(content))
    summary = book["Summary"]
    assert summary["A1"].value == (
        "ESCP-4i Progress Survey (escp-4i-small): all respondents; by the answer to A6 instead of by group; "
        "incomplete responses (drafts) included beside the completed ones"
    )
    facts = {r[0].value: r[1].value for r in summary.iter_rows(min_row=3, max_row=9)}
    assert facts["Counted"] == "3 completed responses and 1 incomplete ones (drafts)"
    # The A4 sheet: respondents per column, yes (GCA, the draft of EC2i), no (ELBE), no answer (NOVA).
    a4 = book["A4"]
    assert [c.value for c in a4[3]][:5] == ["Respondents", "yes", "no", NO_ANSWER, "total"]
    assert [c.value for c in a4[4]][:5] == [None, 2, 1, 1, 4]
    word = staff_client.get(reverse("reports:docx", args=[small.slug]), params)
    doc = docx.Document(io.BytesIO(word.content))
    assert doc.paragraphs[0].text.startswith("ESCP-4i Progress Survey (escp-4i-small): all respondents; by the answer")
    bad = staff_client.get(reverse("reports:excel", args=[small.slug]), {"by": "A4"})
    assert bad.status_code == 400
    assert "A4 is not a single-choice or yes/no question" in bad.content.decode()


def test_the_eccp_summary_with_the_demo_answers(questionnaires: dict[str, Questionnaire]) -> None:
    """ECCP's bundled questionnaire with the demo's answers: C3 (what they use) among those
    who answered yes to C2, by years of membership (C1), drafts included;
    every count checked against the answer rows, counted here another way."""
    from collections import Counter

    from reports.demo import demo_responses_fill
    from surveys.models import Answer, Response
    from surveys.services.demo import demo_load

    demo_load()
    demo_responses_fill()
    wave = Wave.objects.get(slug="eccp-demo")
    r = _report(wave, filter="C2=yes", by="C1", include_incomplete="1")
    assert r["groups"] == ["lt2", "y2to5", "gt5", NO_ANSWER]
    started = Response.objects.filter(wave=wave, status__in=["submitted", "draft"])
    answer = {
        (a.response_id, a.question.code): a.option.code
        for a in Answer.objects.filter(response__in=started, question__code__in=["C1", "C2"]).select_related(
            "question", "option"
        )
    }
    kept = [resp.pk for resp in started if answer.get((resp.pk, "C2")) == "yes"]
    column = {pk: answer.get((pk, "C1"), NO_ANSWER) for pk in kept}
    per_column = Counter(column.values())
    assert len(kept) >= 3 and len(per_column) >= 2  # enough to be worth checking
    assert r["population"]["counted"] == {"total": len(kept), **{g: per_column.get(g, 0) for g in r["groups"]}}
    statuses = Counter(resp.status for resp in started if resp.pk in column)
    assert r["scope"]["counted"] == {"submitted": statuses["submitted"], "draft": statuses["draft"]}
    ticked = Counter(
        (column[a.response_id], a.option.code)
        for a in Answer.objects.filter(response_id__in=kept, question__code="C3").select_related("option")
    )
    assert sum(ticked.values()) > 0
    c3 = r["questions"]["C3"]
    for option, breakdown in c3["options"].items():
        assert breakdown == {
            "total": sum(n for (_, o), n in ticked.items() if o == option),
            **{g: ticked.get((g, option), 0) for g in r["groups"]},
        }
    # C2 itself: every respondent counted said yes.
    assert r["questions"]["C2"]["options"]["yes"]["total"] == len(kept)
    assert r["questions"]["C2"]["options"]["no"]["total"] == 0


def test_the_scoped_path_agrees_with_the_tallied_report_on_the_demo(questionnaires: dict[str, Questionnaire]) -> None:
    from reports.demo import demo_responses_fill
    from surveys.services.demo import demo_load

    demo_load()
    demo_responses_fill()
    wave = Wave.objects.get(slug="escp-4i-demo")
    scanned = as_json(scoped_report(wave, ReportScope()))
    tallied = as_json(wave_report(wave))
    assert scanned["questions"] == tallied["questions"]
    assert scanned["collaborations"] == tallied["collaborations"]
    assert scanned["tables"]["table2"]["rows"] == [
        {**row, "change": None} for row in tallied["tables"]["table2"]["rows"] if row["change"] != "ended"
    ]
