"""One env-driven settings module.

The embedded default (no variables set) runs on SQLite with the Celery `filesystem://` broker so
`make run` needs no servers. Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY and
DEBUG=0; a missing secret then fails loudly instead of falling back to a development value.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.observability import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str, *, dev_default: str | None = None) -> str:
    """Read NAME or the file named by NAME_FILE (Docker secrets); fail loudly in production."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    value = os.environ.get(name)
    if value:
        return value
    if dev_default is not None:
        return dev_default
    raise ImproperlyConfigured(f"Set {name} (or {name}_FILE) when DEBUG is off")


DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_secret(
    "SECRET_KEY",
    dev_default="django-insecure-embedded-default-only-for-local-use" if DEBUG else None,
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A refused CSRF check is a page in the site's layout and language (JSON under /api/).
CSRF_FAILURE_VIEW = "ethics.error_views.csrf_failure"
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    # The admin site asks officers for a verified second factor (ethics.admin_site).
    "ethics.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_celery_beat",
    "django_celery_results",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    # CAS sign-in's session tickets (single sign-out); used only while CAS_ENABLED.
    "django_cas_ng",
    "ethics",
    "committees",
    "reviews",
    "meetings",
    "oversight",
    "reports",
    "registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ethics.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The login pages share the token endpoint's per-address budget (THROTTLE_AUTH_RATE).
    "ethics.middleware.LoginThrottleMiddleware",
    # An idle or old session ends before the second factor is asked for.
    "ethics.middleware.SessionTimeoutMiddleware",
    "ethics.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "ethics.middleware.PermissionsPolicyMiddleware",
    # Last: turns a lockout flagged during authentication into the locked page (ethics.login).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "ethics.context_processors.inbox",
            ],
            "builtins": ["ethics.templatetags.ethics_tags"],
        },
    },
]

# Django's default form renderer with its stock form and widget templates written in Python
# (issue 18; ethics/form_renderer.py): the same markup, without a template include per field.
FORM_RENDERER = "ethics.form_renderer.FormRenderer"

# Importing settings has no side effects: the embedded folders are made by config.embedded
# (called from manage.py and the Celery app), never here.
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
EMBEDDED_DB = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if EMBEDDED_DB:
    # The web server, the worker and beat write to one file. WAL lets readers go on while one
    # process writes; IMMEDIATE takes the write lock when a transaction begins, so two writers
    # queue on the busy timeout instead of one failing with "database is locked" when it tries
    # to upgrade a read lock (SQLite cannot wait in that case).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 30),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT compiles any query the planner prices above jit_above_cost: the
    # dashboards' summary reads (estimated at 300,000 rows, reading 12,000) paid 25-30 ms of
    # compiling to run for 10 ms (issue 17). Off unless PG_JIT=on (a deployment that runs long
    # analytical queries on the same database may want it).
    jit = "on" if env_str("PG_JIT", "off").lower() in {"on", "1", "true"} else "off"
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c jit={jit}"

# ethics.prepared runs its stored queries as server-side prepared statements (issue 18): off
# behind a pooler that shares one server session among clients (PgBouncer in transaction mode).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "ethics.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked account before any password is checked (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (ethics/sso.py): each answers only while its *_ENABLED setting is on.
    "ethics.sso.LDAPBackend",
    "ethics.sso.OIDCBackend",
    "ethics.sso.CASBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Second factor (ethics/mfa.py): officers must verify a TOTP code after the password (on by
