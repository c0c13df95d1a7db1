"""Production: secrets and hosts from the environment, HTTPS only, no demo tools.

Required environment: DJANGO_SECRET_KEY (50+ characters), DJANGO_ALLOWED_HOSTS,
DATABASE_URL (PostgreSQL). Optional: PONT_TRUST_X_FORWARDED_PROTO=1 behind a
TLS-terminating proxy that sets X-Forwarded-Proto, DJANGO_CSRF_TRUSTED_ORIGINS.
"""

from config.env import env_bool, env_list, env_str

from .base import *

PONT_DEPLOYMENT = "production"
DEBUG = False

SECRET_KEY = env_str("DJANGO_SECRET_KEY", min_length=50)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", allow_empty=False)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
PONT_AUDIT_CHECKPOINT_KEY = env_str("PONT_AUDIT_CHECKPOINT_KEY", min_length=32)

if not env_str("DATABASE_URL", ""):
    from config.env import EnvError

    raise EnvError("Environment variable DATABASE_URL is required in production (PostgreSQL).")

# HTTPS everywhere (ASVS 3.4.1, 3.3.x).
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
# __Host- cookies are bound to this exact host over HTTPS (ASVS 3.3.1, 3.3.3).
SESSION_COOKIE_NAME = "__Host-pont_session"
CSRF_COOKIE_NAME = "__Host-pont_csrf"
if env_bool("PONT_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Demo conveniences can never be turned on here: not from the environment,
# and a system check (accounts.E001) fails start-up if anything sets it.
PONT_DEMO_TOOLS = False
PONT_SHOW_DEMO_BANNER = False
PONT_WEBHOOKS_ALLOW_LOCAL_HTTP = False
PONT_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
PONT_BASE_URL = env_str("PONT_BASE_URL")
