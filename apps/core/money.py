"""Money is a Decimal and an ISO 4217 currency; never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Minor units per currency (ISO 4217); the default of 2 covers almost everything else.
_ZERO_DECIMAL = [
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "ISK",
    "JPY",
    "KMF",
    "KRW",
    "MGA",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
]
_MINOR_UNITS = {**dict.fromkeys(_ZERO_DECIMAL, 0), "BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3}

CURRENCY_MAX_DIGITS = 12
CURRENCY_DECIMAL_PLACES = 2


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


def money_format(amount: Decimal, currency: str) -> str:
    """`1,234.50 EUR`: the amount to the currency's minor units, then its code."""
    return f"{quantize(amount, currency):,f} {currency.upper()}"
