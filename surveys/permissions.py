"""Who may do what among the Observatory's staff: the named permissions, the four roles that
bundle them (Django groups), and the one decorator every staff page outside the admin uses.

A staff account holds nothing by itself: it sees a page only when one of its groups (or a
permission granted to the account itself) names that page's permission. The roles are
described for people in docs/roles.md; the tests in tests/security/test_permissions.py walk
every URL and admin action with each role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required

View = TypeVar("View", bound=Callable[..., Any])

# The permissions the team names (besides Django's own add/change/delete/view_<model>).
VIEW_REPORT = "reports.view_report"  # dashboards, comparison, figures, JSON, Excel report
SEND_MESSAGES = "outreach.send_messages"  # invitations, reminders, sending failed ones again
CHANGE_WAVE = "surveys.change_wave"  # extend deadlines, close early, open waves
REOPEN_RESPONSE = "surveys.reopen_response"  # reopen a submitted response / send it back
REVIEW_RESPONSE = "surveys.review_response"  # mark a submitted response checked
EXPORT_RESPONSES = "surveys.export_responses"
IMPORT_RESPONSES = "surveys.import_responses"
IMPORT_REGISTER = "surveys.import_register"  # import partnerships and contacts
VIEW_CONTACT = "surveys.view_contact"  # contacts' names and emails (the register export too)
VIEW_RESPONSE = "surveys.view_response"  # read answers (comments and texts included)


def staff_permission_required(*permissions: str) -> Callable[[View], View]:
    """A staff page that needs every one of `permissions`.

    Anyone not logged in as staff is sent to the admin's login page; a staff account without
    the permissions gets 403. One decorator per view, so that a page's permission is read at
    its definition.
    """
    if not permissions:
        raise ValueError("Name at least one permission: a staff page open to any staff account is what this prevents.")

    def decorator(view: View) -> View:
        checked = permission_required(list(permissions), raise_exception=True)(view)
        return staff_member_required(checked)  # type: ignore[return-value]

    return decorator


OBSERVATORY_ADMIN = "Observatory admin"
SURVEY_MANAGER = "Survey manager"
ANALYST = "Analyst"
VIEWER = "Viewer"

# Every permission of the role; `"*"`: every permission of the site (the admin role).
ROLES: dict[str, list[str]] = {
    OBSERVATORY_ADMIN: ["*"],
    SURVEY_MANAGER: [
        VIEW_REPORT,
        "surveys.view_questionnaire",
        "surveys.view_questionnaireversion",
        "surveys.add_wave",
        CHANGE_WAVE,
        "surveys.view_wave",
        VIEW_RESPONSE,
        "surveys.view_answer",
        # Read only: who confirmed a collaboration (the answering contact's name shows).
        "surveys.view_collaborationconfirmation",
        REOPEN_RESPONSE,
        REVIEW_RESPONSE,
        EXPORT_RESPONSES,
        IMPORT_RESPONSES,
        IMPORT_REGISTER,
        "surveys.add_partnership",
        "surveys.change_partnership",
        "surveys.view_partnership",
        "surveys.add_contact",
        "surveys.change_contact",
        VIEW_CONTACT,
        "surveys.change_invitation",
        "surveys.view_invitation",
        SEND_MESSAGES,
        "outreach.view_message",
        "outreach.add_emailtemplate",
        "outreach.change_emailtemplate",
        "outreach.view_emailtemplate",
        "outreach.add_outreachpolicy",
        "outreach.change_outreachpolicy",
        "outreach.view_outreachpolicy",
        "surveys.view_deadlineextension",
    ],
    # Reports, exports and comments; no contacts (grant surveys.view_contact to a person who needs them).
    ANALYST: [
        VIEW_REPORT,
        "surveys.view_questionnaire",
        "surveys.view_questionnaireversion",
        "surveys.view_wave",
        VIEW_RESPONSE,
        "surveys.view_answer",
        "surveys.view_partnership",
        EXPORT_RESPONSES,
    ],
    VIEWER: [VIEW_REPORT],
}


def roles_sync(*, apps: Apps = global_apps) -> None:
    """Create the four groups and add to each the permissions its role names.

    Only adds: a permission an administrator gave a group by hand stays. Run by the roles
    migration and after every `migrate` (so that the admin role also holds the permissions of
    models added later); `apps` is the migration's historical registry there.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    everything = permission_model.objects.select_related("content_type")
    by_name = {f"{p.content_type.app_label}.{p.codename}": p for p in everything}
    for name, wanted in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        if wanted == ["*"]:
            chosen = list(by_name.values())
        else:
            missing = [w for w in wanted if w not in by_name]
            if missing and apps is not global_apps:
                # A migration's registry predates permissions added later (review_response by
                # 0009): those are added by the sync after the last migration, which checks.
                wanted = [w for w in wanted if w in by_name]
                missing = []
            if missing:
                raise LookupError(f"Role {name!r} names permissions that do not exist: {', '.join(missing)}")
            chosen = [by_name[w] for w in wanted]
        group.permissions.add(*chosen)
