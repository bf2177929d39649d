"""Django settings for the clinic intake app, driven entirely by environment variables."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def parse_admins(value: str) -> list[tuple[str, str]]:
    """'Name <a@example.com>, b@example.com' as Django's ADMINS: [(name, address), ...]."""
    return [(name, address) for name, address in getaddresses([value]) if address]


DEBUG = env_bool("DJANGO_DEBUG")
# The test suite runs with DEBUG off, as production does, but without secrets or collectstatic.
TESTING = "pytest" in sys.modules

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set DJANGO_SECRET_KEY to a long random value "
            "(or DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-DJANGO_DEBUG-is-1"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

CLINIC_NAME = env("CLINIC_NAME", "Heel Pain Clinic")
CLINIC_PHONE = env("CLINIC_PHONE", "(555) 010-0000")
# The emergency number every page, email and advice text gives (the texts are written with 911).
CLINIC_EMERGENCY_NUMBER = env("CLINIC_EMERGENCY_NUMBER", "911")
# Where patients come, shown on the booking pages, in the emails and in the calendar invitation:
# the address as lines of plain text ("\n" or "|" between lines), one line on how to get there,
# and the address patients may write to (the privacy page names it for requests about data).
CLINIC_ADDRESS = env("CLINIC_ADDRESS", "100 Main Street|Suite 200|Springfield, IL 62701").replace(
    "|", "\n"
)
CLINIC_DIRECTIONS = env(
    "CLINIC_DIRECTIONS", "Second floor, above the pharmacy. Free parking behind the building."
)
CLINIC_EMAIL = env("CLINIC_EMAIL", "hello@example.com")
# Units the questionnaire offers first for height and weight: "us" (feet and inches, pounds)
# or "metric" (centimeters, kilograms). Patients can switch; answers are stored in cm and kg.
CLINIC_UNITS = env("CLINIC_UNITS", "us")
if CLINIC_UNITS not in ("us", "metric"):
    raise ImproperlyConfigured('CLINIC_UNITS must be "us" or "metric".')
# Where numbers written without a country code are (ISO 3166 code): "(555) 010-0001" -> +1...
CLINIC_PHONE_REGION = env("CLINIC_PHONE_REGION", "US")
# Appointment email subjects and calendar titles name the clinic only when it chooses so: a
# specialist clinic's name on a lock screen says something about the patient.
CLINIC_NAME_IN_SUBJECTS = env_bool("CLINIC_NAME_IN_SUBJECTS", False)

INSTALLED_APPS = [
    # Django's admin, on a site that also asks for the second factor (clinic/admin_site.py).
    "clinic.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "outbox",
    "accounts",
    "intake",
    "consults",
    "care",
    "staff",
    "fhir_export",
    "reports",
]

MIDDLEWARE = [
    "clinic.middleware.RequestIdMiddleware",
    "clinic.middleware.ProxyClientIPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above every middleware that makes or changes a body, so it compresses the finished page.
    # Whitenoise's precompressed static files already carry Content-Encoding and pass through.
    # Against BREACH, Django masks the CSRF token afresh per response and pads the gzip stream.
    "django.middleware.gzip.GZipMiddleware",
    "clinic.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "clinic.middleware.StaffSessionTimeoutMiddleware",
    "clinic.middleware.StaffOnlyMiddleware",
    "clinic.middleware.TwoFactorRequiredMiddleware",
    "clinic.middleware.RequestFieldLimitsMiddleware",
    "clinic.ratelimit.RateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"

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
                "clinic.context_processors.clinic",
            ],
            # The project package is not an app: its tags are named here (the site footer).
            "libraries": {"chrome": "clinic.templatetags.chrome"},
        },
    },
]

WSGI_APPLICATION = "clinic.wsgi.application"

# PostgreSQL when DATABASE_URL is set (psycopg 3, persistent connections with health checks);
# otherwise an SQLite file under var/ for local development.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(BASE_DIR / "var" / "db.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "intake.User"

# Shared between processes (rate-limit counters): Redis when REDIS_URL is set.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "clinic.sessions"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("CLINIC_TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True
# One date and time style per language (clinic/formats/<lang>/formats.py), for every page.
FORMAT_MODULE_PATH = ["clinic.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "clinic.storage.StaticFilesStorage"
        )
    },
}

WHITENOISE_USE_FINDERS = DEBUG or TESTING

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# A mail server that does not answer must not hold a patient's request (and a worker thread)
# for ever: after this many seconds the send fails, which the intake already copes with.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# With DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (bench/load.py).
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH") or None
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "clinic@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who gets error reports (tracebacks, no request data): CLINIC_ADMINS="Ops <ops@example.com>,...".
ADMINS = parse_admins(env("CLINIC_ADMINS"))

