from django.urls import path

from surveys.journey import blank, plausibility, prefill, views
from surveys.staff import views as staff_views

app_name = "surveys"
urlpatterns = [
    path("", views.home, name="home"),
    path("r/<str:key>/", views.welcome, name="welcome"),
    path("r/<str:key>/section/<slug:section>/", views.section, name="section"),
    path("r/<str:key>/section/<slug:section>/unchanged/", prefill.section_unchanged, name="section_unchanged"),
    path("r/<str:key>/review/", views.review, name="review"),
    path("r/<str:key>/notes/", plausibility.plausibility_notes, name="plausibility_notes"),
    path("r/<str:key>/submit/", views.submit, name="submit"),
    path("r/<str:key>/done/", views.done, name="done"),
    path("r/<str:key>/copy/", views.copy, name="copy"),
    path("r/<str:key>/blank/", blank.blank_copy, name="blank_copy"),
    path("r/<str:key>/prefill/", prefill.prefill, name="prefill"),
    path("accessibility/", views.accessibility, name="accessibility"),
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
