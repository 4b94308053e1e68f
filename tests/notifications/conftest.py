import pytest

from apps.notifications import sms


@pytest.fixture(autouse=True)
def _quiet_outbox(request):
    """Each test starts with nothing waiting in the outbox and no message recorded (rows a
    transactional test elsewhere committed are set aside inside this test's transaction)."""
    sms.outbox.clear()
    if "django_db" not in {mark.name for mark in request.node.iter_markers()}:
        yield
        return
    from apps.core import clock
    from apps.core.models import OutboxEvent
    from apps.notifications.models import Notification

    OutboxEvent.objects.filter(dispatched_at__isnull=True).update(dispatched_at=clock.now())
    Notification.objects.all().delete()
    yield