# Background tasks (docs/tasks.md): Django's tasks framework (django-tasks backport) with its
# database backend, so the queue lives in the same database and a task is written in the same
# transaction as the change that caused it. `manage.py run_worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Temporary mail failures are retried with a doubling delay (from CLINIC_MESSAGE_RETRY_SECONDS
# up to CLINIC_MESSAGE_RETRY_MAX_SECONDS) for CLINIC_MESSAGE_RETRY_HOURS; permanent ones stop.
CLINIC_MESSAGE_RETRY_HOURS = env_int("CLINIC_MESSAGE_RETRY_HOURS", 24)
CLINIC_MESSAGE_RETRY_SECONDS = env_int("CLINIC_MESSAGE_RETRY_SECONDS", 60)
CLINIC_MESSAGE_RETRY_MAX_SECONDS = env_int("CLINIC_MESSAGE_RETRY_MAX_SECONDS", 3600)
# A send not finished after this long was cut off (the worker died): it is queued again.
CLINIC_MESSAGE_LEASE_SECONDS = env_int("CLINIC_MESSAGE_LEASE_SECONDS", 600)
# A failed message's address and body are kept this long for a retry by hand.
CLINIC_MESSAGE_KEEP_FAILED_DAYS = env_int("CLINIC_MESSAGE_KEEP_FAILED_DAYS", 7)
# /healthz answers 503 when a task ready to run has waited longer than this.
CLINIC_TASKS_MAX_WAIT_SECONDS = env_int("CLINIC_TASKS_MAX_WAIT_SECONDS", 300)
# What the worker runs besides the queue: (dotted path of a function taking `now`, seconds).
CLINIC_PERIODIC_JOBS = [
    ("consults.reminders.queue_due_reminders", 60),
    ("outbox.sending.recover_stuck", 60),
    ("outbox.sending.forget_failed_content", 3600),
    ("intake.retention.purge", 24 * 3600),
]

# Clinic hours, used for "overdue" in the staff queue (working days Monday=0 .. Sunday=6).
CLINIC_OPENS_AT = env("CLINIC_OPENS_AT", "08:00")
CLINIC_CLOSES_AT = env("CLINIC_CLOSES_AT", "18:00")
CLINIC_WORKING_DAYS = [int(d) for d in env_list("CLINIC_WORKING_DAYS", "0,1,2,3,4")]
# After an unanswered call: urgent cases are tried again this many minutes later, the others at
# opening time this many working days later (1: the next working morning).
CLINIC_URGENT_RETRY_MINUTES = env_int("CLINIC_URGENT_RETRY_MINUTES", 30)
CLINIC_ROUTINE_RETRY_DAYS = env_int("CLINIC_ROUTINE_RETRY_DAYS", 1)
# Where the clinic is told about patients' own cancellations (the reference only).
CLINIC_INBOX_EMAIL = env("CLINIC_INBOX_EMAIL", "frontdesk@example.com")

# Screening policy (docs/clinical.md); each result stores the values it was screened with.
SCREENING_MIN_DURATION_WEEKS = env_int("SCREENING_MIN_DURATION_WEEKS", 6)
SCREENING_STEROID_WINDOW_WEEKS = env_int("SCREENING_STEROID_WINDOW_WEEKS", 12)
SCREENING_AGE_OF_MAJORITY = env_int("SCREENING_AGE_OF_MAJORITY", 18)
# Younger patients cannot be seen through the online form: it gives the clinic's phone instead.
INTAKE_MINIMUM_AGE = env_int("INTAKE_MINIMUM_AGE", 5)

