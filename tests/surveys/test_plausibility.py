"""Plausibility checks: the pure rules with hand-worked values, the definition's keys, and the
warnings on the review page, the staff list and the response admin (Annex A, A4 and A5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from surveys.definition.loader import DefinitionError, normalise, read_file
from surveys.models import PlausibilityNote, RepeatRow, Response, Wave
from surveys.plausibility import Rules, plausibility_rules, plausibility_warnings
from surveys.services.plausibility import plausibility_notes_save, response_warnings
from surveys.services.responses import response_save_section
from surveys.services.waves import wave_open
from surveys.values import Choice, PartnershipValue
from tests.conftest import Persona
from tests.factories import StaffFactory, days
from tests.surveys.test_loader import BUNDLED

BUNDLED_4I = BUNDLED / "escp-4i-progress.yaml"

# --- the pure rules -------------------------------------------------------------------------

RULES: Rules = {
    "A4": {"cumulative": True, "at_most_times_previous": "5", "count_of": "A5"},
    "A5": {"carried_rows": "organisation"},
}


def rows(*names: str) -> list[dict]:
    return [{"organisation": n} for n in names]


def keys(values: dict, previous: dict | None) -> list[str]:
    return [w.key for w in plausibility_warnings(rules=RULES, values=values, previous=previous)]


def test_a_cumulative_count_that_falls_is_flagged_as_in_2019():
    # The 2019 report: a cumulative count of agreements from 2 (first survey) to 1 (second).
    warnings = plausibility_warnings(
        rules=RULES, values={"A4": Decimal(1), "A5": rows("Osaka")}, previous={"A4": Decimal(2), "A5": rows("Osaka")}
    )
    assert [(w.key, w.message) for w in warnings] == [
        ("A4.cumulative", "A4 counts everything so far, but 1 is less than last time's 2.")
    ]


def test_an_equal_or_higher_cumulative_count_is_not_flagged():
    assert keys({"A4": Decimal(2), "A5": rows("a", "b")}, {"A4": Decimal(2), "A5": rows("a", "b")}) == []
    assert keys({"A4": Decimal(3), "A5": rows("a", "b", "c")}, {"A4": Decimal(2), "A5": rows("a", "b")}) == []


def test_more_than_n_times_last_years_number_is_flagged_and_n_times_is_not():
    ten = rows(*"abcdefghij")
    # 5 × 2 = 10: allowed; 11 > 10: flagged.
    assert keys({"A4": Decimal(10), "A5": ten}, {"A4": Decimal(2), "A5": rows("a", "b")}) == []
    assert keys({"A4": Decimal(11), "A5": [*ten, {"organisation": "k"}]}, {"A4": Decimal(2), "A5": rows("a", "b")}) == [
        "A4.at_most_times_previous"
    ]
    # Last year's 0 gives no ratio: nothing to compare.
    assert keys({"A4": Decimal(3), "A5": rows("a", "b", "c")}, {"A4": Decimal(0)}) == []


def test_a_number_that_disagrees_with_the_rows_listed_is_flagged_without_a_previous_wave():
    warnings = plausibility_warnings(rules=RULES, values={"A4": Decimal(3), "A5": rows("a", "b")}, previous=None)
    assert [(w.key, w.message) for w in warnings] == [("A4.count_of", "A4 is 3, but A5 lists 2 rows.")]


def test_a_row_of_last_year_missing_now_is_flagged_once_whatever_its_case_and_spacing():
    warnings = plausibility_warnings(
        rules=RULES,
        values={"A4": Decimal(2), "A5": rows("osaka  CLUSTER", "Tsinghua")},
        previous={"A4": Decimal(2), "A5": rows("Osaka cluster", "Lyon Biopôle", "lyon biopôle")},
    )
    assert [(w.key, w.message) for w in warnings] == [
        ("A5.carried_rows.lyon biopôle", "Last time A5 listed “Lyon Biopôle”, which is not listed now.")
    ]


def test_partnership_fields_are_compared_by_acronym():
    rules = {"A7": {"carried_rows": "partnership"}}
    warnings = plausibility_warnings(
        rules=rules,
        values={"A7": [{"partnership": PartnershipValue("ELBE")}]},
        previous={"A7": [{"partnership": PartnershipValue("ELBE")}, {"partnership": PartnershipValue("GCA")}]},
    )
    assert [w.key for w in warnings] == ["A7.carried_rows.gca"]


def test_questions_not_answered_now_or_then_are_not_compared():
    assert keys({}, {"A4": Decimal(2), "A5": []}) == []
    assert keys({"A4": Decimal(0), "A5": []}, {}) == []


def test_the_previous_question_is_found_through_the_mapping_hook():
    # A renamed question (i15a's same_as): A4 was called A4old in the previous version.
    warnings = plausibility_warnings(
        rules={"A4": {"cumulative": True}},
        values={"A4": Decimal(1)},
        previous={"A4old": Decimal(2)},
        previous_code=lambda code: {"A4": "A4old"}.get(code, code),
    )
    assert [w.key for w in warnings] == ["A4.cumulative"]


# --- the definition -------------------------------------------------------------------------


def minimal(questions: list[dict]) -> dict:
    return {
        "code": "demo",
        "title": "Demo",
        "version": 1,
        "groups": ["g"],
        "sections": [{"code": "s", "title": "S", "questions": questions}],
    }


NUMBER = {"code": "N", "type": "number", "text": "How many?"}
TABLE = {"code": "T", "type": "repeat", "text": "Which?", "fields": [{"code": "name", "type": "text", "label": "Name"}]}


def test_annex_a_declares_a4_cumulative_and_a5s_agreements_carried():
    rules = plausibility_rules(read_file(BUNDLED_4I))
    assert rules == {"A4": {"cumulative": True, "at_most_times_previous": "5"}, "A5": {"carried_rows": "organisation"}}


def test_the_loader_keeps_valid_rules():
    definition = normalise(
        minimal(
            [
                NUMBER | {"plausibility": {"count_of": "T", "cumulative": True}},
                TABLE | {"plausibility": {"carried_rows": "name"}},
            ]
        )
    )
    assert plausibility_rules(definition) == {"N": {"cumulative": True, "count_of": "T"}, "T": {"carried_rows": "name"}}


@pytest.mark.parametrize(
    ("questions", "problem"),
    [
        (
            [NUMBER | {"plausibility": {"rising": True}}],
            "sections[0].questions[0].plausibility.rising: is not a known attribute",
        ),
        (
            [NUMBER | {"plausibility": {"at_most_times_previous": 1}}],
            "plausibility.at_most_times_previous: must be above 1",
        ),
        ([NUMBER | {"plausibility": {"count_of": "N"}}], "plausibility.count_of: 'N' is not a repeat question"),
        (
            [TABLE | {"plausibility": {"carried_rows": "title"}}],
            "plausibility.carried_rows: 'title' is not a field of this table",
        ),
        (
            [{"code": "X", "type": "text", "text": "?", "plausibility": {"cumulative": True}}],
            "questions[0].plausibility: is not a known attribute",
        ),
        ([NUMBER | {"plausibility": "cumulative"}], "plausibility: must be a mapping of"),
    ],
)
def test_the_loader_refuses_bad_rules_with_their_path(questions, problem):
    with pytest.raises(DefinitionError) as refused:
        normalise(minimal(questions))
    assert any(problem in p for p in refused.value.problems), refused.value.problems


# --- the journey and the staff pages ----------------------------------------------------------

OSAKA = {"counterpart_type": Choice("cluster"), "organisation": "Osaka cluster", "country": ["JP"]}
TSINGHUA = {"counterpart_type": Choice("university"), "organisation": "Tsinghua University", "country": ["CN"]}


@pytest.fixture
def last_year(wave_4i: Wave) -> Wave:
    """The first monitoring exercise, a year before: GCA reported 2 agreements (Osaka, Tsinghua)."""
    before = wave_open(
        version=wave_4i.version, slug="escp-4i-2018", opens_at=days(-400), closes_at=days(-380), title="2018"
    )
    response = Response.objects.get(wave=before, partnership__acronym="GCA")
    response_save_section(
        response_id=response.pk,
        section_code="achievements",
        contact=None,
        values={"A4": Decimal(2), "A5": [OSAKA, TSINGHUA], "A6": Choice("no")},
        lock_version=0,
        now=days(-390),
    )
    # Only the achievements matter here; the other sections are not filled in.
    Response.objects.filter(pk=response.pk).update(status=Response.Status.SUBMITTED, submitted_at=days(-385))
    wave_4i.previous = before
    wave_4i.save(update_fields=["previous"])
    return before


ONE_AGREEMENT = {
    "A4": "1",
    "A5.rows": "1",
    "A5.0.counterpart_type": "university",
    "A5.0.organisation": "Tsinghua University",
    "A5.0.country": "CN",
    "A6": "no",
}


def save_achievements(client: Client, persona: Persona, data: dict) -> None:
    page = client.post(persona.url("section", "achievements"), {**data, "action": "save", "lock_version": 0})
    assert page.status_code == 302, page.content.decode()[:2000]


def test_the_review_page_asks_for_a_comment_and_submission_stays_allowed(client, coordinator, last_year):
    from tests.journey.test_journey_annex_a import ACTIVITIES, BARRIERS, RESPONDENT, post

    post(client, coordinator, "respondent", RESPONDENT)
    post(client, coordinator, "activities", ACTIVITIES)
    post(client, coordinator, "barriers", BARRIERS)
    save_achievements(client, coordinator, ONE_AGREEMENT)
    post(client, coordinator, "benefits", {})
    post(client, coordinator, "practices", {"A10": "A fair"})

    review = client.get(coordinator.url("review")).content.decode()
    assert "Please check these answers" in review
    assert "A4 counts everything so far, but 1 is less than last time&#x27;s 2." in review
    assert "Last time A5 listed “Osaka cluster”, which is not listed now." in review
    assert 'name="note:A4.cumulative"' in review
    assert "Submit the answers of GCA" in review

    saved = client.post(
        coordinator.url("plausibility_notes"),
        {
            "note:A4.cumulative": "  The Osaka agreement ended in 2018.  ",
            "note:A5.carried_rows.osaka cluster": "",
            "note:X.gone": "x",
        },
    )
    assert saved["Location"] == coordinator.url("review") + "#review-warnings"
    response = Response.objects.get(wave=coordinator.invitation.wave, partnership__acronym="GCA")
    assert list(PlausibilityNote.objects.filter(response=response).values_list("key", "comment", "contact")) == [
        ("A4.cumulative", "The Osaka agreement ended in 2018.", coordinator.contact.pk)
    ]
    again = client.get(coordinator.url("review")).content.decode()
    assert "The Osaka agreement ended in 2018.</textarea>" in again

    # One warning commented, one not: the submission goes through all the same.
    assert client.post(coordinator.url("submit"))["Location"] == coordinator.url("done")
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED


def test_no_previous_wave_no_warning_on_a_consistent_response(client, coordinator):
    save_achievements(client, coordinator, ONE_AGREEMENT)
    response = Response.objects.get(wave=coordinator.invitation.wave, partnership__acronym="GCA")
    assert response_warnings(response) == []
    assert "Please check these answers" not in client.get(coordinator.url("review")).content.decode()


def test_an_empty_comment_removes_the_note(coordinator, last_year):
    response = Response.objects.get(wave=coordinator.invitation.wave, partnership__acronym="GCA")
    response_save_section(
        response_id=response.pk,
        section_code="achievements",
        contact=None,
        values={"A4": Decimal(1), "A5": [TSINGHUA], "A6": Choice("no")},
        lock_version=0,
    )
    assert plausibility_notes_save(response_id=response.pk, comments={"A4.cumulative": "Ended"}, contact=None) == 1
    assert plausibility_notes_save(response_id=response.pk, comments={"A4.cumulative": " "}, contact=None) == 0
    assert not PlausibilityNote.objects.filter(response=response).exists()


def test_staff_work_through_the_warnings_of_a_wave(coordinator, last_year):
    response = Response.objects.get(wave=coordinator.invitation.wave, partnership__acronym="GCA")
    # 11 agreements against last year's 2 (more than 5 times), Osaka no longer listed.
    eleven = [TSINGHUA] + [
        {"counterpart_type": Choice("sme"), "organisation": f"SME {n}", "country": ["JP"]} for n in range(10)
    ]
    response_save_section(
        response_id=response.pk,
        section_code="achievements",
        contact=None,
        values={"A4": Decimal(11), "A5": eleven, "A6": Choice("no")},
        lock_version=0,
    )
    plausibility_notes_save(
        response_id=response.pk, comments={"A4.at_most_times_previous": "<b>Big year</b>"}, contact=None
    )

    viewer = StaffFactory.create(username="viewer", is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_response", content_type__app_label="surveys"))
    client = Client()
    client.force_login(viewer)
    url = reverse("surveys:wave_warnings", args=[coordinator.invitation.wave.slug])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 warnings in 1 response, 1 without a comment." in html
    assert "A4 is 11, more than 5 times last time&#x27;s 2." in html
    assert "Last time A5 listed “Osaka cluster”, which is not listed now." in html
    # The respondent's comment is escaped.
    assert "&lt;b&gt;Big year&lt;/b&gt;" in html and "<b>Big year" not in html
    assert reverse("admin:surveys_response_change", args=[response.pk]) in html

    nobody = StaffFactory.create(username="nobody", is_superuser=False)
    refused = Client()
    refused.force_login(nobody)
    assert refused.get(url).status_code == 403


def test_the_wave_and_response_admin_show_the_warnings(staff_client, coordinator, last_year):
    response = Response.objects.get(wave=coordinator.invitation.wave, partnership__acronym="GCA")
    response_save_section(
        response_id=response.pk,
        section_code="achievements",
        contact=None,
        values={"A4": Decimal(1), "A5": [TSINGHUA], "A6": Choice("no")},
        lock_version=0,
    )
    wave = coordinator.invitation.wave
    wave_page = staff_client.get(reverse("admin:surveys_wave_change", args=[wave.pk])).content.decode()
    assert "2 plausibility warnings to check" in wave_page
    assert reverse("surveys:wave_warnings", args=[wave.slug]) in wave_page
    response_page = staff_client.get(reverse("admin:surveys_response_change", args=[response.pk])).content.decode()
    assert "A4 counts everything so far, but 1 is less than last time&#x27;s 2. — no comment" in response_page


def test_the_demo_has_an_implausible_draft_and_prints_its_review_link(questionnaires, settings, tmp_path, capsys):
    from django.core.management import call_command

    settings.DEMO_ADMIN_PASSWORD_FILE = tmp_path / "password"
    call_command("setup_demo", "--no-links")
    capsys.readouterr()
    call_command("demo_links")
    line = next(line for line in capsys.readouterr().out.splitlines() if "implausible answer" in line)
    url = next(word for word in line.split() if word.startswith("http"))
    page = Client().get(url.removeprefix(settings.SITE_URL))
    assert page.status_code == 200
    assert "Please check these answers" in page.content.decode()


def test_the_demo_makes_an_implausible_draft_when_none_has_a_warning(coordinator, last_year, monkeypatch):
    from surveys.services import demo_plausibility

    monkeypatch.setattr(demo_plausibility, "DEMO_WAVE", coordinator.invitation.wave.slug)
    from surveys.services.prefill import prefill_source, response_prefill

    response = Response.objects.get(wave=coordinator.invitation.wave, partnership__acronym="GCA")
    assert response_warnings(response) == []
    # Only a draft started from last year's answers is made implausible (as the demo's are).
    assert demo_plausibility.demo_implausible_ensure() is None
    response_prefill(response=response, source=prefill_source(response=response), contact=None)
    assert response_warnings(response) == []

    made = demo_plausibility.demo_implausible_ensure()

    assert made is not None and made.pk == response.pk
    # Last year 2 agreements (Osaka, Tsinghua): now 1, the last row (Tsinghua) marked ended,
    # so only the count that falls is flagged (2 - 1 ended = 1: the table adds up).
    assert [w.key for w in response_warnings(response)] == ["A4.cumulative"]
    rows = RepeatRow.objects.filter(response=response, question__code="A5").order_by("position")
    assert [r.status for r in rows] == ["confirmed", "ended"]
    # Running it again finds it, changes nothing.
    assert demo_plausibility.demo_implausible_ensure().pk == response.pk  # type: ignore[union-attr]
    assert [link.contact for link in demo_plausibility.demo_implausible_links()] == ["Ada Coordinator, GCA"]


def test_a_table_not_answered_now_drops_no_row():
    assert [
        w.key
        for w in plausibility_warnings(
            rules={"A5": {"carried_rows": "organisation"}}, values={}, previous={"A5": rows("Osaka")}
        )
    ] == []
