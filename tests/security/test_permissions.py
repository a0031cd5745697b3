"""Every URL and admin action against every role: allowed exactly when the rule's permissions
are held (tests/security/rules.py), refused (403, or the login page) otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from outreach.models import EmailTemplate, OutreachPolicy
from outreach.services import invitations_send
from surveys.models import CollaborationConfirmation, Partnership, Response, UnsavedEdit, Wave
from surveys.permissions import ANALYST, OBSERVATORY_ADMIN, ROLES, SURVEY_MANAGER, VIEWER, roles_sync
from surveys.services.waves import response_extend, wave_open
from tests.conftest import Persona
from tests.factories import days
from tests.reports.conftest import answers_4i
from tests.security.rules import ADMIN_MODEL_URL, NOBODY, PUBLIC, STAFF, Rule, action_rule, url_rule

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
NO_PERMISSION = "staff without permissions"
SUPERUSER = "superuser"
PERSONAS = [ANONYMOUS, NO_PERMISSION, VIEWER, ANALYST, SURVEY_MANAGER, OBSERVATORY_ADMIN, SUPERUSER]


@dataclass
class Walked:
    name: str
    route: str
    pattern: URLPattern


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Walked]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace or "") if x)
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            continue
        route = prefix + str(p.pattern)
        if p.name:
            name = f"{namespace}:{p.name}" if namespace else p.name
        elif route.endswith("(?P<url>.*)$"):
            name = f"{namespace}:<catch-all>"
        else:
            # The admin's unnamed "<model>/<id>/" redirect to the change page.
            name = f"{namespace}:<unnamed> {route}"
        yield Walked(name, route, p)


def every_url() -> list[Walked]:
    return list(walk(get_resolver().url_patterns))


def urls_without_rule() -> list[str]:
    missing = []
    for url in every_url():
        if url.name.startswith("admin:<unnamed>"):
            continue  # a redirect to the change page, which has its rule
        if url_rule(url.name) is None:
            missing.append(
                f"{url.name} ({url.route}): add a row to URL_RULES in tests/security/rules.py, e.g.\n"
                f'    "{url.name}": Rule(("app.the_permission",)),  (or PUBLIC / STAFF; method="POST" for a POST-only view)'
            )
    return missing


def test_every_url_has_a_rule() -> None:
    missing = urls_without_rule()
    assert not missing, "URLs without a permission rule:\n" + "\n".join(missing)


def _new_page(request: Any) -> HttpResponse:
    return HttpResponse()


# The site's URLs and one more, as a helper adding a page would have them.
urlpatterns = [
    *get_resolver("escp_survey.urls").url_patterns,
    path("staff/waves/<slug:slug>/close/", _new_page, name="new_close"),
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_new_url_without_a_rule_is_named_with_the_row_to_add() -> None:
    assert urls_without_rule() == [
        "new_close (staff/waves/<slug:slug>/close/): add a row to URL_RULES in tests/security/rules.py, e.g.\n"
        '    "new_close": Rule(("app.the_permission",)),  (or PUBLIC / STAFF; method="POST" for a POST-only view)'
    ]


@pytest.fixture
def world(wave_4i: Wave, coordinator: Persona) -> dict[str, Any]:
    """One of everything a URL may name, with the 4i wave's demo answers."""
    answers_4i(wave_4i)
    later = wave_open(
        version=wave_4i.version, slug="escp-4i-2020", opens_at=days(-1), closes_at=days(30), previous=wave_4i
    )
    invitations_send(wave=wave_4i)
    draft = Response.objects.get(wave=wave_4i, partnership__acronym="EC2i")
    response_extend(response=draft, deadline=days(40), by=None)
    EmailTemplate.objects.create(wave=wave_4i, kind="invitation", subject="S", text_body="T", html_body="<p>H</p>")
    OutreachPolicy.objects.get_or_create(wave=wave_4i)
    UnsavedEdit.objects.create(
        response=draft,
        section=wave_4i.version.sections.order_by("position")[0],
        reason=UnsavedEdit.Reason.choices[0][0],
        inputs={"A1": "typed after the deadline"},
    )
    CollaborationConfirmation.objects.create(
        response=Response.objects.get(wave=wave_4i, partnership__acronym="ELBE"),
        claimant=Response.objects.get(wave=wave_4i, partnership__acronym="GCA"),
        answered_at=days(0),
    )
    # One row of each of django-celery-beat's models (the admin redirects on a missing one
    # before asking for a permission).
    interval = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.SECONDS)
    CrontabSchedule.objects.create()
    SolarSchedule.objects.create(event="sunrise", latitude=50.85, longitude=4.35)
    ClockedSchedule.objects.create(clocked_time=days(1))
    PeriodicTask.objects.create(name="probe", task="surveys.close_due_waves", interval=interval)
    users = {persona: _user(persona) for persona in PERSONAS if persona != ANONYMOUS}
    return {"wave": wave_4i, "later": later, "key": coordinator.key, "users": users}


