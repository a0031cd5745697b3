from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("templates/<int:pk>/preview.html", views.template_preview_html, name="template_preview_html"),
    path("<slug:slug>/", views.wave_messages, name="wave_messages"),
    path("<slug:slug>/status.json", views.wave_messages_status, name="wave_messages_status"),
    path("<slug:slug>/send-invitations/", views.wave_send_invitations, name="wave_send_invitations"),
    path("<slug:slug>/send-reminders/", views.wave_send_reminders, name="wave_send_reminders"),
    path("<slug:slug>/retry-failed/", views.wave_retry_failed, name="wave_retry_failed"),
    path("<slug:slug>/extend/", views.wave_extend, name="wave_extend"),
    path("<slug:slug>/close/", views.wave_close_early, name="wave_close"),
    # <path:>: an acronym registered before imports refused it may hold a "/".
    path("<slug:slug>/partnerships/<path:acronym>/extend/", views.response_extend, name="response_extend"),
]