# default in production, off in the embedded DEBUG default so `make run`'s demo logs straight in).
MFA_REQUIRED = env_bool("MFA_REQUIRED", default=not DEBUG)
# The name authenticator apps show next to the account.
OTP_TOTP_ISSUER = env_str("MFA_ISSUER", "科技伦理审查")
# Wrong codes are throttled on the authenticator (1, 2, 4, 8 ... seconds); a wrong recovery code
# counts there too, so the recovery codes' own throttle is off.
OTP_TOTP_THROTTLE_FACTOR = env_int("MFA_THROTTLE_FACTOR", 1)
OTP_STATIC_THROTTLE_FACTOR = 0
LOGIN_REDIRECT_URL = "ethics:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on (ethics/sso.py, README "Single sign-on"): OIDC, CAS and LDAP, each off unless
# its *_ENABLED is set. A person is found by the provider's stable identifier
# (ethics.ExternalIdentity); an unknown one gets an account only with SSO_CREATE_USERS, in the
# institution whose unified social credit code SSO_INSTITUTION gives. The provider never grants a
# committee role nor the staff, superuser or institution-admin flag. Officers still owe the second
# factor after a sign-in unless SSO_IDP_ENFORCES_MFA lists the provider ("oidc", "cas"; not LDAP).
SSO_CREATE_USERS = env_bool("SSO_CREATE_USERS")
SSO_INSTITUTION = env_str("SSO_INSTITUTION")
SSO_IDP_ENFORCES_MFA = env_list("SSO_IDP_ENFORCES_MFA")
# OIDC (mozilla-django-oidc): the authorization-code flow with state, nonce and PKCE.
OIDC_ENABLED = env_bool("OIDC_ENABLED")
OIDC_BUTTON_LABEL = env_str("OIDC_BUTTON_LABEL")
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_secret("OIDC_RP_CLIENT_SECRET", dev_default="")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid profile email")
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
OIDC_USERNAME_CLAIM = env_str("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-oidc-callback"
OIDC_CREATE_USER = False  # accounts are made by ethics.sso.account_for, not the library
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
# CAS (django-cas-ng, protocol 3: /login and /p3/serviceValidate).
CAS_ENABLED = env_bool("CAS_ENABLED")
CAS_BUTTON_LABEL = env_str("CAS_BUTTON_LABEL")
CAS_SERVER_URL = env_str("CAS_SERVER_URL") or None
CAS_VERSION = env_str("CAS_VERSION", "3")
CAS_ID_ATTRIBUTE = env_str("CAS_ID_ATTRIBUTE")  # empty: the CAS user itself
CAS_NAME_ATTRIBUTE = env_str("CAS_NAME_ATTRIBUTE", "cn")
CAS_EMAIL_ATTRIBUTE = env_str("CAS_EMAIL_ATTRIBUTE", "mail")
CAS_CREATE_USER = False
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_REDIRECT_URL = "/"
CAS_TIMEOUT_SECONDS = env_int("CAS_TIMEOUT_SECONDS", 10)


def CAS_SESSION_FACTORY() -> object:  # a setting django-cas-ng calls
    """Ticket validation with a timeout (ethics.sso.cas_session)."""
    from ethics.sso import cas_session

    return cas_session()


# LDAP / Active Directory (django-auth-ldap): search with the service account, bind as the person.
LDAP_ENABLED = env_bool("LDAP_ENABLED")
LDAP_ID_ATTRIBUTE = env_str("LDAP_ID_ATTRIBUTE", "entryUUID")  # Active Directory: objectGUID
LDAP_NAME_ATTRIBUTE = env_str("LDAP_NAME_ATTRIBUTE", "cn")
LDAP_EMAIL_ATTRIBUTE = env_str("LDAP_EMAIL_ATTRIBUTE", "mail")
AUTH_LDAP_SERVER_URI = env_str("LDAP_SERVER_URI")
AUTH_LDAP_BIND_DN = env_str("LDAP_BIND_DN")
AUTH_LDAP_BIND_PASSWORD = env_secret("LDAP_BIND_PASSWORD", dev_default="")
AUTH_LDAP_START_TLS = env_bool("LDAP_START_TLS")
AUTH_LDAP_USER_ATTRLIST = ["*", LDAP_ID_ATTRIBUTE]
AUTH_LDAP_ALWAYS_UPDATE_USER = False
if LDAP_ENABLED:
    import ldap
    from django_auth_ldap.config import LDAPSearch

    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        env_str("LDAP_USER_BASE"),
        ldap.SCOPE_SUBTREE,
        env_str("LDAP_USER_FILTER", "(uid=%(user)s)"),
        attrlist=AUTH_LDAP_USER_ATTRLIST,
    )
    AUTH_LDAP_CONNECTION_OPTIONS = {
        ldap.OPT_NETWORK_TIMEOUT: env_int("LDAP_TIMEOUT_SECONDS", 5),
        ldap.OPT_TIMEOUT: env_int("LDAP_TIMEOUT_SECONDS", 5),
    }

