"""Reading a section page's post: within the definition's limits, then the CSRF check.

Django refuses a post of more than DATA_UPLOAD_MAX_NUMBER_FIELDS inputs (1,000) or
DATA_UPLOAD_MAX_MEMORY_SIZE bytes while its CSRF middleware reads the token, before any view
runs. A section page holds up to several thousand inputs (Annex A's agreements table alone
passes 1,000 at 166 of its 500 rows), so the section view is CSRF-exempt, reads its own post
with limits computed from the section (`forms.section_input_limit`), then runs the same CSRF
check itself. Only form posts (urlencoded, what the page and its script send) are read
here; anything else is left to Django and its limits.

The parsed post becomes `request.POST` by assignment (the public setter of Django's request
classes, as django.contrib.auth's admin uses it), so the CSRF check and the view read it as
usual. The body is read from the request's stream once: `request.body` is not available after
(nothing here needs it), and a form post carries no files (`request.FILES` is not read).
"""

from __future__ import annotations

import weakref
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware

from journey import forms
from surveys.definition.structure import SectionNode

# Without the database the section (hence its limit) is unknown: a limit no page reaches.
FALLBACK_MAX_INPUTS = 100_000
FALLBACK_MAX_BYTES = 100 * 1024 * 1024

# The requests whose post was read here: their stream is read, their request.POST set.
_read: weakref.WeakSet[HttpRequest] = weakref.WeakSet()


def read_section_post(request: HttpRequest, node: SectionNode) -> bool:
    """Read the page's post with the limits of this section; False when it is larger."""
    max_inputs, max_bytes = forms.section_input_limit(node)
    max_inputs = max(max_inputs, settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 0)
    max_bytes = max(max_bytes, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    return read_post(request, max_inputs=max_inputs, max_bytes=max_bytes)


def read_post(request: HttpRequest, *, max_inputs: int, max_bytes: int) -> bool:
    """Read a form post into request.POST within these limits; False when it is larger."""
    if request in _read or not request.META.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return True  # read already, or not a page's form: Django parses it with its own limits
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes:
        return False
    body = request.read(max_bytes + 1)
    if len(body) > max_bytes:
        return False
    encoding = request.encoding or settings.DEFAULT_CHARSET
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        text = body.decode("iso-8859-1")
    data = QueryDict(mutable=True, encoding=encoding)
    try:
        for name, value in parse_qsl(text, keep_blank_values=True, encoding=encoding, max_num_fields=max_inputs):
            data.appendlist(name, value)
    except ValueError:
        return False
    # Django's own request.POST is immutable; freezing one has no public API, and nothing reads
    # this one to change it.
    request.POST = data  # type: ignore[assignment]
    _read.add(request)
    return True


def csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """The CSRF middleware's own check, which skipped the exempt view: its 403, or None."""
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})  # type: ignore[arg-type]
