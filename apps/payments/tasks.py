import logging

from celery import shared_task

from apps.core import clock
from apps.payments import services
from apps.payments.errors import PaymentProviderUnavailable
from apps.payments.reconcile import RECENT, reconcile

logger = logging.getLogger(__name__)


@shared_task(name="payments.resolve_attempts", ignore_result=True, soft_time_limit=50, time_limit=60)
def resolve_attempts() -> int:
    """Settle payment attempts whose request died and whose customer did not try again
    (a next try settles them first); returns how many were settled."""
    return services.payment_attempts_resolve_due()


# Each repair is a forward-only, idempotent service call, so a run that repeats (or
# overlaps) another changes nothing twice. Under the outbox lease (5 minutes).
@shared_task(
    name="payments.reconcile_recent",
    ignore_result=True,
    autoretry_for=(PaymentProviderUnavailable,),
    retry_backoff=60,
    retry_backoff_max=300,
    max_retries=3,
    soft_time_limit=240,
    time_limit=270,
)
def reconcile_recent() -> int:
    """Reconcile the last two days with every provider and repair; returns how many
    mismatches remain for a person to look at."""
    end = clock.now()
    report = reconcile(start=end - RECENT, end=end, repair=True)
    for mismatch in report.unrepaired:
        logger.warning(
            "payment reconciliation: %s %s local %s reference %s: ours %s, provider's %s (%s)",
            mismatch.kind,
            mismatch.provider,
            mismatch.local_id,
            mismatch.reference or "-",
            mismatch.local_value,
            mismatch.provider_value,
            mismatch.note or mismatch.action,
        )
    return len(report.unrepaired)
