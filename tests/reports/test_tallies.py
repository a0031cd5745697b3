"""The tallies the report reads: kept in step by every writer, equal to a scan of the answers."""

from __future__ import annotations

import io
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange.imports import ImportedResponse, ImportPlan
from exchange.services import responses_import
from reports.demo import fake_values
from reports.models import NamedPartnership, RespondentTally, ResponseFigure, TalliedResponse, Tally
from reports.report import as_json, wave_report
from reports.tallies import stale_responses, tallies_add, tallies_rebuild, tallies_remove
from surveys.definition.structure import structure_for
from surveys.models import Answer, Partnership, RepeatRow, Response, Wave
from surveys.services.responses import response_reopen, response_submit
from surveys.services.waves import wave_open
from surveys.values import PartnershipValue, Ticked
from tests.factories import PartnershipFactory, days
from tests.reports.conftest import give

GROUPS = ["strand-1", "strand-2", "", "strand-9"]  # blank and strand-9: not in the questionnaire's groups


def _irregular_waves(wave: Wave, seed: int) -> Wave:
    """A previous wave and `wave` with random answers written by every kind of writer."""
    rng = random.Random(seed)
    for n in range(14):
        PartnershipFactory(acronym=f"R{seed}-{n:02d}", programme="escp-4i", group=rng.choice(GROUPS))
    version = wave.version
    previous = wave_open(version=version, slug=f"escp-4i-prev-{seed}", opens_at=days(-400), closes_at=days(-380))
    for w in (wave, previous):  # every partnership of the programme is invited to both
        for p in Partnership.objects.filter(programme="escp-4i"):
            Response.objects.get_or_create(wave=w, partnership=p)
    Wave.objects.filter(pk=wave.pk).update(previous=previous)
    structure = structure_for(version)
    acronyms = sorted(Partnership.objects.filter(programme="escp-4i").values_list("acronym", flat=True))

    def values(w: Wave, acronym: str) -> dict[str, Any]:
        return fake_values(
            structure, seed=f"{seed}:{w.slug}:{acronym}", acronym=acronym, others=rng.sample(acronyms, 3)
        )

    def carried(w: Wave, acronym: str) -> dict[str, Any]:
        """The answers with table rows as a prefilled response stores them: some carried from
        the previous wave, confirmed or marked ended (own generator: the others' draws stay)."""
        marks = random.Random(f"{seed}:{acronym}:rows")
        out = values(w, acronym)
        for code in ("A5", "A7"):
            out[code] = [
                {**row, "_origin": 1, "_status": status} if status != "new" else row
                for row in out.get(code) or []
                for status in [marks.choice(["new", "carried", "confirmed", "ended", "ended"])]
            ] or out.pop(code, None)
        return {k: v for k, v in out.items() if v is not None}

    for acronym in acronyms:
        group = Partnership.objects.get(acronym=acronym).group
        # strand-2 never completes the previous wave: an empty group there.
        if group != "strand-2" and rng.random() < 0.7:
            answers = carried(previous, acronym)
            give(previous, acronym, answers, status=rng.choice(["submitted", "submitted", "draft"]))
        response = Response.objects.get(wave=wave, partnership__acronym=acronym)
        kind = rng.choice(["give", "submit", "reopen", "import", "import-over", "none"])
        if kind == "give":
            give(wave, acronym, carried(wave, acronym), status=rng.choice(["submitted", "draft"]))
        elif kind in ("submit", "reopen"):
            give(wave, acronym, values(wave, acronym), status="draft")  # complete: A4 counts every A5 row
            response_submit(response_id=response.pk, contact=None)
            if kind == "reopen":
                response_reopen(response_id=response.pk)
        elif kind.startswith("import"):
            if kind == "import-over":  # an import replacing a submitted response's answers
                give(wave, acronym, values(wave, acronym), status="submitted")
            status = rng.choice(["submitted", "draft"])
            imported = ImportedResponse(
                acronym=acronym,
                status=status,
                submitted_at=days(-1) if status == "submitted" else None,
                values=values(wave, acronym + "-imported"),
            )
            responses_import(wave=wave, plan=ImportPlan(responses=[imported]))
    # Writers that bypass the services: a partnership moved in the register, a status set
    # directly. The report's check recounts those responses.
    moved = rng.choice(acronyms)
    Partnership.objects.filter(acronym=moved).update(group="strand-9")
    submitted = Response.objects.filter(wave=wave, status="submitted").order_by("pk").first()
    if submitted is not None:
        Response.objects.filter(pk=submitted.pk).update(status="draft", submitted_at=None)
    wave.refresh_from_db()
    return wave


