import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# What is loaded by now (Django, the URLs, the modules) lives as long as the worker: moved
# out of the collector's reach, a full collection no longer walks it and stalls every thread
# of the worker for 100-250 ms under load (docs/performance.md, "Load").
gc.freeze()
