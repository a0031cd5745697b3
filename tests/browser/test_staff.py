"""The Observatory's staff in a real browser: register, wave, invitations, report dashboard."""

from __future__ import annotations

import csv
import datetime as dt
import re
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from surveys.models import Contact, Invitation, Partnership, Response, Wave
from tests.browser.conftest import Tab
from tests.conftest import Persona
from tests.factories import StaffFactory
from tests.journey.test_journey_annex_a import ACHIEVEMENTS, ACTIVITIES, RESPONDENT, post

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REGISTER = [
    ["acronym", "name", "programme", "group", "contact_name", "contact_email"],
    ["GCA", "Global Cluster Alliance", "escp-4i", "strand-1", "Ada Coordinator", "ada@gca.example.org"],
    ["GCA", "Global Cluster Alliance", "escp-4i", "strand-1", "Ben Colleague", "ben@gca.example.org"],
    ["ELBE", "European Logistics and Blue Economy", "escp-4i", "strand-1", "Cleo Outsider", "cleo@elbe.example.org"],
    ["EC2i", "Euro Clusters to India", "escp-4i", "strand-2", "Dan Strand", "dan@ec2i.example.org"],
]


def sign_in(tab: Tab) -> None:
    StaffFactory()
    tab.open("/admin/login/?next=/admin/")
    tab.page.get_by_label("Username").fill("staff")
    tab.page.get_by_label("Password").fill("staff-password")
    tab.page.get_by_role("button", name="Log in").click()
    expect(tab.page.locator("#user-tools")).to_contain_text("staff")


def admin_datetime(page: Page, field: str, moment: dt.datetime) -> None:
    local = timezone.localtime(moment)
    page.locator(f"#id_{field}_0").fill(local.strftime("%Y-%m-%d"))
    page.locator(f"#id_{field}_1").fill(local.strftime("%H:%M:%S"))


def test_an_admin_imports_partnerships_opens_a_wave_and_sends_invitations(
    desktop: Tab, questionnaires: dict[str, Any], tmp_path: Path, mailoutbox: list[Any]
) -> None:
    tab, page = desktop, desktop.page
    tab.story = "admin"
    sign_in(tab)
    tab.check("admin home", axe=False)

    # 1. The register: a CSV file, previewed, then confirmed.
    register = tmp_path / "register.csv"
    with register.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(REGISTER)
    tab.open("/admin/surveys/partnership/")
    page.get_by_role("link", name="Import").click()
    page.locator("input[type=file]").set_input_files(register)
    page.locator("select[name=format]").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("table.import-preview")).to_contain_text("ada@gca.example.org")
    tab.check("import preview", axe=False)
    assert not Partnership.objects.exists()  # the preview writes nothing
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".messagelist")).to_contain_text("Import finished")
    tab.check("partnerships imported", axe=False)
    assert sorted(Partnership.objects.values_list("acronym", flat=True)) == ["EC2i", "ELBE", "GCA"]
    assert Contact.objects.count() == 4

    # 2. A wave of Annex A for both strands, open since this morning, closing in three weeks.
    tab.open("/admin/surveys/wave/add/")
    page.get_by_label("Version").select_option(label=str(questionnaires["escp-4i-progress"].latest_version()))
    page.get_by_label("Slug").fill("escp-4i-2026")
    admin_datetime(page, "opens_at", timezone.now() - dt.timedelta(hours=1))
    admin_datetime(page, "closes_at", timezone.now() + dt.timedelta(days=21))
    page.get_by_label("Groups").fill("strand-1, strand-2")
    tab.check("open a wave", axe=False)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("escp-4i-2026")
    wave = Wave.objects.get(slug="escp-4i-2026")
    assert sorted(wave.responses.values_list("partnership__acronym", flat=True)) == ["EC2i", "ELBE", "GCA"]
    assert Invitation.objects.filter(wave=wave).count() == 4
    assert not mailoutbox  # opening a wave sends nothing by itself

    # 3. Invitations, from the wave list's actions.
    tab.open("/admin/surveys/wave/")
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option(value="send_invitations")
    page.get_by_role("button", name="Go").click()
    expect(page.locator("body")).to_contain_text("4 invitations queued")
    tab.check("invitations sent", axe=False)
    recipients = {parseaddr(m.to[0])[1]: m for m in mailoutbox}
    assert sorted(recipients) == [
        "ada@gca.example.org",
        "ben@gca.example.org",
        "cleo@elbe.example.org",
        "dan@ec2i.example.org",
    ]

    # The coordinator's email carries a personal link that opens the survey for GCA.
    ada = recipients["ada@gca.example.org"]
    link = re.search(r"https?://\S+/r/[\w-]+/", ada.body)
    assert link, ada.body
    tab.open("/r/" + link.group(0).split("/r/", 1)[1])
    expect(page.locator("h1")).to_have_text("ESCP-4i Progress Survey")
    expect(page.get_by_text("You are answering for")).to_contain_text("Global Cluster Alliance")
    assert Response.objects.get(wave=wave, partnership__acronym="GCA").status == Response.Status.NOT_STARTED


def test_a_staff_member_opens_the_report_dashboard_and_sees_its_charts(
    desktop: Tab, coordinator: Persona, outsider: Persona
) -> None:
    # Two partnerships of strand-1 submit Annex A through the journey.
    answers = [
        (coordinator, ["sme_engagement"], "ELBE"),
        (outsider, ["sme_engagement", "policy_makers"], "GCA"),  # never itself as the other ESCP
    ]
    for persona, a3, other_escp in answers:
        client = Client()
        steps: list[tuple[str, dict[str, Any]]] = [
            ("respondent", RESPONDENT),
            ("activities", ACTIVITIES),
            ("barriers", {"A3": a3}),
            ("achievements", {**ACHIEVEMENTS, "A7.0.partnership": other_escp}),
            ("benefits", {}),
            ("practices", {}),
        ]
        for section, data in steps:
            assert post(client, persona, section, data).status_code == 302, section
        assert client.post(persona.url("submit")).status_code == 302
    wave = coordinator.invitation.wave
    assert wave.responses.filter(status=Response.Status.SUBMITTED).count() == 2

    tab, page = desktop, desktop.page
    tab.story = "reports"
    sign_in(tab)
    assert tab.open(reverse("reports:dashboard", args=[wave.slug])) == 200
    expect(page.locator("h1")).to_contain_text(wave.title)
    # GCA, ELBE and EC2i were invited (both strands); GCA and ELBE submitted.
    expect(page.locator("main")).to_contain_text("2 of 3 invited partnerships completed the survey (67%)")
    tab.check("dashboard", axe=False)
    # The charts are drawn as inline SVG, each with a size on the screen and a title.
    charts = page.locator("figure .report-chart > svg")
    assert charts.count() >= 5
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 50, f"chart {index} is not drawn: {box}"
        assert chart.locator("title").count() >= 1 or chart.get_attribute("aria-label"), f"chart {index} has no title"
    barriers = page.locator("figure").filter(has_text="Engagement of SMEs in project activities")
    expect(barriers.first.locator(".report-chart > svg")).to_be_visible()
