"""Names as typed, in Latin script with any accents, and their ICAO 9303 transliteration."""

from __future__ import annotations

import pytest

from apps.bookings.names import name_icao, name_is_valid


@pytest.mark.parametrize(
    ("typed", "icao"),
    [
        ("José", "JOSE"),
        ("Núñez-García", "NUNEZ GARCIA"),
        ("O'Brien", "OBRIEN"),
        ("D\u2019Angelo", "DANGELO"),
        ("Müller", "MUELLER"),
        ("Åsa Öberg", "AASA OEBERG"),
        ("Bjørn Ærø", "BJOERN AEROE"),
        ("Straße", "STRASSE"),
        ("Łukasz Żółć", "LUKASZ ZOLC"),
        ("Þórður Ðorðević", "THORDUR DORDEVIC"),
        ("Œuvray", "OEUVRAY"),
        ("François  Çelik", "FRANCOIS CELIK"),
        ("Şerban Țepeș", "SERBAN TEPES"),
        ("Jose\u0301", "JOSE"),  # an accent typed as a combining mark
        ("van der Berg", "VAN DER BERG"),
    ],
)
def test_latin_names_with_diacritics_are_accepted_and_transliterated_per_icao_9303(typed, icao):
    assert name_is_valid(typed)
    assert name_icao(typed) == icao


@pytest.mark.parametrize(
    "typed",
    ["Ада", "李", "<img src=x>", "Ada1", "-Ada", "'Ada", "A" * 61, "", "Ada\u0000", "\u0301Ada", "\uff21da"],
)
def test_names_outside_latin_script_or_with_other_signs_are_refused(typed):
    assert not name_is_valid(typed)
