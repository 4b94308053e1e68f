from datetime import datetime
from decimal import Decimal

from django import template
from django.utils.dateparse import parse_datetime

from apps.core.money import money_format

register = template.Library()


def _parse(value: str | datetime | None) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return parse_datetime(value) if value else None


@register.filter
def iso_time(value: str | datetime | None) -> str:
    """`14:05` from an ISO 8601 time, in the offset it carries (the airport's local time)."""
    moment = _parse(value)
    return moment.strftime("%H:%M") if moment else ""


@register.filter
def iso_date(value: str | datetime | None) -> str:
    moment = _parse(value)
    return moment.strftime("%a %d %b %Y") if moment else ""


@register.filter
def duration(minutes: int | None) -> str:
    if minutes is None:
        return ""
    return f"{minutes // 60}h {minutes % 60:02d}m"


@register.simple_tag
def day_offset(departure: str | datetime | None, arrival: str | datetime | None) -> str:
    """`+1` when a flight lands on a later local date than it left (overnight flights)."""
    left, landed = _parse(departure), _parse(arrival)
    if not left or not landed:
        return ""
    days = (landed.date() - left.date()).days
    return f"{days:+d}" if days else ""


@register.filter
def money(amount: Decimal | str | None, currency: str) -> str:
    """`{{ booking.total_amount|money:booking.currency }}` → `1,234.50 EUR`."""
    if amount is None or amount == "":
        return ""
    return money_format(Decimal(amount), currency)
