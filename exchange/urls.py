from django.urls import path

from exchange import views

app_name = "exchange"
urlpatterns = [
    path("staff/waves/<slug:slug>/excel/", views.wave_excel, name="wave_excel"),
    path("staff/waves/<slug:slug>/excel/export/", views.wave_export, name="export"),
    path("staff/waves/<slug:slug>/excel/export/<int:pk>/", views.export_job, name="export_job"),
    path("staff/waves/<slug:slug>/excel/export/<int:pk>/file/", views.export_job_file, name="export_file"),
    path("staff/waves/<slug:slug>/excel/import/", views.wave_import, name="import"),
    path("staff/waves/<slug:slug>/excel/import/confirm/", views.wave_import_confirm, name="import_confirm"),
    path("staff/waves/<slug:slug>/excel/import/<int:pk>/", views.import_job, name="import_job"),
]
