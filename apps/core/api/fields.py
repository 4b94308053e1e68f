"""Serializer fields shared by the apps' APIs."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": r"^[0-9]{1,10}\.[0-9]{2}$",
        "description": "An amount of money: a decimal string with two decimals, never negative, e.g. `129.00`.",
    }
)
class AmountField(serializers.DecimalField):
    """An amount of money as the API shows it: a decimal string with two decimals, never negative."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(max_digits=12, decimal_places=2, **kwargs)


class StrictBooleanField(serializers.BooleanField):
    """A JSON `true` or `false`, nothing else: DRF's BooleanField also takes `0`, `"yes"`
    and the like, which the OpenAPI document (`type: boolean`) says are wrong."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)
