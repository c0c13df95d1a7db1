"""The embedded demo that `make run` starts: SQLite under var/, demo personas.

It behaves like production (DEBUG off, the same middleware, CSP and second
factor) so that what a newcomer tries is what users get; only the demo
conveniences are on: `pont demo-otp` and the code hint on the sign-in page.
"""

from config.env import env_bool, env_str

from .base import *

PONT_DEPLOYMENT = "local"
DEBUG = env_bool("PONT_DEBUG", False)
PONT_DEMO_TOOLS = env_bool("PONT_DEMO_TOOLS", True)
PONT_SHOW_DEMO_BANNER = True
PONT_WEBHOOKS_ALLOW_LOCAL_HTTP = True
# Demo and test receivers listen on 127.0.0.1 (see base.py).
PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
# Emails (links only, never personal data) are written as files to read in the demo.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "emails"

# Shared by the web processes and the task worker, which `pont up` runs apart: the progress
# of police.uk uploads (stop_search.policeuk_jobs) is written by one and read by the others,
# and the uploaded files wait in the storage for the worker. Production needs the same:
# a cache and a storage that every process reaches (Redis, shared storage).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": VAR_DIR / "cache",
    }
}
MEDIA_ROOT = VAR_DIR / "uploads"
# The demo backs itself up daily into var/backups (unencrypted: demo data only).
PONT_BACKUP_DIR = env_str("PONT_BACKUP_DIR", str(VAR_DIR / "backups"))
