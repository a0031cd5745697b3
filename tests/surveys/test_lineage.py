"""Stable identity across versions: `same_as`, the correspondence and the staff page of changes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from surveys.definition.loader import DefinitionError, normalise, questionnaire_load, read_file
from surveys.models import QuestionnaireVersion
from surveys.services.lineage import version_correspondence

BUNDLED = Path(__file__).resolve().parents[2] / "surveys" / "definition" / "bundled"


def v1() -> dict[str, Any]:
    return {
        "code": "lineage",
        "title": "Lineage",
        "version": 1,
        "groups": ["g"],
        "sections": [
            {
                "code": "s",
                "title": "S",
                "questions": [
                    {"code": "Q1", "type": "text", "text": "Name of the partnership?"},
                    {"code": "Q2", "type": "number", "text": "Number of agreements?"},
                    {"code": "Q3", "type": "text", "text": "Budget?"},
                    {"code": "Q4", "type": "long_text", "text": "What went well?"},
                    {
                        "code": "Q5",
                        "type": "single_choice",
                        "text": "Main sector?",
                        "options": [
                            {"code": "agri", "label": "Agriculture"},
                            {"code": "ict", "label": "ICT"},
                            {"code": "old", "label": "Other sector"},
                        ],
                    },
                    {
                        "code": "Q6",
                        "type": "repeat",
                        "text": "Agreements",
                        "fields": [
                            {"code": "partner", "type": "text", "label": "Partner"},
                            {"code": "year", "type": "number", "label": "Year"},
                        ],
                    },
                ],
            }
        ],
    }


def v2() -> dict[str, Any]:
    """By hand from v1: Q1 renamed NAME (same_as), Q2 unchanged, Q3 retyped to number, Q4
    reworded, Q5 option `ict` renamed `digital` and `old` removed, `energy` added, Q6 field
    `partner` renamed `organisation`, field `year` removed; Q7 added."""
    d = v1()
    d["version"] = 2
    qs = d["sections"][0]["questions"]
    qs[0] = {"code": "NAME", "type": "text", "text": "Name of the partnership?", "same_as": "Q1"}
    qs[2] = {"code": "Q3", "type": "number", "text": "Budget (EUR)?"}
    qs[3] = {"code": "Q4", "type": "long_text", "text": "What went  well\nthis year?"}
    qs[4]["options"] = [
        {"code": "agri", "label": "Agriculture"},
        {"code": "digital", "label": "Digital", "same_as": "ict"},
        {"code": "energy", "label": "Energy"},
    ]
    qs[5]["fields"] = [{"code": "organisation", "type": "text", "label": "Partner", "same_as": "partner"}]
    qs.append({"code": "Q7", "type": "yes_no", "text": "New question?"})
    return d


def load(definition: dict[str, Any]) -> QuestionnaireVersion:
    return questionnaire_load(definition=normalise(definition)).version


@pytest.fixture
def versions(db: None) -> tuple[QuestionnaireVersion, QuestionnaireVersion]:
    return load(v1()), load(v2())


def test_same_as_maps_renamed_codes_and_lists_what_changed(versions):
    old, new = versions
    c = version_correspondence(old=old, new=new)
    pairs = {(p.old.code, p.new.code) for p in c.pairs}
    assert pairs == {("Q1", "NAME"), ("Q2", "Q2"), ("Q4", "Q4"), ("Q5", "Q5"), ("Q6", "Q6")}
    assert [n.code for n in c.added] == ["Q7"]
    assert c.removed == []
    assert [(o.code, n.code, o.type, n.type) for o, n in c.retyped] == [("Q3", "Q3", "text", "number")]
    assert [p.new.code for p in c.renamed] == ["NAME"]
    assert [p.new.code for p in c.reworded] == ["Q4"]
    q5 = c.by_new_code()["Q5"]
    assert q5.options.pairs == {"agri": "agri", "ict": "digital"}
    assert q5.options.added == ["energy"]
    assert q5.options.removed == ["old"]
    assert q5.options.relabelled == ["digital"]
    q6 = c.by_new_code()["Q6"]
    assert q6.fields is not None
    assert [(p.old.code, p.new.code) for p in q6.fields.pairs] == [("partner", "organisation")]
    assert [n.code for n in q6.fields.removed] == ["year"]
    assert not c.is_identity()


def test_a_removed_question_is_listed_and_a_reflowed_text_is_not_reworded(db):
    old = load(v1())
    d = v1()
    d["version"] = 2
    del d["sections"][0]["questions"][1]  # Q2
    d["sections"][0]["questions"][0]["text"] = "Name of the\n  partnership?"
    new = load(d)
    c = version_correspondence(old=old, new=new)
    assert [n.code for n in c.removed] == ["Q2"]
    assert c.reworded == [] and c.added == [] and c.retyped == []


def test_without_same_as_a_renamed_question_is_removed_and_added(db):
    old = load(v1())
    d = v2()
    del d["sections"][0]["questions"][0]["same_as"]
    c = version_correspondence(old=old, new=load(d))
    assert "Q1" in [n.code for n in c.removed]
    assert "NAME" in [n.code for n in c.added]


def test_the_bundled_questionnaire_corresponds_to_itself(db):
    definition = read_file(BUNDLED / "escp-4i-progress.yaml")
    old = questionnaire_load(definition=definition).version
    changed = copy.deepcopy(definition)
    changed["version"] = definition["version"] + 1
    new = questionnaire_load(definition=changed).version
    c = version_correspondence(old=old, new=new)
    assert c.is_identity()
    assert [p.new.code for p in c.pairs] == [n.code for n in new_structure_questions(new)]


def new_structure_questions(version):
    from surveys.definition.structure import structure_for

    return structure_for(version).questions()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda qs: qs[0].update(same_as="Q1"), "questions[0].same_as: 'Q1' is this item's own code"),
        (lambda qs: qs[0].update(same_as="Q2"), "'Q2' is still the code of another question"),
        (lambda qs: qs[0].update(same_as="bad code"), "questions[0].same_as: must be the code"),
        (
            lambda qs: (qs[0].update(same_as="OLD"), qs[1].update(same_as="OLD")),
            "'OLD' is already claimed by Q1",
        ),
        (
            lambda qs: qs[4]["options"][0].update(same_as="ict"),
            "questions[4].options[0].same_as: 'ict' is still the code of",
        ),
        (
            lambda qs: qs[5]["fields"][0].update(same_as="year"),
            "questions[5].fields[0].same_as: 'year' is still the code of",
        ),
    ],
)
def test_the_loader_refuses_a_same_as_that_cannot_be_meant(change, message):
    d = v1()
    change(d["sections"][0]["questions"])
    with pytest.raises(DefinitionError) as raised:
        normalise(d)
    assert any(message in p for p in raised.value.problems), raised.value.problems


def test_same_as_is_kept_only_when_given_so_checksums_stay(db):
    plain = normalise(v1())
    assert "same_as" not in plain["sections"][0]["questions"][0]
    assert normalise(v2())["sections"][0]["questions"][0]["same_as"] == "Q1"


def test_the_staff_page_shows_the_changes(staff_client, versions):
    page = staff_client.get("/staff/questionnaires/lineage/v2/changes/")
    assert page.status_code == 200
    html = page.content.decode()
    added = html.split('id="added"')[1].split("</ul>")[0]
    assert "<code>Q7</code>" in added
    retyped = html.split('id="retyped"')[1].split("</ul>")[0]
    assert "<code>Q3</code>: Text → Number" in retyped
    renamed = html.split('id="renamed"')[1].split("</ul>")[0]
    assert "<code>Q1</code> → <code>NAME</code>" in renamed
    reworded = html.split('id="reworded"')[1].split("</table>")[0]
    assert "What went well?" in reworded
    items = html.split('id="items"')[1].split("</ul>")[0]
    assert "options added energy" in items and "options removed old" in items
    assert "field removed year" in items and "field renamed partner → organisation" in items
    assert "Removed (0)" in html


def test_the_staff_page_escapes_texts_and_compares_any_two(staff_client, db):
    d = v1()
    d["sections"][0]["questions"][3]["text"] = "<b>Bold</b> claim?"
    load(d)
    load(v2())
    page = staff_client.get("/staff/questionnaires/lineage/v2/changes/?from=1")
    html = page.content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; claim?" in html and "<b>Bold</b>" not in html
    missing = staff_client.get("/staff/questionnaires/lineage/v2/changes/?from=9")
    assert "There is no other version 9" in missing.content.decode()
    only = staff_client.get("/staff/questionnaires/lineage/v1/changes/")
    # v2 exists, but v1 has no earlier version to be compared with by default.
    assert "There is no earlier version" in only.content.decode()