# Accounts, tokens and sessions (README "Accounts, tokens and sessions").
# A browser session ends this many hours after sign-in, whatever the activity ...
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_HOURS", 12) * 3600
# ... and after this many minutes without a request (ethics.middleware.SessionTimeoutMiddleware):
# officers (ethics.hooks.is_officer: admins, staff, committee office holders) sooner.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 120)
SESSION_IDLE_MINUTES_OFFICER = env_int("SESSION_IDLE_MINUTES_OFFICER", 30)
# An API token ends after this many days without use (last use recorded at most once a minute),
# and, when set above 0, this many days after it was issued.
API_TOKEN_IDLE_DAYS = env_int("API_TOKEN_IDLE_DAYS", 30)
API_TOKEN_MAX_AGE_DAYS = env_int("API_TOKEN_MAX_AGE_DAYS", 0)
# Password reset links (e-mailed by the password_reset action and the reset page) stay valid
# this many seconds (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_HOURS", 24) * 3600

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Collected static files belong to the release, not to the data: the image collects them into
# /app/static (outside the data volume). The embedded default serves them from the apps (DEBUG).
STATIC_ROOT = (
    Path(env_str("STATIC_ROOT"))
    if env_str("STATIC_ROOT")
    else (None if DEBUG else BASE_DIR / "static")
)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# Uploaded documents are never served by URL; only permission-checked views stream them.
MEDIA_URL = "/media-not-served/"
# Documents and generated PDFs: local disk (MEDIA_ROOT) by default; S3-compatible object storage
# (MinIO, OSS, COS, S3) through django-storages when S3_BUCKET is set. Objects are private and
# reached only through the permission-checked download views, which stream them.
S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    DEFAULT_STORAGE: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION", "us-east-1"),
            "access_key": env_secret("S3_ACCESS_KEY_ID", dev_default=""),
            "secret_key": env_secret("S3_SECRET_ACCESS_KEY", dev_default=""),
            "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),
            "location": env_str("S3_PREFIX", "media"),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
# Uploads (ethics/uploads.py): a PDF with active content (JavaScript, actions, embedded files,
# XFA, ...) is refused, or with "quarantine" stored but downloadable only by the committee's
# secretaries. CLAMD_ADDRESS ("host:port" or a unix socket path) turns on the clamd INSTREAM
# scan of every upload; when clamd cannot be asked the upload is refused unless CLAMD_FAIL_OPEN.
UPLOAD_ACTIVE_CONTENT = env_str("UPLOAD_ACTIVE_CONTENT", "refuse").strip().lower()
if UPLOAD_ACTIVE_CONTENT not in {"refuse", "quarantine"}:
    raise ImproperlyConfigured("UPLOAD_ACTIVE_CONTENT must be 'refuse' or 'quarantine'.")
CLAMD_ADDRESS = env_str("CLAMD_ADDRESS", "").strip()
CLAMD_FAIL_OPEN = env_bool("CLAMD_FAIL_OPEN", False)
CLAMD_TIMEOUT = float(env_str("CLAMD_TIMEOUT", "30"))

# The embedded default (DEBUG) writes each message as an .eml file under EMAIL_FILE_PATH and logs
# its path (ethics/mail.py); production sends through SMTP.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "ethics.mail.EmlFileBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ethics@localhost")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))

