"""Settings for the test suite: fast hashing, in-memory files, tasks run inline."""

from .base import *

PONT_DEPLOYMENT = "test"
DEBUG = False
SECRET_KEY = "test-secret-key-that-is-long-enough-for-django-checks-0123456789"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# Argon2 stays first so tests exercise the real hasher path; MD5 is faster
# for the many personas that fixtures create, and never used outside tests.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if not DATABASE_URL:
    # The suite uses an in-memory database; the file options do not apply.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
    # In memory there is no file to queue on; Django's own engine name also lets
    # pytest-django give each xdist worker its own in-memory database.
    DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"
    # The in-memory test database lives as long as its connection: never recycle it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

PONT_AUDIT_CHECKPOINT_FILE = ""
PONT_AUDIT_CHECKPOINT_KEY = "test-checkpoint-key"  # noqa: S105
PONT_DEMO_TOOLS = True

LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}  # type: ignore[dict-item]

# A test-only app with one concrete ReferenceData table (no migrations: the
# test database creates its table directly).
INSTALLED_APPS = [*INSTALLED_APPS, "pont.core.tests.reference_app"]

# Serve static files from the finders: the suite does not run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
PONT_WEBHOOKS_ALLOW_LOCAL_HTTP = True
# Demo and test receivers listen on 127.0.0.1 (see base.py).
PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
PONT_BASE_URL = "https://pont.example.test"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
