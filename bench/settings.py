"""Settings of the benchmark's server (bench/http.py): production settings plus the bare baseline
page, mounted by this package's own URLconf. The project's settings and URLconf know nothing of it."""

import os

# Importing the `smartcampus` package reads settings (its Celery app's beat schedule). Reached from
# here, Django would find this module half-executed and without those settings; so the package is
# imported under the production settings first. Django then finishes loading this module and uses it.
os.environ["DJANGO_SETTINGS_MODULE"] = "smartcampus.settings.production"
import smartcampus  # noqa: E402, F401

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

from smartcampus.settings.production import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
