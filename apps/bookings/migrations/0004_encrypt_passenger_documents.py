"""Passengers' dates of birth and travel documents become encrypted text columns, and the
rows already there are encrypted in place (docs/privacy.md). Reversible: going back
decrypts them before the columns return to their old types."""

from django.db import migrations

import apps.core.fields
from apps.core import crypto

COLUMNS = ["date_of_birth", "document_type", "document_number", "document_country", "nationality", "document_expires_on"]
BATCH = 500


def _rewrite(schema_editor, transform) -> None:
    """Apply `transform` to every non-empty value of COLUMNS, batch by batch in id order.
    Raw SQL on purpose: the model fields of today would decrypt what is still plaintext."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = quote("bookings_passenger")
    select = f"SELECT id, {', '.join(quote(c) for c in COLUMNS)} FROM {table} WHERE id > %s ORDER BY id LIMIT {BATCH}"
    last_id = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(select, [last_id])
            rows = cursor.fetchall()
            if not rows:
                return
            for row_id, *values in rows:
                changed = {
                    column: transform(str(value))
                    for column, value in zip(COLUMNS, values, strict=True)
                    if value not in (None, "")
                }
                changed = {column: value for column, value in changed.items() if value is not None}
                if changed:
                    assignments = ", ".join(f"{quote(column)} = %s" for column in changed)
                    cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*changed.values(), row_id])
            last_id = rows[-1][0]


def encrypt_existing(apps, schema_editor) -> None:
    _rewrite(schema_editor, lambda value: None if crypto.looks_encrypted(value) else crypto.encrypt(value))


def decrypt_existing(apps, schema_editor) -> None:
    _rewrite(schema_editor, lambda value: crypto.decrypt(value) if crypto.looks_encrypted(value) else None)


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0003_partners_and_agent_grants'),
    ]

    operations = [
        migrations.AlterField(
            model_name='passenger',
            name='date_of_birth',
            field=apps.core.fields.EncryptedDateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='passenger',
            name='document_country',
            field=apps.core.fields.EncryptedCharField(blank=True, help_text='Issuing country, ISO 3166-1 alpha-2', max_length=2),
        ),
        migrations.AlterField(
            model_name='passenger',
            name='document_expires_on',
            field=apps.core.fields.EncryptedDateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='passenger',
            name='document_number',
            field=apps.core.fields.EncryptedCharField(blank=True, max_length=20),
        ),
        migrations.AlterField(
            model_name='passenger',
            name='document_type',
            field=apps.core.fields.EncryptedCharField(blank=True, choices=[('passport', 'Passport'), ('id_card', 'Identity card')], max_length=12),
        ),
        migrations.AlterField(
            model_name='passenger',
            name='nationality',
            field=apps.core.fields.EncryptedCharField(blank=True, max_length=2),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
