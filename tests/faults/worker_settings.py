"""Settings of the Celery workers the fault tests start: the test settings, with email
sent over SMTP to the test's own server (FAULTS_SMTP_PORT), so the test sees what arrived."""

import os

from flightbook.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ.get("FAULTS_SMTP_PORT", "25"))
EMAIL_TIMEOUT = 30
# Tasks a task queues (the sweeper's dispatches) go through the broker, as in production.
CELERY_TASK_ALWAYS_EAGER = False