# The panel's counts come from a scan of the smaller part of the wave: the panel itself
# (seeds 1 and 2, the latter with an empty panel) or the others, subtracted from the tallies
# (seed 3). Sizes of these seeds' data: (panel, completed).
@pytest.mark.parametrize(("seed", "sizes"), [(1, (3, 7)), (2, (0, 7)), (3, (4, 5))])
def test_it_gives_the_same_report_from_the_tallies_as_from_a_scan_of_the_answers(
    wave_4i: Wave, seed: int, sizes: tuple[int, int]
) -> None:
    wave = _irregular_waves(wave_4i, seed)
    from_tallies = as_json(wave_report(wave))
    panel = from_tallies["comparison"]["panel"]["size"]["total"]
    assert (panel, from_tallies["population"]["completed"]["total"]) == sizes
    assert from_tallies == as_json(wave_report(wave, scan=True))
    previous = wave.previous
    assert previous is not None
    assert as_json(wave_report(previous)) == as_json(wave_report(previous, scan=True))
    # The report's check recounted the responses changed behind the services' back.
    assert stale_responses(wave_ids=[wave.pk, previous.pk]) == []


def _figures_from_answers(wave: Wave) -> set[tuple[Any, ...]]:
    """What `ResponseFigure` must hold for a wave, from its answer rows: (response,
    partnership, group, question, option, number, rows)."""
    submitted = {"response__wave": wave, "response__status": "submitted"}
    numbers = Answer.objects.filter(
        **submitted, repeat_row__isnull=True, matrix_row__isnull=True, number__isnull=False
    ).values_list(
        "response_id", "response__partnership_id", "response__partnership__group", "question_id", "option_id", "number"
    )
    said_old = set(
        Answer.objects.filter(
            **submitted, question__code="new_since_previous", option__code="no", repeat_row__isnull=False
        ).values_list("repeat_row_id", flat=True)
    )
    tables: dict[tuple[Any, ...], int] = {}
    for row, r, p, g, q, status in RepeatRow.objects.filter(**submitted).values_list(
        "id", "response_id", "response__partnership_id", "response__partnership__group", "question_id", "status"
    ):
        # Current rows (option 0), of them the new ones (-1: not carried, not said to be old),
        # and the ended rows (-2: kept, not current).
        new = status == "new" and row not in said_old
        kinds = [-2] if status == "ended" else [0, -1] if new else [0]
        for kind in kinds:
            tables[(r, p, g, q, kind)] = tables.get((r, p, g, q, kind), 0) + 1
    return {(r, p, g, q, o or 0, v, 0) for r, p, g, q, o, v in numbers} | {
        (r, p, g, q, kind, None, n) for (r, p, g, q, kind), n in tables.items()
    }


def _named_from_answers(wave: Wave) -> set[tuple[Any, ...]]:
    """What `NamedPartnership` must hold for a wave: (response, reporter, group, question,
    table row, partnership named, text, purpose: the row's texts stripped, in field order,
    whether the row was marked ended)."""
    submitted = {"response__wave": wave, "response__status": "submitted"}
    texts: dict[int, list[str]] = {}
    for row, text in (
        Answer.objects.filter(**submitted, repeat_row__isnull=False, question__type__in=["text", "long_text"])
        .exclude(text="")
        .order_by("repeat_row_id", "question__position")
        .values_list("repeat_row_id", "text")
    ):
        texts.setdefault(row, []).append(text.strip())
    named = Answer.objects.filter(**submitted, question__type="partnership").values_list(
        "response_id",
        "response__partnership_id",
        "response__partnership__group",
        "question_id",
        "repeat_row_id",
        "partnership_id",
        "text",
        "repeat_row__status",
    )
    return {
        (r, p, g, q, row or 0, n, t, " · ".join(texts.get(row, [])) if row else "", status == "ended")
        for r, p, g, q, row, n, t, status in named
    }


