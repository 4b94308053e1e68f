"""Dates of birth and travel documents are encrypted at rest, under keys from the
environment that can be rotated while the site runs."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.bookings.models import Passenger
from apps.core import crypto
from tests.privacy.conftest import BORN, EXPIRES, PASSPORT_NUMBER, trip_abroad

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ENCRYPTED_COLUMNS = "date_of_birth, document_type, document_number, document_country, nationality, document_expires_on"
KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _raw_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {ENCRYPTED_COLUMNS} FROM bookings_passenger ORDER BY id")
        return cursor.fetchall()


def test_a_database_dump_contains_no_readable_document_number_or_birth_date():
    trip_abroad(None)

    with connection.cursor() as cursor:
        cursor.execute("SELECT document_number, date_of_birth FROM bookings_passenger")
        (number, born), *_ = cursor.fetchall()

    assert PASSPORT_NUMBER not in number
    assert BORN.isoformat() not in born
    assert "1987" not in born
    dump = repr(_raw_rows())
    for plain in (PASSPORT_NUMBER, BORN.isoformat(), EXPIRES.isoformat(), "passport", "'US'"):
        assert plain not in dump
    assert all(crypto.looks_encrypted(value) for value in _raw_rows()[0])


def test_the_orm_reads_back_what_was_written():
    booking = trip_abroad(None)

    stored = Passenger.objects.get(booking=booking)

    assert (stored.date_of_birth, stored.document_number, stored.document_expires_on) == (
        BORN,
        PASSPORT_NUMBER,
        EXPIRES,
    )
    assert (stored.document_type, stored.document_country, stored.nationality) == ("passport", "US", "US")


def test_the_same_number_never_gives_the_same_ciphertext():
    booking = trip_abroad(None)
    Passenger.objects.create(booking=booking, position=1, type="adult", given_name="A", family_name="B",
                             document_number=PASSPORT_NUMBER)  # fmt: skip

    numbers = [row[2] for row in _raw_rows()]

    assert numbers[0] != numbers[1]


def test_empty_values_stay_empty():
    booking = trip_abroad(None)
    Passenger.objects.create(booking=booking, position=1, type="adult", given_name="A", family_name="B")

    assert _raw_rows()[1] == (None, "", "", "", "", None)
    assert Passenger.objects.get(position=1).date_of_birth is None


def test_encrypted_fields_cannot_be_filtered_on():
    with pytest.raises(FieldError, match="encrypted"):
        Passenger.objects.filter(document_number=PASSPORT_NUMBER).exists()


def test_rotation_moves_every_value_to_the_newest_key_and_the_old_key_can_go(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    booking = trip_abroad(None)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]

    call_command("encryption_keys_rotate", "--batch-size", "1", stdout=StringIO())

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    stored = Passenger.objects.get(booking=booking)
    assert (stored.document_number, stored.date_of_birth) == (PASSPORT_NUMBER, BORN)


def test_without_rotation_dropping_the_old_key_makes_values_unreadable(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    booking = trip_abroad(None)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]

    with pytest.raises(crypto.DecryptionFailed, match="encryption_keys_rotate"):
        Passenger.objects.get(booking=booking)


def test_rotation_check_fails_while_values_use_an_older_key(settings, capsys):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    trip_abroad(None)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]

    with pytest.raises(CommandError, match="older key"):
        call_command("encryption_keys_rotate", "--check")
    call_command("encryption_keys_rotate")
    call_command("encryption_keys_rotate", "--check")

    assert "bookings_passenger: 1 rows, 6 values re-encrypted" in capsys.readouterr().out


def test_rotation_never_overwrites_a_value_changed_while_it_runs(settings, monkeypatch):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    booking = trip_abroad(None)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    real_rotate = crypto.rotate

    def rotate_while_the_customer_edits(token):
        # Between the rotation's read and its write, the customer renews their passport.
        Passenger.objects.filter(booking=booking).update(document_number="N0000001")
        return real_rotate(token)

    monkeypatch.setattr(crypto, "rotate", rotate_while_the_customer_edits)
    (result,) = [r for r in crypto.encrypted_values_rotate() if r.table == "bookings_passenger"]

    assert result.rows_changed_meanwhile == 1
    assert Passenger.objects.get(booking=booking).document_number == "N0000001"


def test_the_migration_encrypts_rows_written_before_it():
    booking = trip_abroad(None)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bookings_passenger SET document_number = %s, date_of_birth = %s WHERE booking_id = %s",
            [PASSPORT_NUMBER, BORN.isoformat(), booking.pk],
        )
    migration = importlib.import_module("apps.bookings.migrations.0004_encrypt_passenger_documents")

    with connection.schema_editor() as editor:
        migration.encrypt_existing(None, editor)
        migration.encrypt_existing(None, editor)  # a second run leaves tokens alone

    number, born = _raw_rows()[0][2], _raw_rows()[0][0]
    assert PASSPORT_NUMBER not in number
    assert crypto.looks_encrypted(born)
    stored = Passenger.objects.get(booking=booking)
    assert (stored.document_number, stored.date_of_birth) == (PASSPORT_NUMBER, BORN)


def test_without_configured_keys_one_is_derived_from_the_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    token = crypto.encrypt("P1")

    settings.SECRET_KEY = "another-secret-key-0123456789-0123456789-0123456789"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(token)


def test_production_refuses_to_start_without_encryption_keys():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("FIELD_ENCRYPTION_KEYS", "DJANGO_SETTINGS_MODULE")
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "flightbook.settings.prod",
        "DJANGO_SECRET_KEY": "test-only-secret-key-that-is-long-enough-for-the-deploy-check-0123456789",
        "DJANGO_ALLOWED_HOSTS": "flightbook.example",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
    }
    code = "import django; django.setup()"

    missing = subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    present = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env | {"FIELD_ENCRYPTION_KEYS": KEY_A}, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip

    assert missing.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in missing.stderr
    assert present.returncode == 0, present.stderr
