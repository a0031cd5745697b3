"""Each bundled questionnaire answered in a real browser, every question of it, to submission.

A driver walks the questionnaire's structure page by page and answers each question through
its controls as a person would (ticks, radios of the rating matrix, the country filter, rows
added with the button, the partnership search by keyboard), writing down what it answered.
axe-core checks every page; at the end the answer rows in the database must be exactly what
was written down: a question the page cannot answer (ECCP C5 once had no buttons) fails here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from surveys.definition.structure import QuestionNode, structure_for
from surveys.models import Answer, Contact, Question, Response, Wave
from surveys.services.waves import wave_open
from tests.browser.conftest import Tab
from tests.browser.test_accessibility import tab_to
from tests.conftest import Persona, make_persona
from tests.factories import ContactFactory, PartnershipFactory, days

pytestmark = [pytest.mark.browser, pytest.mark.slow]

T = Question.Type
Key = tuple[str, str]  # (question path, option or row code)


def css_id(name: str) -> str:
    # The journey's input ids: "id-" and the input name with "." as "-" (journey.forms).
    return "#id-" + name.replace(".", "-")


@dataclass
class Driver:
    """Answers the questions of a page and writes down, by hand, what each should store."""

    tab: Tab
    # (table code, row index) -> (text to type in the partnership search, acronym it must choose)
    searches: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # rows to add to a table (default 1)
    controllers: dict[str, str] = field(default_factory=dict)  # question -> answer its rule wants
    expected: dict[Key, Any] = field(default_factory=dict)

    @property
    def page(self) -> Any:
        return self.tab.page

    def answer(self, node: QuestionNode, name: str, path: str, numbers: dict[str, int]) -> None:
        page = self.page
        q = node.question
        if node.type == T.MULTI_CHOICE:
            option = next(o for o in node.options if not o.exclusive and not o.is_other)
            page.locator(css_id(f"{name}.{option.code}")).check()
            comment = number = None
            if option.comment:
                comment = f"About {option.label}"
                page.locator(css_id(f"{name}.{option.code}.comment")).fill(comment)
            if option.number_label:
                number = Decimal(2)
                page.locator(css_id(f"{name}.{option.code}.number")).fill("2")
            self.expected[(path, option.code)] = (comment or "", number, "")
            if q.other:
                page.locator(css_id(f"{name}.other")).check()
                page.locator(css_id(f"{name}.other.text")).fill("Something else")
                self.expected[(path, "other")] = ("", None, "Something else")
        elif node.type in (T.SINGLE_CHOICE, T.YES_NO):
            wanted = self.controllers.get(node.code)
            choice = node.option(wanted) if wanted else next(o for o in node.options if not o.is_other)
            assert choice is not None
            page.locator(css_id(f"{name}.{choice.code}")).check()
            self.expected[(path, "")] = choice.code
        elif node.type == T.RATING_MATRIX:
            levels = [o.code for o in node.options]
            for index, row in enumerate(node.rows):
                level = levels[index % len(levels)]
                page.locator(css_id(f"{name}.{row.code}.{level}")).check()
                self.expected[(path, row.code)] = level
        elif node.type == T.NUMBER:
            value = numbers.get(node.code, 3)
            page.locator(css_id(name)).fill(str(value))
            self.expected[(path, "")] = Decimal(value)
        elif node.type in (T.TEXT, T.LONG_TEXT):
            text = f"Answer to {path}"
            page.locator(css_id(name)).fill(text)
            self.expected[(path, "")] = text
        elif node.type == T.DATE:
            page.locator(css_id(name)).fill("2019-05-13")
            self.expected[(path, "")] = dt.date(2019, 5, 13)
        elif node.type == T.COUNTRIES:
            if q.max_items == 1:
                page.locator(css_id(name)).select_option("JP")
            else:
                page.locator(css_id(name) + "-filter").fill("japan")
                expect(page.locator(css_id(name) + "-list [data-country-name]:visible")).to_have_count(1)
                page.locator(css_id(name) + "-JP").check()
            self.expected[(path, "")] = {"JP"}
        elif node.type == T.PARTNERSHIP:
            self.partnership(name, path)
        else:
            raise AssertionError(f"the driver cannot answer {node.type} ({path}): teach it")

    def partnership(self, name: str, path: str) -> None:
        """With the keyboard: reach the search box, type, move down the matches, press Enter."""
        page = self.page
        table, index, _ = name.split(".")
        row = page.locator(css_id(f"{table}.{index}"))
        box = row.get_by_role("combobox")
        search = self.searches.get((table, int(index)))
        box.focus()
        if search is None:
            # A name not in the list is kept as "Another partnership" when the box is left.
            page.keyboard.type("Nordic Health Cluster")
            page.keyboard.press("Tab")
            expect(page.locator(css_id(name))).to_have_value("__other__")
            expect(page.locator(css_id(f"{name}.other.text"))).to_have_value("Nordic Health Cluster")
            self.expected[(path, "")] = "Nordic Health Cluster"
            return
        typed, acronym = search
        page.keyboard.type(typed)
        listbox = row.get_by_role("listbox")
        expect(listbox).to_be_visible()
        expect(box).to_have_attribute("aria-expanded", "true")
        expect(row.locator("[aria-live=polite]")).to_have_text("1 partnership matches.")
        self.tab.check(f"partnership search for {typed}")
        page.keyboard.press("ArrowDown")
        active = box.get_attribute("aria-activedescendant")
        assert active and page.locator(f"[id='{active}']").inner_text().startswith(acronym)
        page.keyboard.press("Enter")
        expect(listbox).to_be_hidden()
        expect(page.locator(css_id(name))).to_have_value(acronym)
        self.expected[(path, "")] = acronym

    def section(self, nodes: list[QuestionNode]) -> None:
        page = self.page
        numbers = {}
        for node in nodes:
            if node.type == T.REPEAT and node.question.rows_from:
                numbers[node.question.rows_from] = self.rows.get(node.code, 1)
        for node in nodes:
            if node.type != T.REPEAT:
                self.answer(node, node.code, node.code, numbers)
                continue
            for index in range(self.rows.get(node.code, 1)):
                page.locator(css_id(node.code)).get_by_role("button", name="Add an entry").click()
                expect(page.locator(css_id(f"{node.code}.{index}"))).to_be_visible()
                for f in node.fields:
                    path = f"{node.code}.{index + 1}.{f.code}"
                    self.answer(f, f"{node.code}.{index}.{f.code}", path, numbers)


def stored(response: Response) -> dict[Key, Any]:
    """The response's answer rows, in the driver's terms."""
    found: dict[Key, Any] = {}
    rows = Answer.objects.filter(response=response).select_related(
        "question", "option", "matrix_row", "repeat_row__question", "partnership"
    )
    for a in rows:
        q = a.question
        path = f"{a.repeat_row.question.code}.{a.repeat_row.position}.{q.code}" if a.repeat_row else q.code
        if q.type == T.MULTI_CHOICE:
            assert a.option is not None
            found[(path, a.option.code)] = (a.comment, a.number, a.text)
        elif q.type in (T.SINGLE_CHOICE, T.YES_NO):
            assert a.option is not None
            found[(path, "")] = a.option.code
        elif q.type == T.RATING_MATRIX:
            assert a.option is not None and a.matrix_row is not None
            found[(path, a.matrix_row.code)] = a.option.code
        elif q.type == T.NUMBER:
            found[(path, "")] = a.number
        elif q.type == T.DATE:
            found[(path, "")] = a.date
        elif q.type == T.COUNTRIES:
            found.setdefault((path, ""), set()).add(a.country)
        elif q.type == T.PARTNERSHIP:
            found[(path, "")] = a.partnership.acronym if a.partnership else a.text
        else:
            found[(path, "")] = a.text
    return found


def walk(tab: Tab, persona: Persona, driver: Driver) -> Response:
    """From the welcome page to the confirmation, every page checked with axe."""
    page = tab.page
    structure = structure_for(persona.invitation.wave.version)
    driver.controllers = {
        n.question.shown_if["question"]: n.question.shown_if["equals"]
        for n in structure.questions()
        if n.question.shown_if
    }
    tab.open(persona.url())
    tab.check("welcome")
    page.get_by_role("link", name="Start the questionnaire").click()
    for section in structure.sections:
        expect(page.locator("h1")).to_have_text(section.title)
        tab.check(section.title)
        driver.section(section.questions)
        tab.check(f"{section.title}, answered")
        last = section.index == len(structure.sections) - 1
        page.get_by_role("button", name="Next: review your answers" if last else "Next", exact=True).click()
        expect(page.locator("#error-summary")).to_have_count(0)
    expect(page.locator("h1")).to_have_text("Review your answers")
    tab.check("review")
    acronym = persona.contact.partnership.acronym
    page.get_by_role("button", name=f"Submit the answers of {acronym}").click()
    expect(page.locator("h1")).to_have_text("Thank you: your answers are submitted")
    tab.check("confirmation")
    response = Response.objects.get(wave=persona.invitation.wave, partnership=persona.contact.partnership)
    assert response.status == Response.Status.SUBMITTED
    tab.assert_accessible()
    return response


def test_annex_a_every_question_to_submission(desktop: Tab, coordinator: Persona) -> None:
    desktop.story = "all-annex-a"
    # 40 of the ECCP's cluster organisations are in the register too: "Other ESCP" must not offer them.
    for n in range(40):
        PartnershipFactory.create(acronym=f"CO-{n:03d}", programme="eccp", group="cluster-organisation")
    driver = Driver(tab=desktop, rows={"A5": 1, "A7": 2}, searches={("A7", 0): ("elb", "ELBE")})
    response = walk(desktop, coordinator, driver)
    assert stored(response) == driver.expected
    # By hand: the agreement row, the two collaborations (one found by search, one typed).
    assert driver.expected[("A5.1.country", "")] == {"JP"}
    assert (driver.expected[("A7.1.partnership", "")], driver.expected[("A7.2.partnership", "")]) == (
        "ELBE",
        "Nordic Health Cluster",
    )
    assert driver.expected[("A6", "")] == "yes"


def test_a_cluster_organisation_is_not_found_by_the_partnership_search(desktop: Tab, coordinator: Persona) -> None:
    page = desktop.page
    PartnershipFactory.create(acronym="CO-ALPHA", name="Alpha Cluster", programme="eccp", group="cluster-organisation")
    desktop.open(coordinator.url("section", "achievements"))
    page.locator("#id-A6-yes").check()
    page.get_by_role("button", name="Add an entry to A7").click()
    box = page.locator("#id-A7-0").get_by_role("combobox")
    expect(box).to_be_focused()  # the new row's first field
    page.keyboard.press("Shift+Tab")
    tab_to(desktop, id=box.get_attribute("id") or "")
    page.keyboard.type("alpha")
    status = page.locator("#id-A7-0 [aria-live=polite]")
    expect(status).to_contain_text("No partnership in the list matches “alpha”")
    expect(page.locator("#id-A7-0 [role=option]")).to_have_text(["Another partnership (not in this list)"])
    # Escape closes the list and Enter never sends the page.
    page.keyboard.press("Escape")
    expect(page.locator("#id-A7-0").get_by_role("listbox")).to_be_hidden()
    page.keyboard.press("Control+a")
    page.keyboard.type("bio")
    expect(status).to_have_text("1 partnership matches.")
    page.keyboard.press("Enter")
    expect(page.locator("#id-A7-0-partnership")).to_have_value("BioXclusters")
    expect(box).to_have_value("BioXclusters – Partnership BioXclusters")
    expect(page.locator("h1")).to_have_text("Achievements")
    # Tab away from a highlighted match takes it too.
    page.keyboard.press("Control+a")
    page.keyboard.type("ec2")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    expect(page.locator("#id-A7-0-partnership")).to_have_value("EC2i")
    expect(page.locator("#id-A7-0-partnership-other-text-box")).to_be_hidden()
    desktop.check("partnership chosen")
    desktop.assert_accessible()


def test_annex_b_every_question_to_submission(desktop: Tab, wave_s3: Wave, register_s3: dict[str, Contact]) -> None:
    desktop.story = "all-annex-b"
    driver = Driver(tab=desktop)
    response = walk(desktop, make_persona(wave_s3, register_s3["coordinator"]), driver)
    assert stored(response) == driver.expected


def test_eccp_every_question_to_submission(desktop: Tab, questionnaires: dict[str, Any]) -> None:
    desktop.story = "all-eccp"
    version = questionnaires["eccp-user-satisfaction"].latest_version()
    organisation = PartnershipFactory.create(acronym="CLU-1", programme="eccp", group="cluster-organisation")
    contact = ContactFactory.create(partnership=organisation)
    wave = wave_open(version=version, slug="eccp-2019", opens_at=days(-1), closes_at=days(10))
    driver = Driver(tab=desktop)
    response = walk(desktop, make_persona(wave, contact), driver)
    assert stored(response) == driver.expected
    # C5 by hand: its six services rated 1, 2, 3, 4, 5 and 1 again.
    c5 = {row: level for (path, row), level in driver.expected.items() if path == "C5"}
    assert c5 == {
        "news": "1",
        "events": "2",
        "digest": "3",
        "mapping_tool": "4",
        "partner_search": "5",
        "information": "1",
    }
