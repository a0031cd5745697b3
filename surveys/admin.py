"""The Observatory's admin for the survey engine (staff only).

The back office (`backoffice/`, above the engine, outreach and exchange) adds their actions
and links to these pages from its `AppConfig.ready()` (`LINKS`, and the admins' `actions`):
the engine imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask
from import_export.admin import ImportExportModelAdmin

from surveys import admin_review
from surveys.definition.structure import structure_for
from surveys.display import shown_sections
from surveys.models import (
    Answer,
    CollaborationConfirmation,
    Contact,
    DeadlineExtension,
    Invitation,
    Partnership,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    Section,
    UnsavedEdit,
    Wave,
)
from surveys.resources import RegisterResource
from surveys.services.deletions import answers_delete, responses_delete
from surveys.services.plausibility import notes_by_key, response_warnings, wave_warnings
from surveys.services.waves import wave_open
from surveys.spreadsheet import SAFE_FORMATS
from surveys.uploads import UploadRefused
from surveys.values import load_values

# What the apps above add to the wave's and the response's pages, by name: a function of
# the object giving the link (see their apps.py). A name nobody filled shows a dash.
LINKS: dict[str, Callable[[Any], SafeString | str]] = {}


def _link(name: str, obj: Any) -> SafeString | str:
    link = LINKS.get(name)
    return link(obj) if link else "–"


class VersionInline(admin.TabularInline):
    model = QuestionnaireVersion
    fields = ("number", "title", "minutes_needed", "source", "created_at", "print_link")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Blank questionnaire")
    def print_link(self, obj: QuestionnaireVersion) -> SafeString:
        url = reverse("surveys:blank_questionnaire", args=[obj.questionnaire.code, obj.number])
        return format_html('<a href="{}">Print</a>', url)


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "version_count"]
    inlines = [VersionInline]
    readonly_fields = ["code"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Questionnaire]:
        return super().get_queryset(request).annotate(version_total=Count("versions"))

    @admin.display(description="Versions", ordering="version_total")
    def version_count(self, obj: Questionnaire) -> int:
        return obj.version_total  # type: ignore[attr-defined]


class SectionInline(admin.TabularInline):
    model = Section
    fields = ("position", "code", "title")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are loaded from definition files (`load_questionnaires`)."""

    list_display = ["__str__", "title", "groups", "population_plural", "minutes_needed", "created_at", "print_link"]
    list_filter = ["questionnaire"]
    readonly_fields = [
        "questionnaire",
        "number",
        "title",
        "description",
        "groups",
        "population_singular",
        "population_plural",
        "minutes_needed",
        "checksum",
        "source",
        "print_link",
    ]
    exclude = ["definition"]
    inlines = [SectionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Blank questionnaire")
    def print_link(self, obj: QuestionnaireVersion) -> SafeString:
        url = reverse("surveys:blank_questionnaire", args=[obj.questionnaire.code, obj.number])
        return format_html('<a href="{}">Print the blank questionnaire</a>', url)


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["name", "email", "is_active"]
    extra = 1


@admin.register(Partnership)
class PartnershipAdmin(ImportExportModelAdmin):
    """Partnerships; import/export work on the contact-per-row register file."""

    list_display = ["acronym", "name", "programme", "group", "contact_count"]
    list_filter = ["programme", "group"]
    search_fields = ["acronym", "name", "contacts__email"]
    inlines = [ContactInline]
    resource_classes = [RegisterResource]
    formats = SAFE_FORMATS  # formula-safe CSV and xlsx only (surveys.spreadsheet)

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        # A file over the limits (surveys/uploads.py) is told why; a damaged one gets the
        # library's message (the error's name, never a traceback).
        if isinstance(e, UnicodeDecodeError):
            e = UploadRefused("the CSV file is not UTF-8: save or export it again with UTF-8 encoding.")
        if isinstance(e, UploadRefused):
            message = str(e)
            form.add_error("import_file", message[:1].upper() + message[1:])
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partnership]:
        return super().get_queryset(request).annotate(contact_total=Count("contacts"))

    @admin.display(description="Contacts", ordering="contact_total")
    def contact_count(self, obj: Partnership) -> int:
        return obj.contact_total  # type: ignore[attr-defined]

    # The register file is the contacts with their emails; importing it decides who is invited.
    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("surveys.import_register")

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("surveys.view_contact")

    def get_search_fields(self, request: HttpRequest) -> list[str]:  # type: ignore[override]
        # Searching by email would tell who has no right to see contacts which one is registered.
        fields = list(super().get_search_fields(request))
        return fields if request.user.has_perm("surveys.view_contact") else [f for f in fields if "email" not in f]

    def get_export_queryset(self, request: HttpRequest) -> QuerySet[Contact]:  # type: ignore[override]
        return Contact.objects.select_related("partnership").filter(
            partnership__in=super().get_export_queryset(request)
        )


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "partnership", "is_active"]
    list_filter = ["is_active", "partnership__programme", "partnership__group"]
    search_fields = ["name", "email", "partnership__acronym"]
    list_select_related = ["partnership"]
    autocomplete_fields = ["partnership"]


