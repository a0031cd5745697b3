"""gunicorn's logger with the personal links masked (used by gunicorn.conf.py)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from escp_survey.security import PersonalLinkFilter


class MaskedLinksLogger(Logger):  # type: ignore[misc]
    """The access log and the error log with `/r/<key>` written `/r/[key]`: in the request
    line, the path, the referrer (a respondent's next page names the previous one) and any
    error that prints an address."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, PersonalLinkFilter) for f in log.filters):
                log.addFilter(PersonalLinkFilter())
