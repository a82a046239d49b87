"""BackCare settings, read from the environment.

Defaults make `make run` work on a laptop with nothing set (SQLite, DEBUG on).
In production (DEBUG off) a real SECRET_KEY is required and the app refuses to start without one.
"""

from datetime import timedelta
from pathlib import Path

import environ
import xstatic.pkg.bootstrap
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-backcare-development-only"  # noqa: S105 (development default)
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off. Set DEBUG=true for local development."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
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
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "knox",  # API tokens; the model is accounts.DeviceToken (KNOX_TOKEN_MODEL)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    # Two-factor login for staff: authenticator apps (TOTP) and single-use recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "audit",
    "exercises",
    "patients",
    "portal",
    "reports",
    "interop",  # FHIR export
    "billing",  # remote therapeutic monitoring (RTM) codes, treatment time and the monthly report
    "printouts",
    "records",
    "messaging",  # messages between a patient and their therapist
    "outcomes",
    "reminders",  # reminder e-mails (manage.py send_reminders)
    "api",
    "demo",  # manage.py load_demo
    "bench",  # benchmarks and the load test (manage.py bench_reports, bench_requests, loadtest_setup)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this login passed the second step (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # The logged-in person's own language (User.language) over the browser's (LocaleMiddleware).
    "accounts.middleware.UserLanguageMiddleware",
    # Cache-Control: no-store, private on everything a logged-in person sees and all of /api/.
    "backcare.middleware.PrivateNoStoreMiddleware",
    # Default deny: every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.SessionIdleTimeoutMiddleware",
    # Staff who owe the second step (a code) or, where the clinic requires it, enrolment reach
    # only that page until it is done (accounts/two_factor.py decides).
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a database outage into a clear 503 instead of a stack trace.
    "backcare.faults.DatabaseUnavailableMiddleware",
    # Last: turns a login refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backcare.urls"

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
                "messaging.context_processors.unread_messages",  # the patient menu's count
            ],
        },
    },
]

