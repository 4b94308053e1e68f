"""Local development: `make run`. Debug on, console email."""

from .base import *  # noqa: F403
from .base import LOGGING, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Webhook receivers on a developer's machine or in a test speak plain http.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=True)

# Serve static files straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The development server speaks plain HTTP: links in emails (sign-up, password reset) must too.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")

# The in-process periodic jobs (`manage.py serve`) would log every run: only problems.
LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
