"""Checks for contact details that many apps take in: phone numbers (normalised to
E.164 with Google's libphonenumber rules) and email addresses safe to show and send to."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError

PHONE_MAX_LENGTH = 32
# What people type around the digits; anything else (letters, markup) is refused outright,
# since libphonenumber would happily find a number inside `<img src=x onerror=+44...>`.
PHONE_CHARACTERS = re.compile(r"\+?[0-9 ()./-]+")
PHONE_MESSAGE = "Give a phone number in international format, e.g. +44 20 7946 0958."
EMAIL_MESSAGE = "Give an email address without quotes, spaces or angle brackets."


def phone_e164(value: str) -> str:
    """A phone number as E.164 (`+442079460958`), or "" for none. Raises ValidationError
    unless it is a valid number with its country code (`+44 ...` or `0044 ...`)."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) > PHONE_MAX_LENGTH or not PHONE_CHARACTERS.fullmatch(text):
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_plain_check(value: str) -> None:
    """Refuse addresses that are valid by RFC 5321 but only as a vehicle for markup: a
    quoted local part (`"<script>"@example.com`), angle brackets, backslashes. No mail
    provider hands out such addresses; every page and email that shows one would have to."""
    if any(char in value for char in '"<>\\') or any(char.isspace() for char in value):
        raise ValidationError(EMAIL_MESSAGE, code="invalid_email")