def _user(persona: str) -> User:
    user = User.objects.create_user(
        username=persona.replace(" ", "-").lower(),
        password="x",
        is_staff=True,
        is_superuser=persona == SUPERUSER,
    )
    if persona in ROLES:
        user.groups.add(Group.objects.get(name=persona))
    return user


def _object_id(name: str) -> str:
    match = ADMIN_MODEL_URL.match(name)
    if match is None or (match["app"], match["model"]) == ("auth_user", "password"):
        return "1"
    model = apps.get_model(match["app"], match["model"])
    return str(model._default_manager.order_by("pk").values_list("pk", flat=True).first())


def _kwargs(url: Walked, rule: Rule, world: dict[str, Any]) -> dict[str, str]:
    wave: Wave = world["wave"]
    fill = {
        "slug": wave.slug,
        "acronym": "EC2i",
        "key": world["key"],
        "section": wave.version.sections.order_by("position").first().code,  # type: ignore[union-attr]
        "code": wave.version.questionnaire.code,
        "number": str(wave.version.number),
        "object_id": _object_id(url.name),
        "id": str(User.objects.order_by("pk").first().pk),  # type: ignore[union-attr]
        "content_type_id": str(ContentType.objects.get_for_model(Partnership).pk),
        "pk": str(EmailTemplate.objects.order_by("pk").values_list("pk", flat=True).first()),
    }
    if url.name == "reports:compare":
        fill["slug"] = world["later"].slug
    names = set(url.pattern.pattern.regex.groupindex)
    return {k: v for k, v in {**fill, **rule.kwargs}.items() if k in names}


def _allowed(rule: Rule, persona: str) -> bool:
    if rule.perms == PUBLIC:
        return True
    if persona == ANONYMOUS or rule.perms == NOBODY:
        return False
    if rule.perms == STAFF or persona == SUPERUSER:
        return True
    held = ROLES.get(persona, [])
    return held == ["*"] or all(p in held for p in rule.perms)


def _refused(response: Any, rule: Rule) -> bool:
    if response.status_code == 403:
        return True
    if response.status_code == 302 and response["Location"].startswith(reverse("admin:login")):
        return True
    return rule.refused_as_404 and response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_by_permission(world: dict[str, Any], persona: str) -> None:
    wrong = []
    for url in every_url():
        rule = url_rule(url.name)
        if rule is None:
            continue  # test_every_url_has_a_rule names it
        kwargs = _kwargs(url, rule, world)
        prefix = f"{url.pattern.pattern}"
        path = _path(url, kwargs)
        if path is None:
            continue
        client = Client()
        if persona != ANONYMOUS:
            client.force_login(world["users"][persona])
        full = path + (f"?{rule.query}" if rule.query else "")
        response = client.post(full) if rule.method == "POST" else client.get(full)
        assert response.status_code < 500, f"{persona} {rule.method} {full}: {response.status_code}"
        expected = _allowed(rule, persona)
        if _refused(response, rule) == expected:
            wrong.append(
                f"{url.name} {rule.method} {full} ({prefix}): {response.status_code}, "
                f"expected {'allowed' if expected else 'refused'} for {persona}"
            )
    assert not wrong, "\n".join(wrong)


