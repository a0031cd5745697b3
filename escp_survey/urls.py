from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("staff/outreach/", include("outreach.urls")),
    path("staff/reports/", include("reports.urls")),
    path("", include("exchange.urls")),
    path("", include("surveys.urls")),
    path("", include("journey.urls")),
]
