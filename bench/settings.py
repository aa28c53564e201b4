"""Settings of the benchmark's server (bench/http.py): production settings plus the bare baseline
page, mounted by this package's own URLconf. The project's settings and URLconf know nothing of it."""

from smartcampus.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
