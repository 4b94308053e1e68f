"""Settings shared by every environment; each value comes from the environment.

Every variable read here is documented in `.env.example`. With no `DATABASE_URL`
and no `REDIS_URL` the project runs embedded: SQLite, a local-memory cache and
Celery tasks executed in-process.
"""

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
    "apps.core.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
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
                }
            }
        else:
            config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
            config["CONN_HEALTH_CHECKS"] = True
    return config


# Database: PostgreSQL in every real deployment; SQLite only as the embedded default.
DATABASES = {"default": database_config(env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"))}
# Only the embedded default writes here; a read-only install (the image) never uses it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and os.access(BASE_DIR, os.W_OK):
    (BASE_DIR / "var").mkdir(exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_config(redis_url: str) -> dict:
    """Redis when there is a URL, else a per-process local-memory cache (embedded mode)."""
    if not redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="fb"),
        }
    }


REDIS_URL = env("REDIS_URL", default="")
CACHES = cache_config(REDIS_URL)

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
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="flightbook <no-reply@flightbook.example>")

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
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing fails fast when the broker is down (no reconnect loop inside a web request):
# the outbox sweeper delivers whatever could not be queued. Workers reconnect on their own.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 0}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "core.outbox_sweep", "schedule": 30.0},
    "bookings-expire-holds": {"task": "bookings.expire_holds", "schedule": 60.0},
    "core-prune-idempotency-keys": {"task": "core.idempotency_keys_prune", "schedule": 3600.0},
    "payments-reconcile": {"task": "payments.reconcile_recent", "schedule": 900.0},
    "accounts-flush-expired-tokens": {"task": "accounts.flush_expired_tokens", "schedule": 86400.0},
}

# Domain settings.
BOOKING_HOLD_MINUTES = env.int("BOOKING_HOLD_MINUTES", default=15)
OFFER_TTL_SECONDS = env.int("OFFER_TTL_SECONDS", default=30 * 60)
# Search answers are cached this long; booking re-checks availability, so this never oversells.
SEARCH_CACHE_SECONDS = env.int("SEARCH_CACHE_SECONDS", default=60)
OUTBOX_SWEEP_AFTER_SECONDS = env.int("OUTBOX_SWEEP_AFTER_SECONDS", default=30)
# Payments: Stripe when its secret key is set, else the offline sandbox.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# Only for a local stand-in of Stripe's API (tests, stripe-mock); empty means api.stripe.com.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", default="") or ("stripe" if STRIPE_SECRET_KEY else "sandbox")
# Payments still awaiting the customer after this long are asked for their state again.
PAYMENT_STALE_MINUTES = env.int("PAYMENT_STALE_MINUTES", default=30)
DEMO_PASSWORD = env("DEMO_PASSWORD", default="flightbook-demo")

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