# Celery: the embedded default uses the filesystem broker so no server is needed.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_DIR = DATA_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # A message taken by a worker that dies unacknowledged comes back after this many seconds;
    # longer than the longest task (150 s hard limit), far shorter than Redis's default hour.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 600)
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# PDF rendering (WeasyPrint: memory-hungry) has its own queue and workers in production.
CELERY_PDF_QUEUE = env_str("CELERY_PDF_QUEUE", "pdf")
CELERY_TASK_ROUTES = {
    name: {"queue": CELERY_PDF_QUEUE}
    for name in (
        "reviews.render_letter",
        "reviews.render_rereview_package",
        "meetings.render_minutes",
        "registry.render_package",
        "oversight.render_statement",
    )
}
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 100)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 600_000)  # KiB
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "ethics.beat:HeartbeatScheduler"

# The job outbox (ethics/jobs.py): an unfinished job is queued again after this many minutes
# (then 2x, 4x, ...), and given up (state "failed", logged as an error) after so many tries.
JOBS_REQUEUE_AFTER_MINUTES = float(env_str("JOBS_REQUEUE_AFTER_MINUTES", "5"))
JOBS_MAX_DISPATCHES = env_int("JOBS_MAX_DISPATCHES", 8)
JOBS_SWEEP_BATCH = env_int("JOBS_SWEEP_BATCH", 500)
JOBS_KEEP_DAYS = env_int("JOBS_KEEP_DAYS", 90)  # finished jobs are then deleted


# The audit chain (ethics/audit.py, README "The audit trail"): each event is HMAC-SHA256-ed with
# a key kept outside the database. AUDIT_HMAC_KEYS ("id:key,id:key", newest last; or a file via
# AUDIT_HMAC_KEYS_FILE) allows rotation: old keys stay listed to verify old events. Without it,
# AUDIT_HMAC_KEY (or AUDIT_HMAC_KEY_FILE) is the single key "1". Required when DEBUG is off.
def _audit_keys() -> dict[str, str]:
    listed = env_secret("AUDIT_HMAC_KEYS", dev_default="")
    keys: dict[str, str] = {}
    for entry in listed.replace("\n", ",").split(","):
        key_id, sep, key = entry.strip().partition(":")
        if not entry.strip():
            continue
        if not sep or not key_id or not key:
            raise ImproperlyConfigured("AUDIT_HMAC_KEYS must be 'id:key,id:key' (newest last)")
        keys[key_id] = key
    if not keys:
        keys["1"] = env_secret(
            "AUDIT_HMAC_KEY",
            dev_default="embedded-audit-key-only-for-local-use" if DEBUG else None,
        )
    return keys


AUDIT_HMAC_KEYS = _audit_keys()
AUDIT_HMAC_KEY_ID = list(AUDIT_HMAC_KEYS)[-1]  # new events and anchors use the newest key
# Anchors: the chain head appended (HMAC-ed) to a file outside the database, and e-mailed.
AUDIT_ANCHOR_MINUTES = env_int("AUDIT_ANCHOR_MINUTES", 60)
AUDIT_ANCHOR_FILE = Path(env_str("AUDIT_ANCHOR_FILE", str(DATA_DIR / "audit" / "anchors.log")))
AUDIT_ANCHOR_EMAIL = env_str("AUDIT_ANCHOR_EMAIL")

# /healthz: a worker or beat heartbeat older than this many seconds is a failure.
HEALTH_WORKER_MAX_AGE = env_int("HEALTH_WORKER_MAX_AGE", 300)
HEALTH_BEAT_MAX_AGE = env_int("HEALTH_BEAT_MAX_AGE", 300)
HEARTBEAT_EVERY_SECONDS = env_int("HEARTBEAT_EVERY_SECONDS", 30)

