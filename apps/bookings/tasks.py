from celery import shared_task

from apps.bookings import services


@shared_task(name="bookings.expire_holds", ignore_result=True)
def expire_holds() -> int:
    return services.bookings_expire_due()


@shared_task(name="bookings.remind_expiring_holds", ignore_result=True)
def remind_expiring_holds() -> int:
    return services.bookings_remind_expiring_holds()
