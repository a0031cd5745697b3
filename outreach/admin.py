"""Admin of outreach: every message, the email wording per wave (with a preview), policies."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from outreach import services
from outreach.emails import PLACEHOLDERS, default_source
from outreach.forms import EmailTemplateForm
from outreach.models import EmailTemplate, Kind, Message, OutreachPolicy
from outreach.preview import template_preview


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "contact",
        "partnership",
        "wave",
        "kind",
        "sequence",
        "status",
        "attempts",
        "sent_at",
        "short_error",
    ]
    list_filter = ["wave", "kind", "status"]
    search_fields = ["contact__name", "contact__email", "contact__partnership__acronym", "subject"]
    list_select_related = ["contact__partnership", "wave"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [
        "wave",
        "contact",
        "kind",
        "sequence",
        "status",
        "attempts",
        "last_error",
        "extension",
        "send_after",
        "dispatched_at",
        "claimed_at",
        "to_email",
        "subject",
        "text_body",
        "html_body",
        "sent_at",
        "created_at",
        "updated_at",
    ]
    exclude = ["claim_token"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The log of what was sent to whom is a record: nobody deletes it from the admin
        # (this also removes the "delete selected" action).
        return False

    @admin.display(description="Partnership", ordering="contact__partnership__acronym")
    def partnership(self, obj: Message) -> str:
        return obj.contact.partnership.acronym

    @admin.display(description="Last error")
    def short_error(self, obj: Message) -> str:
        return obj.last_error if len(obj.last_error) < 80 else obj.last_error[:77] + "…"

    def has_send_messages_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("outreach.send_messages")

    @admin.action(description="Send again (failed or not sent ones)", permissions=["send_messages"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        count = services.messages_retry(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} messages queued again.", messages.SUCCESS)


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    form = EmailTemplateForm
    list_display = ["wave", "kind", "subject", "updated_at"]
    list_filter = ["wave", "kind"]
    readonly_fields = ["placeholders", "preview"]
    fields = ["wave", "kind", "subject", "text_body", "placeholders", "html_body", "preview"]

    class Media:
        css = {"all": ["outreach/admin.css"]}

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # "Customise" links pass the wave and kind: start from the default wording.
        initial = super().get_changeform_initial_data(request)
        kind = request.GET.get("kind")
        if kind in Kind.values:
            # The HTML body stays empty: it is then made from the plain text (one source).
            initial.update(subject=default_source(kind, "subject").strip(), text_body=default_source(kind, "text"))
        return initial

    @admin.display(description="Placeholders")
    def placeholders(self, obj: EmailTemplate | None) -> SafeString:
        return render_to_string("outreach/placeholders.html", {"placeholders": PLACEHOLDERS.items()})

    @admin.display(description="Preview")
    def preview(self, obj: EmailTemplate | None) -> str | SafeString:
        if obj is None or obj.pk is None:
            return "Save the template (Save and continue editing) to see it for a contact of the wave."
        preview = template_preview(template=obj)
        if preview.rendered is None:
            return preview.problem
        return render_to_string(
            "outreach/preview.html",
            {
                "contact": preview.contact,
                "rendered": preview.rendered,
                "differences": preview.differences,
                "derived": bool(obj.text_body.strip()) and not obj.html_body.strip(),
                "html_url": reverse("outreach:template_preview_html", args=[obj.pk]),
                "from_email": settings.DEFAULT_FROM_EMAIL,
            },
        )


@admin.register(OutreachPolicy)
class OutreachPolicyAdmin(admin.ModelAdmin):
    list_display = ["wave", "reminders_enabled", "first_reminder_days", "reminder_interval_days", "max_reminders"]
    readonly_fields = ["messages_link"]

    @admin.display(description="Messages")
    def messages_link(self, obj: OutreachPolicy) -> SafeString:
        return format_html(
            '<a href="{}">Messages of {}</a>', reverse("outreach:wave_messages", args=[obj.wave.slug]), obj.wave.slug
        )
