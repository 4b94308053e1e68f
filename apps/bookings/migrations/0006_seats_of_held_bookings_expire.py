from django.db import migrations


def seats_expire_with_their_hold(apps, schema_editor):
    """Seats chosen on bookings still held take the hold's expiry (paid ones keep none)."""
    Booking = apps.get_model("bookings", "Booking")
    SeatAssignment = apps.get_model("inventory", "SeatAssignment")
    for locator, expires_at in Booking.objects.filter(status="held").values_list("locator", "hold_expires_at"):
        SeatAssignment.objects.filter(reference=locator, active=True).update(expires_at=expires_at)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0005_passenger_icao_names"),
        ("inventory", "0003_seat_assignment_expires_at"),
    ]

    operations = [migrations.RunPython(seats_expire_with_their_hold, migrations.RunPython.noop)]
