"""The site's URLs plus a bare view: the limit of the stack (same middleware, no work).

The flow benchmark serves this urlconf (bench/bare_wsgi.py) so that the bare view and the
journey run in the same gunicorn, and compares a section page with a page of its size here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from escp_survey.urls import urlpatterns as site_urlpatterns

MAX_BYTES = 1_000_000


def bare(request: HttpRequest) -> HttpResponse:
    size = min(int(request.GET.get("bytes", "1000") or 0), MAX_BYTES)
    return HttpResponse("x" * size, content_type="text/html; charset=utf-8")


urlpatterns = [path("bench-bare/", bare), *site_urlpatterns]
