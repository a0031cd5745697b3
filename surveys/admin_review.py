"""The response admin's review: "mark checked" and "send back with a message" actions (each
through a confirmation page, POST only), and the history shown on a response's page."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString

from surveys.models import AnswerChange, Response, ResponseEvent
from surveys.services.review import MESSAGE_MAX, response_check, response_send_back

CONFIRM = "confirmed"


class SendBackForm(forms.Form):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
        max_length=MESSAGE_MAX,
        help_text="Emailed to the partnership's contacts with their personal link: say what to correct.",
    )


def staff(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _confirm_page(
    request: HttpRequest, queryset: QuerySet[Response], action: str, title: str, form: forms.Form | None
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/surveys/review_confirm.html",
        {
            "title": title,
            "responses": queryset.select_related("partnership", "wave"),
            "action": action,
            "form": form,
            "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": Response._meta,
        },
    )


@admin.action(description="Mark checked (submitted responses; asks first)", permissions=["review_response"])
def mark_checked(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Response]
) -> TemplateResponse | None:
    if request.POST.get(CONFIRM) != "yes":
        return _confirm_page(request, queryset, "mark_checked", "Mark these responses checked?", None)
    for response in queryset.select_related("partnership"):
        try:
            response_check(response_id=response.pk, by=staff(request))
        except ValidationError as exc:
            modeladmin.message_user(request, " ".join(exc.messages), messages.WARNING)
        else:
            modeladmin.message_user(request, f"{response.partnership.acronym} marked checked.")
    return None


@admin.action(description="Send back with a message (submitted responses; asks first)", permissions=["reopen_response"])
def send_back(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Response]
) -> TemplateResponse | None:
    if request.POST.get(CONFIRM) != "yes":
        return _confirm_page(request, queryset, "send_back", "Send these responses back?", SendBackForm())
    form = SendBackForm(request.POST)
    if not form.is_valid():
        # What was typed stays in the form, with the message next to it.
        return _confirm_page(request, queryset, "send_back", "Send these responses back?", form)
    for response in queryset.select_related("partnership"):
        try:
            response_send_back(response_id=response.pk, by=staff(request), message=form.cleaned_data["message"])
        except ValidationError as exc:
            modeladmin.message_user(request, " ".join(exc.messages), messages.WARNING)
        else:
            modeladmin.message_user(request, f"{response.partnership.acronym} sent back: its contacts get the message.")
    return None


def history_html(response: Response) -> SafeString:
    """The response's review events and answer changes, newest first (texts escaped by the
    template); the changes are the partnership's in the wave, so those of a response deleted
    before this one (the admin, then an import) show too."""
    events = (
        ResponseEvent.objects.filter(response=response).select_related("by_contact", "by_user").order_by("-at", "-pk")
    )
    changes = (
        AnswerChange.objects.filter(wave_id=response.wave_id, partnership_id=response.partnership_id)
        .select_related("by_contact", "by_user")
        .order_by("-at", "-pk")
    )
    return render_to_string("admin/surveys/response_history.html", {"events": events, "changes": changes})
