from django.urls import path, re_path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.wave_list, name="wave_list"),
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/compare/", views.compare, name="compare"),
    path("<slug:slug>/comments/", views.comments, name="comments"),
    path("<slug:slug>/report.xlsx", views.excel, name="excel"),
    path("<slug:slug>/report.json", views.report_json, name="json"),
    path("<slug:slug>/report.docx", views.report_docx, name="docx"),
    path("<slug:slug>/print/", views.printable, name="printable"),
    re_path(r"^(?P<slug>[-\w]+)/figures/(?P<name>[-\w.]+)\.(?P<fmt>svg|png)$", views.figure, name="figure"),
    re_path(r"^(?P<slug>[-\w]+)/figures/(?P<name>[-\w.]+)/choices/$", views.figure_choice, name="figure_choice"),
]
