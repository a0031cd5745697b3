"""Settings for escp-survey, read from the environment.

Every setting has an embedded default that runs with nothing installed beyond Python
(SQLite, mail to the console, a filesystem broker for Celery). Production sets the
variables listed in `.env.example`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from escp_survey.run_address import run_address, site_url_for

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str) -> int:
    value = os.getenv(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "false")
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY is not set (set DEBUG=true for local development)")
    # Only for development and tests: links signed with it are worthless elsewhere.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# Absolute address of the site, used in links inside emails.
# Without SITE_URL it follows where `make run` serves (RUN_ADDRESS or PORT, escp_survey/run_address.py).
SITE_URL = os.getenv("SITE_URL", site_url_for(run_address(os.environ))).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_countries",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "django_celery_beat",
    "csp",
    "surveys",
    "journey",
    "reports",
    "exchange",
    "outreach",
    # Above the engine, outreach and exchange: their actions on the engine's admin.
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "escp_survey.security.RequestGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "escp_survey.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "escp_survey.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "escp_survey.wsgi.application"

# SQLite when DATABASE_URL is unset; PostgreSQL (or any URL dj-database-url reads) when set.
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets respondents read while another saves; busy timeout waits instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# Stored in UTC, shown in the Observatory's time zone.
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]


def _xstatic_dirs() -> list[tuple[str, str]]:
    # Bootstrap comes from its PyPI package (XStatic-Bootstrap) at install time: no CDN, no
    # copy in the repository.
    import xstatic.pkg.bootstrap as bootstrap

    return [("vendor/bootstrap", bootstrap.BASE_DIR)]


STATICFILES_DIRS += _xstatic_dirs()  # type: ignore[arg-type]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

LOGIN_URL = "admin:login"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Mail: SMTP whenever EMAIL_HOST is set, the console otherwise.
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "30")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "ESCP monitoring <noreply@escp-survey.example.org>")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Celery: Redis is the broker where REDIS_URL is set. Without it (the embedded default) the
# broker is a folder (kombu's filesystem transport): `make run` starts a real worker and beat
# that need no server. Tests without Redis run tasks eagerly, in-process; CELERY_EAGER=true
# forces that anywhere (then nothing runs the periodic tasks).
REDIS_URL = os.getenv("REDIS_URL", "")
CELERY_BROKER_DIR = Path(os.getenv("CELERY_BROKER_DIR", str(BASE_DIR / "var" / "celery-broker")))
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
    for _folder in ("queue", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_EAGER", "true" if TESTING and not REDIS_URL else "false")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Redis (when set) through a backend that treats an unreachable server as a cache miss: the
# reports and the throttle work, slower, while Redis is down (escp_survey/cache.py).
_REDIS_CACHE = {
    "BACKEND": "escp_survey.cache.ForgivingRedisCache",
    "LOCATION": REDIS_URL,
    # Give up quickly on a server that does not answer, rather than hold the page.
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
}
CACHES = {
    "default": (
        _REDIS_CACHE if REDIS_URL and not TESTING else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "throttle": (
        {**_REDIS_CACHE, "KEY_PREFIX": "throttle"}
        if REDIS_URL and not TESTING
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
}

SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "true")
    CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", "true")

# Transport security in production (DEBUG off). Behind a proxy that ends TLS, set
# SECURE_PROXY_SSL_HEADER to the header it sets (e.g. "X-Forwarded-Proto"; the proxy must
# overwrite it on every request), so that Django knows a request came over https.
_proxy_header = os.getenv("SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    # One year once the site is known to work over https; 0 switches HSTS off.
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "true")
    # The preload directive only asks; the domain joins browsers' lists when submitted to them.
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "true")
X_FRAME_OPTIONS = "DENY"

# Limits on guessing (escp_survey/security.py): failed attempts per client address within the
# window before a 429 page; 0 switches a limit off. Unknown personal links, and admin sign-ins.
THROTTLE_LINK_FAILURES = envint("THROTTLE_LINK_FAILURES", "30")
THROTTLE_LOGIN_FAILURES = envint("THROTTLE_LOGIN_FAILURES", "10")
THROTTLE_WINDOW_SECONDS = envint("THROTTLE_WINDOW_SECONDS", "900")
# Behind a proxy: the header whose last address is the client's (e.g. X-Forwarded-For, which
# the proxy appends to); empty: the connection's address.
CLIENT_IP_HEADER = os.getenv("CLIENT_IP_HEADER", "").strip()
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp) on every page: scripts only from our static files (no
# inline script, no handler attribute), nothing framed or framing us. Style attributes stay
# allowed: the charts are inline SVG drawn with them (matplotlib), the admin and Bootstrap set
# some, and an attribute cannot load or run anything that the rest of the policy allows.
# `<style>` elements need the page's nonce (`{{ CSP_NONCE }}`).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'", NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        # Bootstrap's form controls draw their icons from data: SVGs.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Personal links (/r/<key>/) are masked in every record (escp_survey/security.py); gunicorn's
    # access log masks them too (gunicorn.conf.py).
    "filters": {"personal_links": {"()": "escp_survey.security.PersonalLinkFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["personal_links"]}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own handlers (console in DEBUG, runserver's request lines) would print
        # paths unmasked: all of Django's records go through the filtered one.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# The Observatory's name, shown in pages and emails.
ORGANISATION_NAME = os.getenv("ORGANISATION_NAME", "European Observatory for Clusters and Industrial Change")

# Imports (responses, LimeSurvey, register): limits checked before a file is parsed
# (surveys/uploads.py), and where uploaded files wait for the Celery worker that imports
# them (a folder the web and the worker both reach, not public).
EXCHANGE_UPLOAD_MAX_MB = envint("EXCHANGE_UPLOAD_MAX_MB", "20")
EXCHANGE_UNCOMPRESSED_MAX_MB = envint("EXCHANGE_UNCOMPRESSED_MAX_MB", "300")
EXCHANGE_ZIP_RATIO_MAX = envint("EXCHANGE_ZIP_RATIO_MAX", "500")
EXCHANGE_MAX_ROWS = envint("EXCHANGE_MAX_ROWS", "200000")
EXCHANGE_UPLOAD_DIR = Path(os.getenv("EXCHANGE_UPLOAD_DIR", str(BASE_DIR / "var" / "uploads")))

# Outreach (invitations, reminders, deadlines; docs/outreach.md).
# Messages per task (sent over one SMTP connection).
OUTREACH_BATCH_SIZE = envint("OUTREACH_BATCH_SIZE", "100")
# Messages per minute over all workers, to spare the SMTP relay; 0: as fast as it takes them.
OUTREACH_RATE_PER_MINUTE = envint("OUTREACH_RATE_PER_MINUTE", "0")
# Seconds after which a message claimed by a worker (that must have died) is queued again,
# and a queued one whose task was lost is dispatched again.
OUTREACH_CLAIM_TIMEOUT = envint("OUTREACH_CLAIM_TIMEOUT", "300")
# Celery queue of the sending tasks ('' = the default queue every worker consumes).
OUTREACH_QUEUE = os.getenv("OUTREACH_QUEUE", "")
# Where replies to the emails go (a monitored mailbox of the Observatory), if not the sender.
OUTREACH_REPLY_TO = os.getenv("OUTREACH_REPLY_TO", "")
# EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend writes mail here.
EMAIL_FILE_PATH = os.getenv("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
# Every Celery task gets SoftTimeLimitExceeded after CELERY_TASK_SOFT_TIME_LIMIT seconds and
# its process is killed after CELERY_TASK_TIME_LIMIT. The hard limit stays below
# OUTREACH_CLAIM_TIMEOUT: a stuck batch is dead before `recover_messages` hands its claimed
# messages to another worker, so two workers never send them at once. A batch itself stops
# claiming after half the claim timeout, so the limits only stop a hung one.
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", "240")
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", "270")
if not 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < OUTREACH_CLAIM_TIMEOUT:
    raise ImproperlyConfigured(
        "Celery's time limits must be 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < "
        f"OUTREACH_CLAIM_TIMEOUT, not {CELERY_TASK_SOFT_TIME_LIMIT} < {CELERY_TASK_TIME_LIMIT} < "
        f"{OUTREACH_CLAIM_TIMEOUT}"
    )
# Periodic tasks; django-celery-beat's DatabaseScheduler copies them into its tables at start.
CELERY_BEAT_SCHEDULE = {
    "surveys-close-due-waves": {"task": "surveys.close_due_waves", "schedule": 60.0},
    "outreach-recover-messages": {"task": "outreach.recover_messages", "schedule": 60.0},
    "outreach-queue-due-reminders": {"task": "outreach.queue_due_reminders", "schedule": 900.0},
}
