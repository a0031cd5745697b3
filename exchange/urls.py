from django.urls import path

from exchange import views

app_name = "exchange"
urlpatterns = [
    path("staff/waves/<slug:slug>/excel/", views.wave_excel, name="wave_excel"),
    path("staff/waves/<slug:slug>/excel/export/", views.wave_export_download, name="export"),
    path("staff/waves/<slug:slug>/excel/import/", views.wave_import, name="import"),
    path("staff/waves/<slug:slug>/excel/import/confirm/", views.wave_import_confirm, name="import_confirm"),
    path("staff/waves/<slug:slug>/excel/import/<int:pk>/", views.import_job, name="import_job"),
]
