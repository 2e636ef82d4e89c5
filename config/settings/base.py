"""Settings shared by every environment. Everything that differs comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def redis_url_with_db(url: str, db: int) -> str:
    """The same Redis server with another database number (broker and cache stay apart)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def redis_db(url: str) -> int:
    """The database number a Redis URL names (`redis://host:6379/3` → 3), 0 when it names none."""
    path = urlsplit(url).path.strip("/")
    return int(path) if path else 0


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",  # the filter forms of long lists (FilterSet)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_ratelimit",  # its system checks refuse a cache the rate limits cannot count in
    "core",
    "organisations",
    "standards",
    "improvement",
    "audits",
    "certificates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # after axes and django-otp: idle sessions, the second factor, sign-in throttling per address
    "organisations.middleware.SignInMiddleware",
    "core.middleware.NoStoreMiddleware",  # last: it sees the view's own Cache-Control first
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organisations.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# QuerySet.iterator() (every ModelChoiceField renders through it) would otherwise open a named
# server-side cursor on PostgreSQL: DECLARE, FETCH and CLOSE, three round trips per choice list.
# Our iterations are small; this also keeps transaction-pooling proxies (PgBouncer) working.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user's memberships with the user (one query per page fewer)
    "organisations.backends.UserBackend",
]
# Login throttling: lock a (user, IP address) pair after repeated failures, for a while. Locking on
# the user alone would let anyone lock a colleague out.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "organisations.auth.login_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Sign-ins are recorded in organisations.SignInEvent (read-only, never deleted); axes keeps only the
# failure counters that lock a pair (deleting one in the admin unlocks it).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner at every start of a command, a worker or the server
# Failed sign-ins from one client address across every account (password spraying), over a sliding
# window: well above the per-account limit, as a public body's staff often share one NAT address.
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "25"))
LOGIN_ADDRESS_WINDOW = timedelta(minutes=int(os.environ.get("LOGIN_ADDRESS_WINDOW_MINUTES", "15")))
# Password-reset requests per client address and per e-mail address, over a sliding window. A request
# past the e-mail's limit looks the same as any other and sends nothing.
PASSWORD_RESET_ADDRESS_LIMIT = int(os.environ.get("PASSWORD_RESET_ADDRESS_LIMIT", "10"))
PASSWORD_RESET_EMAIL_LIMIT = int(os.environ.get("PASSWORD_RESET_EMAIL_LIMIT", "3"))
PASSWORD_RESET_WINDOW = timedelta(minutes=int(os.environ.get("PASSWORD_RESET_WINDOW_MINUTES", "60")))
# Two-factor sign-in (django-otp: an authenticator app, and recovery codes): required of CB staff and
# administrators when on (development turns it off so that every demo role can be tried at once),
# optional for everyone else. Wrong codes are throttled by django-otp: after each failure, the next
# try waits twice as long as the last (1 s, 2 s, 4 s, ...).
MFA_REQUIRED = env_bool("MFA_REQUIRED", True)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "ISO certification")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
RECOVERY_CODE_COUNT = 10
# Signed out after this many minutes without a request (CB staff: their CB's setting). The session
# ends after SESSION_COOKIE_AGE in any case.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
# Behind N reverse proxies, the client address is the N-th from the right in X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates read "23 Nov 2026" (short: ISO "2026-11-23") everywhere, set once in config/formats/en/.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "core.storage.AtomicFileSystemStorage"},  # a file appears only whole
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Enforced, not report-only. Every script and stylesheet is a static file of ours: no inline
# <script>, <style>, on*= or style= anywhere (htmx's indicator <style> is turned off in base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap's icons are data: SVGs in its stylesheet
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Every message is written to the outbox in the transaction that caused it and handed to the
# delivery backend by a Celery task, retried when the mail server refuses (core.outbox). Without
# a mail server, `make run` writes the delivered mail as files under var/mail.
EMAIL_BACKEND = "core.outbox.OutboxBackend"
EMAIL_DELIVERY_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))  # seconds: a silent mail server is a refusal
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "isocert@localhost")

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/, so a
# worker and the scheduler run on one machine with no service installed.
REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache (production.py) on REDIS_CACHE_URL, or on the broker's server in the next database
REDIS_CACHE_URL = os.environ.get("REDIS_CACHE_URL") or (
    redis_url_with_db(REDIS_URL, redis_db(REDIS_URL) + 1) if REDIS_URL else ""
)
BROKER_DIR = VAR_DIR / "broker"
# The transport's exchange tables (the workers' broadcast "pidbox"); kombu's default is control/ in
# whatever directory the worker was started from.
BROKER_CONTROL_DIR = VAR_DIR / "broker-control"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL  # its database number as given (0 when it names none)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
else:
    CELERY_BROKER_URL = "filesystem://localhost//"  # a host named: kombu warns of none at each start
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(BROKER_CONTROL_DIR),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# An e-mail claimed for sending this long ago died with its worker (longer than the hard time
# limit, so no send is still running): the outbox's sweeper puts it back in the queue (core.outbox).
EMAIL_STUCK_AFTER = timedelta(minutes=15)
# PDFs render on their own queue (core.documents), so a burst of them does not hold up e-mail;
# every worker command consumes both: `celery -A config worker -Q celery,pdf`.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"core.render_document": {"queue": "pdf"}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat only ticks; the database is the scheduler (no far-future ETA task ever sits on the broker).
# Exactly one beat runs (docker-compose's `beat`, or the worker's --beat under `make run`); the
# jobs are idempotent, so a second beat by mistake changes nothing and sends nothing twice.
DAILY_JOB_HOUR = int(os.environ.get("DAILY_JOB_HOUR", "0"))
DAILY_JOB_MINUTE = int(os.environ.get("DAILY_JOB_MINUTE", "15"))
CELERY_BEAT_SCHEDULE: dict = {
    # Just after midnight: a certificate stays valid to the end of its expiry day (rule 12)
    "daily-job": {
        "task": "certificates.daily_job",
        "schedule": crontab(hour=DAILY_JOB_HOUR, minute=DAILY_JOB_MINUTE),
    },
    # Documents asked for while the broker was down, or whose worker died, are rendered all the same
    "requeue-documents": {"task": "core.requeue_documents", "schedule": 2 * 60},
    # E-mails asked for while the broker was down, refused by the mail server, or stuck with a dead worker
    "requeue-emails": {"task": "core.requeue_emails", "schedule": 60},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403) is one line, without its traceback: it is the app working as meant
    "filters": {"refusals_without_traceback": {"()": "core.logging.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # axes: its lockouts (warnings) only; sign-ins are recorded in organisations.SignInEvent
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["refusals_without_traceback"]},
    },
}

