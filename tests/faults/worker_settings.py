"""Settings of the Celery workers the fault tests start: the test settings, with email
written to files (one per message) in FAULTS_MAIL_DIR, so the test sees what was sent."""

import os

from flightbook.settings.test import *  # noqa: F403

EMAIL_BACKEND = "tests.faults.mail.SlowFileBackend"
EMAIL_FILE_PATH = os.environ.get("FAULTS_MAIL_DIR", "")
# Tasks a task queues (the sweeper's dispatches) go through the broker, as in production.
CELERY_TASK_ALWAYS_EAGER = False
