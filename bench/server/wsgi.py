import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.server.settings")
application = get_wsgi_application()
gc.freeze()  # as config/wsgi.py does in production