class WaveAdminForm(forms.ModelForm):
    class Meta:
        model = Wave
        fields = ["slug", "title", "opens_at", "closes_at", "previous"]


class WaveOpenForm(forms.ModelForm):
    """Opening a wave: which version, when, and for which groups (default: all of the version's)."""

    groups = forms.CharField(
        required=False,
        help_text="Groups to invite, separated by commas (e.g. strand-1, strand-2); empty: every group of the questionnaire.",
    )

    class Meta:
        model = Wave
        fields = ["version", "slug", "title", "opens_at", "closes_at", "previous"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = "Empty: the questionnaire's title and the slug."

    def clean_groups(self) -> list[str]:
        return [g.strip().lower() for g in (self.cleaned_data.get("groups") or "").split(",") if g.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        version, previous = data.get("version"), data.get("previous")
        if version and previous and previous.version.questionnaire_id != version.questionnaire_id:
            self.add_error("previous", "The previous wave must be of the same questionnaire.")
        groups = data.get("groups") or []
        if version and groups:
            unknown = [g for g in groups if g not in version.groups]
            if unknown:
                self.add_error(
                    "groups",
                    f"Not a group of this questionnaire: {', '.join(unknown)} (its groups: {', '.join(version.groups)}).",
                )
        if version and not self.errors:
            chosen = groups or version.groups
            if not Partnership.objects.filter(group__in=chosen).exists():
                self.add_error(
                    "groups", f"No partnership is registered in {', '.join(chosen)}: import the register first."
                )
        return data


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    list_display = [
        "slug",
        "title",
        "questionnaire",
        "opens_at",
        "closes_at",
        "closed_at",
        "invited",
        "started",
        "completed",
        "rate",
    ]
    list_filter = ["version__questionnaire"]
    search_fields = ["slug", "title"]
    # The deadline changes through outreach's extension, which tells the contacts.
    readonly_fields = [
        "version",
        "closes_at",
        "closed_at",
        "responses_link",
        "messages_link",
        "excel_link",
        "report_link",
        "warnings_link",
    ]
    actions: list[Any] = []  # outreach's and exchange's (backoffice/admin.py)
    form = WaveAdminForm

    # The permissions behind the actions' `permissions=[...]` (backoffice/admin.py).
    def has_send_messages_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("outreach.send_messages")

    def has_export_responses_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("surveys.export_responses")

    def get_form(self, request: HttpRequest, obj: Wave | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = WaveOpenForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Wave | None = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return ["version", "slug", "title", "opens_at", "closes_at", "previous", "groups"]
        return [
            "version",
            "slug",
            "title",
            "opens_at",
            "closes_at",
            "previous",
            "closed_at",
            "responses_link",
            "messages_link",
            "excel_link",
            "report_link",
            "warnings_link",
        ]

    def save_model(self, request: HttpRequest, obj: Wave, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new wave goes through the service, which creates its responses and invitations.
        data = form.cleaned_data
        wave = wave_open(
            version=data["version"],
            slug=data["slug"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            previous=data.get("previous"),
            groups=data.get("groups") or None,
            title=data.get("title") or "",
        )
        obj.pk = wave.pk
        obj.title = wave.title
        obj._state.adding = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Wave]:
        return (
            super()
            .get_queryset(request)
            .select_related("version__questionnaire")
            .annotate(
                n_invited=Count("responses", distinct=True),
                n_started=Count("responses", filter=~Q(responses__status=Response.Status.NOT_STARTED), distinct=True),
                n_completed=Count("responses", filter=Q(responses__status=Response.Status.SUBMITTED), distinct=True),
            )
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Wave | None = None) -> list[str]:
        # The version and the population are fixed once open; create waves with `open_wave`.
        return self.readonly_fields if obj else ["closed_at"]

    @admin.display(description="Questionnaire", ordering="version__questionnaire__code")
    def questionnaire(self, obj: Wave) -> str:
        return str(obj.version)

    @admin.display(description="Invited", ordering="n_invited")
    def invited(self, obj: Wave) -> int:
        return obj.n_invited  # type: ignore[attr-defined]

    @admin.display(description="Started", ordering="n_started")
    def started(self, obj: Wave) -> int:
        return obj.n_started  # type: ignore[attr-defined]

    @admin.display(description="Completed", ordering="n_completed")
    def completed(self, obj: Wave) -> int:
        return obj.n_completed  # type: ignore[attr-defined]

    @admin.display(description="Response rate")
    def rate(self, obj: Wave) -> str:
        invited = obj.n_invited  # type: ignore[attr-defined]
        return f"{100 * obj.n_completed / invited:.0f}%" if invited else "–"  # type: ignore[attr-defined]

    @admin.display(description="Responses")
    def responses_link(self, obj: Wave) -> SafeString:
        url = reverse("admin:surveys_response_changelist") + f"?wave__id__exact={obj.pk}"
        return format_html('<a href="{}">Responses of this wave</a>', url)

    @admin.display(description="Messages")
    def messages_link(self, obj: Wave) -> SafeString | str:
        return _link("wave_messages", obj)

    @admin.display(description="Excel")
    def excel_link(self, obj: Wave) -> SafeString | str:
        return _link("wave_excel", obj)

    @admin.display(description="Report")
    def report_link(self, obj: Wave) -> SafeString:
        return format_html(
            '<a href="{}">Dashboard of this wave’s indicators</a>', reverse("reports:dashboard", args=[obj.slug])
        )

    @admin.display(description="Plausibility")
    def warnings_link(self, obj: Wave) -> SafeString:
        count = len(wave_warnings(obj))
        return format_html(
            '<a href="{}">{} plausibility warning{} to check</a>',
            reverse("surveys:wave_warnings", args=[obj.slug]),
            count,
            "" if count == 1 else "s",
        )


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["partnership", "group", "wave", "status", "started_at", "last_saved_at", "submitted_at", "deadline"]
    list_filter = ["wave", "partnership__group", "status"]
    search_fields = ["partnership__acronym", "partnership__name"]
    list_select_related = ["partnership", "wave"]
    readonly_fields = [
        "wave",
        "partnership",
        "status",
        "started_at",
        "last_saved_at",
        "last_saved_by",
        "submitted_at",
        "submitted_by",
        "reopened_at",
        "deadline",
        "extend_deadline",
        "plausibility",
        "answers",
        "history",
    ]
    fields = [*readonly_fields]
    actions: list[Any] = [admin_review.mark_checked, admin_review.send_back]  # and outreach's (its apps.py)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    # Deletes go through the service, which takes the responses out of the report's counts.
    def delete_model(self, request: HttpRequest, obj: Response) -> None:
        responses_delete(response_ids=[obj.pk], by=admin_review.staff(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Response]) -> None:
        responses_delete(response_ids=queryset.values_list("pk", flat=True), by=admin_review.staff(request))

    def has_reopen_response_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("surveys.reopen_response")

    def has_review_response_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("surveys.review_response")

    @admin.display(description="History")
    def history(self, obj: Response) -> SafeString:
        # The page itself needs surveys.view_response (Django's view permission of the model).
        return admin_review.history_html(obj)

    @admin.display(description="Group", ordering="partnership__group")
    def group(self, obj: Response) -> str:
        return obj.partnership.group

    @admin.display(description="Extension")
    def extend_deadline(self, obj: Response) -> SafeString | str:
        return _link("response_extend", obj)

    @admin.display(description="Plausibility warnings")
    def plausibility(self, obj: Response) -> SafeString:
        notes = notes_by_key(obj)
        rows = [(w, notes.get(w.key, "")) for w in response_warnings(obj)]
        return render_to_string("surveys/staff/_response_warnings.html", {"rows": rows})

    @admin.display(description="Answers")
    def answers(self, obj: Response) -> SafeString:
        structure = structure_for(obj.wave.version)
        values = load_values(obj, structure)
        names = dict(Partnership.objects.values_list("acronym", "name"))
        sections = shown_sections(
            structure, values, partnership_names={a: f"{a} ({n})" if n else a for a, n in names.items()}
        )
        return render_to_string("surveys/answers.html", {"sections": sections, "compact": True})


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["contact", "partnership", "wave", "created_at", "revoked_at"]
    list_filter = ["wave", "contact__partnership__group"]
    search_fields = ["contact__name", "contact__email", "contact__partnership__acronym"]
    list_select_related = ["contact__partnership", "wave"]
    readonly_fields = ["wave", "contact", "created_at"]

    @admin.display(description="Partnership", ordering="contact__partnership__acronym")
    def partnership(self, obj: Invitation) -> Partnership:
        return obj.contact.partnership


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    """Answer rows, for checking what was stored; edit through the journey or an import."""

    list_display = [
        "response",
        "question",
        "option",
        "matrix_row",
        "repeat_row",
        "country",
        "short_text",
        "number",
        "date",
    ]
    list_filter = ["response__wave", "response__partnership__group", "question__code"]
    list_select_related = ["response__partnership", "response__wave", "question", "option", "matrix_row", "repeat_row"]
    search_fields = ["response__partnership__acronym", "text", "comment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # Deletes go through the service, which recounts a submitted response in the report.
    def delete_model(self, request: HttpRequest, obj: Answer) -> None:
        answers_delete(answer_ids=[obj.pk], by=admin_review.staff(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Answer]) -> None:
        answers_delete(answer_ids=queryset.values_list("pk", flat=True), by=admin_review.staff(request))

    @admin.display(description="Text / comment")
    def short_text(self, obj: Answer) -> str:
        text = obj.text or obj.comment
        return text if len(text) < 80 else text[:77] + "…"


@admin.register(UnsavedEdit)
class UnsavedEditAdmin(admin.ModelAdmin):
    """What respondents typed that could not be saved (after the deadline or a submission).

    Read only: the typing comes back on the section page if the deadline is extended or the
    response reopened; here staff can read it meanwhile.
    """

    list_display = ["response", "section", "contact", "reason", "created_at", "restored_at"]
    list_filter = ["reason", "response__wave"]
    search_fields = ["response__partnership__acronym", "contact__name"]
    list_select_related = ["response__partnership", "response__wave", "section", "contact"]
    fields = ["response", "section", "contact", "reason", "created_at", "restored_at", "typed"]
    readonly_fields = ["response", "section", "contact", "reason", "created_at", "restored_at", "typed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="What was typed")
    def typed(self, obj: UnsavedEdit) -> SafeString:
        lines = [
            (name, ", ".join(map(str, value)) if isinstance(value, list) else str(value))
            for name, value in obj.inputs.items()
            if value not in ("", [], None)
        ]
        rows = format_html_join("", '<tr><th scope="row">{}</th><td style="white-space: pre-wrap">{}</td></tr>', lines)
        return format_html("<table>{}</table>", rows)


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(admin.ModelAdmin):
    """The record of extensions; make new ones from a wave's messages page."""

    list_display = ["wave", "response", "previous_deadline", "new_deadline", "created_by", "created_at"]
    list_filter = ["wave"]
    list_select_related = ["wave", "response__partnership", "created_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CollaborationConfirmation)
class CollaborationConfirmationAdmin(admin.ModelAdmin):
    """The named partnerships' answers to the claims of collaboration (surveys/models/collaborations.py).

    Read only: the answers come from the named partnership's contacts, on their journey's page.
    """

    list_display = ["wave", "claiming", "named", "status", "short_comment", "answered_at", "answered_by"]
    list_filter = ["response__wave", "status"]
    search_fields = ["claimant__partnership__acronym", "response__partnership__acronym"]
    list_select_related = ["response__wave", "response__partnership", "claimant__partnership", "answered_by"]
    fields = ("wave", "claiming", "named", "status", "comment", "answered_at", "answered_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Wave", ordering="response__wave__slug")
    def wave(self, obj: CollaborationConfirmation) -> Wave:
        return obj.response.wave

    @admin.display(description="Claiming partnership", ordering="claimant__partnership__acronym")
    def claiming(self, obj: CollaborationConfirmation) -> str:
        return obj.claimant.partnership.acronym

    @admin.display(description="Named partnership", ordering="response__partnership__acronym")
    def named(self, obj: CollaborationConfirmation) -> str:
        return obj.response.partnership.acronym

    @admin.display(description="Comment")
    def short_comment(self, obj: CollaborationConfirmation) -> str:
        return obj.comment if len(obj.comment) < 80 else obj.comment[:77] + "…"


class PeriodicTaskAdmin(BeatPeriodicTaskAdmin):  # type: ignore[misc]
    """django-celery-beat's, whose actions (run, enable, disable tasks) ask no permission."""

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            for name in ("enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks"):
                actions.pop(name, None)
        return actions


admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, PeriodicTaskAdmin)
