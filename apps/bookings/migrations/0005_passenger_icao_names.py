"""Passenger names in their ICAO 9303 transliteration, filled in for existing passengers."""

from django.db import migrations, models

from apps.bookings.names import name_icao


def fill_icao_names(apps, schema_editor):
    Passenger = apps.get_model("bookings", "Passenger")
    batch = []
    for passenger in Passenger.objects.only("given_name", "family_name").iterator(chunk_size=2000):
        passenger.given_name_icao = name_icao(passenger.given_name)
        passenger.family_name_icao = name_icao(passenger.family_name)
        batch.append(passenger)
        if len(batch) == 2000:
            Passenger.objects.bulk_update(batch, ["given_name_icao", "family_name_icao"])
            batch = []
    Passenger.objects.bulk_update(batch, ["given_name_icao", "family_name_icao"])


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_encrypt_passenger_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="passenger",
            name="family_name_icao",
            field=models.CharField(blank=True, max_length=120, verbose_name="family name (ICAO 9303)"),
        ),
        migrations.AddField(
            model_name="passenger",
            name="given_name_icao",
            field=models.CharField(blank=True, max_length=120, verbose_name="given name (ICAO 9303)"),
        ),
        migrations.RunPython(fill_icao_names, migrations.RunPython.noop),
    ]
