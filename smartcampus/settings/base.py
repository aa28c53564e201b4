"""Settings shared by every environment.

Every integration is switched by an environment variable (see `.env.example` and the README's
configuration table). With no environment at all the project runs on the *embedded default*:
an SQLite file under `var/`, Celery tasks executed in-process, files on local disk.
"""

import datetime
import os
from pathlib import Path

import environ
from import_export.formats.base_formats import CSV, XLSX

from smartcampus import spreadsheets

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI files served from our own static files, no CDN
    "axes",
    "csp",
    "import_export",
    "simple_history",
    "django_htmx",
    # Our apps, in their direction of dependency (a lower app never imports a higher one).
    "indicators",
    "assessments",
    "evidence",
    "classrooms",
    "rectification",
    "inspections",
    "reports",
    # The project's account pages and rules (top layer: composes assessments' account services).
    "smartcampus.accounts",
    # the project package: at start-up, plain text in every model text field (smartcampus/text.py)
    "smartcampus.apps.SmartcampusConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "smartcampus.middleware.RejectNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "smartcampus.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A password someone else set must be replaced first (pages redirect, the API answers 403).
    "smartcampus.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smartcampus.urls"
WSGI_APPLICATION = "smartcampus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smartcampus.navigation.navigation",
                "smartcampus.accounts.context_processors.accounts",
            ],
        },
    },
]

# --- Database: PostgreSQL when DATABASE_URL is set, else the embedded SQLite file -------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)  # the embedded default's home; not in git
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))


def planner_options(database: dict) -> dict:
    """`database` (a PostgreSQL one) with the planner's cost of a random page read set for every
    connection (`DB_RANDOM_PAGE_COST`, 1.1 by default; empty: the server's own setting). The
    server's default (4) is meant for spinning disks: on SSDs with the data in memory it makes
    PostgreSQL scan a whole table where an index would read a few rows (a workbench's verdicts: every
    verdict of the city hashed to find one school's 40)."""
    cost = env.str("DB_RANDOM_PAGE_COST", default="1.1")
    if (
        database["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2")
        and cost
    ):
        options = database.setdefault("OPTIONS", {})
        given = options.get("options", "")
        options["options"] = f"{given} -c random_page_cost={float(cost)}".strip()
    return database


planner_options(DATABASES["default"])
# PostgreSQL: the compiled statements of `smartcampus.db` run as prepared statements of their
# connection (off behind a pooler that shares server connections between clients per transaction)
DATABASE_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "smartcampus.passwords.MinimumLengthValidator"},  # Django's message is untranslated
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses locked-out username+IP pairs before a password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# "Forgot your password?" by e-mail (Django's reset views) only where e-mail really goes out: when
# EMAIL_BACKEND is configured. Otherwise commission staff reset passwords (accounts:user-list).
PASSWORD_RESET_BY_EMAIL = env.bool("PASSWORD_RESET_BY_EMAIL", default="EMAIL_BACKEND" in os.environ)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # an e-mailed reset link works for one day

# The framework pages show their data notes (transcription, 推定值) to those who look after the data:
# indicators asks this function of assessments (which knows the roles) without importing it.
FRAMEWORK_DATA_NOTE_READERS = "assessments.selectors.user_reads_data_notes"
# The correspondence of framework versions is changed by the same people (commission staff).
FRAMEWORK_MAPPING_EDITORS = "assessments.selectors.user_reads_data_notes"
# Carrying last year's answers forward: assessments copies statements and facts, then asks each of
# these `(*, pairs, acting_user)` (higher apps, named without an import) to carry what they keep.
CARRY_FORWARD_HANDLERS = ["evidence.services.evidence_carry_forward"]

# --- i18n: Simplified Chinese first, English second; China Standard Time ----------------------
LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, whatever the interface language (the switch reads the same for everyone).
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]  # i18n: data
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# No MEDIA_URL is routed: evidence and reports are served only through permission-checked views.
MEDIA_URL = "/media-not-served/"

