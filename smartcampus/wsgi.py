import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcampus.settings.production")
application = get_wsgi_application()

# What is loaded by now (Django, the apps, their modules) lives as long as the process. Frozen out
# of the collector's sight, a full collection walks only what requests made since: about 15 ms
# instead of about 100 ms with every server process's hundreds of thousands of startup objects,
# a pause that otherwise stalls every request queued behind it.
gc.collect()
gc.freeze()
