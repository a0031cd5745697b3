"""Site-wide request handling that belongs to no app."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """A database that does not answer (a restart, a failover) gets a calm 503, not a bare 500.

    The journey's section pages catch database errors themselves and give back what was typed
    (journey.views); every other page gets this one. Errors of the data itself
    (IntegrityError, DataError) stay 500s: they are bugs, not an outage.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.exception("database unavailable for %s %s", request.method, request.path, exc_info=exception)
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
