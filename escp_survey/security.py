"""Hardening that sits around every request: personal links kept out of the logs, requests
carrying a NUL refused, and a limit on guessing links and admin passwords.

The limits count failures per client address in the cache (`throttle` alias) over a window;
when the cache is unreachable they let requests through (a down Redis must not lock everyone
out) and say so in the log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse

logger = logging.getLogger(__name__)

# A respondent's personal link: /r/<key>/…; the key opens that partnership's answers.
PERSONAL_LINK = re.compile(r"(/r/)[^/\s?#\"']+")
MASK = r"\1[key]"


def mask_links(text: str) -> str:
    """`text` with the key of every personal link replaced by `[key]`."""
    return PERSONAL_LINK.sub(MASK, text)


class PersonalLinkFilter(logging.Filter):
    """Masks personal links in log records (Django's "Not Found: /r/…", tracebacks, any
    message that prints a path or a URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_links(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Format the traceback now, masked, so that handlers print this text.
            record.exc_text = mask_links(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_links(record.exc_text)
        # Django's request loggers attach the request, whose path some formatters print.
        request = getattr(record, "request", None)
        if request is not None and PERSONAL_LINK.search(getattr(request, "path", "")):
            record.request = None
        return True


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy the last address the proxy added
    to CLIENT_IP_HEADER (earlier ones are whatever the client sent)."""
    header = settings.CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return str(request.META.get("REMOTE_ADDR", ""))


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())


class RequestGuardMiddleware:
    """Refuses addresses with a NUL character (PostgreSQL refuses them in any query, which was
    a 500 from the admin's search and filters) and throttles failed link and login attempts.

    A NUL in a posted form is left to the form: Django's fields refuse it with a message at
    the field, and the questionnaire's pages say so where it was typed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return HttpResponseBadRequest("The address contains a NUL character.", content_type="text/plain")
        kind = _throttled_kind(request)
        if kind is None:
            return self.get_response(request)
        key = f"throttle:{kind}:{client_address(request)}"
        limit, window = THROTTLES[kind]()
        if limit and _count(key) >= limit:
            logger.warning("Too many failed %s attempts from one client: refused for now", kind)
            return render(request, "throttled.html", {"kind": kind, "minutes": max(1, window // 60)}, status=429)
        response = self.get_response(request)
        if limit and _failed(kind, response):
            _add(key, window)
        return response


THROTTLES: dict[str, Callable[[], tuple[int, int]]] = {
    "link": lambda: (settings.THROTTLE_LINK_FAILURES, settings.THROTTLE_WINDOW_SECONDS),
    "login": lambda: (settings.THROTTLE_LOGIN_FAILURES, settings.THROTTLE_WINDOW_SECONDS),
}


def _throttled_kind(request: HttpRequest) -> str | None:
    if request.path.startswith("/r/"):
        return "link"
    if request.method == "POST" and request.path == reverse("admin:login"):
        return "login"
    return None


def _failed(kind: str, response: HttpResponse) -> bool:
    if kind == "link":
        return response.status_code == 404  # an unknown key (a revoked one is 410)
    return response.status_code == 200  # the login form shown again: a wrong password


def _count(key: str) -> int:
    try:
        return int(caches["throttle"].get(key, 0))
    except Exception:  # the cache is down: do not lock everyone out
        logger.warning("The throttle's cache is unreachable: requests are not limited", exc_info=True)
        return 0


def _add(key: str, window: int) -> None:
    cache: Any = caches["throttle"]
    try:
        # The window starts at the first failure; add() does nothing when the key exists.
        cache.add(key, 0, window)
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)
    except Exception:
        logger.warning("The throttle's cache is unreachable: a failure was not counted", exc_info=True)
