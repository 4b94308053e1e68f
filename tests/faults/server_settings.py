"""Production settings for the servers the fault tests start, but for static files: served
from the source folders, as the image serves what its build-time collectstatic gathered."""

from flightbook.settings.prod import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