def _kept_figures(wave: Wave) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    figures = ResponseFigure.objects.filter(wave=wave).values_list(
        "response_id", "partnership_id", "group", "question_id", "option_id", "number", "rows"
    )
    named = NamedPartnership.objects.filter(wave=wave).values_list(
        "response_id",
        "reporter_id",
        "group",
        "question_id",
        "repeat_row_id",
        "partnership_id",
        "text",
        "purpose",
        "ended",
    )
    return set(figures), set(named)


@pytest.mark.parametrize("seed", [1, 3])
def test_it_keeps_the_figures_and_named_partnerships_of_each_counted_response(wave_4i: Wave, seed: int) -> None:
    wave = _irregular_waves(wave_4i, seed)
    wave_report(wave)  # recounts what was changed behind the services' back
    waves = [wave, wave.previous]
    expected = {w.pk: (_figures_from_answers(w), _named_from_answers(w)) for w in waves if w}
    assert all(figures and named for figures, named in expected.values())  # the random data holds some of each
    # ... and rows marked ended among the named, which are kept (flagged), not dropped.
    assert {n[-1] for _, named in expected.values() for n in named if n[4]} == {True, False}
    assert {w.pk: _kept_figures(w) for w in waves if w} == expected
    # A rebuild writes the same rows again.
    ResponseFigure.objects.all().delete()
    NamedPartnership.objects.all().delete()
    for w in waves:
        tallies_rebuild(wave=w)  # type: ignore[arg-type]
    assert {w.pk: _kept_figures(w) for w in waves if w} == expected


def test_it_copies_figures_and_purposes_when_submitted_and_drops_them_when_reopened(wave_4i: Wave) -> None:
    response = give(
        wave_4i,
        "GCA",
        {
            "A4": Decimal("2.5"),
            "A5": [{"organisation": "Shenzhen Cluster"}, {"organisation": "Foo"}],
            "A7": [
                # Python's strip() takes off a no-break space and a newline: so must the SQL.
                {"partnership": PartnershipValue("ELBE"), "purpose": "\u00a0 Joint mission \n"},
                {"partnership": PartnershipValue(text=" Foo Cluster ")},
            ],
            "A8": {"partnership_agreements": Ticked(number=Decimal(4))},
        },
    )
    figures = ResponseFigure.objects.filter(response=response)
    # Each table's rows, and of them the new ones (-1: none carried, none said to be older).
    assert sorted((f.question.code, f.option_id, f.number, f.rows) for f in figures) == [
        ("A4", 0, Decimal("2.5"), 0),
        ("A5", -1, None, 2),
        ("A5", 0, None, 2),
        ("A7", -1, None, 2),
        ("A7", 0, None, 2),
        ("A8", figures.get(question__code="A8").option_id, Decimal(4), 0),
    ]
    named = NamedPartnership.objects.filter(response=response).order_by("repeat_row_id")
    assert [(n.partnership.acronym if n.partnership else None, n.text, n.purpose) for n in named] == [
        ("ELBE", "", "Joint mission"),
        (None, " Foo Cluster ", ""),
    ]
    report = as_json(wave_report(wave_4i))
    assert report == as_json(wave_report(wave_4i, scan=True))
    assert report["questions"]["A4"]["by_partnership"] == {"GCA": 2.5}
    assert report["collaborations"]["pairs"][0]["purposes"] == {"GCA": ("Joint mission",)}
    response_reopen(response_id=response.pk)
    assert not ResponseFigure.objects.exists()
    assert not NamedPartnership.objects.exists()


def _count_queries(wave: Wave) -> int:
    with CaptureQueriesContext(connection) as ctx:
        wave_report(wave)
    return len(ctx.captured_queries)