WSGI_APPLICATION = "backcare.wsgi.application"
ASGI_APPLICATION = "backcare.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections with health checks: a new connection per request costs about
# two thirds of the throughput, and health checks let the app recover after a database restart.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: it costs 0.4–1.6 s per report query at clinic-chain scale, more than
    # it saves on queries that run in about a second (see reports/selectors.py).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Prepared statements: a query the app runs again on a connection is planned once, not every
    # time. PostgreSQL's planning was half the database's time on the session log and the pages.
    # psycopg prepares a statement on its 2nd run; DB_PREPARED_STATEMENTS=false for a pooler in
    # transaction mode (PgBouncer before 1.21), which cannot keep them.
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"].update({"server_side_binding": True, "prepare_threshold": 2})
# A PostgreSQL replica for reports (optional): report reads go there, everything else (a patient's
# pages, every write) to the primary. The reports layer decides (backcare/db_router.py).
if env.str("DATABASE_REPLICA_URL", default=""):
    _replica = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"] = {
        **_replica,
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})},
        # Under test, the replica is the test database itself (Django's test mirror).
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["backcare.db_router.PrimaryReplicaRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})

# A cache every app process shares (Redis) when REDIS_URL is set: the API's throttle counts.
# Nothing else is cached: logins, sessions and pages are read from the database on every request,
# so a revoked login or a new session counts at once in every process. The cache is best effort:
# if Redis stops, a read is a miss and a write is dropped (django-redis IGNORE_EXCEPTIONS), so
# every page and endpoint still answers; only the throttle stops counting until it is back.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="backcare"),
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Kept in each process: fragments that depend only on the code (the navigation of a role).
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "local",
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Failed logins are counted (django-axes, in the database, so every process shares the counts): the
# first backend refuses locked-out attempts from any `authenticate(request=...)` call, the login page
# and the API alike. Three limits within AXES_COOLOFF_MINUTES (accounts/login_limits.py):
# - one username from one address: AXES_FAILURE_LIMIT. An attacker locked out of a login from
#   their address does not lock its owner out elsewhere;
# - any usernames from one address (spraying): LOGIN_ADDRESS_FAILURE_LIMIT;
# - one username from any addresses (many addresses guessing one password):
#   LOGIN_USERNAME_FAILURE_LIMIT, higher, so it takes several addresses to reach.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LoginThrottleBackend",
    "accounts.backends.UserModelBackend",
]
AXES_HANDLER = "accounts.login_limits.LoginLimitsHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
LOGIN_USERNAME_FAILURE_LIMIT = env.int("LOGIN_USERNAME_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# axes' own count (and what a successful login resets) is the pair; the handler adds the other two.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts refused while locked are not counted: they neither prolong the lockout nor add to the
# username's count across addresses, so an attacker locked out at their address cannot push a
# login over that higher limit alone.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
# axes' log lines about failures and lockouts show the client's address (who to look at, what a
# firewall could block), never the username tried (it may be a name, or a password typed in the
# wrong box).
AXES_SENSITIVE_PARAMETERS = ["username"]
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_USERNAME_CALLABLE = "accounts.backends.lockout_username"
# The client's address, as seen through the trusted proxies only: REMOTE_ADDR when none is trusted
# (X-Forwarded-For is then the client's own words, ignored), otherwise the address the outermost
# of TRUSTED_PROXY_COUNT proxies saw (backcare/client_address.py). The one setting drives axes,
# the API's throttles (DRF's NUM_PROXIES below) and gunicorn's access log.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of proxies in front of the app: 0 or more.")
AXES_CLIENT_IP_CALLABLE = "backcare.client_address.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Two-factor login (accounts/two_factor.py). Wrong codes are counted by BackCare itself, like
# wrong passwords: AXES_FAILURE_LIMIT in a row lock the second step for AXES_COOLOFF_TIME, so
# django-otp's own growing delays are off.
OTP_TOTP_ISSUER = "BackCare"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Times are stored in UTC; a patient's "day" is their local calendar day (Patient.timezone).
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
# Each person's language is their own (User.language), activated after login by
# accounts.middleware.UserLanguageMiddleware; before login, LocaleMiddleware follows the browser.
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap comes from the xstatic-bootstrap package installed at set-up, never a CDN.
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"  # never served as such: uploaded pictures go through an access-checked view
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# A clinic's exercise pictures: the largest file accepted, and the longest side in pixels.
EXERCISE_IMAGE_MAX_BYTES = env.int("EXERCISE_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
EXERCISE_IMAGE_MAX_SIDE = env.int("EXERCISE_IMAGE_MAX_SIDE", default=4000)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Mail (password resets and invitations): EMAIL_URL, e.g. smtp+tls://user:pass@host:587 (django-environ),
# or EMAIL_BACKEND alone. The console backend prints every mail, reset links included, into the
# log: in production (DEBUG off) the app refuses to start with it unless ALLOW_CONSOLE_EMAIL=true.
_CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", default=_CONSOLE_EMAIL)
if not DEBUG and EMAIL_BACKEND == _CONSOLE_EMAIL and not env.bool("ALLOW_CONSOLE_EMAIL", default=False):
    raise ImproperlyConfigured(
        "Mail would be printed into the log, password-reset and invitation links included. Set "
        "EMAIL_URL (e.g. smtp+tls://user:pass@smtp.example.org:587), or ALLOW_CONSOLE_EMAIL=true "
        "to print mail anyway (a server that sends no mail)."
    )
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="BackCare <noreply@localhost>")
# The address patients open BackCare at: links in mail sent without a request (reminders).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

REST_FRAMEWORK = {
    # Token first, so a request without credentials answers 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.UserTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],  # limits depth and size
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    # Throttle counters live in the default cache: shared by all processes with REDIS_URL set, in
    # each process's memory without it. The token endpoint counts per client address and per
    # username tried (api/throttling.py); addresses come from backcare/client_address.py.
    "DEFAULT_THROTTLE_RATES": {
        "auth-token": env("API_TOKEN_THROTTLE_RATE", default="10/minute"),
        "auth-token-username": env("API_TOKEN_USERNAME_THROTTLE_RATE", default="30/minute"),
    },
    # For any of DRF's own throttles: the same proxies as backcare/client_address.py.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# API tokens (django-rest-knox): one per device, stored as a SHA-512 digest, ending after
# API_TOKEN_IDLE_DAYS without a request: each use moves the expiry on (api.authentication; written
# at most once per MIN_REFRESH_INTERVAL seconds, with the device's "last used"). A new password, a
# deactivated account and "log out everywhere" end them all (accounts.services.end_all_sessions).
KNOX_TOKEN_MODEL = "accounts.DeviceToken"  # noqa: S105 (a model name)
# knox's own migrations would make its (swapped-out, unused) knox_authtoken table: without them no
# table is made for a swapped model.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_IDLE_DAYS", default=30)),
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BackCare API",
    "DESCRIPTION": "Home exercise programs for back pain: library, plans, sessions, alerts, reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {
        "PlanStatusEnum": "patients.models.Plan.Status",
        "ProgressionStateEnum": "patients.models.Plan.ProgressionState",
        "QuestionnaireCodeEnum": "outcomes.models.CODE_CHOICES",
    },
}

# Production hardening; all on unless DEBUG.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# A session ends after SESSION_COOKIE_AGE seconds without a request. Instead of saving the session
# on every request (a database write each time), accounts.middleware.SessionIdleTimeoutMiddleware
# renews it when it is older than SESSION_RENEW_AFTER seconds.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60)
SESSION_RENEW_AFTER = env.int("SESSION_RENEW_AFTER", default=5 * 60)
SESSION_SAVE_EVERY_REQUEST = False
# However active, a login ends SESSION_ABSOLUTE_AGE seconds after it began (the same middleware).
SESSION_ABSOLUTE_AGE = env.int("SESSION_ABSOLUTE_AGE", default=12 * 60 * 60)

# Content Security Policy (django-csp): everything from this origin, no inline scripts or styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap's and Swagger UI's stylesheets draw small icons as data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Bad input: request bodies over 1 MB answer 400 on pages and 413 under /api/ (nothing in BackCare
# posts more); JSON nested deeper than 32 levels answers 400 (api/parsers.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Every handler redacts reset and invitation tokens (/reset/<uid>/<token>/); gunicorn's logs
# get the same filter from gunicorn.conf.py. Django's own loggers write through these handlers:
# "django" has none of its own (its default ones would not redact), "django.server" is runserver's
# access log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "outage": {"()": "backcare.log_filters.OutageTracebackFilter"},
        "redact_tokens": {"()": "backcare.log_filters.RedactTokensFilter"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens", "outage"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # WeasyPrint narrates every PDF step at INFO; its warnings (a picture it could not read) stay.
        "weasyprint": {"level": "WARNING"},
    },
}
