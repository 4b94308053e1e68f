"""Production settings with the sandbox provider's fault points switched on: what the
payment fault tests serve with gunicorn (`tests/faults/test_payment_interrupted.py`).
Only tests use this module; nothing else can switch the fault points on."""

from flightbook.settings.prod import *  # noqa: F403
from flightbook.settings.prod import env

# While this file names a fault point, a request reaching it waits there (see
# `apps.payments.providers.sandbox._fault_point`).
PAYMENT_SANDBOX_FAULT_FILE = env("FLIGHTBOOK_FAULT_FILE")
