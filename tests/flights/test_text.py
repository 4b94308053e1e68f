"""Folding makes what a traveller types match what the data spells."""

from __future__ import annotations

import pytest

from apps.flights.text import fold, search_key


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zürich", "zurich"),
        ("São Paulo", "sao paulo"),
        ("MONTRÉAL", "montreal"),
        ("Kraków", "krakow"),
        ("Ålesund", "alesund"),
    ],
)
def test_fold_lower_cases_and_strips_accents(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Straße", "strasse"),
        ("Bodø", "bodo"),
        ("Ærø", "aero"),
        ("Łódź", "lodz"),
        ("Đà Nẵng", "da nang"),
        ("D\u0131yarbak\u0131r", "diyarbakir"),  # dotless i
        ("İstanbul", "istanbul"),
    ],
)
def test_fold_maps_letters_that_unicode_does_not_decompose(text, folded):
    assert fold(text) == folded


def test_fold_collapses_whitespace():
    assert fold("  New\t York \n  JFK ") == "new york jfk"


def test_fold_keeps_punctuation():
    assert fold("Saint-Félicien") == "saint-felicien"


def test_search_key_reads_punctuation_as_word_breaks_and_drops_apostrophes():
    assert search_key("Montréal-Pierre Elliott Trudeau") == "montreal pierre elliott trudeau"
    assert search_key("Chicago O'Hare") == search_key("chicago o\u2019hare") == "chicago ohare"
    assert search_key(" -- ") == ""
