"""Test settings: real PostgreSQL and Redis at their local defaults (overridable)."""

from .base import *  # noqa: F403
from .base import cache_config, database_config, env

DATABASES = {"default": database_config(env("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/flightbook"))}
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_flightbook")}
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Tests use their own Redis database so that a developer's cache and queue stay apart.
# Cache and broker in separate databases: clearing the cache must not drop queued tasks.
_REDIS_SERVER = REDIS_URL.rsplit("/", 1)[0]
CACHES = cache_config(env("TEST_CACHE_URL", default=_REDIS_SERVER + "/15"))
CELERY_BROKER_URL = env("TEST_BROKER_URL", default=_REDIS_SERVER + "/14")
# Most tests run tasks in-process; the worker tests switch this off and start a real worker.
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "locmem"  # apps.notifications.sms.outbox, as Django's mail.outbox
PAYMENT_PROVIDER = "sandbox"
WEBHOOKS_ALLOW_HTTP = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Threads in the race tests open their own connections; do not keep them around.
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False

# Serve static files straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tests are not load: throttles are lifted, except where a test sets its own rates.
API_THROTTLE_RATES = dict.fromkeys(API_THROTTLE_RATES, "100000/minute")  # noqa: F405