# django-filter: a list filter's empty option reads 全部 / All, not "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token first: a bad, revoked or expired token answers 401 with WWW-Authenticate.
        "ethics.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ethics.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ethics.api.errors.exception_handler",
    # The client address for throttling: REMOTE_ADDR, or behind the TLS proxy the address it
    # appended to X-Forwarded-For. Without this DRF would trust a client's own X-Forwarded-For.
    "NUM_PROXIES": env_int("NUM_PROXIES", 1 if env_bool("BEHIND_TLS_PROXY") else 0),
    "DEFAULT_PARSER_CLASSES": [
        "ethics.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ethics committee API",
    "DESCRIPTION": "REST API v1 of the S&T ethics committee case-management system.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several resources have a field called "kind"; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        # Deadline kinds are declared by the apps; the enum lists what they registered.
        "DeadlineKindEnum": "ethics.hooks.deadline_kind_choices",
        "DeadlineStateEnum": "ethics.models.DeadlineState",
        "InstitutionKindEnum": "ethics.models.InstitutionKind",
        "CommitteeKindEnum": "committees.models.CommitteeKind",
        "DocumentKindEnum": "committees.models.DocumentKind",
        "PledgeKindEnum": "committees.models.PledgeKind",
        "ImportKindEnum": "committees.models.ImportKind",
        "ApplicationKindEnum": "reviews.workflow.Kind",
        "DocumentSlotEnum": "reviews.checklist.Slot",
        # R37 / R46: the committee's determinations and what may be proposed or classified.
        "ListingEnum": "reviews.models.Listing",
        "ProposedListingEnum": "reviews.forms.PROPOSED_LISTINGS",
        "MajorChangeEnum": "reviews.forms.CLASSIFICATIONS",
        # Oversight (issue 16): incidents.
        "IncidentKindEnum": "oversight.models_incidents.IncidentKind",
        "IncidentStatusEnum": "oversight.models_incidents.IncidentStatus",
        # Complaints and investigations (R55, R56).
        "ComplaintSubjectKindEnum": "oversight.models_complaints.SubjectKind",
        "ComplaintStatusEnum": "oversight.models_complaints.ComplaintStatus",
        "InvestigationStatusEnum": "oversight.models_complaints.InvestigationStatus",
        "InvestigationFindingEnum": "oversight.models_complaints.Finding",
        "InvestigationStepKindEnum": "oversight.models_complaints.StepKind",
        "TriageOutcomeEnum": "oversight.complaints_forms.TRIAGE_OUTCOMES",
        # Sanctions (R57) and quality control (B1).
        "SanctionSubjectKindEnum": "oversight.models_sanctions.SubjectKind",
        "EvaluationStateEnum": "oversight.models_quality.EvaluationState",
        "EvaluationFindingEnum": "oversight.models_quality.Finding",
        "CorrectiveStateEnum": "oversight.models_quality.CorrectiveState",
        "SampleFindingEnum": "oversight.models_quality.SampleFinding",
        "ReferralStateEnum": "oversight.models_complaints.ReferralState",
        # The names they had before oversight brought fields called "state" and "outcome".
        "StateEnum": "reviews.models.ReReviewState",
        "OutcomeEnum": "reviews.models.Outcome",
    },
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Trust X-Forwarded-Proto only behind a proxy that sets it and drops (overwrites) a client's own
# (the Caddy service in docker-compose.yml does); anywhere else a client could claim HTTPS with
# it. Off by default: without BEHIND_TLS_PROXY=true the header is ignored.
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The container health check calls /healthz over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4): no inline script or style anywhere, the admin and the
# API docs (Swagger UI served as files) included; see README "Headers and exposure".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Permissions-Policy (ethics.middleware.PermissionsPolicyMiddleware): no powerful feature is used.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
        "browsing-topics",
    )
}
# A create form's one-time token and an API Idempotency-Key are remembered this long.
SUBMISSION_TOKEN_TTL_HOURS = env_int("SUBMISSION_TOKEN_TTL_HOURS", 24)

CACHE_URL = env_str("CACHE_URL")
if CACHE_URL.startswith("redis"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }

