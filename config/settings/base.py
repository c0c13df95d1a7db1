"""Settings shared by every deployment of Pont.

Environment-specific modules (local, test, production) import this and
override what differs. Values that come from the environment are read through
the typed helpers in config.env, which refuse bad values loudly.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PONT_VAR_DIR", str(BASE_DIR / "var")))

# "local", "test" or "production": read by system checks that refuse
# demo conveniences outside a demo.
PONT_DEPLOYMENT = "base"

SECRET_KEY = env_str(
    "DJANGO_SECRET_KEY", "insecure-local-only-key-change-me-in-every-real-deployment"
)
DEBUG = False
ALLOWED_HOSTS: list[str] = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "ninja",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "pont.core",
    "pont.accounts",
    "pont.audit",
    "pont.people",
    "pont.directory",
    "pont.referrals",
    "pont.drug_testing",
    "pont.stop_search",
    "pont.disposals",
    # Demo data and the embedded run: above every module, imported by none.
    "pont.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # pont.core.web_middleware: the browser's middleware, which a partner API call (no
    # cookies, no user, no pages) goes straight past; each is the middleware it names.
    "pont.core.web_middleware.WhiteNoiseMiddleware",
    "pont.core.middleware.RequestIdMiddleware",
    # Every refusal of someone signed in or of an API key (401, 403, 404) is logged, with
    # the request id and, where the view said, whether the record refused exists.
    "pont.core.refusals.RefusalLogMiddleware",
    # A body over what its address takes: 413 before anything reads it (pont.core.uploads).
    "pont.core.uploads.RequestSizeLimitMiddleware",
    # A NUL character in a request: 400 before any view (PostgreSQL cannot store it).
    "pont.core.middleware.RefuseNulMiddleware",
    "pont.core.web_middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "pont.core.web_middleware.AuthenticationMiddleware",
    "pont.core.web_middleware.OTPMiddleware",
    "pont.core.web_middleware.MessageMiddleware",
    # After messages: signing out an idle session leaves a message for the sign-in page.
    "pont.accounts.middleware.SessionPolicyMiddleware",
    "pont.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pont.core.web_middleware.CSPMiddleware",
    "pont.core.middleware.SecurityHeadersMiddleware",
    # A method an address does not take: 405 in the API's JSON error shape with Allow, or a
    # page saying what to do (Django's is empty).
    "pont.core.middleware.MethodNotAllowedMiddleware",
    # A lost database connection: 503 and a fresh connection next time, not a 500.
    "pont.core.middleware.DatabaseUnavailableMiddleware",
    # django-axes must be last: it turns a lockout signal into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "pont" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pont.core.context_processors.shell",
            ],
        },
    },
]

# Database: embedded SQLite unless DATABASE_URL names another (PostgreSQL 15+).
DATABASE_URL = env_str("DATABASE_URL", "")
SQLITE_PATH = Path(env_str("PONT_SQLITE_PATH", str(VAR_DIR / "pont.sqlite3")))
SQLITE_OPTIONS = {
    # BEGIN IMMEDIATE takes the write lock at the start of every transaction,
    # so two writers queue instead of failing with "database is locked" when
    # one upgrades a read lock; it also serialises audit-chain extension.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=20000;"
    ),
}
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("PONT_DB_CONN_MAX_AGE", 60, minimum=0)
        )
    }
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend, with writers queued on a lock file (pont/core/db).
            "ENGINE": "pont.core.db.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": SQLITE_OPTIONS,
            # Keep each thread's connection: opening one runs the PRAGMAs again.
            "CONN_MAX_AGE": env_int("PONT_DB_CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts and authentication
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out username+address never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "pont.accounts.backends.RoleCapabilityBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Kept so that a hash made by an older hasher still verifies and is upgraded.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 6.2.1: at least 8; NCSC and ASVS recommend longer passphrases.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "pont.accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "pont.accounts.validators.ContextWordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions (ASVS 7.3): a shift-length absolute lifetime and a short idle timeout.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("PONT_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60, minimum=300)
PONT_SESSION_IDLE_SECONDS = env_int("PONT_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "pont.core.views.csrf_failure"

# django-axes: lock a username from an address after repeated failures.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = env_int("PONT_LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=50)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PONT_LOGIN_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "token", "otp_token"]

# django-otp: TOTP for every staff account.
OTP_TOTP_ISSUER = "Pont"
OTP_TOTP_THROTTLE_FACTOR = 1

# Demo conveniences (printing a persona's current code). Production forces
# this off and a system check refuses it there; see pont.accounts.checks.
PONT_DEMO_TOOLS = False

# Internationalisation: English and Welsh throughout (Welsh Language Standards).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("cy", _("Welsh"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "pont_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# Static files: built by `make assets` into build/static, collected into
# var/staticfiles and served by WhiteNoise with hashed names.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("PONT_STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "build" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Security headers. CSP is strict: no inline script or style anywhere.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Background tasks: the Django tasks API on the database backend, so the
# embedded SQLite run needs no broker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The out-of-court disposals scrutiny panel: cases drawn each month (1-30).
# See docs/disposals-scrutiny.md.
PONT_SCRUTINY_SAMPLE_SIZE = env_int("PONT_SCRUTINY_SAMPLE_SIZE", 10)
# Which forces each commissioner's office oversees (office slug -> force slugs; empty: every
# active force, the one-force deployment Pont is made for): its dashboards, panels and the
# independent inspector's samples. See docs/adr/0003-commissioner-oversight.md.
PONT_COMMISSIONER_FORCES: dict[str, list[str]] = {}

# Periodic jobs that `pont scheduler` enqueues: (task import path, every N seconds).
PONT_SCHEDULE = [
    ("pont.audit.tasks.audit_checkpoint_write", env_int("PONT_AUDIT_CHECKPOINT_SECONDS", 300)),
    # Retries of failed webhook deliveries (new events are delivered at once).
    ("pont.referrals.tasks.deliver_webhooks", env_int("PONT_WEBHOOK_RETRY_SECONDS", 15)),
    # Retries of referral emails the mail server did not take (new ones are sent at once).
    ("pont.referrals.tasks.send_emails", env_int("PONT_EMAIL_RETRY_SECONDS", 60)),
    # The partner API's idempotency keys, and the responses they keep, after their 24 hours.
    (
        "pont.referrals.tasks.purge_idempotency_keys",
        env_int("PONT_IDEMPOTENCY_PURGE_SECONDS", 3600),
    ),
    # Last month's audit sample of searches, drawn on the 1st (hourly runs: once per month,
    # a missed 1st caught up at the next run).
    (
        "pont.stop_search.audit_tasks.draw_search_samples",
        env_int("PONT_SEARCH_SAMPLE_SECONDS", 3600),
    ),
    # Out-of-court disposals: conditions past their deadline raise a task for the officer;
    # last month's sample for the scrutiny panel is drawn early in the month.
    (
        "pont.disposals.tasks.flag_overdue_conditions",
        env_int("PONT_OVERDUE_CONDITIONS_SECONDS", 3600),
    ),
    (
        "pont.disposals.tasks.draw_scrutiny_samples",
        env_int("PONT_SCRUTINY_SAMPLE_SECONDS", 3600),
    ),
    # A backup when the newest in PONT_BACKUP_DIR is PONT_BACKUP_EVERY_HOURS old.
    ("pont.core.tasks.scheduled_backup", env_int("PONT_BACKUP_CHECK_SECONDS", 3600)),
]

# Audit chain checkpoints: kept in their own table and, when a path is set,
# appended to a file outside the database, so a truncated tail is detectable.
PONT_AUDIT_CHECKPOINT_FILE = env_str(
    "PONT_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.jsonl")
)
PONT_AUDIT_CHECKPOINT_KEY = env_str("PONT_AUDIT_CHECKPOINT_KEY", "") or SECRET_KEY

# The age public keys (age1..., comma-separated) that `pont backup` encrypts every backup
# to, unless --encrypt-to names others; none: backups are written unencrypted.
PONT_BACKUP_RECIPIENTS = env_list("PONT_BACKUP_RECIPIENTS", [])
# The scheduled backup (pont.core.tasks.scheduled_backup, checked hourly): into this
# directory (none: no scheduled backup), when the newest is this many hours old, keeping
# this many. See docs/operations.md.
PONT_BACKUP_DIR = env_str("PONT_BACKUP_DIR", "")
PONT_BACKUP_EVERY_HOURS = env_int("PONT_BACKUP_EVERY_HOURS", 24)
PONT_BACKUP_KEEP = env_int("PONT_BACKUP_KEEP", 14)

# API keys shown once; the prefix names Pont so secret scanners can find leaks.
PONT_API_KEY_PREFIX = "pont"

# Webhooks go to HTTPS endpoints only; local plain HTTP only for the demo and tests.
PONT_WEBHOOKS_ALLOW_LOCAL_HTTP = False
# Webhooks go to addresses on the public internet only (server-side request forgery: a
# provider must not make Pont call this machine, the cloud metadata service or the internal
# network). Registration refuses `localhost`, names ending in .localhost, .local or
# .internal, IP addresses that are not public, and addresses with a user name or password;
# delivery resolves the name, refuses it if any of its addresses is not public, and
# connects to the address it checked (pont/referrals/outbox.py). True only where Pont
# delivers to receivers on this machine: the demo (`make run`, `pont
# demo-webhook-receiver`) and the tests. Never in production. Local plain HTTP
# (PONT_WEBHOOKS_ALLOW_LOCAL_HTTP) needs this too.
PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
# Where the network lets Pont out only through a proxy: its address
# (`http://proxy.example:3128`, with `user:password@` if it asks for them). Deliveries go
# through it as a CONNECT tunnel to the address Pont checked, never to the name, so the
# proxy cannot be made to resolve it elsewhere. Empty: straight to the endpoint. Pont does
# not read HTTP(S)_PROXY for webhooks.
PONT_WEBHOOKS_PROXY = env_str("PONT_WEBHOOKS_PROXY", "")

# The address people use to reach Pont, for links in emails (never personal data in them).
PONT_BASE_URL = env_str("PONT_BASE_URL", "http://127.0.0.1:8000")

# Outbound email (later modules send links, never personal data).
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("PONT_FROM_EMAIL", "pont@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "pont.core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "class": "pont.core.logging.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("PONT_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # WeasyPrint reports each rendering step at INFO, and warns on every
        # document when the system lacks HarfBuzz-Subset (it then subsets fonts
        # with fontTools, which is what Pont expects): only its errors matter.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# Files: a view that takes them says how large (pont.core.uploads.takes_files); a file over
# its limit is dropped as it arrives, before Django's handlers keep it.
FILE_UPLOAD_HANDLERS = [
    "pont.core.uploads.FileSizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

PONT_SHOW_DEMO_BANNER = env_bool("PONT_SHOW_DEMO_BANNER", False)
