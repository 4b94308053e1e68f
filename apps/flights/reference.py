"""Reference data the network is built from: real airlines with their ticketing prefixes,
the busiest airports (for ranking autocomplete), and the few corrections that make
airportsdata read the way travellers search it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from apps.flights.text import search_key


@dataclass(frozen=True)
class AirlineSpec:
    iata_code: str
    name: str
    ticket_prefix: str  # the 3-digit airline accounting code that starts its ticket numbers


AIRLINES: tuple[AirlineSpec, ...] = (
    AirlineSpec("AA", "American Airlines", "001"),
    AirlineSpec("DL", "Delta Air Lines", "006"),
    AirlineSpec("AC", "Air Canada", "014"),
    AirlineSpec("UA", "United Airlines", "016"),
    AirlineSpec("TP", "TAP Air Portugal", "047"),
    AirlineSpec("EI", "Aer Lingus", "053"),
    AirlineSpec("AF", "Air France", "057"),
    AirlineSpec("KL", "KLM Royal Dutch Airlines", "074"),
    AirlineSpec("IB", "Iberia", "075"),
    AirlineSpec("QF", "Qantas", "081"),
    AirlineSpec("AY", "Finnair", "105"),
    AirlineSpec("SK", "SAS Scandinavian Airlines", "117"),
    AirlineSpec("BA", "British Airways", "125"),
    AirlineSpec("JL", "Japan Airlines", "131"),
    AirlineSpec("QR", "Qatar Airways", "157"),
    AirlineSpec("CX", "Cathay Pacific", "160"),
    AirlineSpec("EK", "Emirates", "176"),
    AirlineSpec("NH", "All Nippon Airways", "205"),
    AirlineSpec("LH", "Lufthansa", "220"),
    AirlineSpec("TK", "Turkish Airlines", "235"),
    AirlineSpec("OS", "Austrian Airlines", "257"),
    AirlineSpec("EY", "Etihad Airways", "607"),
    AirlineSpec("SQ", "Singapore Airlines", "618"),
    AirlineSpec("LX", "Swiss International Air Lines", "724"),
)

# The busiest airports by passengers (ACI World, 2023), busiest first: an airport's
# position here (from 1) is its `traffic_rank`.
MAJOR_AIRPORTS: tuple[str, ...] = (
    "ATL", "DXB", "DFW", "LHR", "HND", "DEN", "IST", "LAX", "ORD", "DEL",
    "CDG", "JFK", "CAN", "AMS", "MAD", "FRA", "SIN", "LAS", "MCO", "ICN",
    "CLT", "PEK", "BOM", "SZX", "MIA", "BKK", "SEA", "SFO", "BCN", "EWR",
    "PHX", "MEX", "PVG", "KUL", "IAH", "DOH", "MNL", "CKG", "YYZ", "CGK",
    "FCO", "SAW", "LGW", "BOS", "KMG", "HGH", "JED", "TFU", "GRU", "XIY",
    "SHA", "HKG", "BOG", "MUC", "SYD", "RUH", "BLR", "SGN", "MSP", "DTW",
    "LGA", "TPE", "FLL", "PMI", "AYT", "CUN", "LIS", "DUB", "SVO", "HAN",
    "MEL", "PHL", "ORY", "ZRH", "SLC", "BWI", "IAD", "DCA", "SAN", "TPA",
    "VIE", "CPH", "MXP", "OSL", "ARN", "ATH", "NRT", "AUH", "CTU", "PKX",
)  # fmt: skip

# Airports outside the list rank after every listed one; an "International" airport
# ranks a little ahead of an airfield with no scheduled service abroad.
UNRANKED_TRAFFIC_RANK = 100_000
INTERNATIONAL_BONUS = 1_000

# The city travellers (and airlines) name, where airportsdata gives a suburb or a local
# spelling. The data's own spelling stays searchable.
CITY_NAMES: dict[str, str] = {
    "IST": "Istanbul",
    "YYZ": "Toronto",
    "YUL": "Montreal",
    "TFU": "Chengdu",
    "XIY": "Xi'an",
    "DWC": "Dubai",
    "TSA": "Taipei",
    "BSL": "Basel",
    "CIA": "Rome",
    "FLR": "Florence",
    "VCE": "Venice",
    "NAP": "Naples",
    "TRN": "Turin",
    "BEG": "Belgrade",
    "SVQ": "Seville",
}

# Other names a traveller may type: the local name of the city, or an older one.
CITY_ALIASES: dict[str, tuple[str, ...]] = {
    "MUC": ("München",),
    "NUE": ("Nürnberg",),
    "CGN": ("Köln",),
    "VIE": ("Wien",),
    "FCO": ("Roma",),
    "MXP": ("Milano",),
    "LIN": ("Milano",),
    "LIS": ("Lisboa",),
    "PRG": ("Praha",),
    "WAW": ("Warszawa",),
    "GVA": ("Genève", "Genf"),
    "BRU": ("Bruxelles", "Brussel"),
    "CPH": ("København",),
    "GOT": ("Göteborg",),
    "ATH": ("Athína",),
    "SVO": ("Moskva",),
    "DME": ("Moskva",),
    "VKO": ("Moskva",),
    "LED": ("Saint Petersburg", "Sankt-Peterburg"),
    "KBP": ("Kiev",),
    "BEG": ("Beograd",),
    "OTP": ("București",),
    "BOM": ("Bombay",),
    "MAA": ("Madras",),
    "CCU": ("Calcutta",),
    "SGN": ("Saigon",),
    "EWR": ("New York",),
}


def traffic_rank(*, iata_code: str, name: str) -> int:
    """1 for the busiest airport; unlisted airports share a large rank."""
    if iata_code in _MAJOR_RANKS:
        return _MAJOR_RANKS[iata_code]
    if "international" in name.lower():
        return UNRANKED_TRAFFIC_RANK - INTERNATIONAL_BONUS
    return UNRANKED_TRAFFIC_RANK


def airport_record(*, iata_code: str, source: dict[str, Any]) -> dict[str, Any]:
    """The `Airport` field values for one airportsdata row."""
    name = source["name"].strip()
    data_city = source["city"].strip()
    city = CITY_NAMES.get(iata_code, data_city)
    other_names = [data_city] if data_city != city else []
    other_names.extend(CITY_ALIASES.get(iata_code, ()))
    return {
        "iata_code": iata_code,
        "name": name[:200],
        "city": city[:120],
        "country": source["country"],
        "time_zone": source["tz"],
        "latitude": _degrees(source["lat"]),
        "longitude": _degrees(source["lon"]),
        "search_text": airport_search_text(iata_code=iata_code, city=city, name=name, other_names=other_names),
        "traffic_rank": traffic_rank(iata_code=iata_code, name=name),
    }


def airport_search_text(*, iata_code: str, city: str, name: str, other_names: list[str]) -> str:
    """`code city name |other name |...`, folded by `search_key`. Autocomplete reads the
    city at a fixed offset after the code, and another name of the city after a "|", which
    no folded query can contain."""
    parts = [search_key(f"{iata_code} {city} {name}")]
    parts.extend(f"|{search_key(other)}" for other in other_names if search_key(other))
    return " ".join(parts)[:400]


def _degrees(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.000001"))


_MAJOR_RANKS = {code: rank for rank, code in enumerate(MAJOR_AIRPORTS, start=1)}