# Consult booking: the site address used in emailed links, how long before a consult patients may
# still cancel or move it, how long a booking link lasts, and when the reminder goes out.
# Every emailed link is built on CLINIC_SITE_URL by clinic/links.py (`make run` sets it from PORT).
CLINIC_SITE_URL = env("CLINIC_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CLINIC_CANCEL_CUTOFF_HOURS = env_int("CLINIC_CANCEL_CUTOFF_HOURS", 24)
CLINIC_BOOKING_LINK_DAYS = env_int("CLINIC_BOOKING_LINK_DAYS", 14)
# Care (care/, docs/care.md): how long the patient's plan link works, when the check after a
# session is sent, and how long its link works.
CLINIC_CARE_PLAN_LINK_DAYS = env_int("CLINIC_CARE_PLAN_LINK_DAYS", 180)
CLINIC_AFTERCARE_CHECK_HOURS = env_int("CLINIC_AFTERCARE_CHECK_HOURS", 48)
CLINIC_AFTERCARE_CHECK_LINK_DAYS = env_int("CLINIC_AFTERCARE_CHECK_LINK_DAYS", 14)
# Outcome check-ins (docs/care.md#outcomes): how long a link works after it is due, and when
# the one reminder goes if the check-in is still unanswered.
CLINIC_CHECKIN_LINK_DAYS = env_int("CLINIC_CHECKIN_LINK_DAYS", 14)
CLINIC_CHECKIN_REMINDER_DAYS = env_int("CLINIC_CHECKIN_REMINDER_DAYS", 3)
CLINIC_REMINDER_HOURS = env_int("CLINIC_REMINDER_HOURS", 24)
CLINIC_BOOKING_WEEKS = env_int("CLINIC_BOOKING_WEEKS", 3)

# Cookies and HTTPS: secure cookies whenever DEBUG is off.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True  # set by a form post, never read by JavaScript
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY") else None
)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line carries the request id; email addresses and link tokens are masked, in the
    # message and the exception text, as a last line of defence.
    "filters": {
        "request_id": {"()": "clinic.logs.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
        # Error reports to ADMINS, through the same mask (the subject holds the path).
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's default "django" handlers, which bypass the mask.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        # runserver's request lines ("GET /consult/book/<token>/") go through the mask too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # django-axes announces itself at start-up; commands' output stays clean.
        "axes.apps": {"level": "WARNING"},
    },
}

# --- Security and privacy (README "Security") ---
# Error reports (emails to ADMINS, the debug page) never include request bodies or cookies.
DEFAULT_EXCEPTION_REPORTER_FILTER = "clinic.logs.NoRequestDataReporterFilter"
# ... nor query strings, link tokens or email addresses in the exception text.
DEFAULT_EXCEPTION_REPORTER = "clinic.logs.CleanExceptionReporter"
# Behind a reverse proxy the client address is the last X-Forwarded-For entry (set by our proxy).
CLINIC_BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")

if TESTING:
    # The suite creates many staff users; a fast hasher keeps it quick. Never used outside tests.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Two-factor sign-in for every staff account (and the admin): on unless DEBUG, or as set.
CLINIC_REQUIRE_2FA = env_bool("CLINIC_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = CLINIC_NAME
CLINIC_BACKUP_CODES = 10
# Our own device admins (accounts/admin.py) show no keys; this covers django-otp's views too.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Brute force (django-axes): 5 failures per username and IP lock that pair for 15 minutes.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.auth_backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("CLINIC_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CLINIC_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# IPv6 clients count per /64 (one household or server gets a whole /64): clinic.middleware.
AXES_CLIENT_IP_CALLABLE = "clinic.middleware.remote_addr"
# Whatever the address: this many failed sign-ins for one username in an hour lock that account
# for the rest of the hour (accounts/auth_backends.py; docs/security.md says how the two interact).
CLINIC_ACCOUNT_FAILURE_LIMIT = env_int("CLINIC_ACCOUNT_FAILURE_LIMIT", 20)
# No start-up banner on stderr (management commands such as `screen` own their stderr) and no
# user agents in lockout log lines.
AXES_VERBOSE = False

# Staff sessions: signed out after 15 idle minutes and 12 hours at most; patients keep the
# default cookie age (their drafts live in the database, reachable by a resume link).
CLINIC_STAFF_IDLE_MINUTES = env_int("CLINIC_STAFF_IDLE_MINUTES", 15)
CLINIC_STAFF_SESSION_HOURS = env_int("CLINIC_STAFF_SESSION_HOURS", 12)

# Content Security Policy (django-csp 4): our own files only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
CLINIC_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# Request size: an intake is a few kilobytes of text; anything far larger is refused (400).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CLINIC_MAX_BODY_BYTES", 256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 300
CLINIC_MAX_FIELD_LENGTH = 10_000

# Public endpoints: (requests, seconds) per client IP, and per email address for link requests.
CLINIC_RATE_LIMITS_ENABLED = env_bool("CLINIC_RATE_LIMITS_ENABLED", True)
CLINIC_RATE_LIMITS = {
    "intake_start": (30, 3600),
    "intake_submit": (10, 3600),
    "link_request_ip": (10, 3600),
    "link_request_email": (3, 3600),
    "booking": (20, 3600),
    "care_check": (20, 3600),
    "password_reset": (5, 3600),
}

# Retention: drafts go after 30 days; closed submissions are anonymised after
# CLINIC_RETENTION_DAYS when that is set (python manage.py purge_data, run daily by cron).
CLINIC_DRAFT_RETENTION_DAYS = env_int("CLINIC_DRAFT_RETENTION_DAYS", 30)
CLINIC_RETENTION_DAYS: int | None = env_int("CLINIC_RETENTION_DAYS", 0) or None
