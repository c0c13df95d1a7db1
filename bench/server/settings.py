"""Settings for the benchmark server: the embedded settings plus two reference endpoints."""

from config.settings.local import *  # noqa: F403

ROOT_URLCONF = "bench.server.urls"
DEBUG = False
PONT_DEMO_TOOLS = True
LOGGING = {"version": 1, "disable_existing_loggers": True}
# Measured requests do not need the throttled last-seen writes of a browser session.
