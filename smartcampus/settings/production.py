"""Production settings: refuse to start without the essentials."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import cache_settings, env, planner_options

REQUIRED = {
    "SECRET_KEY": "a long random secret, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`",
    "ALLOWED_HOSTS": "the host names this site answers to, comma-separated",
    "DATABASE_URL": "the PostgreSQL URL, e.g. postgres://user:pass@db:5432/smartcampus",
    "CELERY_BROKER_URL": "the Redis URL for Celery (or set REDIS_URL)",
}
_missing = [
    name
    for name in REQUIRED
    if not env(name, default="") and not (name == "CELERY_BROKER_URL" and env("REDIS_URL", default=""))
]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: "
        + "; ".join(f"{name} — {REQUIRED[name]}" for name in _missing)
    )

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
planner_options(DATABASES["default"])
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default=""))
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = False
# Several gunicorn workers must share one cache (dashboard versions): Redis, never per-process memory.
CACHES = cache_settings(env("CACHE_URL", default=CELERY_BROKER_URL))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
