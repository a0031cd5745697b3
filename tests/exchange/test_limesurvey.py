from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exchange.limesurvey import limesurvey_read
from exchange.services import responses_import
from surveys.definition.structure import structure_for
from surveys.models import Contact, Questionnaire, Response, Wave
from surveys.services.waves import wave_open
from surveys.values import Choice, PartnershipValue, Ticked, load_values

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "limesurvey-mapping-example.yaml"
HEADER = [
    "id",
    "submitdate",
    "lastpage",
    "startlanguage",
    "seed",
    "token",
    "NAME",
    "ROLE",
    "MAIL",
    "ACT[SQ001]",
    "ACT[SQ001comment]",
    "ACT[SQ002]",
    "ACT[SQ002comment]",
    "ACT[other]",
    "TC",
    "MOU",
    "AGR[SQ001_TYPE]",
    "AGR[SQ001_ORG]",
    "AGR[SQ001_CTRY]",
    "AGR[SQ001_DESC]",
    "AGR[SQ002_TYPE]",
    "AGR[SQ002_ORG]",
    "AGR[SQ002_CTRY]",
    "AGR[SQ002_DESC]",
    "DIAL",
    "COLLAB[SQ001_ESCP]",
    "COLLAB[SQ001_PURPOSE]",
    "RES[SQ004]",
    "RES[SQ004comment]",
    "RESNUM[SQ004]",
    "GOOD",
    "ipaddr",
]
GCA = [
    "1", "2018-06-01 10:00:00", "7", "en", "123", "gca7Hx2k", "Ada", "Coordinator", "ada@gca.example.org",
    "Y", "Two missions, Japan", "", "", "Webinars", "CN, US", "2",
    "CL", "Kansai cluster", "JP", "MoU", "OT", "Chamber X", "CA", "",
    "Y", "ELBE", "Joint call", "Y", "With members", "3", "=cmd|' /C calc'!A0", "127.0.0.1",
]  # fmt: skip
ELBE = (
    ["2", "", "3", "en", "456", "elb3Qm9p", "Cleo", "", "", "", "", "Y", "", "", "", "0"] + [""] * 8 + ["N"] + [""] * 7
)


