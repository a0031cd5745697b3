"""gunicorn's settings, read from the working directory by `gunicorn escp_survey.wsgi`.

The access and error logs mask personal links (/r/<key>/ → /r/[key]/): the key opens a
partnership's answers and must exist only in the email it was sent in.
"""

import os

logger_class = "escp_survey.gunicorn.MaskedLinksLogger"
# "-": standard output; a path: that file; empty: no access log.
accesslog = os.getenv("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# Apache's combined format; the request line, path and referrer are masked by the logger.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
