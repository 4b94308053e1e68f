from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.flush_expired_tokens", ignore_result=True)
def flush_expired_tokens() -> None:
    """Drop refresh tokens (and their blacklist entries) that have expired anyway."""
    call_command("flushexpiredtokens")