def _path(url: Walked, kwargs: dict[str, str]) -> str | None:
    if url.name.startswith("admin:<unnamed>"):
        return None
    if url.name == "admin:<catch-all>":
        return "/admin/" + kwargs["url"]
    return reverse(url.name, kwargs=kwargs)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != ANONYMOUS])
def test_every_admin_action_answers_by_permission(world: dict[str, Any], persona: str) -> None:
    wrong, missing = [], []
    for model, model_admin in admin.site._registry.items():
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        request = RequestFactory().get("/admin/")
        request.user = world["users"][persona]
        offered = set(model_admin.get_actions(request))
        for _, name, _ in model_admin._get_base_actions():  # type: ignore[attr-defined]
            perms = action_rule(label, name)
            if perms is None:
                missing.append(
                    f'"{label}:{name}": ("app.the_permission",),  in ACTION_RULES of tests/security/rules.py'
                )
                continue
            expected = _allowed(Rule(perms), persona)
            if (name in offered) != expected:
                wrong.append(f"{label}:{name} {'offered' if name in offered else 'not offered'} to {persona}")
    assert not missing, "Admin actions without a permission rule:\n" + "\n".join(missing)
    assert not wrong, "\n".join(wrong)


def test_the_roles_hold_what_docs_roles_says(world: dict[str, Any]) -> None:
    def held(group: str) -> set[str]:
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=group).permissions.select_related("content_type")
        }

    assert held(VIEWER) == {"reports.view_report"}
    analyst = held(ANALYST)
    assert {"reports.view_report", "surveys.export_responses", "surveys.view_response"} <= analyst
    assert not analyst & {
        "surveys.view_contact",
        "outreach.send_messages",
        "surveys.reopen_response",
        "surveys.import_register",
        "surveys.import_responses",
        "surveys.change_wave",
    }
    manager = held(SURVEY_MANAGER)
    assert {
        "surveys.change_wave",
        "outreach.send_messages",
        "surveys.reopen_response",
        "surveys.import_responses",
        "surveys.export_responses",
        "surveys.import_register",
        "surveys.view_contact",
    } <= manager
    assert "auth.change_user" not in manager
    assert held(OBSERVATORY_ADMIN) == {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.all()}


def test_roles_sync_keeps_what_was_granted_by_hand(db: None) -> None:
    analyst = Group.objects.get(name=ANALYST)
    analyst.permissions.add(Permission.objects.get(codename="view_contact"))
    roles_sync()
    assert analyst.permissions.filter(codename="view_contact").exists()


def test_a_staff_account_without_permissions_sees_an_empty_admin(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["users"][NO_PERMISSION])
    page = client.get(reverse("admin:index")).content.decode()
    assert "You don’t have permission to view or edit anything" in page
    assert "/admin/surveys/" not in page


def test_a_view_only_account_cannot_reopen_a_submitted_response(world: dict[str, Any]) -> None:
    user = world["users"][NO_PERMISSION]
    user.user_permissions.add(Permission.objects.get(codename="view_response"))
    submitted = Response.objects.get(wave=world["wave"], partnership__acronym="GCA")
    client = Client()
    client.force_login(user)
    client.post(
        reverse("admin:surveys_response_changelist"),
        {"action": "reopen_responses", "_selected_action": [submitted.pk]},
    )
    submitted.refresh_from_db()
    assert submitted.status == Response.Status.SUBMITTED
    assert submitted.reopened_at is None


def test_a_survey_manager_reopens_a_submitted_response(world: dict[str, Any]) -> None:
    submitted = Response.objects.get(wave=world["wave"], partnership__acronym="GCA")
    client = Client()
    client.force_login(world["users"][SURVEY_MANAGER])
    client.post(
        reverse("admin:surveys_response_changelist"),
        {"action": "reopen_responses", "_selected_action": [submitted.pk]},
    )
    submitted.refresh_from_db()
    assert submitted.status == Response.Status.DRAFT
    assert submitted.reopened_at is not None and submitted.reopened_at <= timezone.now()
