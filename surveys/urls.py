"""The engine's staff pages outside the admin (the respondent's pages are journey.urls)."""

from django.urls import path

from surveys.staff import views as staff_views

app_name = "surveys"
urlpatterns = [
    path("staff/waves/<slug:slug>/warnings/", staff_views.wave_warnings, name="wave_warnings"),
    path(
        "staff/questionnaires/<slug:code>/v<int:number>/print/",
        staff_views.blank_questionnaire,
        name="blank_questionnaire",
    ),
    path(
        "staff/questionnaires/<slug:code>/v<int:number>/changes/",
        staff_views.version_changes,
        name="version_changes",
    ),
]