STORAGES = {
    "default": {
        "BACKEND": env("FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage":
    STORAGES["default"]["OPTIONS"] = {
        "bucket_name": env("S3_BUCKET"),
        "endpoint_url": env("S3_ENDPOINT_URL", default=None),
        "access_key": env("S3_ACCESS_KEY", default=None),
        "secret_key": env("S3_SECRET_KEY", default=None),
        "default_acl": "private",
        "querystring_auth": True,
    }

# --- Celery: Redis when a broker is configured, else tasks run in-process ---------------------
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# No product path reads a task's result (jobs report through their rows), so no result backend is
# needed and none is contacted when a task is sent; set one only to inspect results by hand.
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# A web request that sends a task waits for the broker at most a few seconds: connecting and every
# command are bounded, and a failed publish is not retried (reports/services.py fails the job with a
# retryable message instead). The worker's own connection still retries until the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=2.0),
    "max_retries": 0,  # connecting for a publish: one attempt
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_BROKER_CONNECTION_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"]
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=512_000)  # KiB
CELERY_TIMEZONE = TIME_ZONE


# --- Cache: Redis when configured (shared by every web and worker process, so the campaign data
# version one process bumps is seen by all: assessments/freshness.py); per-process memory otherwise.
def cache_settings(url: str) -> dict:
    if url:
        return {
            "default": {
                "BACKEND": "smartcampus.cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "smartcampus",
                "TIMEOUT": 300,
            }
        }
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "smartcampus"}
    }