def csv_bytes(rows: list[list[str]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


@pytest.fixture
def first_wave(questionnaires: dict[str, Questionnaire], register_4i: dict[str, Contact]) -> Wave:
    version = questionnaires["escp-4i-progress"].latest_version()
    assert version is not None
    return wave_open(
        version=version,
        slug="escp-4i-2018",
        opens_at=dt.datetime(2018, 5, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2018, 6, 5, tzinfo=dt.UTC),
    )


def read(wave: Wave, data: bytes, mapping: str | None = None, name: str = "results-survey482913.csv"):  # type: ignore[no-untyped-def]
    text = mapping if mapping is not None else EXAMPLE.read_text()
    return limesurvey_read(wave=wave, file=io.BytesIO(data), mapping_text=text, file_name=name)


def values_of(wave: Wave, acronym: str) -> dict:
    response = Response.objects.get(wave=wave, partnership__acronym=acronym)
    return load_values(response, structure_for(wave.version))


def test_it_loads_a_limesurvey_export_as_the_previous_wave(first_wave: Wave) -> None:
    plan = read(first_wave, csv_bytes([HEADER, GCA, ELBE]))
    assert [str(p) for p in plan.problems] == []
    report = responses_import(wave=first_wave, plan=plan)
    assert [(o.acronym, o.action, o.status) for o in report.outcomes] == [
        ("GCA", "replaced", "submitted"),
        ("ELBE", "replaced", "draft"),
    ]
    assert values_of(first_wave, "GCA") == {
        "R1": "Ada",
        "R2": "Coordinator",
        "R3": "ada@gca.example.org",
        "A1": {"events_missions": Ticked(comment="Two missions, Japan"), "other": Ticked(text="Webinars")},
        "A2": ["CN", "US"],
        "A4": Decimal(2),
        "A5": [
            {
                "counterpart_type": Choice(option="cluster"),
                "organisation": "Kansai cluster",
                "country": ["JP"],
                "description": "MoU",
            },
            {"counterpart_type": Choice(option="other"), "organisation": "Chamber X", "country": ["CA"]},
        ],
        "A6": Choice(option="yes"),
        "A7": [{"partnership": PartnershipValue(acronym="ELBE"), "purpose": "Joint call"}],
        "A8": {"partnership_agreements": Ticked(comment="With members", number=Decimal(3))},
        "A10": "=cmd|' /C calc'!A0",
    }
    assert values_of(first_wave, "ELBE") == {
        "R1": "Cleo",
        "A1": {"partners_third_countries": Ticked()},
        "A4": Decimal(0),
        "A6": Choice(option="no"),
    }
    gca = Response.objects.get(wave=first_wave, partnership__acronym="GCA")
    # 10:00 in Brussels (summer time) is 08:00 UTC.
    assert gca.submitted_at == dt.datetime(2018, 6, 1, 8, 0, tzinfo=dt.UTC)
    # The first wave can now precede the next one.
    second = wave_open(
        version=first_wave.version,
        slug="escp-4i-2019-next",
        opens_at=dt.datetime(2019, 5, 13, tzinfo=dt.UTC),
        closes_at=dt.datetime(2019, 6, 5, tzinfo=dt.UTC),
        previous=first_wave,
    )
    assert second.previous == first_wave


def test_it_reads_limesurveys_excel_export_and_semicolon_csv(first_wave: Wave) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "results-survey482913"
    for r, row in enumerate((HEADER, GCA, ELBE), start=1):
        for c, value in enumerate(row, start=1):
            if value:
                cell = sheet.cell(row=r, column=c)
                cell.value = int(value) if value.isdigit() else value
                # Strings stay strings (openpyxl would take "=…" for a formula), except the one
                # that an old LimeSurvey wrote as a formula: it must come back as its text.
                cell.data_type = "f" if value.startswith("=") else cell.data_type
    data = io.BytesIO()
    book.save(data)
    excel = read(first_wave, data.getvalue(), name="results.xlsx")
    semicolons = read(first_wave, csv_bytes([HEADER, GCA, ELBE], delimiter=";"))
    assert excel.problems == [] and semicolons.problems == []
    assert excel.responses[0].values == semicolons.responses[0].values
    assert excel.responses[0].values["A4"] == Decimal(2)


def test_an_unmapped_column_is_an_error_so_no_answer_is_left_behind(first_wave: Wave) -> None:
    plan = read(first_wave, csv_bytes([[*HEADER, "EXTRA"], [*GCA, "kept?"]]))
    assert [str(p) for p in plan.problems] == [
        "sheet results-survey482913.csv, row 1, column EXTRA (AG): the column EXTRA is not mapped: map it to one of "
        "our questions or list it under ignore."
    ]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("token", "nobody", "column token (F): unknown partnership nobody: no partnership has this acronym in the register (map it under partnership.values)."),
        ("MOU", "501", "column MOU (P): 501 is out of bounds: the question takes numbers from 0 to 500."),
        ("DIAL", "maybe", "column DIAL (Y): 'maybe' maps to no option of A6 (its codes: yes, no); add it to options in the mapping."),
        ("TC", "CN, FR", "column TC (O): FR: A2 takes only countries outside the EU."),
        ("ACT[SQ001]", "ticked", "column ACT[SQ001] (J): 'ticked' is not a LimeSurvey tick (Y or empty)."),
        ("AGR[SQ001_TYPE]", "XX", "column AGR[SQ001_TYPE] (Q): 'XX' maps to no option of counterpart_type (its codes: cluster, sme, large_company, research, university, public_authority, other); add it to options in the mapping."),
    ],
)  # fmt: skip
def test_a_wrong_cell_is_named_and_nothing_is_imported(
    first_wave: Wave, column: str, value: str, expected: str
) -> None:
    row = list(GCA)
    row[HEADER.index(column)] = value
    plan = read(first_wave, csv_bytes([HEADER, row]))
    assert [str(p) for p in plan.problems] == [f"sheet results-survey482913.csv, row 2, {expected}"]


def test_two_responses_of_one_partnership_are_refused(first_wave: Wave) -> None:
    plan = read(first_wave, csv_bytes([HEADER, GCA, GCA]))
    assert [str(p) for p in plan.problems] == [
        "sheet results-survey482913.csv, row 3, column token (F): GCA has a response already (row 2): keep one of them."
    ]


def test_mapping_mistakes_are_named(first_wave: Wave) -> None:
    mapping = """
partnership: {column: token}
questions:
  A1: {code: ACT, options: {SQ001: parties}}
  Z9: ZZ
"""
    plan = read(first_wave, csv_bytes([HEADER, GCA]), mapping=mapping)
    assert [str(p) for p in plan.problems] == [
        "sheet mapping: questions.A1.options.SQ001: A1 has no option 'parties' (its codes: events_missions, "
        "partners_third_countries, partners_europe, intelligence, partnership_building, target_countries, "
        "joint_communication, member_consultation, funding_synergies, sme_mentoring, collaborative_projects, "
        "representative, bankable_proposals, other).",
        "sheet mapping: questions.Z9: the questionnaire escp-4i-progress has no question Z9.",
    ]


def test_the_command_imports_through_the_example_mapping(first_wave: Wave, tmp_path: Path) -> None:
    export = tmp_path / "results-survey482913.csv"
    export.write_bytes(csv_bytes([HEADER, GCA, ELBE]))
    call_command("import_limesurvey", "--wave", first_wave.slug, "--mapping", str(EXAMPLE), str(export))
    assert values_of(first_wave, "GCA")["A4"] == Decimal(2)


def test_the_command_lists_problems(first_wave: Wave, tmp_path: Path) -> None:
    export = tmp_path / "results.csv"
    export.write_bytes(csv_bytes([[*HEADER, "EXTRA"], [*GCA, "x"]]))
    with pytest.raises(CommandError, match="nothing was imported, 1 problem in the file"):
        call_command("import_limesurvey", "--wave", first_wave.slug, "--mapping", str(EXAMPLE), str(export))
    assert values_of(first_wave, "GCA") == {}
