"""Settings shared by every environment; each value comes from the environment.

Every variable read here is documented in `.env.example`. With no `DATABASE_URL`
and no `REDIS_URL` the project runs embedded: SQLite, a local-memory cache and
Celery tasks executed in-process.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin, whose site requires a verified OTP device (apps/accounts/admin_site.py).
    "apps.accounts.apps.FlightbookAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework_simplejwt.token_blacklist",
    "corsheaders",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "apps.core",
    "apps.accounts",
    "apps.flights",
    "apps.inventory",
    "apps.bookings",
    "apps.payments",
    "apps.notifications",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestIdMiddleware",
    "apps.core.middleware.RateLimitHeadersMiddleware",
    "apps.core.middleware.MetricsMiddleware",
    "apps.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.RequestShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "apps.accounts.mfa.MfaVerificationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "flightbook.urls"
WSGI_APPLICATION = "flightbook.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "bookings:my_trips"
LOGOUT_REDIRECT_URL = "flights:home"

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
                "apps.notifications.context_processors.unread_notifications",
            ],
        },
    },
]


def database_config(url: str) -> dict:
    """One DATABASES entry from a URL: pooled or persistent connections on PostgreSQL."""
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.postgresql":
        if env.bool("DATABASE_POOL", default=False):
            # psycopg 3 pool; Django forbids combining it with persistent connections.
            config["OPTIONS"] = {
                "pool": {
                    "min_size": env.int("DATABASE_POOL_MIN", default=2),
                    "max_size": env.int("DATABASE_POOL_MAX", default=10),
                    # Seconds a request waits for a connection before it answers 503.
                    "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
                }
            }
        else:
            config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
            config["CONN_HEALTH_CHECKS"] = True
        # A database that is down answers 503 within seconds (apps/core/degrade.py), not
        # after the operating system's connect timeout.
        config.setdefault("OPTIONS", {})["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    return config


# Database: PostgreSQL in every real deployment; SQLite only as the embedded default.
DATABASES = {"default": database_config(env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"))}
# Only the embedded default writes here; a read-only install (the image) never uses it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and os.access(BASE_DIR, os.W_OK):
    (BASE_DIR / "var").mkdir(exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_config(redis_url: str, *, key_prefix: str = "") -> dict:
    """Redis when there is a URL, else a per-process local-memory cache (embedded mode).

    `default` is the cache; `throttles` holds the API throttles' counters in the same Redis.
    Both treat an unreachable Redis as a miss (apps/core/cache.py), so an outage slows
    nothing down and lets requests through (DESIGN.md §5)."""
    if not redis_url:
        return {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "throttles": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttles"},
        }
    return {
        "default": {"BACKEND": "apps.core.cache.DegradingRedisCache", "LOCATION": redis_url, "KEY_PREFIX": key_prefix},
        "throttles": {"BACKEND": "apps.core.cache.ThrottleRedisCache", "LOCATION": redis_url, "KEY_PREFIX": key_prefix},
    }


REDIS_URL = env("REDIS_URL", default="")
CACHES = cache_config(REDIS_URL, key_prefix=env("CACHE_KEY_PREFIX", default="fb"))

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)  # implicit TLS, usually port 465
# Seconds an SMTP call may take: an email handler ends well inside its task's time limit.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="flightbook <no-reply@flightbook.example>")
# Where the site is served, for absolute links in emails and SMS (no trailing slash).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# SMS for urgent messages (apps/notifications/sms.py): `console` prints them; `http` posts
# to a provider with Twilio's Messages API shape at SMS_API_BASE, with basic auth.
SMS_BACKEND = env("SMS_BACKEND", default="console")
SMS_API_BASE = env("SMS_API_BASE", default="https://api.twilio.com")
SMS_ACCOUNT_SID = env("SMS_ACCOUNT_SID", default="")
SMS_AUTH_TOKEN = env("SMS_AUTH_TOKEN", default="")
SMS_FROM = env("SMS_FROM", default="+15005550006")

# Requests refused before any view runs (apps/core/middleware.py RequestShapeMiddleware):
# a path and query longer than this answer 414; a body over DATA_UPLOAD_MAX_MEMORY_SIZE
# (Django's 2.5 MB) answers 413. Keep it below gunicorn's GUNICORN_LIMIT_REQUEST_LINE.
REQUEST_URI_MAX_LENGTH = env.int("REQUEST_URI_MAX_LENGTH", default=4096)

# REST API (DESIGN.md §4).
# Proxies (load balancer, TLS terminator) in front of the app: 0 when clients connect directly.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.jwt.JWTAuthentication",
        "apps.accounts.api_keys.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in; and a partner key only where a view names the scope it needs.
    "DEFAULT_PERMISSION_CLASSES": ["apps.accounts.permissions.HasApiKeyScope"],
    # How many proxies in front append to X-Forwarded-For: 0 reads the client address
    # from the connection, so a client cannot pick its own by sending the header.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.api.throttles.EndpointBurst",
        "apps.core.api.throttles.EndpointSustained",
        "apps.core.api.throttles.ApiBurst",
        "apps.core.api.throttles.ApiSustained",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "apps.core.api.errors.problem_exception_handler",
    # JSON only, refusing deep nesting and NUL characters (apps/core/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["apps.core.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    # Refresh tokens rotate and are blacklisted once used: apps/accounts/services.api_tokens_refresh.
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "flightbook API",
    "DESCRIPTION": "Search flights, hold and pay bookings. Errors are application/problem+json.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
}

# Celery (DESIGN.md §5). Without REDIS_URL tasks run in-process, eagerly.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No soft limit by default: it raises wherever a task happens to be, even between an email
# going out and its record (apps/core/outbox.py). A task that can stop cleanly at any
# point sets its own (payments.reconcile_recent does); every task has the hard limit.
CELERY_TASK_SOFT_TIME_LIMIT = None
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing fails fast when the broker is down (no reconnect loop inside a web request):
# the outbox sweeper delivers whatever could not be queued. Workers reconnect on their own.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "max_retries": 0,
    "socket_connect_timeout": 2,
    # A broker that hangs instead of refusing (failover, firewall) costs at most this.
    "socket_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "core.outbox_sweep", "schedule": 30.0},
    "bookings-expire-holds": {"task": "bookings.expire_holds", "schedule": 60.0},
    "bookings-remind-expiring-holds": {"task": "bookings.remind_expiring_holds", "schedule": 60.0},
    "core-prune-idempotency-keys": {"task": "core.idempotency_keys_prune", "schedule": 3600.0},
    "payments-resolve-attempts": {"task": "payments.resolve_attempts", "schedule": 60.0},
    "payments-reconcile": {"task": "payments.reconcile_recent", "schedule": 900.0},
    "accounts-flush-expired-tokens": {"task": "accounts.flush_expired_tokens", "schedule": 86400.0},
    "notifications-webhook-retry": {"task": "notifications.webhook_deliveries_retry", "schedule": 60.0},
    "notifications-webhook-prune": {"task": "notifications.webhook_deliveries_prune", "schedule": 86400.0},
}

# Domain settings.
BOOKING_HOLD_MINUTES = env.int("BOOKING_HOLD_MINUTES", default=15)
# A held booking's contact is reminded once, this many minutes before the hold runs out.
HOLD_REMINDER_MINUTES = env.int("HOLD_REMINDER_MINUTES", default=5)
OFFER_TTL_SECONDS = env.int("OFFER_TTL_SECONDS", default=30 * 60)
# Search answers are cached this long; booking re-checks availability, so this never oversells.
SEARCH_CACHE_SECONDS = env.int("SEARCH_CACHE_SECONDS", default=60)
OUTBOX_SWEEP_AFTER_SECONDS = env.int("OUTBOX_SWEEP_AFTER_SECONDS", default=30)
# Hard time limit of one event's dispatch task (apps/core/outbox.py explains why hard only).
OUTBOX_DISPATCH_TIME_LIMIT = env.int("OUTBOX_DISPATCH_TIME_LIMIT", default=120)
# Payments: Stripe when its secret key is set, else the offline sandbox.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# Only for a local stand-in of Stripe's API (tests, stripe-mock); empty means api.stripe.com.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", default="") or ("stripe" if STRIPE_SECRET_KEY else "sandbox")
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=10)
# How long the request that started a payment attempt may still be calling the provider:
# longer than any provider call (Stripe: 3 tries of STRIPE_TIMEOUT_SECONDS). After it, an
# attempt without an answer is settled with the provider by the next try.
PAYMENT_ATTEMPT_LEASE_SECONDS = env.int("PAYMENT_ATTEMPT_LEASE_SECONDS", default=60)
# A request that died holding an Idempotency-Key loses it after this long (longer than any
# request may run), so that a retry with the same key runs again.
IDEMPOTENCY_CLAIM_SECONDS = env.int("IDEMPOTENCY_CLAIM_SECONDS", default=90)
DEMO_PASSWORD = env("DEMO_PASSWORD", default="flightbook-demo")
# Partner webhooks (docs/webhooks.md): plain-http URLs only where this is on (development,
# tests); URLs reaching loopback, private, link-local or metadata addresses only where the
# second is on (tests with a loopback receiver). Both off in production.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=False)
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", default=False)
# Finished webhook deliveries (their bodies carry booking data) are deleted after this many days.
WEBHOOK_DELIVERY_RETENTION_DAYS = env.int("WEBHOOK_DELIVERY_RETENTION_DAYS", default=30)

# Who may read /metrics: these addresses or networks (loopback by default; empty: none),
# or anyone sending `Authorization: Bearer <METRICS_TOKEN>` (off when empty).
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network(value, strict=False) for value in METRICS_ALLOWED_IPS]
METRICS_TOKEN = env("METRICS_TOKEN", default="")

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="text")  # "json" in production
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.core.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
    },
}

SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    from apps.core.privacy import scrub_sentry_event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
        # Travel documents, dates of birth and secrets never leave in an error report.
        before_send=scrub_sentry_event,
        before_send_transaction=scrub_sentry_event,
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )

# --- Accounts: allauth, social providers, MFA -------------------------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="https")
ACCOUNT_EMAIL_SUBJECT_PREFIX = "flightbook: "
# Tell the owner when their password or email address changes.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Login attempts: allauth's limits double as the lockout (per IP and per account).
ACCOUNT_RATE_LIMITS = {
    "login": env("LOGIN_RATE_LIMIT", default="30/m/ip"),
    "login_failed": env("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_PROVIDERS: dict = {}
# A social provider is switched on by its environment variables alone.
for _provider, _prefix in (("google", "GOOGLE"), ("github", "GITHUB"), ("apple", "APPLE")):
    _client_id = env(f"SOCIAL_{_prefix}_CLIENT_ID", default="")
    if _client_id:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        _app = {"client_id": _client_id, "secret": env(f"SOCIAL_{_prefix}_SECRET", default="")}
        if _provider == "apple":
            _app["key"] = env("SOCIAL_APPLE_TEAM_ID", default="")
            _app["settings"] = {"certificate_key": env("SOCIAL_APPLE_PRIVATE_KEY", default="")}
        SOCIALACCOUNT_PROVIDERS[_provider] = {"APPS": [_app]}
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="flightbook")

# --- Partners and privacy ---------------------------------------------------------------------
# Fernet keys (comma-separated, newest first) that encrypt travel documents and dates of
# birth. Rotate by putting a new key first, running `manage.py encryption_keys_rotate`,
# then dropping the old one. Without any, a key is derived from SECRET_KEY (development).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
# An agent who finds a booking by locator and family name may see it this long.
AGENT_LOOKUP_HOURS = env.int("AGENT_LOOKUP_HOURS", default=24)

# --- Throttles (per user, API key or IP; sustained and burst) ---------------------------------
API_THROTTLE_RATES = {
    "anon_sustained": "2000/hour",
    "anon_burst": "60/minute",
    "user_sustained": "20000/hour",
    "user_burst": "300/minute",
    "search_anon_sustained": "1000/hour",
    "search_anon_burst": "30/minute",
    "booking_sustained": "300/hour",
    "booking_burst": "20/minute",
    "payment_sustained": "120/hour",
    "payment_burst": "10/minute",
    "login_sustained": "100/hour",
    "login_burst": "10/minute",
    "lookup_sustained": "200/hour",
    "lookup_burst": "20/minute",
}
# "scope=rate,scope=rate" overrides some of them (the benchmarks lift them).
API_THROTTLE_RATES |= dict(item.split("=", 1) for item in env.list("API_THROTTLE_RATES", default=[]))

# --- Security headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# CORS is closed unless origins are listed (a partner's browser app, say).
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
# A partner's browser app may read how much of its budget is left, and how long to wait.
CORS_EXPOSE_HEADERS = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "https://js.stripe.com"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", "https://api.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