def test_it_compares_with_the_same_number_of_queries_whatever_the_number_of_responses(wave_4i: Wave) -> None:
    wave = _irregular_waves(wave_4i, 4)
    wave_report(wave)  # the first report recounts what was changed behind the services' back
    few = _count_queries(wave)
    for n in range(8):
        partnership = PartnershipFactory(acronym=f"MORE{n}", programme="escp-4i", group="strand-1")
        for w in (wave, wave.previous):
            w.responses.create(partnership=partnership)  # type: ignore[union-attr,misc]
        give(wave, f"MORE{n}", {"A1": {"intelligence": Ticked()}, "A4": Decimal(n)})
        if n % 2:
            give(wave.previous, f"MORE{n}", {"A4": Decimal(n + 1)})  # type: ignore[arg-type]
    assert _count_queries(wave) == few
    assert few <= 24


def test_it_counts_a_submission_once_and_takes_it_out_when_reopened(wave_4i: Wave) -> None:
    response = give(wave_4i, "GCA", {"A1": {"intelligence": Ticked(), "events_missions": Ticked()}}, status="draft")
    assert not tallies_add(response_id=response.pk)  # a draft is not counted
    Response.objects.filter(pk=response.pk).update(status="submitted", submitted_at=days(0))
    assert tallies_add(response_id=response.pk)
    assert not tallies_add(response_id=response.pk)  # already counted: nothing added twice
    rows = Tally.objects.filter(wave=wave_4i, question__code="A1")
    assert sorted(rows.values_list("option_id", "group", "n")) == sorted(
        (o, "strand-1", 1) for o in Answer.objects.filter(response=response).values_list("option_id", flat=True)
    )
    assert RespondentTally.objects.get(wave=wave_4i, question__code="A1").respondents == 1
    response_reopen(response_id=response.pk)
    assert not Tally.objects.filter(wave=wave_4i).exists()
    assert not RespondentTally.objects.filter(wave=wave_4i).exists()
    assert not TalliedResponse.objects.exists()
    assert not tallies_remove(response_id=response.pk)


def test_it_takes_a_response_out_under_the_group_it_was_counted_in(wave_4i: Wave) -> None:
    response = give(wave_4i, "GCA", {"A4": Decimal(3)})
    Partnership.objects.filter(acronym="GCA").update(group="strand-2")
    assert stale_responses(wave_ids=[wave_4i.pk]) == [response.pk]
    a4 = as_json(wave_report(wave_4i))["questions"]["A4"]
    assert a4["sum"] == {"total": 3, "strand-1": 0, "strand-2": 3}
    assert set(Tally.objects.filter(wave=wave_4i).values_list("group", flat=True)) == {"strand-2"}


def test_it_rebuilds_tallies_after_a_bulk_load(wave_4i: Wave) -> None:
    give(wave_4i, "GCA", {"A1": {"intelligence": Ticked()}, "A2": ["CN", "US"], "A4": Decimal(2)})
    give(wave_4i, "ELBE", {"A1": {"intelligence": Ticked()}, "A2": ["CN"]})
    expected = as_json(wave_report(wave_4i, scan=True))
    # A bulk load that bypassed the services: the answers are there, the tallies are not.
    Tally.objects.all().delete()
    RespondentTally.objects.all().delete()
    assert tallies_rebuild(wave=wave_4i) == 2
    assert as_json(wave_report(wave_4i)) == expected
    assert Tally.objects.get(wave=wave_4i, country="CN").n == 2


def test_it_has_a_command_that_rebuilds_and_checks(wave_4i: Wave) -> None:
    response = give(wave_4i, "GCA", {"A2": ["CN"]})
    out = io.StringIO()
    call_command("rebuild_tallies", "--check", stdout=out)
    assert "escp-4i-2019: tallies match the answers" in out.getvalue()
    # An answer changed behind the services' back: only a rebuild sees it.
    Answer.objects.filter(response=response, question__code="A2").update(country="JP")
    with pytest.raises(CommandError, match="rebuild_tallies --wave SLUG"):
        call_command("rebuild_tallies", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rebuild_tallies", "--wave", "escp-4i-2019", stdout=out)
    assert "escp-4i-2019: 1 submitted responses counted" in out.getvalue()
    assert list(as_json(wave_report(wave_4i))["questions"]["A2"]["countries"]) == ["JP"]


def test_it_names_the_known_waves_when_the_slug_is_wrong(wave_4i: Wave) -> None:
    with pytest.raises(CommandError, match=r"No wave 'nope'\. Known waves: escp-4i-2019"):
        call_command("rebuild_tallies", "--wave", "nope")
