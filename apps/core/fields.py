"""Model fields encrypted at rest (`apps.core.crypto`): the column is text holding a Fernet
token; Python code sees the plain value. The token differs on every write, so these fields
cannot be filtered, ordered or indexed on; only `isnull` works. An empty value ("" or
NULL) is stored as it is: there is nothing to hide in it."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from apps.core import crypto


class EncryptedFieldMixin:
    empty_values_stored_plain = (None, "")

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection) -> str:
        return models.TextField().db_type(connection)

    def get_lookup(self, lookup_name: str):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(f"{self.model.__name__}.{self.name} is encrypted: it cannot be filtered on ({lookup_name}).")

    def get_transform(self, lookup_name: str):
        raise FieldError(f"{self.model.__name__}.{self.name} is encrypted: it cannot be filtered on ({lookup_name}).")

    def to_plaintext(self, value: Any) -> str:
        return str(value)

    def from_plaintext(self, plaintext: str) -> Any:
        return plaintext

    def from_db_value(self, value: str | None, expression, connection) -> Any:
        if value in self.empty_values_stored_plain:
            return value
        return self.from_plaintext(crypto.decrypt(value))

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in self.empty_values_stored_plain:
            return value
        return crypto.encrypt(self.to_plaintext(value))

    def get_db_prep_value(self, value: Any, connection, prepared: bool = False) -> Any:
        # The token is text: skip the parent's adaptation of dates for the database.
        return value if prepared else self.get_prep_value(value)


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A CharField (max_length still validates input) stored encrypted."""


class EncryptedDateField(EncryptedFieldMixin, models.DateField):
    """A DateField stored encrypted (ISO 8601 inside the token)."""

    def to_plaintext(self, value: datetime.date) -> str:
        return value.isoformat()

    def from_plaintext(self, plaintext: str) -> datetime.date:
        return datetime.date.fromisoformat(plaintext)
