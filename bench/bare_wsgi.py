"""The site's WSGI application serving bench/bare_urls.py (the site plus the bare view)."""

from __future__ import annotations

from django.conf import settings

from escp_survey.wsgi import application

settings.ROOT_URLCONF = "bare_urls"

__all__ = ["application"]
