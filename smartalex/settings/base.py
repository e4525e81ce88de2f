"""Settings shared by every environment; environment modules override what differs."""
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Development only: production settings refuse this key (and any other placeholder).
LOCAL_FALLBACK_SECRET_KEY = "dev-insecure-key-change-me"  # noqa: S105 - refused by production
SECRET_KEY = os.environ.get("SECRET_KEY", LOCAL_FALLBACK_SECRET_KEY)
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "import_export",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "contacts",  # before django_tasks_db: its `db_worker` command is the project's (heartbeat, lock tolerance)
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "contacts.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "contacts.middleware.CurrentWorkspaceMiddleware",
    "contacts.middleware.ForbiddenMiddleware",
]

ROOT_URLCONF = "smartalex.urls"
WSGI_APPLICATION = "smartalex.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "contacts.context_processors.workspace",
                "contacts.context_processors.accounts",
            ],
        },
    },
]


def database_from_env(default_sqlite: Path) -> dict:
    """DATABASE_URL selects the database; a SQLite file in the project otherwise."""
    config = dj_database_url.config(default=f"sqlite:///{default_sqlite}", conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL + IMMEDIATE transactions let the web server and the task worker share one file.
        config.setdefault("OPTIONS", {}).update(
            {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=10000; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-64000;"
                ),
                "transaction_mode": "IMMEDIATE",
            }
        )
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Solid-state storage: a random page costs about what a sequential one does. With PostgreSQL's default (4,
        # spinning disks) the planner hashes a whole million-row table to count a list's 10,000 members instead of
        # looking them up by key (180 ms against 70). PG_RANDOM_PAGE_COST=4 restores the default.
        cost = os.environ.get("PG_RANDOM_PAGE_COST", "1.1")
        config.setdefault("OPTIONS", {}).setdefault("options", f"-c random_page_cost={cost}")
    return config


DATABASES = {"default": database_from_env(BASE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "contacts.api.errors.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": ["contacts.api.authentication.BearerKeyAuthentication"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}
# API v1: requests per key (DRF rate syntax: N/second|minute|hour|day).
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "SmartAlex Contacts API",
    "DESCRIPTION": "API v1 of SmartAlex Contacts. Authenticate with `Authorization: Bearer <workspace API key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/v1",
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["contacts.api.schema.drop_slash_aliases"],
    "ENUM_NAME_OVERRIDES": {"ContactStatusEnum": "contacts.models.ContactStatus.choices",
                            "CallStatusEnum": "contacts.models.CallStatus.choices",
                            "CampaignStatusEnum": "contacts.models.CampaignStatus.choices",
                            "CampaignTypeEnum": "contacts.models.CampaignType.choices",
                            "CustomFieldTypeEnum": "contacts.fields.models.FieldType.choices",
                            # response shapes reuse these field names with other choices; names stay stable
                            "SourceEnum": "contacts.models.ConsentSource.choices",
                            "DncSourceEnum": "contacts.models.DncSource.choices",
                            "DeliveryStatusEnum": "contacts.webhooks.models.DeliveryStatus.choices",
                            "PhoneLabelEnum": "contacts.models.PhoneLabel.choices",
                            "RevocationChannelEnum": "contacts.models.RevocationChannel.choices"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "contacts.api.schema.add_error_responses"],
}

# Upload limit for CSV/XLSX imports (bytes).
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 2_000_000))  # data rows per file; reading stops past it
# The preview counts a CSV up to this size in the request itself (about 1,500 rows); larger files in the worker.
IMPORT_PREVIEW_INLINE_BYTES = int(os.environ.get("IMPORT_PREVIEW_INLINE_BYTES", 64 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Outbound webhooks: destinations on loopback/private/link-local networks are refused unless this is true
# (a self-hosted install posting to its own LAN); WEBHOOKS_TIMEOUT bounds each request (seconds).
WEBHOOKS_ALLOW_PRIVATE = os.environ.get("WEBHOOKS_ALLOW_PRIVATE", "false").lower() in ("1", "true", "yes")
WEBHOOKS_TIMEOUT = float(os.environ.get("WEBHOOKS_TIMEOUT", 10))
WEBHOOKS_CONCURRENCY = int(os.environ.get("WEBHOOKS_CONCURRENCY", 4))  # requests in flight per drain task

# --- Logs: one JSON object per line with the request id (LOG_FORMAT=text for a human-readable console) ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "contacts.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": os.environ.get("LOG_FORMAT", "json")}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Hardening: CSP (self only), login throttling, sessions ---
INSTALLED_APPS += ["csp", "axes", "django_rq"]
MIDDLEWARE.insert(0, "contacts.observability.RequestIdMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF], "script-src": [_SELF], "style-src": [_SELF], "img-src": [_SELF, "data:"],
        "font-src": [_SELF, "data:"], "connect-src": [_SELF], "media-src": [_SELF, "https:"],
        "object-src": [_NONE], "base-uri": [_SELF], "form-action": [_SELF], "frame-ancestors": [_NONE],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 60 * 60 * 12))  # sessions end 12 h after sign-in
SESSION_COOKIE_HTTPONLY = True

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", 0.25))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429

# --- Email: password reset is offered only when mail can actually be sent ---
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", SMTP_BACKEND)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "false").lower() == "true"
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "false" if EMAIL_USE_SSL else "true").lower() == "true"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SmartAlex Contacts <noreply@localhost>")
NON_DELIVERING_EMAIL_BACKENDS = frozenset(f"django.core.mail.backends.{name}.EmailBackend"
                                          for name in ("console", "locmem", "dummy", "filebased"))


def email_configured(backend: str, host: str) -> bool:
    """True when mail leaves the machine: SMTP with EMAIL_HOST set, or a provider's backend."""
    if backend in NON_DELIVERING_EMAIL_BACKENDS:
        return False
    return bool(host) if backend == SMTP_BACKEND else True


PASSWORD_RESET_ENABLED = email_configured(EMAIL_BACKEND, EMAIL_HOST)

# --- Task queue: the database backend by default; TASKS_BACKEND=rq + REDIS_URL for Redis/RQ workers ---
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
if os.environ.get("TASKS_BACKEND", "db").lower() == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
if os.environ.get("REDIS_URL"):
    # Shared by every gunicorn worker: API rate-limit counters must not be per process.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