CACHES = cache_settings(env("CACHE_URL", default=REDIS_URL))
# The commission dashboard is computed once per (campaign, scope, language, data version) and
# counts as current this many seconds at most (the bound on staleness should a change bypass the
# services); older figures are recomputed, and a large scope's shown meanwhile with their time.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=600)
# A scope of more schools than this is never computed inside a request: a worker recomputes it
# (reports.dashboard); up to it, computing takes tens of milliseconds and is done inline.
DASHBOARD_INLINE_MAX_SCHOOLS = env.int("DASHBOARD_INLINE_MAX_SCHOOLS", default=300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Django REST Framework ----------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous API call answers 401 with `WWW-Authenticate: Token`; browsers use
    # the session (with its CSRF check) as before. Users create/revoke tokens at /accounts/api-token/.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "smartcampus.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "smartcampus.api.exception_handler",
    # JSON bodies bounded in size, nesting and numbers (smartcampus/parsers.py)
    "DEFAULT_PARSER_CLASSES": [
        "smartcampus.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# Request bodies other than file uploads (forms, JSON) are read up to this size, else 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
API_JSON_MAX_DEPTH = 32  # lists/objects nested deeper in a JSON body: 400
SPECTACULAR_SETTINGS = {
    "TITLE": "智慧校园自评平台 API",
    "DESCRIPTION": (
        "学校自评、区县评审与教委统计的接口。认证：浏览器会话（需 CSRF 令牌），或在请求头中提供 "
        "`Authorization: Token <令牌>`（在“API 令牌”页面 /accounts/api-token/ 创建或撤销）。"
        '所有错误的格式为 `{"error": {"code": "…", "message": "中文说明", "fields": {…}}}`；'
        "对象不存在与不在您权限范围内一样，都返回 404。"
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Report jobs and evidence files both have a `kind` field with different choices.
    "ENUM_NAME_OVERRIDES": {
        "ReportJobKindEnum": "reports.models.JobKind",
        "ClassroomKindEnum": "classrooms.models.ClassroomKind",
        "ClassroomCheckStatusEnum": "classrooms.models.CheckStatus",
        "DesignationKindEnum": "assessments.models.DesignationKind",
        "RectificationStateEnum": "rectification.models.RectificationState",
        "AssessmentStatusEnum": "assessments.models.AssessmentStatus",
        "VisitStateEnum": "inspections.models.VisitState",
        "PublicationStateEnum": "inspections.models.PublicationState",
        "ObjectionStateEnum": "inspections.models.ObjectionState",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "smartcampus.api.add_error_responses",
    ],
}

# --- django-import-export: spreadsheets only (no HTML/YAML round-trips) --------------------------
IMPORT_EXPORT_FORMATS = [XLSX, CSV]
# Exports keep text as text (smartcampus/spreadsheets.py); CSV has no cell types, so none is written.
EXPORT_FORMATS = [spreadsheets.XLSX]
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# --- Workflow: notifications and reminders -------------------------------------------------------
# The site's address, put in front of the links of notification e-mails ("" = links relative).
SITE_URL = env("SITE_URL", default="")
# Deadline reminders go out this many days before a self-assessment or review deadline.
REVIEW_REMINDER_DAYS = env.int("REVIEW_REMINDER_DAYS", default=3)

# --- Reports (docs/reports.md) -------------------------------------------------------------------
REPORTS_KEEP_DAYS = env.int("REPORTS_KEEP_DAYS", default=7)  # a finished report's file is kept this long
REPORTS_MAX_ATTEMPTS = env.int("REPORTS_MAX_ATTEMPTS", default=3)  # claims of one job (worker deaths)
REPORTS_QUEUED_TIMEOUT_HOURS = env.int("REPORTS_QUEUED_TIMEOUT_HOURS", default=6)
# {"school_pdf": [soft, hard], …} overrides entries of reports.limits.DEFAULT_LIMITS (seconds).
REPORTS_TIME_LIMITS = env.json("REPORTS_TIME_LIMITS", default={})
REPORTS_CJK_FONT = env("REPORTS_CJK_FONT", default="Noto Sans CJK SC")
# A running report job stamps a heartbeat this often; one silent for the timeout has lost its process
# (a killed worker) and is failed as interrupted by the check every worker and beat run each
# REPORTS_WATCHDOG_SECONDS: within timeout + watchdog (90 s) of the process's death.
REPORTS_HEARTBEAT_SECONDS = env.float("REPORTS_HEARTBEAT_SECONDS", default=15)
REPORTS_HEARTBEAT_TIMEOUT_SECONDS = env.float("REPORTS_HEARTBEAT_TIMEOUT_SECONDS", default=60)
REPORTS_WATCHDOG_SECONDS = env.float("REPORTS_WATCHDOG_SECONDS", default=30)
# Without a broker (embedded default) report jobs run in this many background threads of the web
# server, so a request answers at once; 0 runs them inside the request (the unit tests).
REPORTS_EMBEDDED_THREADS = env.int("REPORTS_EMBEDDED_THREADS", default=2)

# --- Uploads ------------------------------------------------------------------------------------
EVIDENCE_MAX_UPLOAD_MB = env.int("EVIDENCE_MAX_UPLOAD_MB", default=50)
# Images above this are previewed as a server-made thumbnail only (the browser never decodes them).
EVIDENCE_PREVIEW_MAX_MEGAPIXELS = env.int("EVIDENCE_PREVIEW_MAX_MEGAPIXELS", default=40)
# Images above this are refused at upload (no one can view them; decoding time grows with pixels).
EVIDENCE_IMAGE_MAX_MEGAPIXELS = env.int("EVIDENCE_IMAGE_MAX_MEGAPIXELS", default=1000)
# PDFs with more objects are refused (each object is read to look for scripts, ~30 µs each; a
# 1,000-page text PDF has ~20,000 objects).
EVIDENCE_PDF_MAX_OBJECTS = env.int("EVIDENCE_PDF_MAX_OBJECTS", default=200_000)
# Stored evidence bytes without a row are deleted by the daily sweeper once older than this.
EVIDENCE_ORPHAN_GRACE_HOURS = env.int("EVIDENCE_ORPHAN_GRACE_HOURS", default=24)
# One request may upload this many files at once (with the per-file limit this bounds the body).
EVIDENCE_MAX_FILES_PER_REQUEST = env.int("EVIDENCE_MAX_FILES_PER_REQUEST", default=20)
# Office packages (zip) are refused above these: entries, unpacked size, compression ratio (zip bombs).
EVIDENCE_ZIP_MAX_ENTRIES = env.int("EVIDENCE_ZIP_MAX_ENTRIES", default=10_000)
EVIDENCE_ZIP_MAX_UNCOMPRESSED_MB = env.int("EVIDENCE_ZIP_MAX_UNCOMPRESSED_MB", default=1024)
EVIDENCE_ZIP_MAX_RATIO = env.int("EVIDENCE_ZIP_MAX_RATIO", default=200)
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=10)
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Login throttling (django-axes): 5 failures per username+IP lock that pair for 15 minutes -----
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False
# The admin shows the records in Chinese (smartcampus/accounts/admin.py) instead of the library's pages.
AXES_ENABLE_ADMIN = False
# The address is REMOTE_ADDR (no X-Forwarded-For parsing: a client could forge it). Behind one
# reverse proxy every client shares the proxy's address, so the lock is then per username.

# --- Content Security Policy (django-csp): our own files only, no inline script ---------------
# Inline `style="…"` attributes stay allowed (style-src-attr): templates size progress bars with them,
# and a style attribute cannot run script. <style> elements and every script must come from us.
SELF, NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],  # Bootstrap draws checkboxes and selects with data: SVGs
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],  # the evidence preview iframe
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@smartcampus.local")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # pikepdf announces its C++ logger bridge at INFO on import; libvips narrates every thumbnail
    "loggers": {"pikepdf": {"level": "WARNING"}, "pyvips": {"level": "WARNING"}},
}
