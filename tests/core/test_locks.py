"""Row locks (apps/core/locks.py): taken only inside a transaction, and a wait longer than
the lock timeout answers 409 `try_again` instead of hanging or failing with a 500."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connections, transaction
from rest_framework.renderers import JSONRenderer

from apps.bookings import locks as booking_locks
from apps.bookings.models import Booking, BookingStatus
from apps.core import clock
from apps.core.locks import lock_timeout
from apps.core.models import IdempotencyKey
from apps.payments.models import Payment
from tests.factories import UserFactory
from tests.payments.helpers import api_as, hold, pay_by_api

HELD_AT_MOST_SECONDS = 15  # far beyond the lock timeout: a test that waits this long has failed


@contextmanager
def locked_elsewhere(take: Callable[[], object]) -> Iterator[None]:
    """Another request holds a row lock (taken by `take`) until the block ends."""
    taken, done = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                take()
                taken.set()
                done.wait(HELD_AT_MOST_SECONDS)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    assert taken.wait(HELD_AT_MOST_SECONDS)
    try:
        yield
    finally:
        done.set()
        thread.join()


def test_a_row_lock_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside a transaction"), lock_timeout():
        pass


@pytest.mark.django_db(transaction=True)
def test_paying_a_booking_another_request_has_locked_too_long_answers_try_again():
    booking = hold(user=UserFactory())
    api = api_as(booking.user)

    with locked_elsewhere(lambda: booking_locks.booking_lock(locator=booking.locator)):
        busy = pay_by_api(api, booking.locator, key="k-busy")

    assert busy.status_code == 409
    assert busy.json()["code"] == "try_again"
    assert not Payment.objects.exists()
    # "Busy" was not the key's answer: the same key, sent again, pays.
    paid = pay_by_api(api, booking.locator, key="k-busy")
    assert paid.status_code == 201, paid.content
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


@pytest.mark.django_db(transaction=True)
def test_an_idempotency_key_locked_too_long_by_another_request_answers_try_again():
    booking = hold(user=UserFactory())
    api = api_as(booking.user)
    body = {"payment_method": "pm_card_visa"}
    key = IdempotencyKey.objects.create(
        client=f"user:{booking.user.pk}",
        key="k-locked",
        method="POST",
        path=f"/api/v1/bookings/{booking.locator}/payments/",
        body_hash=hashlib.sha256(JSONRenderer().render(body)).hexdigest(),
        locked_until=clock.now() - timedelta(seconds=1),  # its request died: free to take over
    )

    with locked_elsewhere(lambda: IdempotencyKey.objects.select_for_update().get(pk=key.pk)):
        busy = pay_by_api(api, booking.locator, key="k-locked")

    assert busy.status_code == 409
    assert busy.json()["code"] == "try_again"
    assert not Payment.objects.exists()
