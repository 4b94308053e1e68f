"""Distances between airports and the block times that follow from them."""

from __future__ import annotations

import math
from decimal import Decimal

EARTH_RADIUS_KM = 6371.0088
CRUISE_KMH = 850  # a typical jet's average ground speed in cruise
TAXI_AND_APPROACH_MINUTES = 35
SHORT_HOP_KM, SHORT_HOP_EXTRA_MINUTES = 1000, 15  # climb and descent weigh more on short hops


def great_circle_km(
    lat1: Decimal | float, lon1: Decimal | float, lat2: Decimal | float, lon2: Decimal | float
) -> float:
    """Haversine distance in kilometres."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def block_minutes(distance_km: float) -> int:
    """Gate-to-gate time, rounded to 5 minutes as timetables are."""
    minutes = TAXI_AND_APPROACH_MINUTES + distance_km / CRUISE_KMH * 60
    if distance_km < SHORT_HOP_KM:
        minutes += SHORT_HOP_EXTRA_MINUTES
    return int(5 * round(minutes / 5))