# Login protection (README "Login protection"): django-axes locks an account (by username,
# whatever the address) after AXES_FAILURE_LIMIT failed logins in a row, on every login path (the
# login page, the admin, the API token); a success resets the count. The lock ends
# AXES_COOLOFF_MINUTES after the last failure (0: until an administrator unlocks it). The token
# endpoint is also throttled per client address (THROTTLE_AUTH_RATE, DRF's "10/min" syntax; empty
# turns it off) in the default cache: per process in the embedded default (one server process),
# shared by every web process through Redis in production (CACHE_URL).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 30)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES) if AXES_COOLOFF_MINUTES > 0 else None
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for "ip_address" in the lockout parameters. Alone or OR-ed it would lock every
# person behind one institution's NAT address after five typos among them; AND-ed with the
# username an attacker rotating addresses would never lock the account. The username alone is
# immune to rotating addresses, user agents and cookies; the token endpoint's throttle is per address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# Attempts refused while locked neither count nor extend the lock: it ends on time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "ethics.login.lockout_response"
AXES_CLIENT_IP_CALLABLE = "ethics.login.client_ip"
# Not counted: SSO callbacks (no password) and LDAP logins refused only because the directory was
# down for a name with no local password (ethics.sso.axes_whitelisted).
AXES_WHITELIST_CALLABLE = "ethics.sso.axes_whitelisted"
# Logins, logouts, failures and lockouts go to the audit chain (ethics.login), not axes' log.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
THROTTLE_AUTH_RATE = env_str("THROTTLE_AUTH_RATE", "10/min")
# The public verification of a letter's code (/verify/<code>, GET /api/v1/verify/{code}/): this
# many checks per client address, page and API together (DRF's "30/min" syntax; empty: no limit).
VERIFY_RATE = env_str("VERIFY_RATE", "30/min")

# The public complaint form (R55, page and API together) and the reporter's receipt page: this
# many per client address (DRF's syntax; empty: no limit). No captcha: nothing leaves the site.
COMPLAINT_RATE = env_str("COMPLAINT_RATE", "5/hour")
COMPLAINT_RECEIPT_RATE = env_str("COMPLAINT_RECEIPT_RATE", "30/min")

# Logs go to stderr with time and level: JSON lines in production (LOG_FORMAT=json), readable
# text in the embedded default. Errors also go to Sentry when SENTRY_DSN is set (the entry points
# call config.observability.init_sentry; settings have no side effects).
LOGGING = logging_config(
    level=env_str("LOG_LEVEL", "INFO").upper(),  # gunicorn takes it in lower case
    json_lines=env_str("LOG_FORMAT", "text" if DEBUG else "json") == "json",
)
SENTRY_DSN = env_str("SENTRY_DSN")

# PDF rendering (ethics/pdf.py): the CJK font family WeasyPrint asks fontconfig for.
PDF_FONT_FAMILY = env_str("PDF_FONT_FAMILY", "Noto Serif CJK SC, Noto Sans CJK SC, serif")

# Reminder stages are declared with each deadline kind (ethics.hooks.register_deadline_kind).
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", 600)

# Delivery outbox (ethics/channels.py, README "Notifications and calendars"): how long a claim on
# a message lasts, how many attempts before it is marked failed, whether e-mail gets its first
# attempt right after commit in the same process (the Celery task and the minute sweep retry),
# and whether group-robot webhooks may use plain HTTP to this machine (DEBUG, the tests' sink).
DELIVERY_LEASE_SECONDS = env_int("DELIVERY_LEASE_SECONDS", 300)
DELIVERY_MAX_ATTEMPTS = env_int("DELIVERY_MAX_ATTEMPTS", 8)
EMAIL_SEND_INLINE = env_bool("EMAIL_SEND_INLINE", default=True)
WEBHOOK_ALLOW_LOOPBACK_HTTP = env_bool("WEBHOOK_ALLOW_LOOPBACK_HTTP", default=DEBUG)

# Meetings open only on their scheduled day (Asia/Shanghai), give or take this many days.
MEETING_OPEN_TOLERANCE_DAYS = env_int("MEETING_OPEN_TOLERANCE_DAYS", 0)
