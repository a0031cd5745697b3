"""The respondent's pages, all reached through a personal link's key (the paths are in sent emails: keep them)."""

from django.urls import path

from journey import blank, collaborations, plausibility, prefill, views

app_name = "journey"
urlpatterns = [
    path("", views.home, name="home"),
    path("r/<str:key>/", views.welcome, name="welcome"),
    path("r/<str:key>/section/<slug:section>/", views.section, name="section"),
    path("r/<str:key>/section/<slug:section>/unchanged/", prefill.section_unchanged, name="section_unchanged"),
    path("r/<str:key>/review/", views.review, name="review"),
    path("r/<str:key>/notes/", plausibility.plausibility_notes, name="plausibility_notes"),
    path("r/<str:key>/collaborations/", collaborations.collaborations, name="collaborations"),
    path("r/<str:key>/submit/", views.submit, name="submit"),
    path("r/<str:key>/done/", views.done, name="done"),
    path("r/<str:key>/copy/", views.copy, name="copy"),
    path("r/<str:key>/blank/", blank.blank_copy, name="blank_copy"),
    path("r/<str:key>/prefill/", prefill.prefill, name="prefill"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
