"""Production: everything required comes from the environment; `check --deploy` is clean."""

from .base import *  # noqa: F403
from .base import SITE_URL as LOCAL_SITE_URL
from .base import cache_config, database_config, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": database_config(env("DATABASE_URL"))}
# Production always runs real workers on Redis: no silent fallback to in-process tasks.
REDIS_URL = env("REDIS_URL")
CACHES = cache_config(REDIS_URL, key_prefix=env("CACHE_KEY_PREFIX", default="fb"))
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False
# Travel documents and dates of birth are encrypted with these: no key derived from SECRET_KEY here.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
# Customer email goes out over SMTP (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER/PASSWORD,
# EMAIL_USE_TLS or EMAIL_USE_SSL, from base); EMAIL_BACKEND may still name another backend.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
# Links in emails point at the public site: SITE_URL, else the first allowed host over https,
# never the local default.
_PUBLIC_HOST = next((host.lstrip(".") for host in ALLOWED_HOSTS if host.strip("*.")), "")
SITE_URL = env("SITE_URL", default=f"https://{_PUBLIC_HOST}" if _PUBLIC_HOST else LOCAL_SITE_URL).rstrip("/")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
