"""Test settings. `make test` points DATABASE_URL/REDIS_URL at throwaway servers it started."""

from .base import *  # noqa: F403
from .base import REDIS_URL, VAR_DIR, cache_settings, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "test-media")
# Unit tests run tasks in-process, inside the call; the integration tests start a real worker on the
# real broker, and the round-trip test reads a result back through Redis.
CELERY_TASK_ALWAYS_EAGER = True
REPORTS_EMBEDDED_THREADS = 0
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_RESET_BY_EMAIL = True  # e-mail is configured (in memory): the reset pages exist
# Per-process memory, cleared before every test (tests/conftest.py): a shared Redis cache would carry
# cached dashboards from one test's database into the next (same primary keys, other data).
CACHES = cache_settings("")

# Django's test client calls `authenticate()` without a request (`client.login`), which django-axes'
# backend refuses; this subclass lets such calls through. Requests through the login view still
# carry a request, so lockout is enforced and tested there (tests/security/test_web_security.py).
AUTHENTICATION_BACKENDS = [
    "tests.security.backends.AxesTestClientBackend",
    "django.contrib.auth.backends.ModelBackend",
]
