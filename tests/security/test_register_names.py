"""The register import refuses acronyms that cannot go into an address and names that
cannot go into an email, naming the row and column; nothing is imported."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from surveys.models import Contact, Partnership
from surveys.services.register import RegisterImportError, register_import
from tests.surveys.test_commands import HEADER, write_csv

GOOD = ["GCA", "Global Cluster Alliance", "escp-4i", "strand-1", "Ada", "ada@gca.example.org"]


def _problems(path: Path) -> list[str]:
    with pytest.raises(RegisterImportError) as info:
        register_import(path=path)
    return info.value.problems


@pytest.mark.django_db
def test_it_refuses_a_slash_in_an_acronym(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [GOOD, ["AB/CD", "", "escp-4i", "strand-1", "Bo", "bo@ab.example.org"]])
    assert _problems(path) == ["row 3, column acronym: 'AB/CD' contains /: an acronym cannot contain / \\ ? # %."]
    assert not Partnership.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_line_break_in_a_contact_name(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv", [GOOD, ["ELBE", "", "escp-4i", "strand-1", "Cleo\nOutsider", "c@e.example.org"]]
    )
    assert _problems(path) == [
        "row 3, column contact_name: 'Cleo Outsider' contains a line break or another control character "
        "(U+000A): write it on one line."
    ]
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_it_refuses_control_characters_in_a_partnership_name_from_xlsx(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["ELBE", "Elbe\u2028Cluster", "escp-4i", "strand-1", "Cleo", "cleo@elbe.example.org"])
    sheet.append(["MAGIA", "Magia", "escp-4i", "strand-1", "Mo\tMo", "mo@magia.example.org"])
    book.save(tmp_path / "r.xlsx")
    problems = _problems(tmp_path / "r.xlsx")
    assert problems == [
        "row 2, column name: 'Elbe Cluster' contains a line break or another control character (U+2028): "
        "write it on one line.",
        "row 3, column contact_name: 'Mo Mo' contains a line break or another control character (U+0009): "
        "write it on one line.",
    ]
    assert not Partnership.objects.exists()


@pytest.mark.django_db
def test_it_still_imports_names_with_spaces_hyphens_and_accents(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        [["LASER-GO GLOBAL", "Laser-Go Global", "escp-4i", "strand-2", "Zoë Dupré", "z@l.example.org"]],
    )
    register_import(path=path)
    assert Contact.objects.get().name == "Zoë Dupré"
