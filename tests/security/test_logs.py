"""Personal links never reach the logs: Django's records and gunicorn's access and error logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from escp_survey.gunicorn import MaskedLinksLogger
from escp_survey.security import PersonalLinkFilter
from tests.conftest import Persona

KEY = "Zq8xW3vN5tB7yL2kR9mC4pH6jD1fG0sA-_eUoIiYtRw"


@pytest.fixture
def django_log() -> Iterator[io.StringIO]:
    """What the configured console handler of Django's records writes."""
    handler = logging.getLogger("django").handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    assert any(isinstance(f, PersonalLinkFilter) for f in handler.filters)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_an_unknown_link_is_logged_without_its_key(django_log: io.StringIO) -> None:
    assert Client().get(f"/r/{KEY}/section/a/").status_code == 404
    written = django_log.getvalue()
    assert "Not Found: /r/[key]/section/a/" in written
    assert KEY not in written


@pytest.mark.django_db
def test_a_real_link_in_an_error_and_its_traceback_is_masked(django_log: io.StringIO, coordinator: Persona) -> None:
    logger = logging.getLogger("django.request")
    try:
        raise RuntimeError(f"failed on {coordinator.url()}")
    except RuntimeError:
        logger.exception("Internal Server Error: %s", coordinator.url("review"))
    written = django_log.getvalue()
    assert coordinator.key not in written
    assert "Internal Server Error: /r/[key]/review/" in written
    assert "RuntimeError: failed on /r/[key]/" in written


def _gunicorn_logger(tmp_path: Any) -> MaskedLinksLogger:
    cfg = SimpleNamespace(
        errorlog=str(tmp_path / "error.log"),
        accesslog=str(tmp_path / "access.log"),
        loglevel="info",
        access_log_format='%(h)s "%(r)s" %(s)s "%(f)s" %(U)s',
        syslog=False,
        logconfig=None,
        logconfig_dict={},
        logconfig_json=None,
        capture_output=False,
        disable_redirect_access_to_syslog=False,
        user=0,
        group=0,
        umask=0,
    )
    return MaskedLinksLogger(cfg)


def test_gunicorn_masks_the_request_line_path_and_referrer(tmp_path: Any) -> None:
    log = _gunicorn_logger(tmp_path)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/r/{KEY}/section/b/?x=1",
        "PATH_INFO": f"/r/{KEY}/section/b/",
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.7",
        "HTTP_REFERER": f"https://survey.example.org/r/{KEY}/section/a/",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[])
    log.access(response, request, environ, SimpleNamespace(seconds=0, microseconds=5000))
    log.error("Error handling request %s", environ["RAW_URI"])
    for handler in [*log.access_log.handlers, *log.error_log.handlers]:
        handler.flush()
    access = (tmp_path / "access.log").read_text()
    error = (tmp_path / "error.log").read_text()
    assert KEY not in access + error
    assert '"GET /r/[key]/section/b/?x=1 HTTP/1.1" 200 "https://survey.example.org/r/[key]/section/a/"' in access
    assert "/r/[key]/section/b/" in access.split('" ')[-1]
    assert "Error handling request /r/[key]/section/b/?x=1" in error


def test_the_repository_gunicorn_configuration_uses_the_masking_logger() -> None:
    from pathlib import Path

    from django.conf import settings

    config: dict[str, Any] = {}
    exec((Path(settings.BASE_DIR) / "gunicorn.conf.py").read_text(), config)
    assert config["logger_class"] == "escp_survey.gunicorn.MaskedLinksLogger"
    assert config["accesslog"] == "-"
