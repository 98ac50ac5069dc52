"""Settings for Tongxin, read from the environment.

The embedded default is SQLite in WAL mode under ``var/``; production sets
``DATABASE_URL`` (PostgreSQL), ``SECRET_KEY`` and ``ALLOWED_HOSTS``. DEBUG is off
unless asked for, so ``make demo`` serves the app the way production does.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("TONGXIN_VAR_DIR", BASE_DIR.parent / "var")).resolve()


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key():
    """Use SECRET_KEY, or a key generated once and kept in var/ for the embedded setup."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "tongxin.core.apps.AdminConfig",  # django.contrib.admin, sign-in rate-limited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "tongxin.kernel",
    "tongxin.core",
    "tongxin.places",
    "tongxin.orgs",
    "tongxin.people",
    "tongxin.matters",
    "tongxin.deadlines",
    "tongxin.notices",
    "tongxin.api",
    "tongxin.open311",
    "tongxin.webhooks",
    "tongxin.triage",
    "tongxin.hotspots",
    "tongxin.privacy",
    "tongxin.backups",
    "tongxin.portal",
    "tongxin.demo",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tongxin.core.middleware.ContentSecurityPolicyMiddleware",
    "tongxin.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "tongxin.urls"
CSRF_FAILURE_VIEW = "tongxin.core.views.csrf_failure"
# A request that meets an unavailable database gets 503 and this Retry-After (seconds).
TONGXIN_UNAVAILABLE_RETRY_AFTER = int(os.environ.get("TONGXIN_UNAVAILABLE_RETRY_AFTER", "10"))
WSGI_APPLICATION = "tongxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongxin.notices.context_processors.unread_count",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'tongxin.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock
    # at BEGIN so two gunicorn workers never deadlock upgrading a read lock.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- People, sign-in ------------------------------------------------------------
AUTH_USER_MODEL = "people.Person"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "tongxin.people.auth.LockoutBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "people:login"
# Repeated failed sign-ins lock the account name for a while (people/auth.py).
TONGXIN_LOGIN_MAX_FAILURES = int(os.environ.get("TONGXIN_LOGIN_MAX_FAILURES", "5"))
TONGXIN_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("TONGXIN_LOGIN_LOCKOUT_MINUTES", "15"))

# Rate limits (tongxin/core/ratelimit.py): name -> (requests, seconds), counted per person
# (or per address before sign-in) in the database, so they hold across workers. Override
# with TONGXIN_RATE_LIMITS='{"raise": [50, 3600]}' (JSON); a null value switches one off.
TONGXIN_RATE_LIMITS = {
    "sign_in_failures": (20, 900),   # failed sign-ins from one address (pages and API)
    "raise": (20, 3600),             # matters raised by one person on the pages
    "record": (200, 3600),           # walk-in matters recorded by one staff member
    "support": (60, 3600),           # "me too" votes by one person
    "api_write": (600, 60),          # writes through the API or Open311 by one key or person
}
TONGXIN_RATE_LIMITS.update(json.loads(os.environ.get("TONGXIN_RATE_LIMITS", "{}")))
# Residents of this age or older (from the roster's ID-card number) are offered the elder
# mode (长辈版) on their home page until they have answered once.
TONGXIN_ELDER_MODE_OFFER_AGE = int(os.environ.get("TONGXIN_ELDER_MODE_OFFER_AGE", "60"))
# Behind a reverse proxy, the header that carries the client's address (e.g. HTTP_X_REAL_IP).
TONGXIN_CLIENT_IP_HEADER = os.environ.get("TONGXIN_CLIENT_IP_HEADER", "")

# --- Language and time ----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
    ("zh-hant", "繁體中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Photos kept for a day while a worker confirms a warned result (matters.photos):
    # outside MEDIA_ROOT, so backups, which copy uploads that are never deleted, skip them.
    "held": {"BACKEND": "django.core.files.storage.FileSystemStorage",
             "OPTIONS": {"location": VAR_DIR / "held"}},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10
TONGXIN_ROSTER_MAX_BYTES = 10 * 1024 * 1024

# --- Security -------------------------------------------------------------------
# Production runs behind HTTPS; the local demo on 127.0.0.1 sets TONGXIN_HTTPS=0.
HTTPS = env_bool("TONGXIN_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS and env_bool("TONGXIN_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
TONGXIN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
TONGXIN_CSP_ADMIN = TONGXIN_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

# Background work (e-mails, deadline scans) through django-tasks; the database backend
# needs no extra server: `tongxin db_worker` runs the queue.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
TONGXIN_PHOTO_MAX_BYTES = 10 * 1024 * 1024
TONGXIN_PHOTO_MAX_COUNT = 9
# The pixels the photos of one request may decode to, together, checked from their headers
# before any is decoded (a JPEG counts at the reduced size it is decoded at: a 12-megapixel
# phone photo counts 3). bench/photos.py prints what the worst case costs.
TONGXIN_PHOTO_MAX_DECODED_PIXELS = int(os.environ.get("TONGXIN_PHOTO_MAX_DECODED_PIXELS",
                                                      60_000_000))

# Hosts a webhook may reach although they are, or resolve to, internal addresses
# (private, loopback, link-local ...): a partner's bridge inside the network, or 127.0.0.1
# for a receiver on this machine. Comma-separated names or addresses; none by default.
TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS = [
    host.strip() for host in os.environ.get("TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS", "").split(",")
    if host.strip()
]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tongxin@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

TONGXIN_NAME = _("Tongxin")

# --- REST API (tongxin/api) -----------------------------------------------------------------
# Apps sign in with a token (POST /api/v1/auth/token/), partner systems with an API key
# (X-Api-Key); signed-in staff reach the reference page with their session.
# A token dies after this many days unused, and this many days after it was issued
# whatever its use (api/tokens.py); also with a new password, a lockout or deactivation.
TONGXIN_API_TOKEN_IDLE_DAYS = int(os.environ.get("TONGXIN_API_TOKEN_IDLE_DAYS", "30"))
TONGXIN_API_TOKEN_MAX_DAYS = int(os.environ.get("TONGXIN_API_TOKEN_MAX_DAYS", "90"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tongxin.api.authentication.ApiKeyAuthentication",
        "tongxin.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["tongxin.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "tongxin.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "tongxin.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "tongxin.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["tongxin.api.throttling.WriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "sign_in": os.environ.get("TONGXIN_API_SIGN_IN_RATE", "30/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tongxin API",
    "DESCRIPTION": (
        "同心 REST API: the same scopes, rules and services as the pages. Every error body "
        "is {\"error\": {\"code\", \"message\", \"fields\"}}; the message follows Accept-Language "
        "(default zh-hans)."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MatterStatusEnum": "tongxin.matters.choices.Status",
        "MatterKindEnum": "tongxin.matters.choices.Kind",
        "LevelEnum": "tongxin.matters.choices.Level",
        "RaiseLevelEnum": "tongxin.api.serializers.RAISE_LEVELS",
        "ChannelEnum": "tongxin.matters.choices.Channel",
        "RejectReasonEnum": "tongxin.matters.choices.RejectReason",
        "SatisfactionEnum": "tongxin.matters.choices.Satisfaction",
        "PositiveSatisfactionEnum": "tongxin.api.serializers.POSITIVE_SATISFACTION",
        "WhistleStatusEnum": "tongxin.matters.choices.WhistleStatus",
        "PlaceKindEnum": "tongxin.places.choices.PlaceKind",
        "RoleEnum": "tongxin.people.choices.Role",
        "NoticeKindEnum": "tongxin.matters.notices.NoticeKind",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums"],
}