# Each process's own memory: enough for `make run` (one process) and the tests. production.py puts
# the cache on Redis, which every worker shares (the public verification's rate limits count there).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# django-ratelimit calls a local-memory cache an error (E003: not shared between processes) and
# unsupported (W001): right for production, which replaces this cache; one development process or
# test run counts correctly in its own memory.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
# Public certificate verification (rule 33): lookups per client address (the address axes and
# ipware see), per minute and per day, against enumeration of certificate numbers.
VERIFICATION_RATE_MINUTE = os.environ.get("VERIFICATION_RATE_MINUTE", "20/m")
VERIFICATION_RATE_DAY = os.environ.get("VERIFICATION_RATE_DAY", "200/d")
# PDF renders a person may start (core.documents; a ready file re-used costs nothing)
DOCUMENT_RATE = os.environ.get("DOCUMENT_RATE", "20/10m")
# The calendar feed (public: its secret address is its key): fetches per feed address, whatever the
# client's address (calendar services fetch many people's feeds from shared addresses), and fetches
# of addresses that lead to no feed per client address.
FEED_RATE = os.environ.get("FEED_RATE", "60/h")
FEED_MISS_RATE = os.environ.get("FEED_MISS_RATE", "30/h")
# A calendar feed is built again when what it lists may have changed (a change recorded, a due date
# recalculated, a new day), and kept at most this many seconds (0: never kept)
FEED_CACHE_SECONDS = int(os.environ.get("FEED_CACHE_SECONDS", "86400"))

# The cycle's steps in the CB's work queue (certificates.selectors.steps), where no rule sets their
# day (CB policy): a report issued within REPORT_ISSUE_DAYS of the audit's last day, a decision taken
# within DECISION_DAYS of the report, a granted certificate issued within CERTIFICATE_ISSUE_DAYS of
# the decision; an audit's team and plan are listed from QUEUE_PLANNING_DAYS before its first day.
REPORT_ISSUE_DAYS = int(os.environ.get("REPORT_ISSUE_DAYS", "14"))
DECISION_DAYS = int(os.environ.get("DECISION_DAYS", "30"))
CERTIFICATE_ISSUE_DAYS = int(os.environ.get("CERTIFICATE_ISSUE_DAYS", "7"))
QUEUE_PLANNING_DAYS = int(os.environ.get("QUEUE_PLANNING_DAYS", "90"))

# Where people reach the app; used for links in e-mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Days an invitation to join an organisation stays valid (its link then stops working).
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "14"))

# Evidence files of gap analyses: an allow-list checked by extension and by content, and a size cap.
EVIDENCE_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "docx", "xlsx", "pptx", "odt", "ods", "odp", "txt", "csv"]
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))
