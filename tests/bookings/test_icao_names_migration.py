"""Passengers booked before names had their ICAO 9303 form get it from the migration."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("bookings", "0004_encrypt_passenger_documents")]
AFTER = [("bookings", "0005_passenger_icao_names")]


@pytest.mark.django_db
def test_the_migration_fills_in_the_icao_names_of_existing_passengers():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    booking = old_apps.get_model("bookings", "Booking").objects.create(
        locator="ABC234",
        contact_email="ada@example.com",
        total_amount=Decimal("10.00"),
        currency="EUR",
        cabin="economy",
    )
    Passenger = old_apps.get_model("bookings", "Passenger")
    Passenger.objects.create(booking=booking, position=0, type="adult", given_name="Ada", family_name="O'Neil-Smith")
    Passenger.objects.create(booking=booking, position=1, type="adult", given_name="", family_name="")  # erased

    with connection.cursor() as cursor:  # check the new rows' foreign keys now, so ALTER TABLE may run
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    new_apps = executor.loader.project_state(AFTER).apps
    rows = new_apps.get_model("bookings", "Passenger").objects.order_by("position")
    assert [(p.given_name_icao, p.family_name_icao) for p in rows] == [("ADA", "ONEIL SMITH"), ("", "")]
