"""Who may open each URL and use each admin action: the table the permission tests walk.

Every URL the URL conf resolves needs a row here (admin model pages get theirs from the
admin's conventions below); a URL without one fails `test_every_url_has_a_rule` with the row
to add. `perms` are all needed; PUBLIC: anyone, anonymous too (respondent links carry their
key); STAFF: any staff login without a permission; NOBODY: refused to everyone (a page the
admin disables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PUBLIC = "public"
STAFF = "staff"
NOBODY = "nobody"


@dataclass(frozen=True)
class Rule:
    perms: tuple[str, ...] | str
    method: str = "GET"
    query: str = ""
    # Django's admin answers 404 instead of 403 on some pages (an app without a visible model).
    refused_as_404: bool = False
    # Keyword arguments for this URL beyond those the test fills by name (slug, key, …).
    kwargs: dict[str, str] = field(default_factory=dict)


R = "reports.view_report"

URL_RULES: dict[str, Rule] = {
    # The respondent's journey: the key is the access check (tests/surveys).
    "journey:home": Rule(PUBLIC),
    "journey:welcome": Rule(PUBLIC),
    "journey:section": Rule(PUBLIC),
    "journey:review": Rule(PUBLIC),
    "journey:submit": Rule(PUBLIC),
    "journey:plausibility_notes": Rule(PUBLIC),
    "journey:collaborations": Rule(PUBLIC),
    "journey:done": Rule(PUBLIC),
    "journey:copy": Rule(PUBLIC),
    "journey:accessibility": Rule(PUBLIC),
    "journey:prefill": Rule(PUBLIC, method="POST"),  # start from the previous wave's answers
    "journey:section_unchanged": Rule(PUBLIC, method="POST"),  # a section as last year
    "journey:blank_copy": Rule(PUBLIC),  # the blank questionnaire, from the welcome page
    "surveys:blank_questionnaire": Rule(("surveys.view_questionnaireversion",)),
    "surveys:version_changes": Rule(("surveys.view_questionnaireversion",)),
    "surveys:wave_warnings": Rule(("surveys.view_response",)),
    # Reports.
    "reports:wave_list": Rule((R,)),
    "reports:dashboard": Rule((R,)),
    "reports:compare": Rule((R,)),
    "reports:comments": Rule((R, "surveys.view_response")),
    "reports:excel": Rule((R,)),
    "reports:json": Rule((R,)),
    "reports:figure": Rule((R,), kwargs={"name": "population", "fmt": "svg"}),
    # The Word draft and the printable report quote the comments: answers, like the comments page.
    "reports:docx": Rule((R, "surveys.view_response")),
    "reports:printable": Rule((R, "surveys.view_response")),
    "reports:figure_choice": Rule((R,), method="POST", kwargs={"name": "population"}),
    # Outreach: the messages page lists the contacts' addresses.
    "outreach:wave_messages": Rule(("outreach.view_message", "surveys.view_contact")),
    "outreach:wave_messages_status": Rule(("outreach.view_message",)),
    "outreach:wave_send_invitations": Rule(("outreach.send_messages",), method="POST"),
    "outreach:wave_send_reminders": Rule(("outreach.send_messages",), method="POST"),
    "outreach:wave_retry_failed": Rule(("outreach.send_messages",), method="POST"),
    "outreach:wave_extend": Rule(("surveys.change_wave",)),
    "outreach:response_extend": Rule(("surveys.change_wave",)),
    "outreach:wave_close": Rule(("surveys.change_wave",)),  # GET: the confirmation page
    "outreach:template_preview_html": Rule(("outreach.view_emailtemplate",)),
    # Excel exchange.
    "exchange:wave_excel": Rule(("surveys.export_responses",)),
    "exchange:export": Rule(("surveys.export_responses",), method="POST"),
    # An export's page and file: refused without the permission; another person's is a 404.
    "exchange:export_job": Rule(("surveys.export_responses",)),
    "exchange:export_file": Rule(("surveys.export_responses",)),
    "exchange:import": Rule(("surveys.import_responses",), method="POST"),
    "exchange:import_confirm": Rule(("surveys.import_responses",), method="POST"),
    # A job's page: refused without the permission; with it, another person's job is a 404.
    "exchange:import_job": Rule(("surveys.import_responses",)),
    # The admin's own pages.
    "admin:login": Rule(PUBLIC),
    "admin:index": Rule(STAFF),  # a staff account without permissions sees an empty index
    "admin:logout": Rule(PUBLIC, method="POST"),  # logging out is harmless, logged in or not
    "admin:password_change": Rule(STAFF),
    "admin:password_change_done": Rule(STAFF),
    "admin:jsi18n": Rule(STAFF),
    # Django's admin 404s on a catch-all address for staff, sends others to the login page.
    "admin:<catch-all>": Rule(STAFF, kwargs={"url": "no-such-page/"}),
    "admin:autocomplete": Rule(
        ("surveys.view_partnership",), query="app_label=surveys&model_name=contact&field_name=partnership"
    ),
    # The "view on site" redirect: none of the models has a public page (404 for staff).
    "admin:view_on_site": Rule(STAFF),
    "admin:app_list": Rule(("surveys.view_wave",), refused_as_404=True, kwargs={"app_label": "surveys"}),
    "admin:auth_user_password_change": Rule(("auth.change_user",)),
    # The register's import and export (django-import-export on the partnership admin).
    "admin:surveys_partnership_import": Rule(("surveys.import_register",)),
    "admin:surveys_partnership_process_import": Rule(("surveys.import_register",), method="POST"),
    "admin:surveys_partnership_export": Rule(("surveys.view_contact",)),
    # Pages the admins disable for everyone: versions come from files, responses and
    # messages from the services, answers from the journey.
    "admin:surveys_questionnaireversion_add": Rule(NOBODY),
    "admin:surveys_response_add": Rule(NOBODY),
    "admin:surveys_answer_add": Rule(NOBODY),
    "admin:outreach_message_add": Rule(NOBODY),
    "admin:surveys_deadlineextension_add": Rule(NOBODY),
    # Typing kept after a deadline comes from the journey; the message log is never deleted.
    "admin:surveys_unsavededit_add": Rule(NOBODY),
    "admin:outreach_message_delete": Rule(NOBODY),
    # Collaboration answers come from the named partnership's journey: staff only read them.
    "admin:surveys_collaborationconfirmation_add": Rule(NOBODY),
    "admin:surveys_collaborationconfirmation_delete": Rule(NOBODY),
}

# The admin's pages of a registered model: Django checks the model's own permission.
ADMIN_MODEL_URL = re.compile(
    r"^admin:(?P<app>[a-z_]+?)_(?P<model>[a-z]+)_(?P<view>changelist|add|change|delete|history)$"
)
ADMIN_VIEW_PERM = {"changelist": "view", "change": "view", "history": "view", "add": "add", "delete": "delete"}


def url_rule(name: str) -> Rule | None:
    if name in URL_RULES:
        return URL_RULES[name]
    match = ADMIN_MODEL_URL.match(name)
    if match:
        return Rule((f"{match['app']}.{ADMIN_VIEW_PERM[match['view']]}_{match['model']}",))
    return None


# Admin actions, by "<app>.<model>:<action>". delete_selected (every admin's) needs the
# model's delete permission (Django's rule, checked by the same table).
ACTION_RULES: dict[str, tuple[str, ...] | str] = {
    # The message log is what was sent: nobody deletes it (outreach.admin.MessageAdmin).
    "outreach.message:delete_selected": NOBODY,
    # Collaboration answers are the respondents' (surveys.admin.CollaborationConfirmationAdmin).
    "surveys.collaborationconfirmation:delete_selected": NOBODY,
    "surveys.wave:send_invitations": ("outreach.send_messages",),
    "surveys.wave:send_reminders": ("outreach.send_messages",),
    "surveys.wave:close_now": ("surveys.change_wave",),
    "surveys.wave:export_responses": ("surveys.export_responses",),
    "surveys.wave:export_responses_with_texts": ("surveys.export_responses",),
    "surveys.response:reopen_responses": ("surveys.reopen_response",),
    "surveys.response:mark_checked": ("surveys.review_response",),
    "surveys.response:send_back": ("surveys.reopen_response",),
    "outreach.message:retry": ("outreach.send_messages",),
    "django_celery_beat.periodictask:enable_tasks": ("django_celery_beat.change_periodictask",),
    "django_celery_beat.periodictask:disable_tasks": ("django_celery_beat.change_periodictask",),
    "django_celery_beat.periodictask:toggle_tasks": ("django_celery_beat.change_periodictask",),
    "django_celery_beat.periodictask:run_tasks": ("django_celery_beat.change_periodictask",),
}


def action_rule(label: str, action: str) -> tuple[str, ...] | str | None:
    if f"{label}:{action}" in ACTION_RULES:
        return ACTION_RULES[f"{label}:{action}"]
    if action == "delete_selected":
        app, model = label.split(".")
        return (f"{app}.delete_{model}",)
    return ACTION_RULES.get(f"{label}:{action}")
